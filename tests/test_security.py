"""Security checklist items 1-15, 20 and 23: each requirement sends the bad request and
checks both the answer and that the database did not change."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import PASSWORD, assert_error, auction_payload, bearer_of, count, csrf, login, session_secret
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app import create_app
from bidbazaar import accounts
from bidbazaar.config import DEV_SECRET_KEY, Config, TestConfig
from bidbazaar.extensions import db, socketio
from bidbazaar.models import Auction, AuthToken, Bid, BidStatus, Category, Notification, User

ALLOWED_ORIGIN = "http://localhost:5173"
FOREIGN_ORIGIN = "https://evil.example"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
CSRF_EXEMPT = {"api.login", "api.register"}
SOCKET_NS = "/auctions"


def db_state() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, read in a fresh transaction: equal means nothing changed."""
    db.session.commit()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return state


@pytest.fixture
def world(customer, provider, rival, admin, make_auction, make_bid) -> dict[str, Any]:
    """Two customers' auctions, bids from two providers, and a notification for each customer."""
    auction = make_auction()
    bid = make_bid(provider, auction, 1500)
    rival_bid = make_bid(rival, auction, 1400)
    other = make_auction(admin, title="Paint a 2BHK flat in Pune")
    other_bid = make_bid(provider, other, 1800)
    db.session.add(Notification(user_id=admin.id, type="test", message="For the admin only", data={}))
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.user_id == customer.id))
    return {
        "auction": auction,
        "bid": bid,
        "rival_bid": rival_bid,
        "other": other,
        "other_bid": other_bid,
        "note": note,
        "category": db.session.scalar(select(Category).where(Category.name == "Plumbing")),
    }


def sample_args(world: dict[str, Any], customer: User) -> dict[str, Any]:
    return {
        "auction_id": world["auction"].id,
        "bid_id": world["bid"].id,
        "user_id": customer.id,
        "category_id": world["category"].id,
        "filename": "does-not-exist.css",
    }


def routes(app: Any, methods: set[str], prefix: str = "") -> Iterator[tuple[Any, str]]:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods & methods):
                yield rule, method


