"""JSON in this API's formats: money as Decimal in and as a number out, times as UTC with Z.

The Flask JSON provider and the Socket.IO JSON module both come from here, and so does
the one rule that decoded JSON text is Unicode (no lone surrogates).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, DecimalException
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


def render_json_value(value: Any) -> Any:
    """Money as a JSON number with at most 2 decimals; datetimes as UTC ISO 8601 with Z."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        # Every datetime here is UTC (values.UTCDateTime, utcnow); isoformat is ~1.5x
        # faster than strftime, and a detail view renders a hundred of them.
        return value.isoformat(timespec="milliseconds")[:23] + "Z"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# orjson renders dicts, lists, strings and numbers in C and calls render_json_value only
# for Decimal and datetime (passed through so they keep this API's money and time
# formats); the stdlib encoder was a tenth of a listing's or a detail view's cost.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _orjson(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=render_json_value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses and the stdlib renders: an integer past 64 bits echoed
        # back in a validation error's details, say. A lone surrogate, which UTF-8 cannot
        # encode, only occurs inside a string: backslashreplace writes it as its JSON escape.
        text = json.dumps(value, default=render_json_value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def dumps_json(value: Any) -> str:
    """Compact JSON text in this API's formats (money as numbers, UTC times with Z)."""
    return _orjson(value).decode()


def to_jsonable(value: Any) -> Any:
    """The JSON-ready form of a payload (for JSON columns and socket frames)."""
    return json.loads(_orjson(value))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _parse_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, as Decimal (never float).

    An exponent too large for Decimal itself (1e99999999999999999999) overflows to
    ±Infinity, which every field refuses, instead of raising: inside a Socket.IO packet
    an exception would lose the event and its acknowledgement.
    """
    try:
        return Decimal(text)
    except DecimalException:
        return Decimal("-Infinity" if text.startswith("-") else "Infinity")


class UnicodeTextError(ValueError):
    """Decoded JSON holds text that is not Unicode scalar values; `details` names the fields."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("JSON text must be valid Unicode")
        self.details = details


def _is_unicode_text(text: str) -> bool:
    # A JSON "\ud800" escape (or raw surrogate bytes: json decodes with surrogatepass)
    # gives a str that UTF-8 cannot encode: the database drivers, the password hash and
    # the error renderer each fail on it.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def invalid_text(value: Any) -> dict[str, str]:
    """Validation details for every lone surrogate in a decoded JSON value, keys included.

    A field is named by its top-level key; a key that is itself bad text is named
    with its surrogates escaped (so the answer can be rendered), a non-object body as "body".
    """
    details: dict[str, str] = {}
    top = value.items() if isinstance(value, dict) else [("body", value)]
    for key, item in top:
        if not _is_unicode_text(key):
            details[key.encode("utf-8", "backslashreplace").decode()] = "Field names must be valid Unicode text."
            continue
        pending = [item]  # a loop, not recursion: nesting is as deep as the parser allowed
        while pending:
            node = pending.pop()
            if isinstance(node, str):
                texts: list[str] = [node]
            elif isinstance(node, dict):
                texts = list(node)
                pending.extend(node.values())
            else:
                texts = []
                if isinstance(node, list):
                    pending.extend(node)
            if not all(_is_unicode_text(text) for text in texts):
                details[key] = "Must be valid Unicode text (no lone surrogates)."
                break
    return details


def _loads(text: str | bytes, **kwargs: Any) -> Any:
    return json.loads(text, parse_float=_parse_number, parse_constant=_reject_constant, **kwargs)


def _dumps(obj: Any, kwargs: dict[str, Any], **defaults: Any) -> str:
    """Compact output through orjson; anything else (indent, sort_keys) through the stdlib."""
    if set(kwargs) <= {"separators"}:
        return dumps_json(obj)
    kwargs.setdefault("default", render_json_value)
    for name, value in defaults.items():
        kwargs.setdefault(name, value)
    return json.dumps(obj, **kwargs)


class MoneyJSONProvider(DefaultJSONProvider):
    """Parses JSON numbers with a fraction as Decimal (never float) and renders them back.

    Refuses (UnicodeTextError) text that is not Unicode scalar values, so nothing that
    reads the body before the view (the login limiter's key) ever sees a lone surrogate.
    """

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = _loads(s, **kwargs)
        details = invalid_text(value)
        if details:
            raise UnicodeTextError(details)
        return value

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return _dumps(obj, kwargs, ensure_ascii=False)


class SocketJSON:
    """The JSON module Socket.IO packets use: amounts arrive as Decimal, never float."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return _dumps(obj, kwargs, separators=(",", ":"))

    @staticmethod
    def loads(s: str | bytes, **kwargs: Any) -> Any:
        return _loads(s, **kwargs)
