"""Request bodies and query parameters, read from the form classes that validate them.

Each field's JSON type comes from the rule forms.parse_json_form applies
(forms.accepted_json_types), whether it is required from forms.is_required, and its bounds
from its validators (Length, Between, Regexp, Email, AnyOf) and choices: the document
cannot promise what the API does not check.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from wtforms import SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf, DataRequired, Email, Length, NumberRange, Regexp

from bidbazaar import forms
from bidbazaar.models import utcnow
from bidbazaar.openapi.schemas import Schema, nullable, number


def _caseless(word: str) -> str:
    """A pattern for `word` in any letter case (ECMA-262 patterns have no inline flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def _character_class(characters: str) -> str:
    """The body of a character class naming exactly these characters, runs as ranges."""
    points = sorted(set(map(ord, characters)))
    runs: list[list[int]] = []
    for point in points:
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return "".join(f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in runs)


#: The whitespace the server strips (forms.STRIPPED_CHARACTERS) and NUL, as \\uXXXX escapes inside a
#: character class: ECMA-262 and Python read them alike, where their `\\s` differ.
WHITESPACE = _character_class(forms.STRIPPED_CHARACTERS)
NUL = "\\u0000"
#: Any text without NUL characters (parse_json_form refuses them in every string).
NO_NUL = f"^[^{NUL}]*$"
#: Addresses on special-use domains (RFC 6761: .test, .local, ...), which `format: email`
#: admits but the Email validator (email_validator) refuses; the server strips the text first.
SPECIAL_USE_EMAIL = r"\.(?:" + "|".join(map(_caseless, SPECIAL_USE_DOMAIN_NAMES)) + r")\.?[" + WHITESPACE + "]*$"


def stripped_pattern(low: int, high: int | None) -> str:
    """A pattern for text the server strips, then needs `low` to `high` characters of:
    whitespace around a core that starts and ends with a visible character, no NUL anywhere.

    maxLength cannot say it: the server accepts 200 characters with a space around them.
    """
    visible = f"[^{WHITESPACE}{NUL}]"
    if high is not None and high <= 1:
        core = visible
    else:
        middle = f"[^{NUL}]{{{max(low - 2, 0)},{'' if high is None else high - 2}}}"
        core = f"{visible}(?:{middle}{visible})?" if low <= 1 else f"{visible}{middle}{visible}"
    if low == 0:
        core = f"(?:{core})?"
    return f"^[{WHITESPACE}]*{core}[{WHITESPACE}]*$"


def text_rules(schema: Schema, validators: list[Any], stripped: bool) -> None:
    """Add a string field's NUL and whitespace rules to its schema as a `pattern`.

    A field with its own Regexp (username) or a format (email, date-time) is left as it is:
    neither admits NUL. Stripped text is bounded by the pattern (see stripped_pattern); raw
    text keeps its lengths, and DataRequired refuses it blank (str.strip(), the same set).
    """
    if "pattern" in schema or "format" in schema or "enum" in schema:
        return
    required = any(isinstance(v, DataRequired) for v in validators)
    if stripped:
        low = schema.pop("minLength", 0)
        high = schema.pop("maxLength", None)
        low = max(low, 1) if required else low
        schema["pattern"] = stripped_pattern(low, high)
        if low:
            schema["minLength"] = low  # true of the raw text too: it is never shorter than its core
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        schema["description"] = f"{bounds} characters once leading and trailing whitespace is removed; no NUL."
    else:
        schema["pattern"] = f"^[{WHITESPACE}]*[^{WHITESPACE}{NUL}][^{NUL}]*$" if required else NO_NUL
        schema["description"] = "Must contain a visible character; no NUL." if required else "No NUL characters."


def field_label(unbound: UnboundField) -> str | None:
    """The field's label, when it is declared as text."""
    label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else None)
    return label if isinstance(label, str) else None


