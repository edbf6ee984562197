"""Issue 17, defects 3 and 4: what a generated client reads from the document is what the server does.

Types a generator can use (error details per code, open objects, boolean flags), and the
edges where the schema and the server disagreed (Schemathesis' positive and negative data
checks): each answer here is also checked against the document.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from helpers import error_variants
from jsonschema import Draft202012Validator

from bidbazaar import forms, openapi
from bidbazaar.errors import DomainError
from bidbazaar.forms import AwardForm, SocketBidTarget, parse_json_form

DOCUMENT = openapi.build_document()
SCHEMAS = DOCUMENT["components"]["schemas"]


def valid(schema: dict[str, Any], value: Any) -> bool:
    """Whether `value` matches `schema`, whose refs point into the document."""
    return Draft202012Validator({**schema, "components": DOCUMENT["components"]}).is_valid(value)


def documented(method: str, path: str, response: Any) -> dict[str, Any]:
    """The response's status is documented for the operation and its body matches it."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code, response.get_data())
    body = json.loads(response.get_data())
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    assert valid(schema, body), (method, path, body)
    return body


def parameter(path: str, name: str, method: str = "get") -> dict[str, Any]:
    return next(p for p in DOCUMENT["paths"][path][method]["parameters"] if p["name"] == name)


def walk(node: Any, where: str = "#") -> Any:
    """Every (location, schema-like dict) in the document."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


# --------------------------------------------------------------------------- defect 3: typed details and flags


def test_every_object_in_the_document_names_its_properties_or_is_open():
    """`{type: object}` alone is `Record<string, never>` to openapi-typescript: nothing is readable."""
    bare = [
        where
        for where, node in walk(DOCUMENT)
        if node.get("type") in ("object", ["object", "null"])
        and not {"properties", "additionalProperties", "patternProperties", "allOf", "anyOf", "oneOf"} & set(node)
    ]
    assert bare == []


def test_bid_too_high_details_are_typed_in_the_place_bid_conflict():
    conflict = DOCUMENT["paths"]["/api/auctions/{auction_id}/bids"]["post"]["responses"]["409"]
    variants = dict(
        (tuple(codes), narrowed)
        for codes, narrowed in error_variants(conflict["content"]["application/json"]["schema"])
    )
    assert variants[("BID_TOO_HIGH",)]["details"] == openapi.ref("BidTooHighDetails")
    details = SCHEMAS["BidTooHighDetails"]
    assert details["properties"]["max_allowed"]["type"] == "number" and "max_allowed" in details["required"]


def test_a_bid_too_high_answer_matches_its_typed_details(api, auction, provider, rival, make_bid):
    make_bid(rival, auction, 1500)
    response = api("post", f"/api/auctions/{auction.id}/bids", provider, json={"amount": 1499.5, "description": "x"})
    body = documented("post", "/api/auctions/{auction_id}/bids", response)
    assert body["code"] == "BID_TOO_HIGH" and isinstance(body["details"]["max_allowed"], (int, float))


def test_validation_error_details_are_messages_by_field():
    assert SCHEMAS["ValidationErrorDetails"]["additionalProperties"] == {"type": "string"}


def test_notification_data_is_an_open_object():
    assert SCHEMAS["Notification"]["properties"]["data"]["additionalProperties"] is True


@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/categories", "flat"), ("/api/auctions", "mine"), ("/api/notifications", "unread_only")],
)
def test_a_query_flag_is_a_boolean_a_generated_client_can_pass(path, name):
    assert parameter(path, name)["schema"] == {"type": "boolean"}


def test_a_flag_sent_as_true_is_honoured(client):
    """openapi-fetch serialises `flat: true` as `flat=true`."""
    body = documented("get", "/api/categories", client.get("/api/categories?flat=true"))
    assert all(not category.get("subcategories") for category in body["categories"])


@pytest.mark.parametrize(
    "query",
    [
        "/api/categories?flat=",
        "/api/categories?flat=%C2%A0",
        "/api/auctions?mine=",
        "/api/auctions?page=",
        "/api/auctions?per_page=%20",
        "/api/auctions?status=%C2%A0",
        "/api/auctions?min_budget=",
    ],
)
def test_a_blank_query_value_the_schema_refuses_is_a_400(client, query):
    path = query.split("?")[0]
    response = client.get(query)
    assert response.status_code == 400
    assert documented("get", path, response)["code"] == "VALIDATION_ERROR"


def test_a_blank_standing_is_a_400(api, provider):
    response = api("get", "/api/users/me/bids?standing=", provider)
    assert response.status_code == 400 and "standing" in documented("get", "/api/users/me/bids", response)["details"]


def test_a_standing_with_a_trailing_newline_is_a_400(api, provider):
    """JSON Schema's `$` is ECMA's: it does not match before a final newline, as Python's does."""
    assert api("get", "/api/users/me/bids?standing=outbid%0A", provider).status_code == 400


