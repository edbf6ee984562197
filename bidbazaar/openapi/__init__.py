"""The OpenAPI 3.1 document of the JSON API, built as a plain dict.

- openapi.schemas: the small builders and shared atoms (ids, money, times);
- openapi.requests: request bodies and query parameters, read from the forms;
- openapi.responses: response bodies, generated from the serialisers in models.py;
- openapi.operations: how an endpoint's entry becomes an operation (its common errors);
- openapi.paths: the table of every documented endpoint, keyed by Flask endpoint name.

tests/test_openapi.py keeps the paths in step with app.url_map and the request bodies with
the forms; tests/test_schemathesis.py fuzzes the API against the document.
"""

from __future__ import annotations

from typing import Any

from bidbazaar.openapi.account_email import account_email_schemas
from bidbazaar.openapi.alerts import alert_schemas
from bidbazaar.openapi.bookings import booking_schemas
from bidbazaar.openapi.email_preferences import email_preference_schemas
from bidbazaar.openapi.events import event_schemas
from bidbazaar.openapi.operations import ANONYMOUS, attach_media_examples, render
from bidbazaar.openapi.paths import operations
from bidbazaar.openapi.proxies import proxy_schemas
from bidbazaar.openapi.questions import question_schemas
from bidbazaar.openapi.requests import example_deadline, query_parameters, request_schemas
from bidbazaar.openapi.responses import response_schemas
from bidbazaar.openapi.schemas import ref
from bidbazaar.openapi.watching import watching_schemas
from bidbazaar.values import MAX_ID

__all__ = ["ANONYMOUS", "MAX_ID", "build_document", "example_deadline", "query_parameters", "ref"]

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

DESCRIPTION = """\
The JSON API of Bid Bazaar, a reverse-auction marketplace for home services: customers post
jobs, service providers bid the price down, the customer awards a bid.

**Authentication.** `POST /api/auth/login` answers with an `access_token`: send it as
`Authorization: Bearer <token>` (curl, Postman, mobile; no CSRF token needed). Browsers get an
HttpOnly session cookie instead; unsafe requests on a cookie session must carry the
`X-CSRFToken` header (the `csrf_token` of the login response or of `GET /api/auth/csrf`).

**Errors.** Every error is `{"error", "code", "details"}`; `code` is machine-readable (see
`ErrorCode`). A request body must be a JSON object sent as `application/json`. A method a path
does not support is 405 METHOD_NOT_ALLOWED (an `Error`) with an `Allow` header listing the methods
it has: no operation below can meet it, so none lists it; an unknown path is 404.

**Money** is a JSON number with at most 2 decimals; **times** are ISO 8601 in UTC with `Z`.
Live updates go over Socket.IO (namespace `/auctions`): see docs/realtime.md.
"""


def build_document(server_url: str | None = None) -> dict[str, Any]:
    """The document; with `server_url`, a `servers` entry pointing at it (for Postman and Swagger UI)."""
    paths: dict[str, Any] = {}
    for endpoint, op in operations().items():
        paths.setdefault(op.path, {})[op.method] = render(endpoint, op)
    responses = response_schemas()
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
            {"name": "bookings", "description": "After the award: offers, confirmation, completion, no-shows"},
            {"name": "reviews", "description": "Double-blind reviews, replies and moderation"},
            {"name": "alerts", "description": "Providers' saved searches: a job_alert for each new matching job"},
            {"name": "categories", "description": "The service taxonomy"},
            {"name": "meta", "description": "Health and this documentation"},
        ],
        "paths": paths,
        "components": {
            "schemas": {
                **responses,
                **request_schemas(),
                **booking_schemas(responses["BidFull"]["properties"]),
                **proxy_schemas(),
                **watching_schemas(responses["Auction"]["properties"]),
                **question_schemas(),
                **alert_schemas(),
                **account_email_schemas(),
                **email_preference_schemas(),
                **event_schemas(),
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
    attach_media_examples(paths, document["components"]["schemas"])
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "This server"}]
    return document