def field_type(field_class: type) -> Schema:
    """The JSON type forms.parse_json_form accepts for a field of this class."""
    types = forms.accepted_json_types(field_class)
    if list in types:  # forms.fields.IdListField: a capped list of valid INTEGER ids
        return {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": forms.MAX_ID},
            "maxItems": field_class.max_ids,
        }
    if bool in types:
        return {"type": "boolean"}
    if Decimal in types:
        if issubclass(field_class, forms.MoneyField):
            return {"type": "number", "multipleOf": number(forms.MONEY_STEP)}
        return {"type": "number"}
    if int in types:
        return {"type": "integer"}
    if issubclass(field_class, forms.UTCDateTimeField):
        return {"type": "string", "format": "date-time"}
    return {"type": "string"}


def field_schema(unbound: UnboundField, *, allow_null: bool) -> Schema:
    """One field: its JSON type, label, bounds, choices and default."""
    schema = field_type(unbound.field_class)
    label = field_label(unbound)
    if label:
        schema["title"] = label
    numeric = schema["type"] in ("integer", "number")
    for validator in forms.field_validators(unbound):
        if isinstance(validator, Length):
            if validator.min is not None and validator.min > 0:
                schema["minLength"] = validator.min
            if validator.max is not None and validator.max >= 0:
                schema["maxLength"] = validator.max
        elif isinstance(validator, NumberRange) and numeric:  # forms.fields.Between: plain bounds
            if validator.min is not None:
                schema["minimum"] = number(validator.min)
            if validator.max is not None:
                schema["maximum"] = number(validator.max)
        elif isinstance(validator, Regexp):
            schema["pattern"] = validator.regex.pattern
        elif isinstance(validator, Email):
            schema["format"] = "email"
            schema["not"] = {"pattern": SPECIAL_USE_EMAIL}
        elif isinstance(validator, AnyOf):
            schema["enum"] = list(validator.values)
        elif isinstance(validator, DataRequired) and schema["type"] == "string":
            schema.setdefault("minLength", 1)  # and not blank once stripped
    if issubclass(unbound.field_class, SelectField) and schema["type"] == "string":
        schema["enum"] = forms.field_choices(unbound)  # a flag (forms.FlagField) is a boolean instead
    if schema["type"] == "string":
        text_rules(schema, forms.field_validators(unbound), stripped="filters" in unbound.kwargs)
    if "default" in unbound.kwargs and unbound.kwargs["default"] is not None:
        schema["default"] = unbound.kwargs["default"]
    return nullable(schema) if allow_null else schema


def form_body(
    form_cls: type, *, partial: bool = False, description: str = "", example: Any = None, **extra: Any
) -> Schema:
    """The JSON object forms.parse_json_form(form_cls) accepts.

    Unknown fields are refused; JSON null stands for "not given" on optional fields and is
    refused on required ones. With partial=True (PUT) every field is optional.
    """
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for name, unbound in forms.form_fields(form_cls):
        needed = forms.is_required(forms.field_validators(unbound))
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


# Query examples that select something on a fresh server after the documented examples ran
# (the AuctionCreate example is "Weekly cleaning, 3BHK" in Mumbai, category 1, by user 1).
QUERY_EXAMPLES: dict[str, Any] = {
    "page": 1,
    "per_page": 20,
    "category": 1,
    "created_by": 1,
    "location": "Mumbai",
    "q": "cleaning",
    "min_budget": 500,
    "max_budget": 5000,
    "standing": "leading",
    # Flags, should their schema be neither a boolean nor a "true"/"false" choice (an anyOf).
    "mine": True,
    "flat": True,
    "unread_only": True,
}


