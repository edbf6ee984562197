"""The OpenAPI 3.1 document of the JSON API, built as a plain dict.

Request bodies and query parameters are derived from the WTForms classes in forms.py
(field types, Length/NumberRange/Regexp/Email bounds, required fields, choices), so the
document cannot drift from the validation the API really does. Responses mirror the
serialisers in models.py and the bodies in api_routes.py/services.py; they are strict
(`additionalProperties: false`), so tests/test_schemathesis.py fails when a serialiser
grows a field the document does not name: add it here in the same change.

tests/test_openapi.py keeps the paths in step with app.url_map.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

from wtforms import BooleanField, DecimalField, IntegerField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Regexp

from bidbazaar import forms, services
from bidbazaar.errors import STATUS_BY_CODE
from bidbazaar.models import AuctionStatus, BidStatus, utcnow

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
MAX_ID = forms.MAX_ID  # also the bound http_guards.refuse_ids_past_integer puts on path ids

Schema = dict[str, Any]


# --------------------------------------------------------------------------- small builders


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema or "anyOf" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*types, "null"]}


def obj(properties: dict[str, Schema], optional: tuple[str, ...] = (), **extra: Any) -> Schema:
    """A closed object whose properties are all required unless named in `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        **extra,
    }


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def example_deadline() -> str:
    """A deadline a week from now, in India time (examples must stay valid as time passes)."""
    moment = (utcnow() + timedelta(days=7)).astimezone(timezone(timedelta(hours=5, minutes=30)))
    return moment.replace(microsecond=0, second=0, minute=0).isoformat()


STRING_RULES = "Leading and trailing whitespace is removed before the length is checked; NUL characters are refused."
MONEY: Schema = {"type": "number", "description": "Rupees: a JSON number with at most 2 decimals (1500.5)."}
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z."}
ID: Schema = {"type": "integer", "minimum": 1}
MESSAGE: Schema = {"type": "string"}


# --------------------------------------------------------------------------- forms -> JSON Schema


def form_fields(form_cls: type) -> list[tuple[str, UnboundField]]:
    """The form's fields in declaration order, read from the class (no app context needed)."""
    fields = [
        (name, value)
        for name in dir(form_cls)
        if not name.startswith("_") and isinstance(value := getattr(form_cls, name), UnboundField)
    ]
    return sorted(fields, key=lambda item: item[1].creation_counter)


def field_validators(unbound: UnboundField) -> list[Any]:
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or [])
    return list(unbound.args[1]) if len(unbound.args) > 1 else []


def field_label(unbound: UnboundField) -> str | None:
    label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else None)
    return label if isinstance(label, str) else None


def is_required(unbound: UnboundField) -> bool:
    return any(isinstance(v, (DataRequired, InputRequired)) for v in field_validators(unbound))


def field_type(field_class: type) -> Schema:
    """The JSON type forms.parse_json_form accepts for a field (same precedence as forms._json_types)."""
    declared = getattr(field_class, "json_types", None)
    if declared:
        if list in declared:  # forms.IdListField: at most 1000 ids, each a valid INTEGER id
            return {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": forms.MAX_ID},
                "maxItems": 1000,
            }
        if Decimal in declared:
            return {"type": "number", "multipleOf": 0.01}
        if issubclass(field_class, forms.UTCDateTimeField):
            return {"type": "string", "format": "date-time"}
        return {"type": "string"}
    if issubclass(field_class, BooleanField):
        return {"type": "boolean"}
    if issubclass(field_class, IntegerField):
        return {"type": "integer"}
    if issubclass(field_class, DecimalField):
        return {"type": "number"}
    return {"type": "string"}


def field_schema(unbound: UnboundField, *, allow_null: bool) -> Schema:
    schema = field_type(unbound.field_class)
    label = field_label(unbound)
    if label:
        schema["title"] = label
    numeric = schema["type"] in ("integer", "number")
    for validator in field_validators(unbound):
        if isinstance(validator, Length):
            if validator.min is not None and validator.min > 0:
                schema["minLength"] = validator.min
            if validator.max is not None and validator.max >= 0:
                schema["maxLength"] = validator.max
        elif isinstance(validator, NumberRange) and numeric:
            if validator.min is not None:
                schema["minimum"] = _number(validator.min)
            if validator.max is not None:
                schema["maximum"] = _number(validator.max)
        elif isinstance(validator, Regexp):
            schema["pattern"] = validator.regex.pattern
        elif isinstance(validator, Email):
            schema["format"] = "email"
        elif isinstance(validator, AnyOf):
            schema["enum"] = list(validator.values)
        elif isinstance(validator, DataRequired) and schema["type"] == "string":
            schema.setdefault("minLength", 1)  # and not blank once stripped
    if issubclass(unbound.field_class, SelectField):
        schema["enum"] = [getattr(choice, "value", choice) for choice in _choices(unbound)]
    if schema["type"] == "string" and "enum" not in schema:
        schema["description"] = STRING_RULES if "filters" in unbound.kwargs else "Must not contain NUL characters."
    if "default" in unbound.kwargs and unbound.kwargs["default"] is not None:
        schema["default"] = unbound.kwargs["default"]
    return nullable(schema) if allow_null else schema


def _choices(unbound: UnboundField) -> list[Any]:
    values = []
    for choice in unbound.kwargs.get("choices") or []:
        values.append(choice.value if hasattr(choice, "value") else choice[0] if isinstance(choice, tuple) else choice)
    return values


def form_body(
    form_cls: type, *, partial: bool = False, description: str = "", example: Any = None, **extra: Any
) -> Schema:
    """The JSON object forms.parse_json_form(form_cls) accepts.

    Unknown fields are refused; JSON null stands for "not given" on optional fields and is
    refused on required ones. With partial=True (PUT) every field is optional.
    """
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for name, unbound in form_fields(form_cls):
        needed = is_required(unbound)
        properties[name] = field_schema(unbound, allow_null=not needed)
        if needed and not partial:
            required.append(name)
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    schema.update(extra)
    if description:
        schema["description"] = description
    if example is not None:
        schema["examples"] = [example]
    return schema


def query_parameters(form_cls: type, names: tuple[str, ...] | None = None) -> list[Schema]:
    """Query-string parameters validated by a form (forms.parse_query)."""
    parameters = []
    for name, unbound in form_fields(form_cls):
        if names is not None and name not in names:
            continue
        schema = field_schema(unbound, allow_null=False)
        schema.pop("title", None)
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    return parameters


# --------------------------------------------------------------------------- response schemas


USER_PUBLIC = {
    "id": ID,
    "username": {"type": "string"},
    "is_service_provider": {"type": "boolean"},
    "provider_verified": {"type": "boolean"},
    "created_at": TIMESTAMP,
}
USER_PRIVATE = {
    **USER_PUBLIC,
    "email": {"type": "string"},
    "is_admin": {"type": "boolean"},
    "is_active": {"type": "boolean"},
}
USER_COUNTS = {"auction_count": {"type": "integer", "minimum": 0}, "bid_count": {"type": "integer", "minimum": 0}}

CATEGORY = {
    "id": ID,
    "name": {"type": "string"},
    "description": {"type": ["string", "null"]},
    "parent_id": {"type": ["integer", "null"]},
}

AUCTION = {
    "id": ID,
    "title": {"type": "string"},
    "description": {"type": "string"},
    "category_id": ID,
    "category_name": {"type": "string"},
    "location": {"type": "string"},
    "budget_min": MONEY,
    "budget_max": MONEY,
    "deadline": TIMESTAMP,
    "requirements": {"type": ["string", "null"]},
    "status": {"type": "string", "enum": list(AuctionStatus.ALL)},
    "created_by": ID,
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
    "closed_at": nullable(TIMESTAMP),
    "bid_count": {"type": "integer", "minimum": 0},
    "lowest_bid": nullable(MONEY),
    "is_mine": {"type": "boolean", "description": "True when the viewer created this auction."},
}

BID_PUBLIC = {
    "id": ID,
    "auction_id": ID,
    "amount": MONEY,
    "status": {"type": "string", "enum": list(BidStatus.ALL)},
    "created_at": TIMESTAMP,
    "bidder": {"type": "string", "pattern": "^Bidder [0-9]+$", "description": "Stable pseudonym on this auction."},
    "is_mine": {"type": "boolean"},
}
BID_FULL = {
    **BID_PUBLIC,
    "user_id": ID,
    "username": {"type": "string"},
    "description": {"type": "string"},
    "estimated_duration": {"type": ["string", "null"]},
    "notes": {"type": ["string", "null"]},
    "updated_at": TIMESTAMP,
}

PAGINATION = {
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "total": {"type": "integer", "minimum": 0},
    "pages": {"type": "integer", "minimum": 0},
}

CREDENTIALS = {
    "access_token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
    "token_type": {"type": "string", "const": "Bearer"},
    "expires_at": TIMESTAMP,
    "csrf_token": {"type": "string", "description": "Send as X-CSRFToken on unsafe cookie-session requests."},
}


def component_schemas() -> dict[str, Schema]:
    return {
        "ErrorCode": {
            "type": "string",
            "enum": list(STATUS_BY_CODE),
            "description": "Machine-readable error code; the HTTP status follows from it.",
        },
        "Error": obj(
            {
                "error": {"type": "string", "description": "Human-readable message."},
                "code": ref("ErrorCode"),
                "details": {
                    "type": "object",
                    "description": "Per-field messages for VALIDATION_ERROR; rule data (e.g. max_allowed) otherwise.",
                },
            },
            examples=[
                {"error": "Validation failed", "code": "VALIDATION_ERROR", "details": {"title": "Field is required."}}
            ],
        ),
        "UserPublic": obj(USER_PUBLIC, description="What anyone may see of a user: no email."),
        "UserPrivate": obj(USER_PRIVATE, description="What a user sees of itself."),
        "Profile": obj(
            {**USER_PRIVATE, **USER_COUNTS, "unread_count": {"type": "integer", "minimum": 0}},
        ),
        "PublicProfile": obj(
            {**USER_PUBLIC, "auction_count": USER_COUNTS["auction_count"]},
            description="No bid_count: nothing public may move when a user bids.",
        ),
        "Category": obj(CATEGORY),
        "CategoryNode": obj({**CATEGORY, "subcategories": {"type": "array", "items": ref("CategoryNode")}}),
        "Auction": obj(AUCTION, description="The listing view of an auction."),
        "AuctionDetail": obj(
            {
                **AUCTION,
                "creator": ref("UserPublic"),
                "bids": {
                    "type": "array",
                    "items": ref("Bid"),
                    "maxItems": 50,
                    "description": "The latest 50 bids, newest first, under the privacy rules.",
                },
                "winning_bid": nullable(ref("Bid")),
                "server_time": TIMESTAMP,
                "seconds_remaining": {"type": "integer", "minimum": 0},
                "last_seq": {"type": "integer", "minimum": 0, "description": "Seq of the auction's latest event."},
            },
            description="GET /api/auctions/{id}; the same JSON as the join_auction snapshot.",
        ),
        "BidPublic": obj(BID_PUBLIC, description="A competitor's or anonymous viewer's view of a bid."),
        "BidFull": obj(BID_FULL, description="The bidder's own bid, or any bid as seen by the creator or an admin."),
        "Bid": {"anyOf": [ref("BidPublic"), ref("BidFull")]},
        "Pagination": obj(PAGINATION),
        "AuctionEvent": obj(
            {
                "auction_id": ID,
                "seq": {"type": "integer", "minimum": 1},
                "type": {"type": "string", "description": "auction_created, bid_placed, bid_withdrawn, ..."},
                "payload": {"type": "object"},
                "created_at": TIMESTAMP,
                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            }
        ),
        "Notification": obj(
            {
                "id": ID,
                "type": {"type": "string", "description": "new_bid, outbid, auction_won, auction_lost, ..."},
                "auction_id": {"type": ["integer", "null"]},
                "message": {"type": "string"},
                "data": {"type": "object"},
                "created_at": TIMESTAMP,
                "read": {"type": "boolean"},
            }
        ),
        "RegisterRequest": form_body(
            forms.RegisterForm,
            example={
                "username": "asha",
                "email": "asha@example.com",
                "password": "s3cret-pass",
                "is_service_provider": False,
            },
        ),
        "LoginRequest": form_body(
            forms.LoginForm,
            description="`username` is the username or the email, case-insensitively.",
            example={"username": "asha", "password": "s3cret-pass"},
        ),
        "ProfileUpdate": form_body(
            forms.ProfileForm,
            partial=True,
            description="Only the fields given change. `new_password` needs `current_password`; it ends every "
            "other session and token and answers with fresh credentials.",
            example={"is_service_provider": True},
        ),
        "AuctionCreate": form_body(
            forms.AuctionForm,
            description="`budget_max` must be at least `budget_min`; `deadline` carries a timezone and lies in the "
            f"future, at most {services.MAX_AUCTION_LENGTH.days} days ahead; `category_id` must exist. "
            "Honours `Idempotency-Key`.",
            example={
                "title": "Weekly cleaning, 3BHK",
                "description": "Weekly cleaning for a 3-bedroom flat in Andheri West, own supplies.",
                "category_id": 1,
                "location": "Mumbai, Maharashtra",
                "budget_min": 1000,
                "budget_max": 2000,
                "deadline": example_deadline(),
            },
        ),
        "AuctionUpdate": form_body(
            forms.AuctionForm,
            partial=True,
            description="Only the fields given change. Once the first bid exists only a later `deadline` and "
            "`requirements` may change (anything else is 409 AUCTION_LOCKED).",
            example={"requirements": "Bring a ladder."},
            minProperties=1,
        ),
        "BidCreate": form_body(
            forms.BidForm,
            description="`amount` must be at most `budget_max` and at least BID_MIN_DECREMENT below the current "
            "lowest active bid. Honours `Idempotency-Key`.",
            example={"amount": 1400, "description": "Two cleaners, 3 hours, own supplies", "estimated_duration": "3h"},
        ),
        "AwardRequest": form_body(forms.AwardForm, example={"bid_id": 1}),
        "CategoryCreate": form_body(forms.CategoryForm, example={"name": "Gardening", "parent_id": None}),
        "CategoryUpdate": form_body(forms.CategoryForm, partial=True, example={"description": "Lawns and plants"}),
        "NotificationsRead": form_body(
            forms.NotificationsReadForm,
            description='Give `ids` or `"all": true`.',
            example={"ids": [1, 2]},
            anyOf=[{"required": ["ids"]}, {"required": ["all"]}],
        ),
    }


# --------------------------------------------------------------------------- responses


# --------------------------------------------------------------------------- responses


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


COUNT: Schema = {"type": "integer", "minimum": 0}


def page_of(name: str, item: str, **extra: Schema) -> dict[str, Schema]:
    return {name: {"type": "array", "items": ref(item)}, "pagination": ref("Pagination"), **extra}


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


def error(status: int, codes: list[str]) -> dict[str, Any]:
    """An error response whose `code` is one of `codes`."""
    schema = {"allOf": [ref("Error"), {"properties": {"code": {"enum": codes}}}]}
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": json_content(schema)}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


# Who may call an operation, as OpenAPI security requirements ({} = anonymous is fine).
ANONYMOUS = [{}]
PUBLIC = [{}, {"bearerAuth": []}, {"cookieSession": []}]
LOGGED_IN_READ = [{"bearerAuth": []}, {"cookieSession": []}]
LOGGED_IN_WRITE = [{"bearerAuth": []}, {"cookieSession": [], "csrfToken": []}]

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key by the same user returns the first response (same status and "
    "body) and creates nothing new; the same key on a different request is 409 CONFLICT.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}


def path_parameter(name: str) -> dict[str, Any]:
    what = name.removesuffix("_id")
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1]},
    }


def operation(
    method: str,
    path: str,
    endpoint: str,
    tag: str,
    summary: str,
    answer: tuple[int, str, dict[str, Schema]] | dict[str, Any],
    *,
    auth: str = "login",
    body: str | None = None,
    body_required: bool = True,
    query: list[dict[str, Any]] | None = None,
    codes: tuple[str, ...] = (),
    idempotent: bool = False,
    optional: tuple[str, ...] = (),
    description: str = "",
) -> tuple[str, str, dict[str, Any]]:
    """One operation; the errors every request of its kind can meet are added here, once.

    auth: "none" (login/register), "public" (anyone; a token is optional) or "login".
    answer: (status, description, properties of the closed JSON object, all present except
    `optional`), or ready responses.
    codes: the operation's own error codes; each lands under its status from errors.py.
    """
    writes = method != "get"
    found: list[str] = ["AUTH_REQUIRED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]  # a dead token is a 401 anywhere
    if endpoint != "api.health":  # every route but the health probe has at least the default limit
        found.append("RATE_LIMITED")
    if writes:
        found.append("UNSUPPORTED_MEDIA_TYPE")
        if auth == "login":
            found.append("CSRF_FAILED")
    if body:
        found += ["VALIDATION_ERROR", "INVALID_JSON", "PAYLOAD_TOO_LARGE"]
    if query:
        found.append("VALIDATION_ERROR")
    names = re.findall(r"{(\w+)}", path)
    if names:
        found.append("NOT_FOUND")
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys([*codes, *found]):
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)

    if isinstance(answer, tuple):
        status, summary_of_answer, properties = answer
        responses: dict[str, Any] = {
            str(status): {"description": summary_of_answer, "content": json_content(obj(properties, optional))}
        }
    else:
        responses = dict(answer)
    for status in sorted(by_status):
        responses.setdefault(str(status), error(status, by_status[status]))

    op: dict[str, Any] = {"operationId": endpoint, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    parameters = [path_parameter(name) for name in names] + (query or []) + ([IDEMPOTENCY_KEY] if idempotent else [])
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = {"required": body_required, "content": json_content(ref(body))}
    if auth == "login":
        op["security"] = LOGGED_IN_WRITE if writes else LOGGED_IN_READ
    else:
        op["security"] = ANONYMOUS if auth == "none" else PUBLIC
    op["responses"] = responses
    return path, method, op


def page_query(*extra: str) -> list[dict[str, Any]]:
    return query_parameters(forms.PageForm, ("page", "per_page", *extra))


# --------------------------------------------------------------------------- paths


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    message = {"message": MESSAGE}
    bid_placed = {
        **message,
        "bid": ref("BidFull"),
        "auction": obj(
            {"id": ID, "lowest_bid": nullable(MONEY), "bid_count": {"type": "integer"}, "deadline": TIMESTAMP}
        ),
    }
    queue_state = {"enum": ["ok", "down", "not_configured"]}
    health_ok = obj({"status": {"enum": ["ok", "degraded"]}, "database": {"const": "ok"}, "message_queue": queue_state})
    health_down = obj({"status": {"const": "unavailable"}, "database": {"const": "down"}, "message_queue": queue_state})
    return [
        # auth
        operation(
            "post", "/api/auth/register", "register", "auth", "Create an account",
            (201, "Registered", {**message, "user": ref("UserPrivate")}),
            auth="none", body="RegisterRequest", codes=("USERNAME_TAKEN", "EMAIL_TAKEN"),
        ),
        operation(
            "post", "/api/auth/login", "login", "auth",
            "Log in: a session cookie for browsers and a bearer token for everyone else",
            (200, "Logged in", {**message, "user": ref("UserPrivate"), **CREDENTIALS}),
            auth="none", body="LoginRequest", codes=("INVALID_CREDENTIALS", "RATE_LIMITED"),
            description="Unknown user, wrong password and deactivated account get the same 401.",
        ),
        operation(
            "post", "/api/auth/logout", "logout", "auth", "End this session, or revoke this bearer token",
            (200, "Logged out", message),
        ),
        operation(
            "get", "/api/auth/csrf", "csrf_token", "auth", "A CSRF token for cookie-session writes",
            (200, "The token", {"csrf_token": {"type": "string"}}), auth="public",
        ),
        # users
        operation(
            "get", "/api/users/profile", "get_profile", "users", "The current user's profile",
            (200, "The profile", {"user": ref("Profile")}),
        ),
        operation(
            "put", "/api/users/profile", "update_profile", "users", "Change email, provider status or password",
            (200, "Updated; a password change also returns fresh credentials",
             {**message, "user": ref("Profile"), **CREDENTIALS}),
            body="ProfileUpdate", body_required=False, codes=("EMAIL_TAKEN",), optional=tuple(CREDENTIALS),
        ),
        operation(
            "get", "/api/users/{user_id}", "public_profile", "users", "A user's public profile (no email)",
            (200, "The profile", {"user": ref("PublicProfile")}), auth="public",
        ),
        # auctions
        operation(
            "get", "/api/auctions", "list_auctions", "auctions", "Search auctions",
            (200, "A page of auctions", page_of("auctions", "Auction")),
            auth="public", query=query_parameters(forms.AuctionSearchForm),
            description="`category` includes its subcategories; `location` and `q` match case-insensitive "
            "substrings; `min_budget`/`max_budget` select budgets overlapping that range; `mine=true` needs a "
            "login (401 otherwise); `per_page` above 100 is clamped to 100.",
        ),
        operation(
            "post", "/api/auctions", "create_auction", "auctions", "Post a job for providers to bid on",
            (201, "Created (or the replay of a keyed retry)", {**message, "auction": ref("Auction")}),
            body="AuctionCreate", idempotent=True, codes=("CONFLICT",),
        ),
        operation(
            "get", "/api/auctions/{auction_id}", "get_auction", "auctions", "An auction with its latest bids",
            (200, "The auction", {"auction": ref("AuctionDetail")}), auth="public",
        ),
        operation(
            "put", "/api/auctions/{auction_id}", "update_auction", "auctions", "Edit an active auction (its creator)",
            (200, "Updated", {**message, "auction": ref("Auction")}),
            body="AuctionUpdate", codes=("FORBIDDEN", "AUCTION_CLOSED", "AUCTION_LOCKED"),
        ),
        operation(
            "post", "/api/auctions/{auction_id}/cancel", "cancel_auction", "auctions",
            "Cancel an active auction (its creator or an admin)",
            (200, "Cancelled", {**message, "auction": ref("Auction")}), codes=("FORBIDDEN", "AUCTION_CLOSED"),
        ),
        operation(
            "post", "/api/auctions/{auction_id}/award", "award_auction", "auctions",
            "Pick the winning bid (the creator, while active)",
            (200, "Completed", {**message, "auction": ref("AuctionDetail")}),
            body="AwardRequest", codes=("FORBIDDEN", "AUCTION_CLOSED", "CONFLICT"),
        ),
        # bids
        operation(
            "get", "/api/auctions/{auction_id}/bids", "list_bids", "bids", "An auction's bids, newest first",
            (200, "A page of bids", page_of("bids", "Bid")), auth="public", query=page_query(),
            description="The creator and admins see every field; a bidder its own bids in full; everyone "
            "else amount, status, time and a pseudonym.",
        ),
        operation(
            "post", "/api/auctions/{auction_id}/bids", "place_bid", "bids",
            "Offer to do the job for a lower price (service providers)",
            (201, "Accepted (or the replay of a keyed retry)", bid_placed),
            body="BidCreate", idempotent=True,
            codes=("NOT_A_PROVIDER", "PROVIDER_NOT_VERIFIED", "SELF_BID", "AUCTION_CLOSED", "ALREADY_LOWEST",
                   "BID_TOO_HIGH", "CONFLICT"),
            description="BID_TOO_HIGH carries `lowest_bid`, `max_allowed` and `min_decrement` in `details`.",
        ),
        operation(
            "delete", "/api/auctions/{auction_id}/bids/{bid_id}", "withdraw_bid", "bids",
            "Withdraw your active bid while the auction is active",
            (200, "Withdrawn (the bid is kept with status withdrawn)", {**message, "bid": ref("BidFull")}),
            codes=("FORBIDDEN", "AUCTION_CLOSED", "CONFLICT"),
        ),
        # event log
        operation(
            "get", "/api/auctions/{auction_id}/events", "list_events", "events",
            "The auction's audit timeline, oldest first",
            (200, "A page of events", page_of("events", "AuctionEvent")), auth="public", query=page_query(),
        ),
        operation(
            "get", "/api/auctions/{auction_id}/events/verify", "verify_events", "events",
            "Recompute the event log's hash chain",
            (200, "`broken_seq` is the first event whose hash does not match",
             {"valid": {"type": "boolean"}, "events": {"type": "integer", "minimum": 0},
              "broken_seq": {"type": "integer"}}),
            auth="public", optional=("broken_seq",),
        ),
        # notifications
        operation(
            "get", "/api/notifications", "list_notifications", "notifications", "Your notifications, newest first",
            (200, "A page of notifications", page_of("notifications", "Notification", unread_count=COUNT)),
            query=page_query("unread_only"),
        ),
        operation(
            "post", "/api/notifications/read", "read_notifications", "notifications", "Mark notifications read",
            (200, "How many were marked", {"marked": COUNT, "unread_count": COUNT}), body="NotificationsRead",
            codes=("NOT_FOUND",), description="An id that is not one of your notifications is a 404 and marks nothing.",
        ),
        # categories (admins write; a sibling with the same name is a 409 CONFLICT)
        operation(
            "get", "/api/categories", "list_categories", "categories",
            "The category tree (or a flat list with flat=true)",
            (200, "The categories, by name", {"categories": {"anyOf": [
                {"type": "array", "items": ref("CategoryNode")}, {"type": "array", "items": ref("Category")}]}}),
            auth="public", query=query_parameters(forms.PageForm, ("flat",)),
        ),
        operation(
            "post", "/api/categories", "create_category", "categories", "Create a category (admins)",
            (201, "Created", {**message, "category": ref("Category")}),
            body="CategoryCreate", codes=("FORBIDDEN", "CONFLICT"),
        ),
        operation(
            "put", "/api/categories/{category_id}", "update_category", "categories",
            "Rename or move a category (admins)",
            (200, "Updated", {**message, "category": ref("Category")}),
            body="CategoryUpdate", body_required=False, codes=("FORBIDDEN", "CONFLICT"),
        ),
        operation(
            "delete", "/api/categories/{category_id}", "delete_category", "categories",
            "Delete an unused category (admins)",
            (200, "Deleted", message), codes=("FORBIDDEN", "CONFLICT"),
            description="Refused with 409 CONFLICT while auctions or subcategories use it.",
        ),
        # meta
        operation(
            "get", "/api/health", "health", "meta", "Liveness and database check",
            {
                "200": {"description": "Up", "content": json_content(health_ok)},
                "503": {
                    "description": ERROR_DESCRIPTIONS[503],
                    "headers": RETRY_AFTER,
                    "content": json_content({"anyOf": [health_down, ref("Error")]}),
                },
            },
            auth="public",
        ),
        operation(
            "get", "/api/openapi.json", "openapi_document", "meta", "This document",
            {"200": {"description": "OpenAPI 3.1", "content": json_content({"type": "object", "required": ["openapi"]})}},
            auth="public",
        ),
        operation(
            "get", "/api/docs", "api_docs", "meta", "Interactive documentation (Swagger UI, served offline)",
            {"200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
            auth="public",
        ),
    ]  # fmt: skip


DESCRIPTION = """\
The JSON API of Bid Bazaar, a reverse-auction marketplace for home services: customers post
jobs, service providers bid the price down, the customer awards a bid.

**Authentication.** `POST /api/auth/login` answers with an `access_token`: send it as
`Authorization: Bearer <token>` (curl, Postman, mobile; no CSRF token needed). Browsers get an
HttpOnly session cookie instead; unsafe requests on a cookie session must carry the
`X-CSRFToken` header (the `csrf_token` of the login response or of `GET /api/auth/csrf`).

**Errors.** Every error is `{"error", "code", "details"}`; `code` is machine-readable (see
`ErrorCode`). A request body must be a JSON object sent as `application/json`. A method a path
does not support is 405 METHOD_NOT_ALLOWED with an `Allow` header; an unknown path is 404.

**Money** is a JSON number with at most 2 decimals; **times** are ISO 8601 in UTC with `Z`.
Live updates go over Socket.IO (namespace `/auctions`): see docs/realtime.md.
"""


def build_document(server_url: str | None = None) -> dict[str, Any]:
    """The document; with `server_url`, a `servers` entry pointing at it (for Postman and Swagger UI)."""
    paths: dict[str, Any] = {}
    for path, method, op in operations():
        paths.setdefault(path, {})[method] = op
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Bid Bazaar API", "version": API_VERSION, "description": DESCRIPTION},
        "tags": [
            {"name": "auth", "description": "Accounts, sessions and tokens"},
            {"name": "users", "description": "Profiles"},
            {"name": "auctions", "description": "Jobs customers post"},
            {"name": "bids", "description": "Providers' offers (lowest wins)"},
            {"name": "events", "description": "Each auction's hash-chained audit log"},
            {"name": "notifications", "description": "Stored notifications"},
            {"name": "categories", "description": "The service taxonomy"},
            {"name": "meta", "description": "Health and this documentation"},
        ],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "responses": {
                # Not attached to operations (a documented method never meets it): the shape of a
                # request with a method the path does not support.
                "MethodNotAllowed": {
                    "description": "The path exists but not with this method; `Allow` lists the methods it has.",
                    "headers": {"Allow": {"schema": {"type": "string"}, "description": "e.g. `GET, PUT, OPTIONS`"}},
                    "content": json_content(
                        {"allOf": [ref("Error"), {"properties": {"code": {"const": "METHOD_NOT_ALLOWED"}}}]}
                    ),
                }
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The `access_token` from POST /api/auth/login (expires after TOKEN_TTL_DAYS).",
                },
                "cookieSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser session set by POST /api/auth/login (`__Host-session` over HTTPS).",
                },
                "csrfToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "Required with the session cookie on POST, PUT and DELETE.",
                },
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "This server"}]
    return document
