"""WTForms classes: the one place input is validated, for the JSON API and the pages alike.

WTForms was built for HTML forms, where every value is a string. For JSON,
`parse_json_form` checks each value's JSON type against its field first (a list where a
string belongs, a string where a number belongs, a boolean for an amount are all 400s),
refuses fields the form does not have, and only then hands strings to WTForms.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from decimal import Decimal, DecimalException
from typing import Any

from flask import current_app, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from bidbazaar.errors import DomainError
from bidbazaar.json_format import UnicodeTextError, invalid_text
from bidbazaar.models import MAX_ID  # INTEGER columns' range

MAX_MONEY = Decimal("99999999.99")  # Numeric(10, 2)
#: Plain decimal notation with an optional exponent, ASCII digits only: no NaN, Infinity,
#: thousands separators, underscores or other scripts' digits (Decimal() accepts all those).
MONEY_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def strip(value: Any) -> Any:
    """Trim text, and refuse NUL characters (PostgreSQL text cannot store them)."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        raise ValueError("Must not contain NUL characters.")
    return value.strip()


class Between(NumberRange):
    """NumberRange compared exactly (int with int, Decimal with Decimal).

    WTForms' NumberRange first asks math.isnan(), which converts to float: an integer
    past 1e308 raises OverflowError there (a 500 for `?per_page=<400 digits>`). Bounds are
    plain values here (no callables), which openapi.py documents as they are.
    """

    def __call__(self, form: Any, field: Field) -> None:
        data = field.data
        low, high = self.min, self.max
        if data is not None and (low is None or data >= low) and (high is None or data <= high):
            return
        if self.message is not None:
            raise ValidationError(self.message)
        if high is None:
            raise ValidationError(f"Number must be at least {low}.")
        raise ValidationError(f"Number must be between {low} and {high}.")


def parse_money(text: str) -> Decimal:
    """An amount in rupees with at most 2 decimals, judged by its digits before any arithmetic.

    Decimal arithmetic (abs, quantize) on `1E1000000` overflows the context, so the
    magnitude is read from the exponent and the decimals from the digits first; only a
    value known to fit Numeric(10, 2) is quantized. Raises ValueError with the reason.
    """
    if not MONEY_TEXT.fullmatch(text):
        raise ValueError("Not a valid amount.")
    try:
        value = Decimal(text)
    except DecimalException:  # an exponent past what Decimal can hold at all
        raise ValueError(f"Must be at most {MAX_MONEY}.") from None
    if value.is_zero():
        if value.is_signed():
            raise ValueError("Not a valid amount (negative zero).")
        return Decimal("0.00")
    if value.adjusted() >= 8:  # 1E+8 and up: more digits before the point than the column holds
        raise ValueError(f"Must be at most {MAX_MONEY}.")
    _, digits, exponent = value.as_tuple()
    coefficient = "".join(map(str, digits))
    places = -(exponent + len(coefficient) - len(coefficient.rstrip("0")))
    if places > 2:
        raise ValueError("At most 2 decimal places.")
    return value.quantize(Decimal("0.01"))


class MoneyField(DecimalField):
    """Rupees with at most 2 decimals and at most 8 digits before the point (see parse_money)."""

    json_types = (int, Decimal)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or str(valuelist[0]).strip() == "":
            return
        self.data = parse_money(str(valuelist[0]).strip())