def url_for_rule(rule: Any, args: dict[str, Any]) -> str:
    """The rule's path with a real id for each known argument (1 for any other)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(args.get(m.group(1), 1)), rule.rule)


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


# =========================================================================== 8. login rotates the session


def test_login_invalidates_the_pre_login_csrf_token(app, customer):
    client = app.test_client()
    pre_login = client.get("/api/auth/csrf").get_json()["csrf_token"]
    client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD})
    before = db_state()

    response = client.put("/api/users/profile", json={"is_service_provider": True}, headers={"X-CSRFToken": pre_login})

    assert_error(response, 403, "CSRF_FAILED")
    assert db_state() == before


def test_a_pre_login_session_cookie_stays_anonymous_after_login(app, customer):
    client = app.test_client()
    client.get("/api/auth/csrf")
    name = app.config["SESSION_COOKIE_NAME"]
    pre_login = client.get_cookie(name).value
    client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    replay = app.test_client()
    replay.set_cookie(name, pre_login)

    assert client.get_cookie(name).value != pre_login
    assert_error(replay.get("/api/users/profile"), 401, "AUTH_REQUIRED")


def test_logging_in_over_a_live_session_retires_the_old_session(app, customer, provider):
    client, _ = login(app, customer)
    name = app.config["SESSION_COOKIE_NAME"]
    old_cookie = client.get_cookie(name).value

    client.post("/api/auth/login", json={"username": "ravi", "password": PASSWORD})
    replay = app.test_client()
    replay.set_cookie(name, old_cookie)

    assert client.get("/api/users/profile").get_json()["user"]["username"] == "ravi"
    assert_error(replay.get("/api/users/profile"), 401, "AUTH_REQUIRED")


# =========================================================================== 9. logout is real


def test_a_copy_of_the_session_cookie_taken_before_logout_is_useless_after(app, customer):
    client, body = login(app, customer)
    name = app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(name).value
    client.post("/api/auth/logout", headers=csrf(body))
    thief = app.test_client()
    thief.set_cookie(name, stolen)
    before = db_state()

    profile = thief.get("/api/users/profile")
    write = thief.post("/api/auctions", json=auction_payload(), headers=csrf(body))

    assert_error(profile, 401, "AUTH_REQUIRED")
    assert write.status_code in (401, 403), write.get_json()
    assert db_state() == before


# =========================================================================== 10. revocation


@pytest.fixture
def credentials(app, customer) -> dict[str, Any]:
    """The customer on two browsers, with the bearer token of each login and a stolen cookie."""
    first, first_body = login(app, customer)
    second, second_body = login(app, customer)
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, first.get_cookie(name).value)
    return {
        "first": first,
        "first_body": first_body,
        "second": second,
        "copy": copy,
        "tokens": [bearer_of(first_body), bearer_of(second_body)],
    }


def assert_all_refused(app: Any, clients: list[Any], tokens: list[dict[str, str]]) -> None:
    for client in clients:
        assert_error(client.get("/api/users/profile"), 401, "AUTH_REQUIRED")
    for headers in tokens:
        assert_error(app.test_client().get("/api/users/profile", headers=headers), 401, "AUTH_REQUIRED")


def test_a_password_change_ends_every_other_session_and_token(app, credentials):
    response = credentials["first"].put(
        "/api/users/profile",
        json={"current_password": PASSWORD, "new_password": "a-much-better-passphrase"},
        headers=csrf(credentials["first_body"]),
    )

    assert response.status_code == 200, response.get_json()
    assert_all_refused(app, [credentials["second"], credentials["copy"]], credentials["tokens"])
    assert count(AuthToken, AuthToken.revoked_at.is_(None)) == 2  # the fresh session and token


def test_a_password_change_over_a_bearer_token_ends_every_session_and_the_old_token(app, customer, credentials):
    response = app.test_client(use_cookies=False).put(
        "/api/users/profile",
        json={"current_password": PASSWORD, "new_password": "a-much-better-passphrase"},
        headers=credentials["tokens"][0],
    )

    assert response.status_code == 200, response.get_json()
    clients = [credentials["first"], credentials["second"], credentials["copy"]]
    assert_all_refused(app, clients, credentials["tokens"])
    fresh = app.test_client().get("/api/users/profile", headers=bearer_of(response.get_json()))
    assert fresh.status_code == 200


def test_deactivation_ends_every_session_and_token(app, customer, credentials):
    accounts.set_active(customer, False)

    clients = [credentials["first"], credentials["second"], credentials["copy"]]
    assert_all_refused(app, clients, credentials["tokens"])
    assert count(AuthToken, AuthToken.revoked_at.is_(None)) == 0


def test_reactivation_does_not_revive_old_credentials(app, customer, credentials):
    accounts.set_active(customer, False)
    accounts.set_active(customer, True)

    clients = [credentials["first"], credentials["second"], credentials["copy"]]
    assert_all_refused(app, clients, credentials["tokens"])


def test_an_inactive_users_unrevoked_token_is_refused(app, customer, bearer):
    headers = bearer(customer)
    customer.is_active = False  # as if flipped in the database by hand, with no revocation
    db.session.commit()

    assert_error(app.test_client().get("/api/users/profile", headers=headers), 401, "AUTH_REQUIRED")


@pytest.fixture
def socket_for(app) -> Iterator[Callable[..., Any]]:
    """Connect a Socket.IO test client to /auctions with a token or a logged-in Flask client."""
    sockets = []

    def _connect(auth: dict[str, str] | None = None, flask_client: Any = None) -> Any:
        with app.app_context():  # a fresh context per connection, as in the server
            sock = socketio.test_client(app, namespace=SOCKET_NS, auth=auth, flask_test_client=flask_client)
        assert sock.is_connected(SOCKET_NS)
        sockets.append(sock)
        return sock

    yield _connect
    for sock in sockets:
        if sock.is_connected(SOCKET_NS):
            sock.disconnect(SOCKET_NS)


def test_a_password_change_disconnects_the_users_open_sockets(app, customer, credentials, socket_for):
    by_token = socket_for(auth={"token": credentials["tokens"][1]["Authorization"].split(" ", 1)[1]})
    by_cookie = socket_for(flask_client=credentials["second"])

    credentials["first"].put(
        "/api/users/profile",
        json={"current_password": PASSWORD, "new_password": "a-much-better-passphrase"},
        headers=csrf(credentials["first_body"]),
    )

    assert not by_token.is_connected(SOCKET_NS)
    assert not by_cookie.is_connected(SOCKET_NS)


def test_deactivation_disconnects_the_users_open_sockets(app, customer, credentials, socket_for):
    by_token = socket_for(auth={"token": credentials["tokens"][0]["Authorization"].split(" ", 1)[1]})
    by_cookie = socket_for(flask_client=credentials["first"])

    accounts.set_active(customer, False)

    assert not by_token.is_connected(SOCKET_NS)
    assert not by_cookie.is_connected(SOCKET_NS)


def test_revoking_one_user_leaves_other_users_sockets_connected(
    app, customer, provider, credentials, socket_for, bearer
):
    other = socket_for(auth={"token": bearer(provider)["Authorization"].split(" ", 1)[1]})

    accounts.set_active(customer, False)

    assert other.is_connected(SOCKET_NS)


# =========================================================================== 11. no "strong" protection


def test_session_protection_is_not_strong(app):
    assert app.login_manager.session_protection != "strong"


def test_a_session_survives_a_change_of_ip_address_and_user_agent(app, customer):
    client = app.test_client()
    first = {"REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": "Phone/1.0 (wifi)"}
    body = client.post(
        "/api/auth/login", json={"username": "asha", "password": PASSWORD}, environ_base=first
    ).get_json()
    moved = {"REMOTE_ADDR": "100.64.9.9", "HTTP_USER_AGENT": "Phone/1.0 (4g)"}

    profile = client.get("/api/users/profile", environ_base=moved, headers={"X-Forwarded-For": "203.0.113.7"})
    write = client.put("/api/users/profile", json={"is_service_provider": True}, headers=csrf(body), environ_base=moved)

    assert profile.status_code == 200, profile.get_json()
    assert write.status_code == 200, write.get_json()


# =========================================================================== 12. API tokens


def test_only_the_sha256_of_an_api_token_is_stored(app, customer, bearer):
    token = bearer(customer)["Authorization"].split(" ", 1)[1]

    digest = hashlib.sha256(token.encode()).hexdigest()
    assert count(AuthToken, AuthToken.token_hash == digest, AuthToken.kind == AuthToken.API) == 1
    assert not any(token in row for rows in db_state().values() for row in map(repr, rows))


def test_the_session_secret_is_stored_only_as_its_sha256(app, customer):
    client, _ = login(app, customer)
    secret = session_secret(app, client)

    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert count(AuthToken, AuthToken.token_hash == digest, AuthToken.kind == AuthToken.SESSION) == 1
    assert not any(secret in row for rows in db_state().values() for row in map(repr, rows))


def test_the_token_is_shown_at_login_and_never_again(app, customer, bearer):
    headers = bearer(customer)
    token = headers["Authorization"].split(" ", 1)[1]

    profile = app.test_client().get("/api/users/profile", headers=headers)

    assert token not in profile.get_data(as_text=True)


def test_a_revoked_token_is_refused_with_401_even_on_public_endpoints(app, customer, bearer):
    headers = bearer(customer)
    app.test_client().post("/api/auth/logout", headers=headers)

    assert_error(app.test_client().get("/api/auctions", headers=headers), 401, "AUTH_REQUIRED")


def _travel_to_now(time_machine: Any) -> None:
    time_machine.move_to(datetime.now(UTC), tick=True)


def test_a_token_still_works_just_before_its_ttl(app, customer, bearer, time_machine):
    _travel_to_now(time_machine)
    headers = bearer(customer)

    time_machine.shift(timedelta(days=app.config["TOKEN_TTL_DAYS"]) - timedelta(minutes=1))

    assert app.test_client().get("/api/users/profile", headers=headers).status_code == 200


def test_an_expired_token_is_refused_with_401(app, customer, bearer, time_machine):
    _travel_to_now(time_machine)
    headers = bearer(customer)

    time_machine.shift(timedelta(days=app.config["TOKEN_TTL_DAYS"], minutes=1))

    assert_error(app.test_client().get("/api/users/profile", headers=headers), 401, "AUTH_REQUIRED")


def test_a_session_expires_after_the_token_ttl_too(app, customer, time_machine):
    _travel_to_now(time_machine)
    client, _ = login(app, customer)

    time_machine.shift(timedelta(days=app.config["TOKEN_TTL_DAYS"], minutes=1))

    assert_error(client.get("/api/users/profile"), 401, "AUTH_REQUIRED")


# =========================================================================== 13. password hashing


def test_the_production_password_hash_is_scrypt_at_owasp_minimum(monkeypatch):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)

    method = Config().PASSWORD_HASH_METHOD

    assert method == "scrypt:32768:8:3"
    assert generate_password_hash("x", method=method).startswith("scrypt:32768:8:3$")


def test_a_login_rehashes_a_password_stored_with_another_method(app, customer):
    old = db.session.scalar(select(User.password_hash).where(User.id == customer.id))
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"
    assert not old.startswith("pbkdf2:sha256:2000$")

    app.test_client().post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    db.session.commit()
    new = db.session.scalar(select(User.password_hash).where(User.id == customer.id))
    assert new.startswith("pbkdf2:sha256:2000$")
    assert check_password_hash(new, PASSWORD)


def test_a_login_keeps_a_hash_made_with_the_current_method(app, customer):
    old = db.session.scalar(select(User.password_hash).where(User.id == customer.id))

    app.test_client().post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    db.session.commit()
    assert db.session.scalar(select(User.password_hash).where(User.id == customer.id)) == old


def test_a_failed_login_does_not_rehash(app, customer):
    old = db.session.scalar(select(User.password_hash).where(User.id == customer.id))
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"

    app.test_client().post("/api/auth/login", json={"username": "asha", "password": "wrong-password"})

    db.session.commit()
    assert db.session.scalar(select(User.password_hash).where(User.id == customer.id)) == old


# =========================================================================== 14. failed logins look alike


@pytest.fixture
def failed_logins(app, make_user) -> dict[str, dict[str, str]]:
    make_user("asha")
    make_user("gone", active=False)
    return {
        "unknown": {"username": "nobody", "password": PASSWORD},
        "wrong_password": {"username": "asha", "password": "wrong-password"},
        "deactivated": {"username": "gone", "password": PASSWORD},
    }


def test_failed_logins_have_identical_status_and_body(app, failed_logins):
    client = app.test_client()

    answers = {
        name: (r.status_code, r.get_json())
        for name, body in failed_logins.items()
        for r in [client.post("/api/auth/login", json=body)]
    }

    assert answers["unknown"][1]["code"] == "INVALID_CREDENTIALS"
    assert answers["unknown"] == answers["wrong_password"] == answers["deactivated"]
    assert count(AuthToken) == 0


def test_failed_logins_take_comparable_time(app, customer, make_user):
    # A real scrypt cost (werkzeug's default parameters): the hash dominates the request.
    method = "scrypt:32768:8:1"
    app.config["PASSWORD_HASH_METHOD"] = method
    real_hash = generate_password_hash(PASSWORD, method=method)
    gone = make_user("gone", active=False)
    for user in (customer, gone):
        user.password_hash = real_hash
    db.session.commit()
    cases = {
        "unknown": {"username": "nobody", "password": PASSWORD},
        "wrong_password": {"username": "asha", "password": "wrong-password"},
        "deactivated": {"username": "gone", "password": PASSWORD},
    }
    client = app.test_client()

    def attempt(body: dict[str, str]) -> float:
        started = time.perf_counter()
        assert client.post("/api/auth/login", json=body).status_code == 401
        return time.perf_counter() - started

    for body in cases.values():  # warm up: the dummy hash is computed once per method
        attempt(body)
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(9):  # interleaved, so a burst of machine load hits every case alike
        for name, body in cases.items():
            timings[name].append(attempt(body))
    medians = {name: statistics.median(values) for name, values in timings.items()}

    assert max(medians.values()) <= 1.5 * min(medians.values()), medians


# =========================================================================== 15. production cookie and config


@pytest.fixture
def production_env(monkeypatch, database_url) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("FLASK_DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_NAME"):
        monkeypatch.delenv(name, raising=False)


def test_the_production_session_cookie_is_secure_httponly_lax_and_host_only(production_env, _schema):
    app = create_app(Config())
    try:
        response = app.test_client().get("/api/auth/csrf", base_url="https://bidbazaar.example")
    finally:
        with app.app_context():
            db.engine.dispose()

    cookie = response.headers["Set-Cookie"]
    attributes = [part.strip() for part in cookie.split(";")]
    assert attributes[0].startswith("__Host-session=")
    lowered = {a.split("=", 1)[0].lower(): a for a in attributes[1:]}
    assert "secure" in lowered and "httponly" in lowered
    assert lowered["samesite"] == "SameSite=Lax"
    assert lowered["path"] == "Path=/"
    assert "domain" not in lowered


def test_production_refuses_the_development_secret_key(production_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())


def test_production_refuses_a_missing_secret_key(production_env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config().validate()


def test_production_refuses_a_short_secret_key(production_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short-but-not-the-default")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config().validate()


def test_production_refuses_debug_mode(production_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")

    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app(Config())


def test_auth_settings_have_the_documented_defaults(monkeypatch):
    for name in ("CORS_ORIGINS", "TOKEN_TTL_DAYS", "APP_ENV", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)

    config = Config()

    assert config.CORS_ORIGINS == ["http://localhost:5173", "http://localhost:3000"]
    assert config.TOKEN_TTL_DAYS == 30
    assert config.SESSION_COOKIE_HTTPONLY is True and config.SESSION_COOKIE_SAMESITE == "Lax"


def test_token_ttl_days_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TOKEN_TTL_DAYS", "7")

    assert Config().TOKEN_TTL_DAYS == 7


def test_development_accepts_the_development_secret_key(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)

    Config().validate()


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


# =========================================================================== 23. IDOR


def test_another_user_cannot_edit_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().put(
        f"/api/auctions/{world['auction'].id}", json={"requirements": "Hijacked"}, headers=headers
    )

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_another_user_cannot_cancel_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post(f"/api/auctions/{world['auction'].id}/cancel", headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_another_user_cannot_award_an_auction(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post(
        f"/api/auctions/{world['auction'].id}/award", json={"bid_id": world["rival_bid"].id}, headers=headers
    )

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


def test_a_creator_cannot_award_a_bid_from_another_auction(app, world, customer, bearer):
    headers = bearer(customer)
    before = db_state()

    response = app.test_client().post(
        f"/api/auctions/{world['auction'].id}/award", json={"bid_id": world["other_bid"].id}, headers=headers
    )

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


def test_a_provider_cannot_withdraw_another_providers_bid(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().delete(f"/api/auctions/{world['auction'].id}/bids/{world['bid'].id}", headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before
    assert count(Bid, Bid.id == world["bid"].id, Bid.status == BidStatus.ACTIVE) == 1


def test_a_bid_cannot_be_withdrawn_through_another_auctions_url(app, world, provider, bearer):
    headers = bearer(provider)
    before = db_state()

    response = app.test_client().delete(f"/api/auctions/{world['other'].id}/bids/{world['bid'].id}", headers=headers)

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


def test_a_user_sees_only_its_own_notifications(app, world, rival, bearer):
    response = app.test_client().get("/api/notifications", headers=bearer(rival))

    assert response.status_code == 200, response.get_json()
    mine = {n.id for n in db.session.scalars(select(Notification).where(Notification.user_id == rival.id))}
    assert {n["id"] for n in response.get_json()["notifications"]} == mine
    assert world["note"].id not in mine


def test_marking_another_users_notification_read_leaves_it_unread(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post("/api/notifications/read", json={"ids": [world["note"].id]}, headers=headers)

    assert response.status_code in (200, 403, 404), response.get_json()
    assert db_state() == before


def test_marking_another_users_notification_read_is_not_found(app, world, rival, bearer):
    headers = bearer(rival)
    before = db_state()

    response = app.test_client().post("/api/notifications/read", json={"ids": [world["note"].id]}, headers=headers)

    assert_error(response, 404, "NOT_FOUND")
    assert db_state() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/categories", {"name": "Gardening"}),
        ("PUT", "/api/categories/{id}", {"name": "Renamed"}),
        ("DELETE", "/api/categories/{id}", None),
    ],
)
def test_a_non_admin_cannot_change_categories(app, world, customer, bearer, method, path, body):
    headers = bearer(customer)
    before = db_state()

    response = app.test_client().open(path.format(id=world["category"].id), method=method, json=body, headers=headers)

    assert_error(response, 403, "FORBIDDEN")
    assert db_state() == before


# =========================================================================== error shape


def test_an_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "NOT_FOUND")


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(client):
    response = client.delete("/api/health")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_generic_json_500_without_a_traceback(app, client):
    def explode() -> Any:
        raise RuntimeError("secret internals: /work/main/services.py line 42")

    app.add_url_rule("/api/_explode", "explode", explode)

    response = client.get("/api/_explode")

    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["details"] == {}
