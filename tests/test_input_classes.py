"""Issue 11, input classes 1-3, by the payloads the review named: integers past every
column's range, money with extreme exponents, and lone surrogates. Each is a 400
VALIDATION_ERROR naming the field (404 for a path id, a VALIDATION_ERROR ack over
Socket.IO) and leaves the database as it was. tests/test_properties.py generates the classes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from helpers import NS, PASSWORD, ack, assert_error, auction_payload, count, log_in

from bidbazaar.extensions import socketio
from bidbazaar.json_format import dumps_json
from bidbazaar.models import Auction, AuthToken, Bid, Category, Notification, User

HUGE = "9" * 400  # past float's range: int(HUGE) > 1e308


def snapshot() -> tuple[int, ...]:
    return tuple(count(model) for model in (User, AuthToken, Auction, Bid, Category, Notification))


def post_raw(client: Any, path: str, text: str, headers: dict[str, str] | None = None, method: str = "post") -> Any:
    """Send JSON text as written (a Python dict cannot carry `1e1000000` or a lone surrogate)."""
    return client.open(path, method=method, data=text, content_type="application/json", headers=headers or {})


def emit_raw(sock: Any, event: str, text: str) -> dict[str, Any]:
    """Emit a Socket.IO event whose payload is this JSON text, exactly as written."""
    return ack(sock, event, orjson.Fragment(text.encode()))


# =========================================================================== 1. huge integers


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/auctions?per_page=", "per_page"),
        ("/api/auctions?page=", "page"),
        ("/api/auctions?category=", "category"),
        ("/api/auctions?created_by=", "created_by"),
        ("/api/auctions/1/bids?per_page=", "per_page"),
        ("/api/auctions/1/events?page=", "page"),
        ("/api/categories?per_page=", "per_page"),
    ],
)
def test_a_huge_integer_in_a_query_string_is_a_400_naming_the_field(client, auction, path, field):
    response = client.get(path + HUGE)

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_a_per_page_above_the_maximum_but_within_range_is_still_clamped(client, auction):
    response = client.get("/api/auctions?per_page=2147483647")

    assert response.status_code == 200
    assert response.get_json()["pagination"]["per_page"] == 100


@pytest.mark.parametrize(
    ("path", "text", "field"),
    [
        ("/api/auctions/1/award", f'{{"bid_id": {HUGE}}}', "bid_id"),
        ("/api/notifications/read", f'{{"ids": [{HUGE}]}}', "ids"),
    ],
)
def test_a_huge_integer_in_a_json_body_is_a_400_naming_the_field(client, customer, auction, bearer, path, text, field):
    headers = bearer(customer)
    before = snapshot()

    response = post_raw(client, path, text, headers)

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert snapshot() == before


def test_a_huge_category_id_for_a_new_auction_is_a_400(client, customer, bearer):
    text = dumps_json(auction_payload(category_id=0)).replace('"category_id":0', f'"category_id":{HUGE}')

    response = post_raw(client, "/api/auctions", text, bearer(customer))

    assert "category_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


@pytest.mark.parametrize("path", [f"/api/auctions/{HUGE}", f"/api/users/{HUGE}", f"/auctions/{HUGE}"])
def test_a_huge_integer_in_a_path_is_a_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("field", ["auction_id", "since_seq"])
def test_a_huge_integer_in_a_socket_payload_is_acknowledged_as_a_validation_error(socket_client, auction, field):
    payload = {"auction_id": auction.id, field: 0}
    text = dumps_json(payload).replace(f'"{field}":0', f'"{field}":{HUGE}')

    answer = emit_raw(socket_client(), "join_auction", text)

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR", answer
    assert field in answer["details"]


def test_the_auction_search_page_answers_a_huge_integer_without_a_server_error(client):
    response = client.get(f"/auctions?category={HUGE}&page={HUGE}")

    assert response.status_code < 500


# =========================================================================== 2. extreme exponents in money


@pytest.mark.parametrize("value", ["1E1000000", "-1E1000000", "1e99999999999999999999", "-0", "-0.00", "1e-1000000"])
def test_an_extreme_or_negative_zero_min_budget_in_the_listing_is_a_400(client, value):
    response = client.get(f"/api/auctions?min_budget={value}")

    assert "min_budget" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


@pytest.mark.parametrize("value", ["1e1000000", "-1E1000000", "1E+8", "-0.0", "100000000", "1.001", "0.5e-2"])
def test_a_bid_amount_with_an_extreme_exponent_or_past_the_columns_bounds_is_a_400(
    client, auction, provider, bearer, value
):
    text = f'{{"amount": {value}, "description": "Will do it well."}}'

    response = post_raw(client, f"/api/auctions/{auction.id}/bids", text, bearer(provider))

    assert "amount" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Bid) == 0


@pytest.mark.parametrize("value", ["1.5E3", "99999999.99", "1500.000", "15E+2"])
def test_an_amount_written_with_an_exponent_in_range_is_accepted(client, auction, provider, bearer, value):
    text = f'{{"amount": {value}, "description": "Will do it well."}}'

    response = post_raw(client, f"/api/auctions/{auction.id}/bids", text, bearer(provider))

    assert response.status_code in (201, 409), response.get_json()  # 409: above the budget, a rule not a parse


def test_an_extreme_budget_max_is_a_400(client, customer, bearer):
    text = dumps_json(auction_payload(budget_max=7)).replace('"budget_max":7', '"budget_max":1E1000000')

    response = post_raw(client, "/api/auctions", text, bearer(customer))

    assert "budget_max" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_an_extreme_amount_over_the_socket_is_acknowledged_as_a_validation_error(socket_client, auction, provider):
    sock = socket_client(provider)

    answer = emit_raw(sock, "place_bid", f'{{"auction_id": {auction.id}, "amount": 1e1000000, "description": "x y"}}')

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR", answer
    assert "amount" in answer["details"]
    assert count(Bid) == 0


def test_an_extreme_amount_in_the_bid_form_is_a_400(client, auction, provider):
    token = log_in(client, provider)

    response = client.post(
        f"/auctions/{auction.id}/bids",
        data={"csrf_token": token, "amount": "1E1000000", "description": "Will do it well."},
    )

    assert response.status_code == 400
    assert count(Bid) == 0


@pytest.mark.parametrize("page", ["/auctions", "/admin/auctions"])
def test_the_search_pages_answer_an_extreme_min_budget_without_a_server_error(client, admin, page):
    log_in(client, admin)

    response = client.get(f"{page}?min_budget=1E1000000")

    assert response.status_code == 200
    assert "Must be at most ₹9,99,99,999.99." in response.get_data(as_text=True)


# =========================================================================== 3. lone surrogates


def write_routes(auction: Auction) -> list[tuple[str, str, str, dict[str, Any], str | None]]:
    """The ten JSON write routes: method, path, who calls, a valid body, its free-text field (if any)."""
    long_text = "A description long enough for every rule here."
    return [
        (
            "post",
            "/api/auth/register",
            "nobody",
            {"username": "newuser", "email": "n@example.com", "password": PASSWORD},
            "password",
        ),
        ("post", "/api/auth/login", "nobody", {"username": "asha", "password": PASSWORD}, "password"),
        (
            "put",
            "/api/users/profile",
            "customer",
            {"current_password": PASSWORD, "new_password": PASSWORD + "x"},
            "new_password",
        ),
        ("post", "/api/auctions", "customer", auction_payload(), "title"),
        ("put", f"/api/auctions/{auction.id}", "customer", {"description": long_text}, "description"),
        ("post", f"/api/auctions/{auction.id}/award", "customer", {"bid_id": 1}, None),
        (
            "post",
            f"/api/auctions/{auction.id}/bids",
            "provider",
            {"amount": 1500, "description": long_text},
            "description",
        ),
        ("post", "/api/notifications/read", "customer", {"all": True}, None),
        ("post", "/api/categories", "admin", {"name": "Gardening", "description": long_text}, "name"),
        ("put", "/api/categories/1", "admin", {"description": long_text}, "description"),
    ]


@pytest.fixture
def route_caller(client, customer, provider, admin, auction, bearer):
    """Sends a write route's valid body with a lone surrogate put in; returns (response, details, db before)."""

    def _call(route: int, surrogate: str, where: str) -> tuple[Any, Any]:
        method, path, who, body, text_field = write_routes(auction)[route]
        users = {"customer": customer, "provider": provider, "admin": admin}
        headers = bearer(users[who]) if who in users else {}
        text = dumps_json(body)
        if where == "key":  # an extra member whose name is the bad text
            text = text[:-1] + f',"note{surrogate}":1}}'
        else:  # the free-text field's value, otherwise valid, with the bad text inside
            text = text.replace(f'"{text_field}":"', f'"{text_field}":"{surrogate}', 1)
        before = snapshot()
        return post_raw(client, path, text, headers, method=method), before

    return _call


