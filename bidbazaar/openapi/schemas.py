"""Small JSON Schema builders and the atoms every part of the document shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

Schema = dict[str, Any]

MONEY: Schema = {"type": "number", "description": "Rupees: a JSON number with at most 2 decimals (1500.5)."}
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z."}
ID: Schema = {"type": "integer", "minimum": 1}
COUNT: Schema = {"type": "integer", "minimum": 0}
MESSAGE: Schema = {"type": "string"}


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """The schema, or JSON null."""
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


def json_content(schema: Schema) -> dict[str, Any]:
    """A response or request body of JSON with this schema."""
    return {"application/json": {"schema": schema}}


def number(value: Any) -> int | float:
    """A bound as JSON Schema writes it: a whole Decimal as an int, any other as a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
