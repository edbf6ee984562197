"""What fuzzing the API against its OpenAPI document found, pinned as explicit tests, and the
negative inputs Schemathesis alone does not send (non-object bodies, wrong JSON types).

Every response here is also checked against the document: its status must be documented for
the operation and its body must match the documented schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import PASSWORD, category_id, count
from jsonschema import Draft202012Validator

from bidbazaar import openapi
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, Category, Notification, User

DOCUMENT = openapi.build_document()
OUT_OF_RANGE = openapi.MAX_ID + 1
BODY_OPERATIONS = sorted(
    (method, path) for path, item in DOCUMENT["paths"].items() for method, op in item.items() if "requestBody" in op
)


def assert_documented(method: str, path: str, response: Any) -> dict[str, Any]:
    """The response's status is documented for the operation and its body matches the schema."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code, response.get_data())
    body = json.loads(response.get_data())
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    # The refs point into the document: validate with its components at the root.
    Draft202012Validator({**schema, "components": DOCUMENT["components"]}).validate(body)
    return body


def concrete(path: str) -> str:
    return re.sub(r"{[^}]+}", "1", path)


@pytest.fixture
def world(app, customer, provider, rival, admin, make_auction, make_bid) -> dict[str, Any]:
    """Auction 1 by the customer with bid 1 by the rival; bearer headers per role."""
    auction = make_auction(customer)
    make_bid(rival, auction, 1800)
    client = app.test_client()
    headers = {}
    for role, user in {"customer": customer, "provider": provider, "admin": admin}.items():
        response = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        headers[role] = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    return headers


def snapshot() -> tuple[int, ...]:
    return tuple(count(model) for model in (User, Auction, Bid, Category, Notification))


# --------------------------------------------------------------------------- found by fuzzing


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/api/auctions?category=9999999999999999999", None, "category"),
        ("get", f"/api/auctions?created_by={OUT_OF_RANGE}", None, "created_by"),
        ("post", "/api/auctions", "category_id", "category_id"),
        ("post", "/api/auctions/1/award", "bid_id", "bid_id"),
        ("post", "/api/notifications/read", "ids", "ids"),
        ("post", "/api/categories", "parent_id", "parent_id"),
    ],
)
def test_an_id_beyond_integer_range_is_a_400(client, world, method, path, body, field):
    """Fuzzing: GET /api/auctions?category=9999999999999999999 and POST /api/auctions with
    category_id=14282082155358347264 were 500s (the driver overflowed); ids are now bounded
    by forms.MAX_ID."""
    payload = None
    if body is not None:
        example = DOCUMENT["components"]["schemas"][
            {
                "category_id": "AuctionCreate",
                "bid_id": "AwardRequest",
                "ids": "NotificationsRead",
                "parent_id": "CategoryCreate",
            }[body]
        ]["examples"][0]
        payload = {**example, body: [OUT_OF_RANGE] if body == "ids" else OUT_OF_RANGE}
    before = snapshot()
    role = "admin" if "categories" in path else "customer"
    response = client.open(path, method=method, json=payload, headers=world[role])
    template = path.split("?")[0].replace("/1/", "/{auction_id}/")
    body_json = assert_documented(method, template, response)
    assert response.status_code == 400 and body_json["code"] == "VALIDATION_ERROR", body_json
    assert field in body_json["details"]
    assert snapshot() == before


def test_an_out_of_range_id_is_a_404_for_every_method(client, world):
    """Fuzzing: PUT /api/auctions/2147483648, POST /api/auctions/2147483648/bids and
    DELETE /api/categories/2147483648 answered 405, undocumented for those operations."""
    wrong = []
    for path, item in DOCUMENT["paths"].items():
        if "{" not in path:
            continue
        for method in item:
            url = re.sub(r"{[^}]+}", str(OUT_OF_RANGE), path)
            response = client.open(url, method=method, json={} if method != "get" else None, headers=world["admin"])
            if response.status_code != 404 or response.get_json()["code"] != "NOT_FOUND":
                wrong.append((method.upper(), url, response.status_code, response.headers.get("Allow")))
    assert not wrong


