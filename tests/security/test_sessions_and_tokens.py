"""Security checklist items 8-12: login rotates the session, logout is real, revocation
(sessions, tokens and open sockets), no "strong" session protection, and API tokens.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import (
    PASSWORD,
    assert_error,
    auction_payload,
    bearer_of,
    count,
    csrf,
    db_state,
    login,
    session_secret,
)

from bidbazaar import accounts
from bidbazaar.extensions import db
from bidbazaar.models import AuthToken

SOCKET_NS = "/auctions"


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
def socket_for(socket_client: Callable[..., Any]) -> Callable[..., Any]:
    """Connect a Socket.IO test client to /auctions with a token or a logged-in Flask client."""

    def _connect(auth: dict[str, str] | None = None, flask_client: Any = None) -> Any:
        sock = socket_client(auth=auth, flask_client=flask_client)
        assert sock.is_connected(SOCKET_NS)
        return sock

    return _connect


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
