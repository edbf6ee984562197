"""The field types and validators every form is built from: money, UTC times, id lists,
exact number ranges, and the text filter that trims and refuses NUL characters.

Each field that is not a plain WTForms one declares the JSON types it accepts
(`json_types`); forms.json_input checks a JSON body against them and openapi documents them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, DecimalException
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, SelectChoice, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, Regexp, ValidationError

from bidbazaar.values import MAX_ID, format_inr  # MAX_ID: INTEGER columns' range

MAX_MONEY = Decimal("99999999.99")  # Numeric(10, 2)
#: Amounts carry at most this many decimals (paise); MONEY_STEP is the smallest amount step.
MONEY_PLACES = 2
MONEY_STEP = Decimal(1).scaleb(-MONEY_PLACES)
#: Plain decimal notation with an optional exponent, ASCII digits only: no NaN, Infinity,
#: thousands separators, underscores or other scripts' digits (Decimal() accepts all those).
MONEY_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


#: The characters str.strip() removes (each c with c.isspace()), written out so that an OpenAPI
#: pattern can name exactly this set: ECMA-262's \\s and Python's \\s differ (U+001C-U+001F,
#: U+0085, U+FEFF). tests/test_client_contract.py checks it against str.isspace.
STRIPPED_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


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
    plain values here (no callables), which the OpenAPI document shows as they are.
    """

    def __call__(self, form: Any, field: Field) -> None:
        data = field.data
        low, high = self.min, self.max
        if data is not None and (low is None or data >= low) and (high is None or data <= high):
            return
        if self.message is not None:
            raise ValidationError(self.message)
        # An amount's bounds read as money ("₹0.01", "₹9,99,99,999.99"), a count's as numbers.
        what, show = ("Amount", format_inr) if isinstance(field, MoneyField) else ("Number", str)
        if high is None:
            raise ValidationError(f"{what} must be at least {show(low)}.")
        raise ValidationError(f"{what} must be between {show(low)} and {show(high)}.")


#: An Indian mobile number: ten digits starting 6-9, after an optional +91, 91 or 0 prefix.
INDIAN_MOBILE = re.compile(r"(?:\+91|91|0)?([6-9][0-9]{9})", re.ASCII)
#: What may separate the digits as people type them: "+91 98765-43210", "(0) 98765 43210".
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_indian_mobile(text: str) -> str:
    """+91 and the ten digits ("+919876543210"), or ValueError for anything else
    (a landline, a foreign number, too few or too many digits)."""
    match = INDIAN_MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", text))
    if match is None:
        raise ValueError("Enter an Indian mobile number: 10 digits starting with 6, 7, 8 or 9 (+91 optional).")
    return f"+91{match.group(1)}"


class IndianMobile:
    """Validator: an Indian mobile number, stored as +91 and ten digits; empty clears it."""

    def __call__(self, form: Any, field: Field) -> None:
        if not field.data:
            field.data = ""
            return
        try:
            field.data = normalise_indian_mobile(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


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
        raise ValueError(f"Must be at most {format_inr(MAX_MONEY)}.") from None
    if value.is_zero():
        if value.is_signed():
            raise ValueError("Not a valid amount (negative zero).")
        return Decimal("0.00")
    if value.adjusted() >= 8:  # 1E+8 and up: more digits before the point than the column holds
        raise ValueError(f"Must be at most {format_inr(MAX_MONEY)}.")
    _, digits, exponent = value.as_tuple()
    coefficient = "".join(map(str, digits))
    places = -(exponent + len(coefficient) - len(coefficient.rstrip("0")))
    if places > MONEY_PLACES:
        raise ValueError(f"At most {MONEY_PLACES} decimal places.")
    return value.quantize(MONEY_STEP)


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
    #: How many ids one list may carry.
    max_ids = 1000

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            ids = [int(v) for v in valuelist]
        except (TypeError, ValueError):
            self.data = None
            raise ValueError("Must be a list of integer ids.") from None
        if len(ids) > self.max_ids or not all(1 <= i <= MAX_ID for i in ids):
            self.data = None
            raise ValueError(f"At most {self.max_ids} ids, each from 1 to {MAX_ID}.")
        self.data = ids


class FullMatch(Regexp):
    """Regexp over the whole value, as JSON Schema's `pattern` with ^...$ reads it: Python's `$`
    also matches before a final newline, ECMA-262's does not ("leading\\n" is no standing)."""

    def __call__(self, form: Any, field: Field, message: str | None = None) -> Any:
        if self.regex.fullmatch(field.data or "") is None:
            raise ValidationError(self.message or "Invalid input.")
        return None


class FlagField(SelectField):
    """A yes/no query-string flag: `true` or `false` (a JSON boolean as OpenAPI serialises it).

    The pages' filter forms also send the empty "any" option, so the field keeps it;
    forms.parse_query refuses it on the API, where the document types the flag as a boolean.
    """

    json_types = (bool,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", choices("", "true", "false"))
        super().__init__(*args, **kwargs)


class NoCSRFForm(FlaskForm):
    """Base for the API's forms: the API checks CSRF once, in a request hook."""

    class Meta:
        csrf = False


def choices(*values: str) -> list[SelectChoice]:
    """Options whose label is their value (an empty value means "any")."""
    return [SelectChoice(value, value or "any") for value in values]


def form_fields(form_cls: type) -> list[tuple[str, UnboundField]]:
    """The form's fields in declaration order, read from the class (no app context needed)."""
    fields = [
        (name, value)
        for name in dir(form_cls)
        if not name.startswith("_") and isinstance(value := getattr(form_cls, name), UnboundField)
    ]
    return sorted(fields, key=lambda item: item[1].creation_counter)


def field_validators(unbound: UnboundField) -> list[Any]:
    """The validators a field is declared with (positionally or by keyword)."""
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or [])
    return list(unbound.args[1]) if len(unbound.args) > 1 else []


def field_choices(unbound: UnboundField) -> list[Any]:
    """The values a select field is declared to offer (from tuples or SelectChoices)."""
    return [
        choice.value if hasattr(choice, "value") else choice[0] if isinstance(choice, tuple) else choice
        for choice in unbound.kwargs.get("choices") or []
    ]


# --------------------------------------------------------------------------- the idempotency key
# One rule for a keyed write's key, however it travels: REST's Idempotency-Key header
# (doors.idempotency_key), the socket's client_bid_id (api_forms.SocketBidTarget) and the
# OpenAPI pattern. Printable ASCII without spaces, because a key must survive an HTTP header.

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