@pytest.mark.parametrize("route", range(10))
@pytest.mark.parametrize("surrogate", ["\\ud800", "\\udfff"])
def test_a_lone_surrogate_as_a_json_key_on_any_write_route_is_a_400_naming_it(route_caller, route, surrogate):
    response, before = route_caller(route, surrogate, "key")

    assert f"note{surrogate}" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert snapshot() == before


@pytest.mark.parametrize("route", [0, 1, 2, 3, 4, 6, 8, 9])  # award and notifications/read take no text
@pytest.mark.parametrize("surrogate", ["\\ud800", "\\udfff"])
def test_a_lone_surrogate_in_a_text_field_on_any_write_route_is_a_400_naming_it(
    route_caller, auction, route, surrogate
):
    response, before = route_caller(route, surrogate, "value")

    field = write_routes(auction)[route][4]
    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert snapshot() == before


def test_a_lone_surrogate_in_a_login_username_is_a_400_before_any_account_lookup(config, app, client, customer):
    config.RATELIMIT_ENABLED = True  # the per-account limiter reads the username first

    response = post_raw(client, "/api/auth/login", f'{{"username": "asha\\ud800", "password": "{PASSWORD}"}}')

    assert "username" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


@pytest.mark.parametrize(
    ("event", "text", "field"),
    [
        ("join_auction", '{"auction_id": 1, "\\ud800": 1}', "\\ud800"),
        ("leave_auction", '{"\\udfff": 1}', "\\udfff"),
        ("place_bid", '{"auction_id": 1, "amount": 1500, "description": "x y", "\\ud800": 1}', "\\ud800"),
        ("place_bid", '{"auction_id": 1, "amount": 1500, "description": "a\\udfffb"}', "description"),
        (
            "place_bid",
            '{"auction_id": 1, "client_bid_id": "\\ud800", "amount": 1500, "description": "x"}',
            "client_bid_id",
        ),
    ],
)
def test_a_lone_surrogate_over_the_socket_is_acknowledged_as_a_validation_error(
    socket_client,
    auction,
    provider,
    event,
    text,
    field,
):
    sock = socket_client(provider)

    answer = emit_raw(sock, event, text)

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR", answer
    assert field in answer["details"]
    assert count(Bid) == 0


def test_a_socket_token_with_a_lone_surrogate_is_refused_like_any_bad_token(app):
    with app.app_context():
        sock = socketio.test_client(app, namespace=NS, auth={"token": "\ud800"})

    assert not sock.is_connected(NS)


def test_the_json_renderer_writes_a_lone_surrogate_as_its_escape():
    assert dumps_json({"\ud800": "a\udfff"}) == '{"\\ud800":"a\\udfff"}'


# =========================================================================== found by tests/test_properties.py


def test_a_blank_deadline_is_a_400_not_a_missing_value_reaching_the_rules(client, customer, bearer):
    response = client.post("/api/auctions", json=auction_payload(deadline="  "), headers=bearer(customer))

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_socket_number_too_large_for_decimal_itself_is_still_acknowledged(socket_client, auction, provider):
    sock = socket_client(provider)

    answer = emit_raw(sock, "place_bid", f'{{"auction_id": {auction.id}, "amount": 1e99999999999999999999}}')

    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR", answer
    assert "amount" in answer["details"]