def test_marking_huge_negative_ids_read_is_a_400(client, world):
    """Fuzzing: POST /api/notifications/read {"ids": [-125759913021372432384, -2971]} was a 500."""
    response = client.post(
        "/api/notifications/read", json={"ids": [-125759913021372432384, -2971]}, headers=world["customer"]
    )
    body = assert_documented("post", "/api/notifications/read", response)
    assert response.status_code == 400 and "ids" in body["details"]


def test_a_duplicate_sibling_category_is_a_documented_409(client, world):
    """Fuzzing: POST /api/categories with a name its parent already has answered 409 CONFLICT,
    which the document did not list; it does now (create and rename)."""
    plumbing = db.session.get(Category, category_id("Plumbing"))
    response = client.post(
        "/api/categories", json={"name": "PLUMBING", "parent_id": plumbing.parent_id}, headers=world["admin"]
    )
    body = assert_documented("post", "/api/categories", response)
    assert response.status_code == 409 and body["code"] == "CONFLICT", body


def test_put_profile_without_a_body_changes_nothing(client, world):
    """Fuzzing: PUT /api/users/profile with no body is a 200 that changes nothing; the document
    said the body was required. The body is now documented as optional."""
    response = client.put("/api/users/profile", headers=world["provider"])
    body = assert_documented("put", "/api/users/profile", response)
    assert response.status_code == 200 and body["user"]["is_service_provider"] is True
    assert DOCUMENT["paths"]["/api/users/profile"]["put"]["requestBody"]["required"] is False


def test_put_category_without_a_body_changes_nothing(client, world):
    response = client.put("/api/categories/1", headers=world["admin"])
    assert_documented("put", "/api/categories/{category_id}", response)
    assert response.status_code == 200
    assert DOCUMENT["paths"]["/api/categories/{category_id}"]["put"]["requestBody"]["required"] is False


def test_put_auction_without_a_body_is_a_400(client, world):
    """…while an auction edit with nothing to change is refused, as documented (minProperties 1)."""
    response = client.put("/api/auctions/1", headers=world["customer"])
    body = assert_documented("put", "/api/auctions/{auction_id}", response)
    assert response.status_code == 400 and body["code"] == "VALIDATION_ERROR"


# --------------------------------------------------------------------------- what fuzzing does not send


NON_OBJECTS = ["[]", "[1, 2]", '"text"', "42", "true", "null"]


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_json_body_that_is_not_an_object_is_a_400(client, world, method, path):
    before = snapshot()
    for raw in NON_OBJECTS:
        response = client.open(
            concrete(path), method=method, data=raw, content_type="application/json", headers=world["admin"]
        )
        body = assert_documented(method, path, response)
        assert response.status_code == 400 and body["code"] == "VALIDATION_ERROR", (raw, body)
    assert snapshot() == before


#: For each JSON type, values of other types that must not be coerced into it.
WRONG_TYPES = {
    "string": [123, 1.5, True, ["x"], {"x": 1}],
    "integer": ["1", 1.5, True, [1], {"x": 1}],
    "number": ["12", True, [1], {"x": 1}],
    "boolean": ["true", 1, 0, [], {}],
    "array": ["1", 1, {"x": 1}, [True], ["1"], [1.5]],
    "object": ["{}", 1, True, [], [{"x": 1}]],
}


def body_fields() -> list[Any]:
    cases = []
    for method, path in BODY_OPERATIONS:
        component = DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = DOCUMENT["components"]["schemas"][component.rsplit("/", 1)[-1]]
        for field, prop in schema["properties"].items():
            types = [prop["type"]] if isinstance(prop["type"], str) else prop["type"]
            json_type = next(t for t in types if t != "null")
            cases.append(
                pytest.param(method, path, schema["examples"][0], field, json_type, id=f"{method}-{path}-{field}")
            )
    return cases


