"""How one documented endpoint becomes an OpenAPI operation.

An `Operation` says what is particular to an endpoint (its answer, body, query, own error
codes, who may call it); `render` adds the errors every request of its kind can meet,
once: a dead token, a database outage, the rate limits, a refused content type, a bad
body or query, an unknown id in the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bidbazaar.errors import STATUS_BY_CODE
from bidbazaar.forms import IDEMPOTENCY_KEY_PATTERN
from bidbazaar.openapi.responses import ERROR_DETAILS
from bidbazaar.openapi.schemas import Schema, json_content, obj, ref
from bidbazaar.rate_limits import EXEMPT_ENDPOINTS
from bidbazaar.values import MAX_ID

ERROR_DESCRIPTIONS = {
    400: "Invalid input: VALIDATION_ERROR names each bad field in `details`; INVALID_JSON for a malformed body.",
    401: "Not logged in, or an invalid, expired or revoked token (AUTH_REQUIRED); INVALID_CREDENTIALS on login.",
    403: "Not allowed; CSRF_FAILED when a cookie-session write lacks a valid X-CSRFToken.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "Request body larger than MAX_CONTENT_LENGTH.",
    415: "Request body is not application/json.",
    429: "Too many attempts; retry after the Retry-After seconds.",
    500: "Unexpected server error (never a stack trace).",
    503: "The database is briefly unavailable; retry after the Retry-After seconds.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "string"}}}

# Who may call an operation, as OpenAPI security requirements ({} = anonymous is fine).
# Bearer comes first everywhere: generators (openapi-to-postmanv2, openapi-fetch wrappers)
# take the first option, and a public operation that lists {} first gets no auth at all, so
# `GET /api/auctions?mine=true` would be 401 from a generated client.
ANONYMOUS = [{}]
PUBLIC = [{"bearerAuth": []}, {"cookieSession": []}, {}]
LOGGED_IN_READ = [{"bearerAuth": []}, {"cookieSession": []}]
LOGGED_IN_WRITE = [{"bearerAuth": []}, {"cookieSession": [], "csrfToken": []}]

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key by the same user returns the first response (same status and "
    "body) and creates nothing new; the same key on a different request is 409 CONFLICT.",
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    "example": "7d1c2f4e-create-once",
}


REPLAYED = {
    "Idempotency-Replayed": {
        "description": "`true` when this answer replays the first one for the same Idempotency-Key.",
        "schema": {"type": "string", "const": "true"},
    }
}


def error(status: int, codes: list[str]) -> dict[str, Any]:
    """An error response whose `code` is one of `codes`.

    A code with known details (responses.ERROR_DETAILS) is a variant of its own, whose `code`
    is that one and whose `details` is that schema; the other codes share one variant with an
    open `details`. The variants' codes differ, so exactly one matches: generated clients get
    a union a `code` check narrows (`if (e.code === "BID_TOO_HIGH") e.details.max_allowed`).
    """
    variants: list[Schema] = [
        {"allOf": [ref("Error"), {"properties": {"code": {"const": code}, "details": ref(ERROR_DETAILS[code][0])}}]}
        for code in codes
        if code in ERROR_DETAILS
    ]
    others = [code for code in codes if code not in ERROR_DETAILS]
    if others:
        variants.append({"allOf": [ref("Error"), {"properties": {"code": {"enum": others}}}]})
    schema = variants[0] if len(variants) == 1 else {"oneOf": variants}
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": json_content(schema)}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def path_parameter(name: str) -> dict[str, Any]:
    """An id in the path; larger than an INTEGER column holds is refused (http_guards)."""
    what = name.removesuffix("_id")
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1]},
        # Parameter-level: OAS 3.1 tools (openapi-to-postmanv2) ignore schema `examples`.
        "example": 1,
    }


def attach_media_examples(paths: dict[str, Any], schemas: dict[str, Schema]) -> None:
    """Give each JSON body that is a component with `examples` a media-type `example`.

    OpenAPI 3.1 generators read `content.application/json.example`, not the schema-level
    `examples`: without it Postman sends "<string>" for every field. Request bodies get one
    always (tests/test_openapi_examples.py checks); responses where their schema is a
    component that has one.
    """
    for operation in (op for ops in paths.values() for op in ops.values()):
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        for body in bodies:
            media = body.get("content", {}).get("application/json")
            if not media or "example" in media or "$ref" not in media["schema"]:
                continue
            component = schemas.get(media["schema"]["$ref"].rsplit("/", 1)[-1], {})
            if component.get("examples"):
                media["example"] = component["examples"][0]


def page_of(name: str, item: str, **extra: Schema) -> dict[str, Schema]:
    """A listing's body: a page of `item`s under `name`, its pagination, and any extra keys."""
    return {name: {"type": "array", "items": ref(item)}, "pagination": ref("Pagination"), **extra}