def test_empty_free_text_and_the_empty_status_choice_are_still_accepted(client):
    assert client.get("/api/auctions?q=&location=&status=").status_code == 200


def test_the_pages_keep_accepting_their_empty_filters(client):
    assert client.get("/auctions?mine=&status=&page=&q=").status_code == 200


# --------------------------------------------------------------------------- defect 4: schema and server agree


@pytest.mark.parametrize("body", [{"all": False}, {"all": None}, {"ids": []}, {"ids": None}])
def test_marking_nothing_read_is_refused_by_the_schema_as_by_the_server(api, customer, body):
    assert not valid(SCHEMAS["NotificationsRead"], body)
    assert api("post", "/api/notifications/read", customer, json=body).status_code == 400


def test_marking_all_read_is_valid_and_accepted(api, customer):
    assert valid(SCHEMAS["NotificationsRead"], {"all": True})
    assert api("post", "/api/notifications/read", customer, json={"all": True}).status_code == 200


def test_an_integral_number_is_an_integer_id(api, auction, customer, rival, make_bid):
    """JSON Schema says 7483.0 is an integer; the award was a 400 "Must be an integer"."""
    bid = make_bid(rival, auction, 1500)
    assert valid({"type": "integer"}, float(bid.id))
    response = api("post", f"/api/auctions/{auction.id}/award", customer, json={"bid_id": float(bid.id)})
    documented("post", "/api/auctions/{auction_id}/award", response)
    assert response.status_code == 200


@pytest.mark.parametrize("number", ["7.0", "7.000", "7E0", "0.7e1"])
def test_every_json_spelling_of_an_integral_number_is_read_as_that_integer(app, number):
    with app.test_request_context(data=f'{{"bid_id": {number}}}', content_type="application/json"):
        assert parse_json_form(AwardForm) == {"bid_id": 7}


@pytest.mark.parametrize("number", ["7.5", "1e400", "true"])
def test_a_fractional_huge_or_boolean_id_is_still_refused(app, number):
    context = app.test_request_context(data=f'{{"bid_id": {number}}}', content_type="application/json")
    with context, pytest.raises(DomainError) as refused:
        parse_json_form(AwardForm)
    assert refused.value.code == "VALIDATION_ERROR"


def test_a_socket_payload_takes_an_integral_float_id(app):
    """The Socket.IO doors read their payload with the same parser (floats, not Decimals)."""
    with app.test_request_context():
        assert parse_json_form(SocketBidTarget, body={"auction_id": 3.0})["auction_id"] == 3


def test_a_list_of_integral_ids_is_read_as_integers(app):
    with app.test_request_context(data='{"ids": [1.0, 2]}', content_type="application/json"):
        assert parse_json_form(forms.NotificationsReadForm)["ids"] == [1, 2]


def test_the_stripped_characters_are_what_str_strip_removes():
    everything = "".join(map(chr, range(0x110000)))
    assert sorted(forms.STRIPPED_CHARACTERS) == [c for c in everything if c.isspace()]


@pytest.mark.parametrize(("component", "field"), [("RegisterRequest", "password"), ("BidCreate", "description")])
def test_whitespace_only_text_is_refused_by_the_schema(component, field):
    prop = SCHEMAS[component]["properties"][field]
    for blank in (" " * 20, "\u00a0\u3000\t" * 8, "\x1c" * 10):
        assert not valid(prop, blank), (component, field, blank)
    assert valid(prop, "  a visible password  ")


def test_a_whitespace_only_password_is_refused_by_schema_and_server(client):
    body = {"username": "blankpass", "email": "blank@example.com", "password": " " * 10}
    assert not valid(SCHEMAS["RegisterRequest"], body)
    assert client.post("/api/auth/register", json=body).status_code == 400


