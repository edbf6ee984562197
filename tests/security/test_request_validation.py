"""Security checklist items 4-7: JSON shapes and types, fields clients may not set, safe
methods that change nothing, and the request size limit.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from helpers import (
    PASSWORD,
    assert_error,
    auction_payload,
    count,
    csrf,
    db_state,
    login,
    routes,
    sample_args,
    url_for_rule,
)

from bidbazaar.models import Auction, User

# =========================================================================== 4. JSON shapes and types


def _writes(world: dict[str, Any]) -> dict[str, tuple[str, str, Any]]:
    auction_id, bid_id = world["auction"].id, world["bid"].id
    return {
        "register": ("POST", "/api/auth/register", None),
        "login": ("POST", "/api/auth/login", None),
        "profile": ("PUT", "/api/users/profile", "customer"),
        "create_auction": ("POST", "/api/auctions", "customer"),
        "update_auction": ("PUT", f"/api/auctions/{auction_id}", "customer"),
        "award": ("POST", f"/api/auctions/{auction_id}/award", "customer"),
        "bid": ("POST", f"/api/auctions/{auction_id}/bids", "rival"),
        "read_notifications": ("POST", "/api/notifications/read", "customer"),
        "category": ("POST", "/api/categories", "admin"),
        "withdraw": ("DELETE", f"/api/auctions/{auction_id}/bids/{bid_id}", "provider"),
    }


@pytest.fixture
def send(app, world, request, bearer) -> Callable[..., Any]:
    """send(name, raw_body) → the response of a bearer-authenticated write."""
    targets = _writes(world)
    client = app.test_client(use_cookies=False)
    # Log everyone in now, so the tests' "before" snapshots already hold these tokens.
    tokens = {who: bearer(request.getfixturevalue(who)) for who in ("customer", "provider", "rival", "admin")}

    def _send(name: str, data: bytes | str) -> Any:
        method, path, who = targets[name]
        headers = tokens[who] if who else {}
        return client.open(path, method=method, data=data, headers=headers, content_type="application/json")

    return _send


JSON_ENDPOINTS = [
    "register",
    "login",
    "profile",
    "create_auction",
    "update_auction",
    "award",
    "bid",
    "read_notifications",
    "category",
]


@pytest.mark.parametrize("raw", ["[]", '["a", 1]', '"abc"', "1", "1.5", "true", "null"])
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_a_json_body_that_is_not_an_object_is_a_validation_error(send, endpoint, raw):
    before = db_state()

    response = send(endpoint, raw)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "body" in body["details"]
    assert db_state() == before


@pytest.mark.parametrize("raw", ['{"amount": 1500', "{'amount': 1500}", '{"amount": NaN}', '{"amount": Infinity}'])
@pytest.mark.parametrize("endpoint", ["register", "bid", "create_auction"])
def test_malformed_json_is_invalid_json(send, endpoint, raw):
    before = db_state()

    response = send(endpoint, raw)

    assert_error(response, 400, "INVALID_JSON")
    assert db_state() == before


WRONG_TYPES = [
    ("register", {"username": ["kiran"], "email": "k@example.com", "password": "s3cret-pass"}, "username"),
    ("register", {"username": "kiran", "email": {"a": 1}, "password": "s3cret-pass"}, "email"),
    ("register", {"username": "kiran", "email": "k@example.com", "password": 12345678}, "password"),
    (
        "register",
        {"username": "kiran", "email": "k@example.com", "password": "s3cret-pass", "is_service_provider": "yes"},
        "is_service_provider",
    ),
    ("login", {"username": ["asha"], "password": PASSWORD}, "username"),
    ("login", {"username": "asha", "password": {"p": PASSWORD}}, "password"),
    ("profile", {"email": ["asha@example.com"]}, "email"),
    ("profile", {"is_service_provider": "false"}, "is_service_provider"),
    ("profile", {"is_service_provider": 1}, "is_service_provider"),
    ("profile", {"current_password": PASSWORD, "new_password": ["x" * 10]}, "new_password"),
    ("create_auction", {"budget_max": "2000"}, "budget_max"),
    ("create_auction", {"budget_max": True}, "budget_max"),
    ("create_auction", {"budget_min": [1000, 2000]}, "budget_min"),
    ("create_auction", {"category_id": "1"}, "category_id"),
    ("create_auction", {"category_id": 1.5}, "category_id"),
    ("create_auction", {"category_id": True}, "category_id"),
    ("create_auction", {"title": ["Weekly cleaning, 3BHK"]}, "title"),
    ("create_auction", {"deadline": 1893456000}, "deadline"),
    ("update_auction", {"title": {"text": "A new title here"}}, "title"),
    ("update_auction", {"budget_max": "3000"}, "budget_max"),
    ("bid", {"amount": "1300", "description": "Done in a day"}, "amount"),
    ("bid", {"amount": True, "description": "Done in a day"}, "amount"),
    ("bid", {"amount": [1300], "description": "Done in a day"}, "amount"),
    ("bid", {"amount": {"value": 1300}, "description": "Done in a day"}, "amount"),
    ("bid", {"amount": 1300, "description": 42}, "description"),
    ("award", {"bid_id": "1"}, "bid_id"),
    ("award", {"bid_id": True}, "bid_id"),
    ("award", {"bid_id": [1]}, "bid_id"),
    ("read_notifications", {"ids": "1"}, "ids"),
    ("read_notifications", {"ids": [True]}, "ids"),
    ("read_notifications", {"all": "yes"}, "all"),
    ("category", {"name": ["Gardening"]}, "name"),
    ("category", {"name": "Gardening", "parent_id": "1"}, "parent_id"),
]


@pytest.mark.parametrize(("endpoint", "body", "field"), WRONG_TYPES, ids=[f"{e}-{f}" for e, _, f in WRONG_TYPES])
def test_a_field_of_the_wrong_json_type_is_a_validation_error_naming_it(send, endpoint, body, field):
    if endpoint == "create_auction":
        body = {**auction_payload(), **body}
    before = db_state()

    response = send(endpoint, json.dumps(body))

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert db_state() == before


# =========================================================================== 5. fields clients may not set


FORBIDDEN_FIELDS = [
    ("register", "id", 99),
    ("register", "is_admin", True),
    ("register", "provider_verified", True),
    ("register", "is_active", True),
    ("register", "password_hash", "pbkdf2:sha256:1$x$y"),
    ("profile", "id", 99),
    ("profile", "username", "someone_else"),
    ("profile", "is_admin", True),
    ("profile", "provider_verified", True),
    ("profile", "is_active", False),
    ("create_auction", "id", 99),
    ("create_auction", "status", "completed"),
    ("create_auction", "created_by", 3),
    ("create_auction", "bid_count", 0),
    ("create_auction", "lowest_bid", 1),
    ("update_auction", "status", "cancelled"),
    ("update_auction", "created_by", 3),
    ("update_auction", "bid_count", 0),
    ("update_auction", "winning_bid_id", 1),
    ("bid", "user_id", 2),
    ("bid", "status", "accepted"),
    ("bid", "auction_id", 2),
    ("bid", "id", 99),
]


@pytest.mark.parametrize(
    ("endpoint", "field", "value"), FORBIDDEN_FIELDS, ids=[f"{e}-{f}" for e, f, _ in FORBIDDEN_FIELDS]
)
def test_a_field_the_client_may_not_set_is_refused(send, endpoint, field, value):
    base: dict[str, Any] = {
        "register": {"username": "kiran", "email": "kiran@example.com", "password": "s3cret-pass"},
        "profile": {"email": "asha.new@example.com"},
        "create_auction": auction_payload(),
        "update_auction": {"requirements": "Bring a ladder"},
        "bid": {"amount": 1300, "description": "Done in a day"},
    }[endpoint]
    before = db_state()

    response = send(endpoint, json.dumps({**base, field: value}))

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert db_state() == before


# =========================================================================== 6. safe methods are safe


@pytest.mark.parametrize("viewer", ["anonymous", "customer", "provider", "admin"])
def test_get_head_and_options_change_nothing_on_any_route(app, world, customer, bearer, request, viewer):
    client = app.test_client()
    headers: dict[str, str] = {}
    if viewer == "customer":
        client, _ = login(app, customer)
    elif viewer != "anonymous":
        headers = bearer(request.getfixturevalue(viewer))
    args = sample_args(world, customer)
    before = db_state()
    seen = 0

    for rule, method in routes(app, {"GET", "HEAD", "OPTIONS"}):
        response = client.open(url_for_rule(rule, args), method=method, headers=headers)
        assert response.status_code < 500, (method, rule.rule, response.get_data(as_text=True)[:200])
        assert db_state() == before, (method, rule.rule)
        seen += 1

    assert seen >= 40


# =========================================================================== 7. request size


@pytest.mark.parametrize("as_cookie", [False, True], ids=["bearer", "cookie"])
def test_a_body_over_max_content_length_is_a_json_413(app, customer, bearer, as_cookie):
    payload = auction_payload(description="x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    if as_cookie:
        client, body = login(app, customer)
        headers = csrf(body)
    else:
        client, headers = app.test_client(use_cookies=False), bearer(customer)

    response = client.post("/api/auctions", json=payload, headers=headers)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert count(Auction) == 0


def test_an_oversized_registration_is_a_json_413(app, client):
    body = {"username": "kiran", "email": "kiran@example.com", "password": "p" * (app.config["MAX_CONTENT_LENGTH"])}

    response = client.post("/api/auth/register", json=body)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert count(User) == 0