@dataclass(frozen=True)
class Operation:
    """One endpoint's documentation.

    auth: "none" (login/register), "public" (anyone; a token is optional) or "login".
    answer: (status, description, properties of the closed JSON object, all present except
    `optional`), or ready responses.
    codes: the operation's own error codes; each lands under its status from errors.py.
    """

    method: str
    path: str
    tag: str
    summary: str
    answer: tuple[int, str, dict[str, Schema]] | dict[str, Any]
    auth: str = "login"
    body: str | None = None
    body_required: bool = True
    query: list[dict[str, Any]] | None = None
    codes: tuple[str, ...] = ()
    idempotent: bool = False
    optional: tuple[str, ...] = ()
    description: str = ""


def render(endpoint: str, op: Operation) -> dict[str, Any]:
    """The OpenAPI operation object of the Flask endpoint `endpoint` (e.g. "api.place_bid")."""
    writes = op.method != "get"
    found: list[str] = ["AUTH_REQUIRED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]  # a dead token is a 401 anywhere
    if endpoint not in EXEMPT_ENDPOINTS:  # the health probe is never limited; every other route is
        found.append("RATE_LIMITED")
    if writes:
        found.append("UNSUPPORTED_MEDIA_TYPE")
        if op.auth == "login":
            found.append("CSRF_FAILED")
    if op.body:
        found += ["VALIDATION_ERROR", "INVALID_JSON", "PAYLOAD_TOO_LARGE"]
    if op.query:
        found.append("VALIDATION_ERROR")
    names = re.findall(r"{(\w+)}", op.path)
    if names:
        found.append("NOT_FOUND")
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys([*op.codes, *found]):
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)

    if isinstance(op.answer, tuple):
        status, summary_of_answer, properties = op.answer
        responses: dict[str, Any] = {
            str(status): {"description": summary_of_answer, "content": json_content(obj(properties, op.optional))}
        }
    else:
        responses = dict(op.answer)
    for status in sorted(by_status):
        responses.setdefault(str(status), error(status, by_status[status]))

    if op.idempotent:  # a replay answers the first status and body, marked by a header
        for status, response in responses.items():
            if status.startswith("2"):
                response["headers"] = {**response.get("headers", {}), **REPLAYED}

    rendered: dict[str, Any] = {"operationId": endpoint.rsplit(".", 1)[-1], "tags": [op.tag], "summary": op.summary}
    if op.description:
        rendered["description"] = op.description
    parameters = (
        [path_parameter(name) for name in names] + (op.query or []) + ([IDEMPOTENCY_KEY] if op.idempotent else [])
    )
    if parameters:
        rendered["parameters"] = parameters
    if op.body:
        rendered["requestBody"] = {"required": op.body_required, "content": json_content(ref(op.body))}
    if op.auth == "login":
        rendered["security"] = LOGGED_IN_WRITE if writes else LOGGED_IN_READ
    else:
        rendered["security"] = ANONYMOUS if op.auth == "none" else PUBLIC
    rendered["responses"] = responses
    return rendered