def test_the_schema_lengths_of_stripped_text_are_those_left_after_stripping():
    title = SCHEMAS["AuctionCreate"]["properties"]["title"]
    assert valid(title, "  Fixes  ") and valid(title, " " + "x" * 200 + " ")
    assert not valid(title, "  Fix  ") and not valid(title, "x" * 201)


def test_padded_text_the_schema_accepts_is_accepted(api, customer):
    create = dict(SCHEMAS["AuctionCreate"]["examples"][0], title=" " + "T" * 200 + "\u3000")
    assert valid(SCHEMAS["AuctionCreate"], create)
    assert api("post", "/api/auctions", customer, json=create).status_code == 201


def request_components() -> set[str]:
    return {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for item in DOCUMENT["paths"].values()
        for op in item.values()
        if "requestBody" in op
    }


def test_every_free_text_field_of_a_request_body_refuses_nul_in_its_pattern():
    """The NUL rule lived only in prose: a client could not check it."""
    checked = []
    for name in request_components():
        for field, prop in SCHEMAS[name].get("properties", {}).items():
            types = prop["type"] if isinstance(prop.get("type"), list) else [prop.get("type")]
            if "string" in types and not {"enum", "const", "format"} & set(prop):
                assert "pattern" in prop and not re.search(prop["pattern"], "a\x00b"), (name, field)
                checked.append((name, field))
    assert len(checked) > 20


def test_a_new_password_needs_the_current_one_in_the_schema():
    profile = SCHEMAS["ProfileUpdate"]
    assert not valid(profile, {"new_password": "new-secret-1"})
    assert valid(profile, {"new_password": "new-secret-1", "current_password": "s3cret-pass"})
    assert valid(profile, {"new_password": None})  # null is "not given"


def test_a_new_password_without_the_current_one_is_refused_by_the_server(api, customer):
    assert api("put", "/api/users/profile", customer, json={"new_password": "new-secret-1"}).status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/users/me/searches"),
        ("post", "/api/bookings/{booking_id}/decline"),
        ("post", "/api/bookings/{booking_id}/no-show"),
    ],
)
def test_a_body_with_no_required_field_is_documented_as_optional(method, path):
    """POST /api/users/me/searches without a body saved "All new jobs": the document said it needed one."""
    assert DOCUMENT["paths"][path][method]["requestBody"]["required"] is False


def test_a_saved_search_without_a_body_is_created(api, provider):
    response = api("post", "/api/users/me/searches", provider)
    documented("post", "/api/users/me/searches", response)
    assert response.status_code == 201


def test_every_response_component_is_used_by_an_operation():
    """The 405 component was defined and referenced by none (Redocly: no-unused-components)."""
    text = json.dumps(DOCUMENT["paths"])
    for name in DOCUMENT["components"].get("responses", {}):
        assert f"#/components/responses/{name}" in text, name


def test_the_405_is_described_in_the_document_and_is_an_error(client):
    response = client.patch("/api/categories")
    assert response.status_code == 405 and "METHOD_NOT_ALLOWED" in DOCUMENT["info"]["description"]
    assert valid(openapi.ref("Error"), response.get_json()) and response.headers["Allow"]


# --------------------------------------------------------------------------- email addresses


@pytest.mark.parametrize("address", ["0@1e100.test", "ravi@home.LOCAL", " asha@box.onion "])
def test_an_address_on_a_special_use_domain_is_refused_by_the_schema_as_by_the_server(client, address):
    assert not valid(SCHEMAS["RegisterRequest"]["properties"]["email"], address)
    response = client.post("/api/auth/password-reset", json={"email": address})
    assert response.status_code == 400 and "email" in response.get_json()["details"]


@pytest.mark.parametrize("address", ["asha@example.com", "ravi@test.example.in"])
def test_an_ordinary_address_is_valid_in_the_schema(address):
    assert valid(SCHEMAS["RegisterRequest"]["properties"]["email"], address)


def test_the_schema_names_every_special_use_domain_the_email_validator_refuses():
    for domain in SPECIAL_USE_DOMAIN_NAMES:
        with pytest.raises(EmailNotValidError):
            validate_email(f"asha@box.{domain}", check_deliverability=False)
        assert not valid(SCHEMAS["RegisterRequest"]["properties"]["email"], f"asha@box.{domain}")
