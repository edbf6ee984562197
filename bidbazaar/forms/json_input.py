"""The typed JSON front of the forms: a JSON body or a query string checked by a form class.

WTForms was built for HTML forms, where every value is a string. For JSON,
`parse_json_form` checks each value's JSON type against its field first (a list where a
string belongs, a string where a number belongs, a boolean for an amount are all 400s),
refuses fields the form does not have, and only then hands strings to WTForms.
`accepted_json_types` and `is_required` are the rules it applies per field; the OpenAPI
document reads the same two, so it cannot drift from what is really accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from flask import current_app, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DecimalField, Field, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Regexp

from bidbazaar.errors import DomainError
from bidbazaar.forms.fields import FlagField, field_choices, field_validators
from bidbazaar.json_format import UnicodeTextError, invalid_text


def accepted_json_types(field_class: type[Field]) -> tuple[type, ...]:
    """The JSON value types a field of this class accepts (a field may declare `json_types`)."""
    declared = getattr(field_class, "json_types", None)
    if declared:
        return declared
    if issubclass(field_class, BooleanField):
        return (bool,)
    if issubclass(field_class, IntegerField):
        return (int,)
    if issubclass(field_class, DecimalField):
        return (int, Decimal)
    return (str,)


def json_type_name(types: tuple[type, ...]) -> str:
    """How an error message names the JSON type a field wants ("a number", ...)."""
    if bool in types:
        return "a boolean"
    if list in types:
        return "a list"
    if Decimal in types:
        return "a number"
    if int in types:
        return "an integer"
    return "a string"


#: Integral numbers past this many digits are refused before int() builds them: an id or a count
#: never has them, and int(Decimal("1E+1000000")) would build a million-digit integer.
_INTEGRAL_DIGITS = 30


def integral_number(value: Any) -> int | None:
    """A JSON number with no fractional part (7483, 7483.0, 7.483e3) as an int, else None.

    JSON Schema's `integer` is a number whose fractional part is zero, so 7483.0 is an
    integer to every client that validates against the document; booleans are not numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 10**_INTEGRAL_DIGITS else None
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < _INTEGRAL_DIGITS:
        return int(value) if value == value.to_integral_value() else None
    return None


def _as_json_type(value: Any, types: tuple[type, ...]) -> Any:
    """The value as the field takes it: an integral number where only integers belong becomes an int."""
    if int in types and Decimal not in types and not isinstance(value, bool):
        whole = integral_number(value)
        if whole is not None:
            return whole
    if list in types and isinstance(value, list):
        return [whole if (whole := integral_number(item)) is not None else item for item in value]
    return value


def _as_form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_required(validators: Iterable[Any]) -> bool:
    """Whether a field with these validators must be given (JSON null is refused then)."""
    return any(isinstance(v, (DataRequired, InputRequired)) for v in validators)


def validation_error(errors: dict[str, Any]) -> DomainError:
    """The VALIDATION_ERROR whose `details` name each bad field."""
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


#: A rule check over the values that parsed: field name -> its problems (services).
RuleProblems = Callable[[dict[str, Any]], dict[str, list[str]]]


def parse_json_form(
    form_cls: type[FlaskForm],
    *,
    partial: bool = False,
    body: dict[str, Any] | None = None,
    rules: RuleProblems | None = None,
) -> dict[str, Any]:
    """Validate a JSON object with a form class and return the clean values.

    partial=True (PUT): only the fields present are validated and returned.
    Unknown fields are refused (clients may not set id, status, created_by, ...).
    `rules`: when some field is refused, the service's rule check over the fields that did
    parse adds its problems to the same VALIDATION_ERROR, so a client learns every problem
    in one answer (with no field error, the service itself runs the check).
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
            if is_required(field.validators):
                errors[name] = "This field is required."
            continue
        types = accepted_json_types(type(field))
        value = _as_json_type(value, types)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            errors[name] = f"Must be {json_type_name(types)}."
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
    if failed and rules is not None:
        parsed = {
            name: form._fields[name].data
            for name in (present if partial else form._fields.keys())
            if name not in failed and form._fields[name].data is not None
        }
        for name, messages in rules(parsed).items():
            if name not in failed and messages:
                failed[name] = messages[0]
    if failed:
        raise validation_error(failed)
    names = present if partial else form._fields.keys()
    data = {name: form._fields[name].data for name in names}
    for name in present:
        if body[name] is None:
            data[name] = None
    return data


def parse_query(form_cls: type[FlaskForm], args: MultiDict) -> dict[str, Any]:
    """Validate an API query string; unknown sort/order/status etc. are 400s.

    WTForms' Optional() passes an empty or blank value as "not given"; the API refuses one
    wherever its document does (`?page=`, `?flat=`, `?flat=%C2%A0`): a number, a flag, a
    choice or a pattern. Free text (`?q=`) may still be empty. The pages bind their forms
    directly and keep the empty "any" option of their filters.
    """
    items = tuple(args.items(multi=True))
    blank = {
        name: "Must not be empty."
        for name, value in items
        if not value.strip() and _refuses_blank(form_cls, name, value)
    }
    if blank:
        raise validation_error(blank)
    return dict(_validated_query(form_cls, items))


@functools.lru_cache(maxsize=256)
def _refuses_blank(form_cls: type[FlaskForm], name: str, value: str) -> bool:
    """Whether the document's schema of this query parameter refuses the blank `value`."""
    unbound = getattr(form_cls, name, None)
    if unbound is None or not hasattr(unbound, "field_class"):
        return False  # not a parameter of this form: ignored, as before
    field_class = unbound.field_class
    if issubclass(field_class, FlagField):
        return True
    if issubclass(field_class, SelectField):
        return value not in field_choices(unbound)
    if issubclass(field_class, (IntegerField, DecimalField)):
        return True
    return any(isinstance(v, Regexp) for v in field_validators(unbound))


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
