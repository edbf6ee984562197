"""Auth: register, login, logout, profile, password change, API tokens and sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from helpers import PASSWORD, assert_error, bearer_of, count, csrf, login, session_secret
from sqlalchemy import select
from werkzeug.security import check_password_hash

from bidbazaar.extensions import db
from bidbazaar.models import AuthToken, User, utcnow

NEW_PASSWORD = "a-much-better-passphrase"


def stored_hash(user_id: int) -> str:
    db.session.commit()
    return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def reload(obj: Any) -> Any:
    """Re-read a row in a fresh transaction (requests commit on their own sessions)."""
    db.session.commit()
    db.session.refresh(obj)
    return obj


def register_body(**overrides: Any) -> dict[str, Any]:
    return {"username": "kiran", "email": "kiran@example.com", "password": "s3cret-pass", **overrides}


# --------------------------------------------------------------------------- register


def test_register_creates_an_account_with_the_seed_response_shape(client):
    response = client.post("/api/auth/register", json=register_body(is_service_provider=True))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["message"] == "User registered successfully"
    assert {"id", "username", "email", "is_service_provider"} <= set(body["user"])
    assert body["user"]["username"] == "kiran"
    assert body["user"]["is_service_provider"] is True
    assert "password_hash" not in body["user"] and "password" not in body["user"]
    assert count(User, User.username == "kiran") == 1


def test_register_stores_a_hash_made_with_the_configured_method_never_the_password(app, client):
    client.post("/api/auth/register", json=register_body())

    stored = db.session.scalar(select(User.password_hash).where(User.username == "kiran"))
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert "s3cret-pass" not in stored
    assert check_password_hash(stored, "s3cret-pass")


def test_register_defaults_to_a_customer_account(client):
    response = client.post("/api/auth/register", json=register_body())

    assert response.get_json()["user"]["is_service_provider"] is False


def test_register_treats_a_null_provider_flag_as_not_given(client):
    response = client.post("/api/auth/register", json=register_body(is_service_provider=None))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user"]["is_service_provider"] is False


def test_register_refuses_a_username_taken_in_another_case(client, customer):
    before = count(User)

    response = client.post("/api/auth/register", json=register_body(username="ASHA"))

    body = assert_error(response, 409, "USERNAME_TAKEN")
    assert "username" in body["details"]
    assert count(User) == before


def test_register_refuses_an_email_taken_in_another_case(client, customer):
    before = count(User)

    response = client.post("/api/auth/register", json=register_body(email="ASHA@Example.com"))

    body = assert_error(response, 409, "EMAIL_TAKEN")
    assert "email" in body["details"]
    assert count(User) == before


def test_register_names_every_invalid_field(client):
    response = client.post("/api/auth/register", json={"username": "ab", "email": "not-an-email", "password": "short"})

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert {"username", "email", "password"} <= set(body["details"])
    assert count(User) == 0


def test_register_requires_username_email_and_password(client):
    response = client.post("/api/auth/register", json={})

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert {"username", "email", "password"} <= set(body["details"])
    assert count(User) == 0


def test_register_does_not_need_a_csrf_token_even_with_a_session_cookie(client):
    client.get("/api/auth/csrf")  # the browser now holds a session cookie

    response = client.post("/api/auth/register", json=register_body())

    assert response.status_code == 201, response.get_json()


# --------------------------------------------------------------------------- login


def test_login_returns_the_user_a_bearer_token_and_a_csrf_token(client, customer):
    response = client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Login successful"
    assert body["user"]["id"] == customer.id and body["user"]["email"] == "asha@example.com"
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["csrf_token"]
    assert body["expires_at"].endswith("Z")


def test_login_token_expires_token_ttl_days_after_login(app, client, customer):
    before = utcnow()

    body = client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD}).get_json()

    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    ttl = timedelta(days=app.config["TOKEN_TTL_DAYS"])
    assert before + ttl - timedelta(seconds=1) <= expires_at <= utcnow() + ttl + timedelta(seconds=1)


def test_login_accepts_the_email_in_any_case(client, customer):
    response = client.post("/api/auth/login", json={"username": "ASHA@EXAMPLE.COM", "password": PASSWORD})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == customer.id


def test_login_accepts_the_username_in_any_case(client, customer):
    response = client.post("/api/auth/login", json={"username": "  Asha ", "password": PASSWORD})

    assert response.status_code == 200, response.get_json()


def test_login_sets_an_httponly_samesite_lax_session_cookie(client, customer):
    response = client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_without_a_password_names_the_missing_field(client, customer):
    response = client.post("/api/auth/login", json={"username": "asha"})

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "password" in body["details"]
    assert count(AuthToken) == 0


def test_login_with_a_wrong_password_creates_no_credential(client, customer):
    response = client.post("/api/auth/login", json={"username": "asha", "password": "wrong-password"})

    assert_error(response, 401, "INVALID_CREDENTIALS")
    assert count(AuthToken) == 0
    assert "Set-Cookie" not in response.headers or "session=;" in response.headers["Set-Cookie"]


def test_login_does_not_need_a_csrf_token_even_with_a_session_cookie(client, customer):
    client.get("/api/auth/csrf")

    response = client.post("/api/auth/login", json={"username": "asha", "password": PASSWORD})

    assert response.status_code == 200, response.get_json()


def test_the_login_csrf_token_authorises_cookie_writes(app, customer):
    client, body = login(app, customer)

    response = client.put("/api/users/profile", json={"is_service_provider": True}, headers=csrf(body))

    assert response.status_code == 200, response.get_json()


def test_the_csrf_endpoint_token_authorises_cookie_writes(app, customer):
    client, _ = login(app, customer)
    token = client.get("/api/auth/csrf").get_json()["csrf_token"]

    response = client.put("/api/users/profile", json={"is_service_provider": True}, headers={"X-CSRFToken": token})

    assert response.status_code == 200, response.get_json()


# --------------------------------------------------------------------------- logout


def test_logout_with_a_cookie_ends_that_session_on_the_server(app, customer):
    client, body = login(app, customer)

    response = client.post("/api/auth/logout", headers=csrf(body))

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"message": "Logout successful"}
    assert count(AuthToken, AuthToken.kind == AuthToken.SESSION, AuthToken.revoked_at.is_(None)) == 0
    assert_error(client.get("/api/users/profile"), 401, "AUTH_REQUIRED")


def test_logout_with_a_cookie_needs_the_csrf_token(app, customer):
    client, _ = login(app, customer)

    response = client.post("/api/auth/logout")

    assert_error(response, 403, "CSRF_FAILED")
    assert count(AuthToken, AuthToken.revoked_at.is_not(None)) == 0
    assert client.get("/api/users/profile").status_code == 200


def test_logout_with_a_bearer_token_revokes_only_that_token(app, customer):
    _, first = login(app, customer)
    _, second = login(app, customer)
    client = app.test_client()

    response = client.post("/api/auth/logout", headers=bearer_of(first))

    assert response.status_code == 200, response.get_json()
    assert_error(client.get("/api/users/profile", headers=bearer_of(first)), 401, "AUTH_REQUIRED")
    assert client.get("/api/users/profile", headers=bearer_of(second)).status_code == 200
    assert count(AuthToken, AuthToken.revoked_at.is_not(None)) == 1


def test_logout_without_credentials_is_auth_required(client):
    assert_error(client.post("/api/auth/logout"), 401, "AUTH_REQUIRED")


# --------------------------------------------------------------------------- profile


def test_profile_requires_authentication(client):
    assert_error(client.get("/api/users/profile"), 401, "AUTH_REQUIRED")


def test_profile_shows_the_user_with_email_and_counts(client, customer, bearer):
    response = client.get("/api/users/profile", headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["id"] == customer.id and user["email"] == "asha@example.com"
    assert {"auction_count", "bid_count", "created_at"} <= set(user)


def test_profile_update_changes_email_and_provider_flag(client, customer, bearer):
    response = client.put(
        "/api/users/profile",
        json={"email": "asha.new@example.com", "is_service_provider": True},
        headers=bearer(customer),
    )

    assert response.status_code == 200, response.get_json()
    reload(customer)
    assert customer.email == "asha.new@example.com" and customer.is_service_provider is True


def test_profile_update_refuses_an_email_taken_by_another_user(client, customer, provider, bearer):
    response = client.put("/api/users/profile", json={"email": "RAVI@example.com"}, headers=bearer(customer))

    assert_error(response, 409, "EMAIL_TAKEN")
    reload(customer)
    assert customer.email == "asha@example.com"


def test_profile_update_with_a_null_provider_flag_changes_nothing(client, provider, bearer):
    response = client.put("/api/users/profile", json={"is_service_provider": None}, headers=bearer(provider))

    assert response.status_code == 200, response.get_json()
    reload(provider)
    assert provider.is_service_provider is True


def test_profile_update_with_a_null_new_password_keeps_the_password(client, customer, bearer):
    before = stored_hash(customer.id)

    response = client.put(
        "/api/users/profile", json={"current_password": PASSWORD, "new_password": None}, headers=bearer(customer)
    )

    assert response.status_code == 200, response.get_json()
    assert stored_hash(customer.id) == before


def test_a_public_profile_shows_no_email(client, customer, provider, bearer):
    response = client.get(f"/api/users/{customer.id}", headers=bearer(provider))

    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["username"] == "asha"
    assert "email" not in user and "is_admin" not in user and "password_hash" not in user


# --------------------------------------------------------------------------- password change


def test_password_change_needs_the_current_password(client, customer, bearer):
    headers = bearer(customer)
    before = stored_hash(customer.id)

    response = client.put("/api/users/profile", json={"new_password": NEW_PASSWORD}, headers=headers)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "new_password" in body["details"] or "current_password" in body["details"]
    assert stored_hash(customer.id) == before
    assert client.get("/api/users/profile", headers=headers).status_code == 200


def test_password_change_with_a_wrong_current_password_changes_nothing_else_either(client, customer, bearer):
    headers = bearer(customer)
    before = stored_hash(customer.id)

    response = client.put(
        "/api/users/profile",
        json={"email": "hijacked@example.com", "current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=headers,
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "current_password" in body["details"]
    assert stored_hash(customer.id) == before
    reload(customer)
    assert customer.email == "asha@example.com"
    assert count(AuthToken, AuthToken.revoked_at.is_not(None)) == 0


def test_password_change_refuses_a_short_new_password(client, customer, bearer):
    before = stored_hash(customer.id)

    response = client.put(
        "/api/users/profile", json={"current_password": PASSWORD, "new_password": "short"}, headers=bearer(customer)
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "new_password" in body["details"]
    assert stored_hash(customer.id) == before


def test_after_a_password_change_only_the_new_password_logs_in(app, client, customer, bearer):
    client.put(
        "/api/users/profile",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(customer),
    )

    old = app.test_client().post("/api/auth/login", json={"username": "asha", "password": PASSWORD})
    new = app.test_client().post("/api/auth/login", json={"username": "asha", "password": NEW_PASSWORD})

    assert_error(old, 401, "INVALID_CREDENTIALS")
    assert new.status_code == 200, new.get_json()


def test_password_change_keeps_this_browser_logged_in_with_fresh_credentials(app, customer):
    client, body = login(app, customer)

    response = client.put(
        "/api/users/profile", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=csrf(body)
    )

    assert response.status_code == 200, response.get_json()
    fresh = response.get_json()
    assert fresh["access_token"] != body["access_token"] and fresh["csrf_token"]
    assert client.get("/api/users/profile").status_code == 200
    again = client.put("/api/users/profile", json={"is_service_provider": True}, headers=csrf(fresh))
    assert again.status_code == 200, again.get_json()
    assert app.test_client().get("/api/users/profile", headers=bearer_of(fresh)).status_code == 200


# --------------------------------------------------------------------------- tokens and sessions


def test_a_bearer_token_authenticates_api_calls_without_cookies(app, customer, bearer):
    client = app.test_client(use_cookies=False)

    response = client.get("/api/users/profile", headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == customer.id


def test_the_authorization_scheme_is_case_insensitive(app, customer, bearer):
    token = bearer(customer)["Authorization"].split(" ", 1)[1]

    response = app.test_client().get("/api/users/profile", headers={"Authorization": f"bearer {token}"})

    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("path", ["/api/users/profile", "/api/auctions", "/api/categories"])
def test_a_bogus_bearer_token_is_refused_even_on_public_endpoints(client, path):
    response = client.get(path, headers={"Authorization": "Bearer not-a-real-token"})

    assert_error(response, 401, "AUTH_REQUIRED")


def test_a_session_token_is_not_accepted_as_a_bearer_token(app, customer):
    client, _ = login(app, customer)
    secret = session_secret(app, client)

    response = app.test_client().get("/api/users/profile", headers={"Authorization": f"Bearer {secret}"})

    assert_error(response, 401, "AUTH_REQUIRED")


def test_each_login_starts_a_separate_session(app, customer):
    first, _ = login(app, customer)
    second, body = login(app, customer)

    second.post("/api/auth/logout", headers=csrf(body))

    assert first.get("/api/users/profile").status_code == 200
    assert_error(second.get("/api/users/profile"), 401, "AUTH_REQUIRED")


def test_the_session_cookie_carries_a_secret_whose_hash_alone_is_stored(app, customer):
    client, _ = login(app, customer)

    secret = session_secret(app, client)

    assert secret != str(customer.id)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    assert count(AuthToken, AuthToken.token_hash == digest, AuthToken.kind == AuthToken.SESSION) == 1
    assert count(AuthToken, AuthToken.token_hash == secret) == 0