@pytest.mark.parametrize(("method", "path", "example", "field", "json_type"), body_fields())
def test_a_field_of_the_wrong_json_type_is_a_400_naming_it(client, world, method, path, example, field, json_type):
    before = snapshot()
    for value in WRONG_TYPES[json_type]:
        response = client.open(concrete(path), method=method, json={**example, field: value}, headers=world["admin"])
        body = assert_documented(method, path, response)
        assert response.status_code == 400 and body["code"] == "VALIDATION_ERROR", (value, body)
        assert field in body["details"], (value, body)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_malformed_json_is_invalid_json(client, world, method, path):
    response = client.open(
        concrete(path), method=method, data='{"a": ', content_type="application/json", headers=world["admin"]
    )
    body = assert_documented(method, path, response)
    assert response.status_code == 400 and body["code"] == "INVALID_JSON"


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_form_encoded_body_is_415(client, world, method, path):
    before = snapshot()
    response = client.open(concrete(path), method=method, data={"name": "x"}, headers=world["admin"])
    body = assert_documented(method, path, response)
    assert response.status_code == 415 and body["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_body_over_max_content_length_is_413(app, client, world, method, path):
    huge = json.dumps({"x": "a" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.open(
        concrete(path), method=method, data=huge, content_type="application/json", headers=world["admin"]
    )
    body = assert_documented(method, path, response)
    assert response.status_code == 413 and body["code"] == "PAYLOAD_TOO_LARGE"


def test_the_documented_examples_are_accepted(client, world):
    """Each request-body example in the document is valid input (Swagger UI pre-fills them)."""
    sent = {
        ("post", "/api/auctions"): "customer",
        ("post", "/api/auctions/{auction_id}/bids"): "provider",
        ("put", "/api/auctions/{auction_id}"): "customer",
        ("post", "/api/auctions/{auction_id}/award"): "customer",
        ("put", "/api/users/profile"): "provider",
        ("post", "/api/categories"): "admin",
        ("put", "/api/categories/{category_id}"): "admin",
    }
    for (method, path), role in sent.items():
        op = DOCUMENT["paths"][path][method]
        name = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        example = DOCUMENT["components"]["schemas"][name]["examples"][0]
        response = client.open(concrete(path), method=method, json=example, headers=world[role])
        assert_documented(method, path, response)
        assert response.status_code in (200, 201), (method, path, response.get_json())


def test_an_unsupported_method_is_the_documented_405(client, world):
    response = client.patch("/api/auctions/1", json={}, headers=world["customer"])
    schema = {
        "allOf": [{"$ref": "#/components/schemas/Error"}, {"properties": {"code": {"const": "METHOD_NOT_ALLOWED"}}}]
    }
    assert response.status_code == 405
    Draft202012Validator({**schema, "components": DOCUMENT["components"]}).validate(response.get_json())
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PUT"}


def test_marking_someone_elses_notification_is_the_documented_404(client, world):
    """Fuzzing (another seed): {"ids": [1, 2]} as the provider, whose notifications these are
    not, answered an undocumented 404 once services.mark_notifications_read refused them."""
    response = client.post("/api/notifications/read", json={"ids": [1]}, headers=world["provider"])
    body = assert_documented("post", "/api/notifications/read", response)
    assert response.status_code == 404 and body["code"] == "NOT_FOUND"
    db.session.commit()
    assert db.session.get(Notification, 1).read_at is None


def test_the_fast_json_renderer_writes_what_the_stdlib_encoder_wrote() -> None:
    import json
    from datetime import UTC, datetime
    from decimal import Decimal

    from bidbazaar.json_format import dumps_json, render_json_value

    payload = {
        "amount": Decimal("1499.50"),
        "budget": Decimal("2000.00"),
        "deadline": datetime(2026, 11, 27, 18, 0, 0, 123456, tzinfo=UTC),
        "title": 'Weekly cleaning ₹1,000–2,000, "3BHK"',
        "bids": [{"id": 1, "is_mine": False, "notes": None, "ratio": 0.25}],
        "huge": 10**30,
    }

    expected = json.dumps(payload, default=render_json_value, ensure_ascii=False, separators=(",", ":"))
    assert dumps_json(payload) == expected
    assert dumps_json({k: v for k, v in payload.items() if k != "huge"}) == expected.replace(
        ',"huge":' + str(10**30), ""
    )
