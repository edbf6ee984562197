"""The document's examples and security order, as generated clients read them (issue 17, defect 1).

openapi-to-postmanv2 (and other OAS 3.1 tools) fill requests from media-type `example`s and
parameter-level `example`s, not from schema-level `examples`, and authenticate an operation
with the first option of its `security`. Every example must also be valid against its own
schema: a client that sends it must not get a 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from bidbazaar.openapi import build_document

DOCUMENT = build_document("http://localhost")
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def operations() -> Iterator[tuple[str, dict[str, Any]]]:
    """(`METHOD path`, operation) for every documented operation."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def parameters() -> Iterator[tuple[str, dict[str, Any]]]:
    """(`METHOD path name`, parameter) for every path, query and header parameter."""
    for name, operation in operations():
        for parameter in operation.get("parameters", []):
            yield f"{name} {parameter['name']}", parameter


def json_media() -> Iterator[tuple[str, dict[str, Any]]]:
    """(`METHOD path where`, media type object) for every JSON request and response body."""
    for name, operation in operations():
        body = operation.get("requestBody")
        if body:
            yield f"{name} request", body["content"]["application/json"]
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if media:
                yield f"{name} {status}", media


def validation_errors(example: Any, schema: dict[str, Any]) -> list[str]:
    """What is wrong with `example` under `schema` ($refs resolved against the document)."""
    rooted = {**schema, "components": DOCUMENT["components"]}  # "#/components/..." resolves here
    validator = Draft202012Validator(rooted, format_checker=FormatChecker())
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(example)]


def parameter_examples(parameter: dict[str, Any]) -> list[Any]:
    if "example" in parameter:
        return [parameter["example"]]
    return [named["value"] for named in parameter.get("examples", {}).values()]


WITH_BODY = [(name, operation) for name, operation in operations() if "requestBody" in operation]
EXAMPLES = [(name, media) for name, media in json_media() if "example" in media]
TAKING_A_TOKEN = [(name, operation) for name, operation in operations() if operation["security"] != [{}]]


@pytest.mark.parametrize(("name", "operation"), WITH_BODY, ids=lambda value: str(value)[:60])
def test_every_request_body_has_a_media_type_example(name, operation):
    assert "example" in operation["requestBody"]["content"]["application/json"], name


@pytest.mark.parametrize(("name", "parameter"), list(parameters()), ids=lambda value: str(value)[:80])
def test_every_parameter_has_an_example(name, parameter):
    assert parameter_examples(parameter), name


@pytest.mark.parametrize(("name", "parameter"), list(parameters()), ids=lambda value: str(value)[:80])
def test_every_parameter_example_is_valid_against_its_schema(name, parameter):
    for example in parameter_examples(parameter):
        assert validation_errors(example, parameter["schema"]) == [], name


def test_no_parameter_has_both_example_and_examples():
    both = [name for name, parameter in parameters() if "example" in parameter and "examples" in parameter]
    assert both == []


@pytest.mark.parametrize(("name", "media"), EXAMPLES, ids=lambda value: str(value)[:80])
def test_every_media_type_example_is_valid_against_its_schema(name, media):
    assert validation_errors(media["example"], media["schema"]) == [], name


def test_every_schema_level_example_is_valid_against_its_component():
    invalid = {
        component: errors
        for component, schema in DOCUMENT["components"]["schemas"].items()
        for example in schema.get("examples", [])
        if (errors := validation_errors(example, {"$ref": f"#/components/schemas/{component}"}))
    }
    assert invalid == {}


def test_the_auction_example_deadline_lies_in_the_future():
    media = DOCUMENT["paths"]["/api/auctions"]["post"]["requestBody"]["content"]["application/json"]
    assert datetime.fromisoformat(media["example"]["deadline"]) > datetime.now(UTC)


@pytest.mark.parametrize(("name", "operation"), TAKING_A_TOKEN, ids=lambda value: str(value)[:60])
def test_every_operation_that_takes_a_token_lists_bearer_first(name, operation):
    assert operation["security"][0] == {"bearerAuth": []}, name


def test_public_operations_still_accept_anonymous_callers():
    listing = DOCUMENT["paths"]["/api/auctions"]["get"]
    assert {} in listing["security"]