class UTCDateTimeField(Field):
    """ISO 8601 with a timezone (e.g. 2026-11-27T18:00:00+05:30 or ...Z), kept as UTC."""

    json_types = (str,)

    def __init__(self, *args: Any, assume_timezone: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The HTML datetime-local input has no zone: pages may supply the user's.
        self.assume_timezone = assume_timezone

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or str(valuelist[0]) == "":
            return
        if not str(valuelist[0]).strip():  # passes InputRequired, yet is no time at all
            raise ValueError("This field is required.")
        try:
            value = datetime.fromisoformat(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError("Not a valid ISO 8601 date and time.") from None
        if value.tzinfo is None:
            if self.assume_timezone is None:
                self.data = None
                raise ValueError("Include a timezone, e.g. 2026-11-27T18:00:00+05:30.")
            value = value.replace(tzinfo=self.assume_timezone)
        try:
            self.data = value.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+05:30
            self.data = None
            raise ValueError("Not a valid ISO 8601 date and time.") from None


class IdListField(Field):
    """A JSON list of positive integer ids (HTML: repeated values)."""

    json_types = (list,)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            ids = [int(v) for v in valuelist]
        except (TypeError, ValueError):
            self.data = None
            raise ValueError("Must be a list of integer ids.") from None
        if len(ids) > 1000 or not all(1 <= i <= MAX_ID for i in ids):
            self.data = None
            raise ValueError(f"At most 1000 ids, each from 1 to {MAX_ID}.")
        self.data = ids


class NoCSRFForm(FlaskForm):
    """Base for the API's forms: the API checks CSRF once, in a request hook."""

    class Meta:
        csrf = False


# --------------------------------------------------------------------------- accounts

USERNAME = [
    DataRequired(),
    Length(min=3, max=50),
    Regexp(r"^[A-Za-z0-9_.-]+$", message="Letters, digits, '.', '_' and '-' only."),
]


class RegisterForm(FlaskForm):
    username = StringField("Username", USERNAME, filters=[strip])
    email = StringField("Email", [DataRequired(), Email(), Length(max=120)], filters=[strip])
    password = PasswordField("Password", [DataRequired(), Length(min=8, max=128)])
    is_service_provider = BooleanField("I am a service provider")


class LoginForm(FlaskForm):
    username = StringField("Username or email", [DataRequired(), Length(max=120)], filters=[strip])
    password = PasswordField("Password", [DataRequired(), Length(max=128)])


class ProfileForm(FlaskForm):
    email = StringField("Email", [DataRequired(), Email(), Length(max=120)], filters=[strip])
    is_service_provider = BooleanField("I am a service provider")
    current_password = PasswordField("Current password", [Optional(), Length(max=128)])
    new_password = PasswordField("New password", [Optional(), Length(min=8, max=128)])

    def validate_new_password(self, field: Field) -> None:
        if field.data and not self.current_password.data:
            raise ValidationError("Give your current password to set a new one.")


# --------------------------------------------------------------------------- auctions


class AuctionForm(FlaskForm):
    title = StringField("Title", [DataRequired(), Length(min=5, max=200)], filters=[strip])
    description = TextAreaField("Description", [DataRequired(), Length(min=20, max=2000)], filters=[strip])
    category_id = IntegerField("Category", [InputRequired(), Between(min=1, max=MAX_ID)])
    location = StringField("Location", [DataRequired(), Length(min=5, max=100)], filters=[strip])
    budget_min = MoneyField("Minimum budget (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    budget_max = MoneyField("Maximum budget (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    deadline = UTCDateTimeField("Bids close at", [InputRequired()])
    requirements = TextAreaField("Additional requirements", [Optional(), Length(max=2000)], filters=[strip])

    def validate_budget_max(self, field: Field) -> None:
        if field.data is not None and self.budget_min.data is not None and field.data < self.budget_min.data:
            raise ValidationError("Must be greater than or equal to the minimum budget.")


class BidForm(FlaskForm):
    amount = MoneyField("Your price (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    description = TextAreaField("What you will do", [DataRequired(), Length(max=2000)], filters=[strip])
    estimated_duration = StringField("Estimated duration", [Optional(), Length(max=50)], filters=[strip])
    notes = TextAreaField("Notes", [Optional(), Length(max=2000)], filters=[strip])


class AwardForm(FlaskForm):
    bid_id = IntegerField("Bid", [InputRequired(), Between(min=1, max=MAX_ID)])


class CategoryForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=100)], filters=[strip])
    description = TextAreaField("Description", [Optional(), Length(max=1000)], filters=[strip])
    parent_id = IntegerField("Parent category", [Optional(), Between(min=1, max=MAX_ID)])


class NotificationsReadForm(FlaskForm):
    ids = IdListField("Notification ids", [Optional()])
    all = BooleanField("Mark all as read")


# --------------------------------------------------------------------------- query strings

SORT_CHOICES = ["created_at", "budget_max", "deadline", "lowest_bid", "bid_count"]
STATUS_CHOICES = ["active", "completed", "cancelled", "expired"]


def choices(*values: str) -> list[SelectChoice]:
    """Options whose label is their value (an empty value means "any")."""
    return [SelectChoice(value, value or "any") for value in values]


class AuctionSearchForm(NoCSRFForm):
    """GET /api/auctions and the /auctions page: filters, sorting and paging."""

    category = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])
    status = SelectField(choices=choices("", *STATUS_CHOICES), validators=[Optional()])
    location = StringField(validators=[Optional(), Length(max=100)], filters=[strip])
    q = StringField(validators=[Optional(), Length(max=200)], filters=[strip])
    min_budget = MoneyField(validators=[Optional(), Between(min=0, max=MAX_MONEY)])
    max_budget = MoneyField(validators=[Optional(), Between(min=0, max=MAX_MONEY)])
    created_by = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])
    mine = SelectField(choices=choices("", "true", "false"), validators=[Optional()])
    sort = SelectField(choices=choices(*SORT_CHOICES), default="created_at", validators=[Optional()])
    order = SelectField(choices=choices("asc", "desc"), default="desc", validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    per_page = IntegerField(default=10, validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped


class PageForm(NoCSRFForm):
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    # No default here: each listing passes its own (events 50, bids 20) to queries.page_size.
    per_page = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped
    unread_only = SelectField(choices=choices("", "true", "false"), validators=[Optional()])
    flat = SelectField(choices=choices("", "true", "false"), validators=[Optional()])


# --------------------------------------------------------------------------- JSON adapter


def _json_types(field: Field) -> tuple[type, ...]:
    declared = getattr(field, "json_types", None)
    if declared:
        return declared
    if isinstance(field, BooleanField):
        return (bool,)
    if isinstance(field, IntegerField):
        return (int,)
    if isinstance(field, DecimalField):
        return (int, Decimal)
    return (str,)


def _type_name(types: tuple[type, ...]) -> str:
    if bool in types:
        return "a boolean"
    if list in types:
        return "a list"
    if Decimal in types:
        return "a number"
    if int in types:
        return "an integer"
    return "a string"


def _as_form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_required(field: Field) -> bool:
    return any(isinstance(v, (DataRequired, InputRequired)) for v in field.validators)


def validation_error(errors: dict[str, Any]) -> DomainError:
    return DomainError("VALIDATION_ERROR", "Validation failed", errors)


def form_errors(form: FlaskForm) -> dict[str, str]:
    """First message per field, as `details` of a VALIDATION_ERROR."""
    return {name: messages[0] for name, messages in form.errors.items() if messages}


def json_object_body() -> dict[str, Any]:
    """The request's JSON object; INVALID_JSON / VALIDATION_ERROR otherwise."""
    data = request.get_data(cache=True)
    if not data:
        return {}
    try:
        body = current_app.json.loads(data)
    except UnicodeTextError as exc:
        raise validation_error(exc.details) from None
    except Exception:
        raise DomainError("INVALID_JSON", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise validation_error({"body": "Must be a JSON object."})
    return body


def parse_json_form(
    form_cls: type[FlaskForm], *, partial: bool = False, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Validate a JSON object with a form class and return the clean values.

    partial=True (PUT): only the fields present are validated and returned.
    Unknown fields are refused (clients may not set id, status, created_by, ...).
    """
    if body is None:
        body = json_object_body()  # the JSON gate has refused bad text already
    elif bad_text := invalid_text(body):  # a socket payload or CLI values: no JSON gate passed
        raise validation_error(bad_text)
    form = form_cls(formdata=MultiDict(), meta={"csrf": False})
    errors: dict[str, str] = {}
    formdata = MultiDict()
    present: set[str] = set()
    for name, value in body.items():
        field = form._fields.get(name)
        if field is None:
            errors[name] = "This field cannot be set."
            continue
        present.add(name)
        if value is None:
            if _is_required(field):
                errors[name] = "This field is required."
            continue
        types = _json_types(field)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            errors[name] = f"Must be {_type_name(types)}."
        elif isinstance(value, str) and "\x00" in value:
            errors[name] = "Must not contain NUL characters."
        elif isinstance(value, list):
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                errors[name] = "Must be a list of integer ids."
            else:
                formdata.setlist(name, [str(v) for v in value])
        else:
            formdata.add(name, _as_form_value(value))
    # WTForms still checks the well-typed fields, so one answer names every bad field.
    form.process(formdata=formdata)
    form.validate()
    failed = form_errors(form)
    if partial:
        failed = {name: msg for name, msg in failed.items() if name in present}
    failed.update(errors)  # a field's JSON-level reason beats WTForms' "required"
    if failed:
        raise validation_error(failed)
    names = present if partial else form._fields.keys()
    data = {name: form._fields[name].data for name in names}
    for name in present:
        if body[name] is None:
            data[name] = None
    return data


def parse_query(form_cls: type[FlaskForm], args: MultiDict) -> dict[str, Any]:
    """Validate query-string parameters; unknown sort/order/status etc. are 400s."""
    return dict(_validated_query(form_cls, tuple(args.items(multi=True))))


@functools.lru_cache(maxsize=1024)
def _validated_query(form_cls: type[FlaskForm], items: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    # Query forms validate without I/O, so the same query string always gives the same
    # answer; listings are asked the same few query strings over and over, and binding
    # and validating a dozen fields cost more than the page's SQL (a ValidationError is
    # raised again each time: lru_cache keeps only results).
    form = form_cls(formdata=MultiDict(items), meta={"csrf": False})
    if not form.validate():
        raise validation_error(form_errors(form))
    return form.data


# --------------------------------------------------------------------------- the idempotency key
# One rule for a keyed write's key, however it travels: REST's Idempotency-Key header
# (doors.idempotency_key), the socket's client_bid_id (below) and the OpenAPI pattern.
# Printable ASCII without spaces, because a key must survive an HTTP header unchanged.

IDEMPOTENCY_KEY_PATTERN = "^[!-~]{1,255}$"
IDEMPOTENCY_KEY_MESSAGE = "1 to 255 printable characters."


def is_idempotency_key(key: str) -> bool:
    """Whether `key` obeys the rule: the whole string, as JSON Schema reads the pattern."""
    return re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key) is not None


class IdempotencyKey:
    """WTForms validator for the idempotency-key rule (pair it with Optional: empty means none)."""

    def __call__(self, form: Any, field: Field) -> None:
        if not is_idempotency_key(field.data):
            raise ValidationError(IDEMPOTENCY_KEY_MESSAGE)


# --------------------------------------------------------------------------- Socket.IO payloads


class JoinAuctionForm(NoCSRFForm):
    """join_auction / leave_auction: which auction, and the last event seq the client saw."""

    auction_id = IntegerField(validators=[InputRequired(), Between(min=1, max=MAX_ID)])
    since_seq = IntegerField(validators=[Optional(), Between(min=0, max=MAX_ID)])


class SocketBidTarget(NoCSRFForm):
    """place_bid's addressing fields; the bid itself is validated by BidForm."""

    auction_id = IntegerField(validators=[InputRequired(), Between(min=1, max=MAX_ID)])
    client_bid_id = StringField(validators=[Optional(strip_whitespace=False), IdempotencyKey()])


# --------------------------------------------------------------------------- pages only
# Forms the server-rendered pages and the admin console add on top of the API's classes.

from zoneinfo import ZoneInfo  # noqa: E402

from wtforms.validators import EqualTo  # noqa: E402
from wtforms.widgets import DateTimeLocalInput  # noqa: E402

#: The pages' `datetime-local` inputs carry no zone: they are read as India time.
PAGE_TIMEZONE = ZoneInfo("Asia/Kolkata")


def optional_int(value: Any) -> int | None:
    """Coerce a <select> value: "" means none."""
    if value is None or value == "":
        return None
    return int(value)


class IndiaDateTimeField(UTCDateTimeField):
    """A `datetime-local` input read as Asia/Kolkata time and kept as UTC."""

    widget = DateTimeLocalInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("assume_timezone", PAGE_TIMEZONE)
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M") if self.data else ""


class RegisterPageForm(RegisterForm):
    """/register: the API's rules plus a password confirmation."""

    confirm_password = PasswordField(
        "Confirm password", [DataRequired(), EqualTo("password", message="Passwords do not match.")]
    )


class AuctionPageForm(AuctionForm):
    """/auctions/new: a category picker (choices set by the view) and an India-time deadline."""

    category_id = SelectField("Category", [InputRequired()], coerce=optional_int)
    deadline = IndiaDateTimeField("Bids close at (India time)", [InputRequired()])


class ConfirmForm(FlaskForm):
    """A button that changes state (cancel, withdraw, verify, deactivate): only the CSRF token."""


class CategoryPageForm(CategoryForm):
    """Admin create/rename/move: the parent is picked from the tree ("" = top level)."""

    parent_id = SelectField("Parent category", [Optional()], coerce=optional_int)


class UserSearchForm(NoCSRFForm):
    """/admin/users?q=...&page=..."""

    q = StringField("Search", [Optional(), Length(max=120)], filters=[strip])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
