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

from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

from wtforms import BooleanField, DecimalField, IntegerField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Regexp

import forms
import services
from errors import STATUS_BY_CODE
from models import AuctionStatus, BidStatus, utcnow

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
MAX_ID = forms.MAX_ID  # also the bound of the <int:...> path converter (app.BoundedIntConverter)

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


_max_length = getattr(services, "MAX_AUCTION_LENGTH", None)
DEADLINE_LIMIT = f", at most {_max_length.days} days ahead" if _max_length else ""


def example_deadline() -> str:
    """A deadline a week from now (examples must stay valid as time passes)."""
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
        "PublicProfile": obj({**USER_PUBLIC, **USER_COUNTS}),
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
            f"future{DEADLINE_LIMIT}; `category_id` must exist. Honours `Idempotency-Key`.",
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


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def ok(description: str, properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"description": description, "content": json_content(obj(properties, optional))}


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


def error(status: int, *codes: str) -> dict[str, Any]:
    """An error response whose `code` is one of `codes` (each must belong to this status)."""
    for code in codes:
        assert STATUS_BY_CODE[code] == status, (code, status)
    schema = {"allOf": [ref("Error"), {"properties": {"code": {"enum": list(codes)}}}]}
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": json_content(schema)}
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def responses(success: dict[str, dict[str, Any]], *, errors: dict[int, tuple[str, ...]]) -> dict[str, Any]:
    """Success responses, the operation's errors, and those every /api request can meet."""
    result: dict[str, Any] = dict(success)
    every = {
        401: ("AUTH_REQUIRED",),  # a dead bearer token is refused even on public endpoints
        500: ("INTERNAL_ERROR",),
        503: ("SERVICE_UNAVAILABLE",),
    }
    merged: dict[int, tuple[str, ...]] = dict(errors)
    for status, codes in every.items():
        merged[status] = tuple(dict.fromkeys(merged.get(status, ()) + codes))
    for status in sorted(merged):
        result[str(status)] = error(status, *merged[status])
    return result


# Error sets shared by many operations.
JSON_BODY = {400: ("VALIDATION_ERROR", "INVALID_JSON"), 413: ("PAYLOAD_TOO_LARGE",), 415: ("UNSUPPORTED_MEDIA_TYPE",)}
NO_BODY_WRITE = {415: ("UNSUPPORTED_MEDIA_TYPE",)}
QUERY = {400: ("VALIDATION_ERROR",)}
CSRF = ("CSRF_FAILED",)

PUBLIC = [{}, {"bearerAuth": []}, {"cookieSession": []}]
LOGGED_IN_READ = [{"bearerAuth": []}, {"cookieSession": []}]
LOGGED_IN_WRITE = [{"bearerAuth": []}, {"cookieSession": [], "csrfToken": []}]
ANONYMOUS = [{}]


