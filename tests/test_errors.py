"""Every /api error has one shape, {"error", "code", "details"}, from 400 to 500; health."""

from __future__ import annotations

import pytest
from helpers import assert_error, auction_payload, count
from sqlalchemy.exc import OperationalError

from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid


def test_an_unknown_api_path_is_a_json_404(client):
    body = assert_error(client.get("/api/no-such-thing"), 404, "NOT_FOUND")

    assert body["details"] == {}


def test_a_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/health")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_json_500_without_a_traceback(app, client):
    def explode():
        raise RuntimeError("secret internals: /etc/passwd")

    app.add_url_rule("/api/test-explode", "test_explode", explode)

    response = client.get("/api/test-explode")

    body = assert_error(response, 500, "INTERNAL_ERROR")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text and "RuntimeError" not in text
    assert body["details"] == {}


def test_after_a_500_the_next_request_works(app, client):
    def explode():
        db.session.add(Auction())  # half-built work that must be rolled back
        raise RuntimeError("boom")

    app.add_url_rule("/api/test-explode", "test_explode", explode)
    client.get("/api/test-explode")

    assert client.get("/api/auctions").status_code == 200
    assert count(Auction) == 0


def test_malformed_json_is_invalid_json(client, customer, bearer):
    response = client.post(
        "/api/auctions", data='{"title": "Fix', content_type="application/json", headers=bearer(customer)
    )

    assert_error(response, 400, "INVALID_JSON")
    assert count(Auction) == 0


def test_nan_in_json_is_invalid_json(client, auction, provider, bearer):
    response = client.post(
        f"/api/auctions/{auction.id}/bids",
        data='{"amount": NaN, "description": "x"}',
        content_type="application/json",
        headers=bearer(provider),
    )

    assert_error(response, 400, "INVALID_JSON")
    assert count(Bid) == 0


def test_a_json_string_body_is_a_validation_error(client, customer, bearer):
    response = client.post("/api/auctions", json="Fix my sink", headers=bearer(customer))

    assert "body" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_form_encoded_body_is_unsupported(client, customer, bearer):
    response = client.post("/api/auctions", data={"title": "Fix my sink"}, headers=bearer(customer))

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert count(Auction) == 0


def test_validation_errors_name_every_bad_field(client, customer, bearer):
    body = auction_payload(title="abc", budget_min="cheap", location=None, colour="red")

    response = client.post("/api/auctions", json=body, headers=bearer(customer))

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert {"title", "budget_min", "location", "colour"} <= set(details)
    assert all(isinstance(message, str) and message for message in details.values())


def test_a_public_profile_shows_no_email(client, provider, make_auction):
    response = client.get(f"/api/users/{provider.id}")

    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["id"] == provider.id and user["username"] == provider.username
    assert user["is_service_provider"] is True
    assert "email" not in user and "is_admin" not in user and "is_active" not in user


def test_an_unknown_user_is_404(client):
    assert_error(client.get("/api/users/424242"), 404, "NOT_FOUND")


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "message_queue": "not_configured", "mail": "file"}


def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)

    response = client.get("/api/health")

    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


# --------------------------------------------------------------------------- hostile input: 400, never 500


@pytest.mark.parametrize(
    "query",
    [
        "created_by=99999999999999999999",
        "category=2147483648",
        "q=a%00b",
        "location=%00",
        "min_budget=1e400",
        "page=99999999999",
    ],
)
def test_an_out_of_range_or_nul_query_parameter_is_a_400(client, query):
    assert_error(client.get(f"/api/auctions?{query}"), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Fix the\u0000 sink"),
        ("requirements", "\u0000"),
        ("category_id", 2**31),
        ("deadline", "0001-01-01T00:00:00+05:30"),
        ("deadline", "9999-12-31T23:59:59-05:00"),
    ],
)
def test_an_out_of_range_or_nul_field_is_a_400(client, customer, bearer, field, value):
    response = client.post("/api/auctions", json=auction_payload(**{field: value}), headers=bearer(customer))

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_nul_in_a_bid_description_is_a_400(client, auction, provider, bearer):
    response = client.post(
        f"/api/auctions/{auction.id}/bids", json={"amount": 1500, "description": "a\u0000b"}, headers=bearer(provider)
    )

    assert "description" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Bid) == 0


def test_an_out_of_range_bid_id_to_award_is_a_400(client, auction, customer, bearer):
    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": 2**63}, headers=bearer(customer))

    assert "bid_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction, Auction.status == "active") == 1
