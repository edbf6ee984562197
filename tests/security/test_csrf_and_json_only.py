"""Security checklist items 1-3: CSRF on cookie writes, bearer tokens without cookies, and
JSON-only bodies. Each sends the bad request and checks both the answer and that the
database did not change.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import (
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

from bidbazaar.models import Auction, AuthToken, Bid, User

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: The emailed-link endpoints too: anonymous, the link's token is the credential (email_routes).
CSRF_EXEMPT = {
    "api.login",
    "api.register",
    "email_api.verify_email",
    "email_api.request_password_reset",
    "email_api.confirm_password_reset",
}


@pytest.fixture
def admin_session(app, admin) -> tuple[Any, dict[str, str]]:
    client, body = login(app, admin)
    return client, csrf(body)


# =========================================================================== 1. CSRF


def test_a_cookie_write_without_the_csrf_header_is_refused_and_changes_nothing(app, customer):
    client, _ = login(app, customer)
    before = count(Auction)

    response = client.post("/api/auctions", json=auction_payload())

    body = assert_error(response, 403, "CSRF_FAILED")
    assert body["details"]
    assert count(Auction) == before


def test_a_cookie_write_with_a_forged_csrf_token_is_refused(app, customer):
    client, _ = login(app, customer)

    response = client.post("/api/auctions", json=auction_payload(), headers={"X-CSRFToken": "forged"})

    assert_error(response, 403, "CSRF_FAILED")
    assert count(Auction) == 0


def test_a_cookie_write_with_another_sessions_csrf_token_is_refused(app, customer, provider):
    client, _ = login(app, customer)
    _, other = login(app, provider)

    response = client.post("/api/auctions", json=auction_payload(), headers=csrf(other))

    assert_error(response, 403, "CSRF_FAILED")
    assert count(Auction) == 0


def test_a_cookie_write_with_the_csrf_header_succeeds(app, customer):
    client, body = login(app, customer)

    response = client.post("/api/auctions", json=auction_payload(), headers=csrf(body))

    assert response.status_code == 201, response.get_json()
    assert count(Auction) == 1


def test_every_unsafe_api_route_refuses_a_cookie_request_without_the_csrf_header(app, world, customer, admin_session):
    client, _ = admin_session
    args = sample_args(world, customer)
    before = db_state()

    for rule, method in routes(app, set(UNSAFE), "/api/"):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        response = client.open(url_for_rule(rule, args), method=method, json={})
        assert response.status_code == 403, (method, rule.rule, response.get_json())
        assert response.get_json()["code"] == "CSRF_FAILED", (method, rule.rule)

    assert db_state() == before


def test_an_anonymous_write_without_any_credential_is_auth_required(client, auction):
    before = count(Bid)

    response = client.post(f"/api/auctions/{auction.id}/bids", json={"amount": 1500, "description": "Done in a day"})

    assert_error(response, 401, "AUTH_REQUIRED")
    assert count(Bid) == before


# =========================================================================== 2. bearer tokens and cookies


def test_a_bearer_write_without_cookies_needs_no_csrf_token(app, customer, bearer):
    client = app.test_client(use_cookies=False)

    response = client.post("/api/auctions", json=auction_payload(), headers=bearer(customer))

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/users/profile", None),
        ("GET", "/api/auth/csrf", None),
        ("POST", "/api/auctions", "auction"),
        ("GET", "/api/no-such-thing", None),
        ("POST", "/api/auth/logout", None),
    ],
)
def test_a_bearer_call_without_cookies_never_receives_set_cookie(app, customer, bearer, method, path, body):
    client = app.test_client(use_cookies=False)

    response = client.open(
        path, method=method, json=auction_payload() if body == "auction" else None, headers=bearer(customer)
    )

    assert response.status_code < 500, response.get_json()
    assert "Set-Cookie" not in response.headers


# A bearer call that also carries a session cookie: issue 11 item 10 (checklist 35) replaced
# checklist 2's last sentence; see tests/test_trust_edges.py.


# =========================================================================== 3. JSON only


FORM_BODIES = [
    ("text/plain", b'{"username": "kiran"}'),
    ("application/x-www-form-urlencoded", b"username=kiran&email=kiran%40example.com&password=s3cret-pass"),
    (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="username"\r\n\r\nkiran\r\n--XyZ--\r\n',
    ),
    (None, b'{"username": "kiran"}'),
]


@pytest.mark.parametrize(("content_type", "data"), FORM_BODIES, ids=["text", "urlencoded", "multipart", "none"])
def test_register_refuses_a_body_that_is_not_json(client, content_type, data):
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post("/api/auth/register", data=data, headers=headers)

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert count(User) == 0


@pytest.mark.parametrize(("content_type", "data"), FORM_BODIES, ids=["text", "urlencoded", "multipart", "none"])
def test_login_refuses_a_body_that_is_not_json(client, customer, content_type, data):
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post("/api/auth/login", data=data, headers=headers)

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert count(AuthToken) == 0


def test_a_cross_site_form_post_riding_on_the_session_cookie_changes_nothing(app, customer):
    client, _ = login(app, customer)
    before = db_state()

    response = client.put(
        "/api/users/profile", data={"email": "attacker@example.com"}, content_type="application/x-www-form-urlencoded"
    )

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert db_state() == before


def test_every_unsafe_api_route_refuses_text_plain(app, world, customer, admin, bearer):
    headers = {**bearer(admin), "Content-Type": "text/plain"}
    client = app.test_client(use_cookies=False)
    args = sample_args(world, customer)
    before = db_state()

    for rule, method in routes(app, set(UNSAFE), "/api/"):
        response = client.open(url_for_rule(rule, args), method=method, data=b'{"a": 1}', headers=headers)
        assert response.status_code == 415, (method, rule.rule, response.get_json())
        assert response.get_json()["code"] == "UNSUPPORTED_MEDIA_TYPE"

    assert db_state() == before