def merge(*error_sets: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
    merged: dict[int, tuple[str, ...]] = {}
    for error_set in error_sets:
        for status, codes in error_set.items():
            merged[status] = tuple(dict.fromkeys(merged.get(status, ()) + codes))
    return merged


def path_id(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1]},
    }


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key by the same user returns the first response (same status and "
    "body) and creates nothing new; the same key on a different request is 409 CONFLICT.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}


def body(component: str, *, required: bool = True) -> dict[str, Any]:
    """A JSON request body; an optional one may be left out (an empty change changes nothing)."""
    return {"required": required, "content": json_content(ref(component))}


def operation(
    endpoint: str,
    tag: str,
    summary: str,
    resp: dict[str, Any],
    *,
    security: list[dict[str, list[str]]],
    parameters: list[dict[str, Any]] | None = None,
    request_body: dict[str, Any] | None = None,
    description: str = "",
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": endpoint, "tags": [tag], "summary": summary}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if request_body:
        op["requestBody"] = request_body
    op["security"] = security
    op["responses"] = resp
    return op


# --------------------------------------------------------------------------- paths


def auth_paths() -> dict[str, Any]:
    user_private = ref("UserPrivate")
    return {
        "/api/auth/register": {
            "post": operation(
                "register",
                "auth",
                "Create an account",
                responses(
                    {"201": ok("Registered", {"message": MESSAGE, "user": user_private})},
                    errors=merge(JSON_BODY, {409: ("USERNAME_TAKEN", "EMAIL_TAKEN")}),
                ),
                security=ANONYMOUS,
                request_body=body("RegisterRequest"),
            )
        },
        "/api/auth/login": {
            "post": operation(
                "login",
                "auth",
                "Log in: a session cookie for browsers and a bearer token for everyone else",
                responses(
                    {"200": ok("Logged in", {"message": MESSAGE, "user": user_private, **CREDENTIALS})},
                    errors=merge(JSON_BODY, {401: ("INVALID_CREDENTIALS",), 429: ("RATE_LIMITED",)}),
                ),
                security=ANONYMOUS,
                request_body=body("LoginRequest"),
                description="Unknown user, wrong password and deactivated account get the same 401.",
            )
        },
        "/api/auth/logout": {
            "post": operation(
                "logout",
                "auth",
                "End this session, or revoke this bearer token",
                responses({"200": ok("Logged out", {"message": MESSAGE})}, errors=merge(NO_BODY_WRITE, {403: CSRF})),
                security=LOGGED_IN_WRITE,
            )
        },
        "/api/auth/csrf": {
            "get": operation(
                "csrf_token",
                "auth",
                "A CSRF token for cookie-session writes",
                responses({"200": ok("The token", {"csrf_token": {"type": "string"}})}, errors={}),
                security=PUBLIC,
            )
        },
    }


def user_paths() -> dict[str, Any]:
    return {
        "/api/users/profile": {
            "get": operation(
                "get_profile",
                "users",
                "The current user's profile",
                responses({"200": ok("The profile", {"user": ref("Profile")})}, errors={}),
                security=LOGGED_IN_READ,
            ),
            "put": operation(
                "update_profile",
                "users",
                "Change email, provider status or password",
                responses(
                    {
                        "200": ok(
                            "Updated; a password change also returns fresh credentials",
                            {"message": MESSAGE, "user": ref("Profile"), **CREDENTIALS},
                            optional=tuple(CREDENTIALS),
                        )
                    },
                    errors=merge(JSON_BODY, {403: CSRF, 409: ("EMAIL_TAKEN",)}),
                ),
                security=LOGGED_IN_WRITE,
                request_body=body("ProfileUpdate", required=False),
            ),
        },
        "/api/users/{user_id}": {
            "get": operation(
                "public_profile",
                "users",
                "A user's public profile (no email)",
                responses({"200": ok("The profile", {"user": ref("PublicProfile")})}, errors={404: ("NOT_FOUND",)}),
                security=PUBLIC,
                parameters=[path_id("user_id", "user")],
            )
        },
    }


def auction_paths() -> dict[str, Any]:
    auction_id = path_id("auction_id", "auction")
    closed_or_locked = {409: ("AUCTION_CLOSED",)}
    return {
        "/api/auctions": {
            "get": operation(
                "list_auctions",
                "auctions",
                "Search auctions",
                responses(
                    {
                        "200": ok(
                            "A page of auctions",
                            {"auctions": {"type": "array", "items": ref("Auction")}, "pagination": ref("Pagination")},
                        )
                    },
                    errors=QUERY,
                ),
                security=PUBLIC,
                parameters=query_parameters(forms.AuctionSearchForm),
                description="`category` includes its subcategories; `location` and `q` match case-insensitive "
                "substrings; `min_budget`/`max_budget` select budgets overlapping that range; `mine=true` needs a "
                "login (401 otherwise); `per_page` above 100 is clamped to 100.",
            ),
            "post": operation(
                "create_auction",
                "auctions",
                "Post a job for providers to bid on",
                responses(
                    {
                        "201": ok(
                            "Created (or the replay of a keyed retry)", {"message": MESSAGE, "auction": ref("Auction")}
                        )
                    },
                    errors=merge(JSON_BODY, {403: CSRF, 409: ("CONFLICT",)}),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[IDEMPOTENCY_KEY],
                request_body=body("AuctionCreate"),
            ),
        },
        "/api/auctions/{auction_id}": {
            "get": operation(
                "get_auction",
                "auctions",
                "An auction with its latest bids",
                responses({"200": ok("The auction", {"auction": ref("AuctionDetail")})}, errors={404: ("NOT_FOUND",)}),
                security=PUBLIC,
                parameters=[auction_id],
            ),
            "put": operation(
                "update_auction",
                "auctions",
                "Edit an active auction (its creator)",
                responses(
                    {"200": ok("Updated", {"message": MESSAGE, "auction": ref("Auction")})},
                    errors=merge(
                        JSON_BODY,
                        {403: ("FORBIDDEN", *CSRF), 404: ("NOT_FOUND",), 409: ("AUCTION_CLOSED", "AUCTION_LOCKED")},
                    ),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[auction_id],
                request_body=body("AuctionUpdate"),
            ),
        },
        "/api/auctions/{auction_id}/cancel": {
            "post": operation(
                "cancel_auction",
                "auctions",
                "Cancel an active auction (its creator or an admin)",
                responses(
                    {"200": ok("Cancelled", {"message": MESSAGE, "auction": ref("Auction")})},
                    errors=merge(NO_BODY_WRITE, {403: ("FORBIDDEN", *CSRF), 404: ("NOT_FOUND",)}, closed_or_locked),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[auction_id],
            )
        },
        "/api/auctions/{auction_id}/award": {
            "post": operation(
                "award_auction",
                "auctions",
                "Pick the winning bid (the creator, while active)",
                responses(
                    {"200": ok("Completed", {"message": MESSAGE, "auction": ref("AuctionDetail")})},
                    errors=merge(
                        JSON_BODY,
                        {403: ("FORBIDDEN", *CSRF), 404: ("NOT_FOUND",), 409: ("AUCTION_CLOSED", "CONFLICT")},
                    ),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[auction_id],
                request_body=body("AwardRequest"),
            )
        },
    }


def page_parameters(*extra: str) -> list[dict[str, Any]]:
    return query_parameters(forms.PageForm, ("page", "per_page", *extra))


def bid_paths() -> dict[str, Any]:
    auction_id = path_id("auction_id", "auction")
    placed = {
        "message": MESSAGE,
        "bid": ref("BidFull"),
        "auction": obj(
            {"id": ID, "lowest_bid": nullable(MONEY), "bid_count": {"type": "integer"}, "deadline": TIMESTAMP}
        ),
    }
    return {
        "/api/auctions/{auction_id}/bids": {
            "get": operation(
                "list_bids",
                "bids",
                "An auction's bids, newest first",
                responses(
                    {
                        "200": ok(
                            "A page of bids",
                            {"bids": {"type": "array", "items": ref("Bid")}, "pagination": ref("Pagination")},
                        )
                    },
                    errors=merge(QUERY, {404: ("NOT_FOUND",)}),
                ),
                security=PUBLIC,
                parameters=[auction_id, *page_parameters()],
                description="The creator and admins see every field; a bidder its own bids in full; everyone "
                "else amount, status, time and a pseudonym.",
            ),
            "post": operation(
                "place_bid",
                "bids",
                "Offer to do the job for a lower price (service providers)",
                responses(
                    {"201": ok("Accepted (or the replay of a keyed retry)", placed)},
                    errors=merge(
                        JSON_BODY,
                        {
                            403: ("NOT_A_PROVIDER", "PROVIDER_NOT_VERIFIED", "SELF_BID", *CSRF),
                            404: ("NOT_FOUND",),
                            409: ("AUCTION_CLOSED", "ALREADY_LOWEST", "BID_TOO_HIGH", "CONFLICT"),
                        },
                    ),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[auction_id, IDEMPOTENCY_KEY],
                request_body=body("BidCreate"),
                description="BID_TOO_HIGH carries `lowest_bid`, `max_allowed` and `min_decrement` in `details`.",
            ),
        },
        "/api/auctions/{auction_id}/bids/{bid_id}": {
            "delete": operation(
                "withdraw_bid",
                "bids",
                "Withdraw your active bid while the auction is active",
                responses(
                    {
                        "200": ok(
                            "Withdrawn (the bid is kept with status withdrawn)",
                            {"message": MESSAGE, "bid": ref("BidFull")},
                        )
                    },
                    errors=merge(
                        NO_BODY_WRITE,
                        {403: ("FORBIDDEN", *CSRF), 404: ("NOT_FOUND",), 409: ("AUCTION_CLOSED", "CONFLICT")},
                    ),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[auction_id, path_id("bid_id", "bid")],
            )
        },
    }


def event_paths() -> dict[str, Any]:
    auction_id = path_id("auction_id", "auction")
    return {
        "/api/auctions/{auction_id}/events": {
            "get": operation(
                "list_events",
                "events",
                "The auction's audit timeline, oldest first",
                responses(
                    {
                        "200": ok(
                            "A page of events",
                            {
                                "events": {"type": "array", "items": ref("AuctionEvent")},
                                "pagination": ref("Pagination"),
                            },
                        )
                    },
                    errors=merge(QUERY, {404: ("NOT_FOUND",)}),
                ),
                security=PUBLIC,
                parameters=[auction_id, *page_parameters()],
            )
        },
        "/api/auctions/{auction_id}/events/verify": {
            "get": operation(
                "verify_events",
                "events",
                "Recompute the event log's hash chain",
                responses(
                    {
                        "200": ok(
                            "`broken_seq` is the first event whose hash does not match",
                            {
                                "valid": {"type": "boolean"},
                                "events": {"type": "integer", "minimum": 0},
                                "broken_seq": {"type": "integer"},
                            },
                            optional=("broken_seq",),
                        )
                    },
                    errors={404: ("NOT_FOUND",)},
                ),
                security=PUBLIC,
                parameters=[auction_id],
            )
        },
    }


def notification_paths() -> dict[str, Any]:
    unread = {"unread_count": {"type": "integer", "minimum": 0}}
    return {
        "/api/notifications": {
            "get": operation(
                "list_notifications",
                "notifications",
                "Your notifications, newest first",
                responses(
                    {
                        "200": ok(
                            "A page of notifications",
                            {
                                "notifications": {"type": "array", "items": ref("Notification")},
                                "pagination": ref("Pagination"),
                                **unread,
                            },
                        )
                    },
                    errors=QUERY,
                ),
                security=LOGGED_IN_READ,
                parameters=page_parameters("unread_only"),
            )
        },
        "/api/notifications/read": {
            "post": operation(
                "read_notifications",
                "notifications",
                "Mark notifications read",
                responses(
                    {"200": ok("How many were marked", {"marked": {"type": "integer", "minimum": 0}, **unread})},
                    errors=merge(JSON_BODY, {403: CSRF}),
                ),
                security=LOGGED_IN_WRITE,
                request_body=body("NotificationsRead"),
            )
        },
    }


def category_paths() -> dict[str, Any]:
    category_id = path_id("category_id", "category")
    saved = {"message": MESSAGE, "category": ref("Category")}
    admin = {403: ("FORBIDDEN", *CSRF)}
    name_taken = {409: ("CONFLICT",)}  # a sibling already has this name (case-insensitively)
    return {
        "/api/categories": {
            "get": operation(
                "list_categories",
                "categories",
                "The category tree (or a flat list with flat=true)",
                responses(
                    {
                        "200": ok(
                            "The categories, by name",
                            {
                                "categories": {
                                    "anyOf": [
                                        {"type": "array", "items": ref("CategoryNode")},
                                        {"type": "array", "items": ref("Category")},
                                    ]
                                }
                            },
                        )
                    },
                    errors=QUERY,
                ),
                security=PUBLIC,
                parameters=query_parameters(forms.PageForm, ("flat",)),
            ),
            "post": operation(
                "create_category",
                "categories",
                "Create a category (admins)",
                responses({"201": ok("Created", saved)}, errors=merge(JSON_BODY, admin, name_taken)),
                security=LOGGED_IN_WRITE,
                request_body=body("CategoryCreate"),
            ),
        },
        "/api/categories/{category_id}": {
            "put": operation(
                "update_category",
                "categories",
                "Rename or move a category (admins)",
                responses(
                    {"200": ok("Updated", saved)}, errors=merge(JSON_BODY, admin, name_taken, {404: ("NOT_FOUND",)})
                ),
                security=LOGGED_IN_WRITE,
                parameters=[category_id],
                request_body=body("CategoryUpdate", required=False),
            ),
            "delete": operation(
                "delete_category",
                "categories",
                "Delete an unused category (admins)",
                responses(
                    {"200": ok("Deleted", {"message": MESSAGE})},
                    errors=merge(NO_BODY_WRITE, admin, {404: ("NOT_FOUND",), 409: ("CONFLICT",)}),
                ),
                security=LOGGED_IN_WRITE,
                parameters=[category_id],
                description="Refused with 409 CONFLICT while auctions or subcategories use it.",
            ),
        },
    }


def meta_paths() -> dict[str, Any]:
    health_ok = obj({"status": {"const": "ok"}, "database": {"const": "ok"}})
    health_down = obj({"status": {"const": "unavailable"}, "database": {"const": "unreachable"}})
    health = responses({"200": {"description": "Up", "content": json_content(health_ok)}}, errors={})
    health["503"] = {
        "description": ERROR_DESCRIPTIONS[503],
        "content": json_content({"anyOf": [health_down, ref("Error")]}),
    }
    return {
        "/api/health": {"get": operation("health", "meta", "Liveness and database check", health, security=PUBLIC)},
        "/api/openapi.json": {
            "get": operation(
                "openapi_document",
                "meta",
                "This document",
                responses(
                    {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": json_content({"type": "object", "required": ["openapi", "paths"]}),
                        }
                    },
                    errors={},
                ),
                security=PUBLIC,
            )
        },
        "/api/docs": {
            "get": operation(
                "api_docs",
                "meta",
                "Interactive documentation (Swagger UI, served offline)",
                responses(
                    {"200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
                    errors={},
                ),
                security=PUBLIC,
            )
        },
    }


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
    for group in (
        auth_paths,
        user_paths,
        auction_paths,
        bid_paths,
        event_paths,
        notification_paths,
        category_paths,
        meta_paths,
    ):
        paths.update(group())
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