def query_example(name: str, schema: Schema) -> Any:
    """A value of the query parameter `name` its schema accepts: its default, a chosen one,
    or its first non-empty choice; a flag is set (`true`, in whatever type the schema gives it)."""
    types = schema.get("type")
    if "default" in schema:
        return schema["default"]
    if types == "boolean" or (isinstance(types, list) and "boolean" in types):
        return True
    choices = [choice for choice in schema.get("enum", []) if choice not in ("", None)]
    if "true" in choices:
        return "true"
    if name in QUERY_EXAMPLES:
        return QUERY_EXAMPLES[name]
    if choices:
        return choices[0]
    return {"integer": 1, "number": 1, "string": "text"}.get(types if isinstance(types, str) else "string", "text")


def query_parameters(form_cls: type, names: tuple[str, ...] | None = None) -> list[Schema]:
    """Query-string parameters validated by a form (forms.parse_query), each with an `example`
    at parameter level, where OAS 3.1 tools (openapi-to-postmanv2) look for one."""
    parameters = []
    for name, unbound in forms.form_fields(form_cls):
        if names is not None and name not in names:
            continue
        schema = field_schema(unbound, allow_null=False)
        schema.pop("title", None)
        parameters.append(
            {"name": name, "in": "query", "required": False, "schema": schema, "example": query_example(name, schema)}
        )
    return parameters


def described(parameters: list[Schema], **descriptions: str) -> list[Schema]:
    """The parameters, those named given a description of what they match."""
    return [{**p, "description": descriptions[p["name"]]} if p["name"] in descriptions else p for p in parameters]


def page_query(*extra: str) -> list[Schema]:
    """`page` and `per_page` of a listing, and its own filters among forms.PageForm's."""
    return query_parameters(forms.PageForm, ("page", "per_page", *extra))


def example_deadline() -> str:
    """A deadline a week from now, in India time (examples must stay valid as time passes)."""
    moment = (utcnow() + timedelta(days=7)).astimezone(timezone(timedelta(hours=5, minutes=30)))
    return moment.replace(microsecond=0, second=0, minute=0).isoformat()


def request_schemas() -> dict[str, Schema]:
    """The request-body components, each from the form the endpoint validates with."""
    return {
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
            # ProfileForm.validate_new_password; not dependentRequired, which would also refuse
            # {"new_password": null}, where null means "not given" and the server accepts it.
            **{
                "if": {
                    "required": ["new_password"],
                    "properties": {"new_password": {"type": "string", "minLength": 1}},
                },
                "then": {
                    "required": ["current_password"],
                    "properties": {"current_password": {"type": "string", "minLength": 1}},
                },
            },
        ),
        "AuctionCreate": form_body(
            forms.AuctionForm,
            description="`budget_max` must be at least `budget_min`; `deadline` carries a timezone and lies in the "
            f"future, at most {forms.MAX_AUCTION_LENGTH.days} days ahead; `category_id` must exist. "
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
            "lowest active bid. Below LOW_BID_RATIO × the typical bid it needs `confirm_low: true` (a JSON "
            "boolean), else 409 CONFIRM_LOW_BID. Honours `Idempotency-Key`.",
            example={"amount": 1400, "description": "Two cleaners, 3 hours, own supplies", "estimated_duration": "3h"},
        ),
        "AwardRequest": form_body(forms.AwardForm, example={"bid_id": 1}),
        "CancelAuctionRequest": form_body(
            forms.CancelAuctionForm, example={"reason": "The job was done by a neighbour; sorry for the trouble."}
        ),
        "CategoryCreate": form_body(forms.CategoryForm, example={"name": "Gardening", "parent_id": None}),
        "CategoryUpdate": form_body(forms.CategoryForm, partial=True, example={"description": "Lawns and plants"}),
        "NotificationsRead": form_body(
            forms.NotificationsReadForm,
            description='Give `ids` or `"all": true`.',
            example={"ids": [1, 2]},
            # What services.mark_notifications_read accepts: a non-empty list, or all as true
            # ({"all": false} and {"all": null} mark nothing and are 400s).
            anyOf=[
                {"required": ["ids"], "properties": {"ids": {"type": "array", "minItems": 1}}},
                {"required": ["all"], "properties": {"all": {"const": True}}},
            ],
        ),
    }
