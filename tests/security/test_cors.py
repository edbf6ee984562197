"""Security checklist item 20: CORS answers only the allowlisted origins, never a wildcard.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

from helpers import (
    db_state,
)

from app import create_app
from bidbazaar.config import Config, TestConfig
from bidbazaar.extensions import db

ALLOWED_ORIGIN = "http://localhost:5173"
FOREIGN_ORIGIN = "https://evil.example"


# =========================================================================== 20. CORS


def test_an_allowed_origin_is_echoed_exactly_with_credentials(client):
    response = client.get("/api/categories", headers={"Origin": ALLOWED_ORIGIN})

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers.get("Vary", "")


def test_a_foreign_origin_gets_no_cors_headers(client):
    response = client.get("/api/categories", headers={"Origin": FOREIGN_ORIGIN})

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_from_an_allowed_origin_allows_the_csrf_and_bearer_headers(client):
    response = client.options(
        "/api/auctions",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, X-CSRFToken, Authorization",
        },
    )

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"content-type", "x-csrftoken", "authorization"} <= {h.strip() for h in allowed.split(",")}


def test_a_preflight_from_a_foreign_origin_is_not_allowed(client):
    before = db_state()

    response = client.options(
        "/api/auctions",
        headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"},
    )

    assert "Access-Control-Allow-Origin" not in response.headers
    assert db_state() == before


def test_cors_never_answers_with_a_wildcard(client):
    for origin in (ALLOWED_ORIGIN, FOREIGN_ORIGIN, "null"):
        response = client.get("/api/categories", headers={"Origin": origin})
        assert response.headers.get("Access-Control-Allow-Origin") != "*"


def test_the_cors_allowlist_comes_from_cors_origins(monkeypatch, database_url):
    monkeypatch.setenv("CORS_ORIGINS", "https://app.bidbazaar.example, https://admin.bidbazaar.example")
    config = TestConfig(database_url)
    config.CORS_ORIGINS = Config().CORS_ORIGINS
    app = create_app(config)
    try:
        client = app.test_client()
        allowed = client.get("/api/auth/csrf", headers={"Origin": "https://admin.bidbazaar.example"})
        default = client.get("/api/auth/csrf", headers={"Origin": ALLOWED_ORIGIN})
    finally:
        with app.app_context():
            db.engine.dispose()

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.bidbazaar.example"
    assert "Access-Control-Allow-Origin" not in default.headers


# =========================================================================== issue 17, defect 6


def test_a_preflight_allows_every_header_the_api_reads(client):
    response = client.options(
        "/api/auctions/1/bids",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, X-CSRFToken, Idempotency-Key, X-Request-ID",
        },
    )

    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].lower().split(",")}
    assert {"content-type", "x-csrftoken", "idempotency-key", "x-request-id"} <= allowed


def test_a_cross_origin_answer_exposes_the_headers_a_client_acts_on(client):
    response = client.get("/api/categories", headers={"Origin": ALLOWED_ORIGIN})

    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].lower().split(",")}
    assert {"x-request-id", "retry-after", "idempotency-replayed"} <= exposed


def test_a_replayed_keyed_bid_says_so_in_a_header_and_a_first_one_does_not(client, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "bid-replay-header-1"}
    body = {"amount": 1500, "description": "Licensed plumber, parts included."}

    first = client.post(f"/api/auctions/{auction.id}/bids", json=body, headers=headers)
    again = client.post(f"/api/auctions/{auction.id}/bids", json=body, headers=headers)

    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert "Idempotency-Replayed" not in first.headers
    assert again.headers["Idempotency-Replayed"] == "true"
