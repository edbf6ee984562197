"""Email verification (issue 16): registration writes the email in its own commit, the link
works once, within EMAIL_VERIFY_HOURS and only for the address it was sent to; a changed
email is unverified again; resending is refused when verified and rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from account_mail_helpers import (
    INVALID_LINK,
    RESEND_URL,
    VERIFY_URL,
    latest,
    link_in,
    outbox,
    verify_token,
)
from helpers import assert_error, count, db_state, fresh

from bidbazaar.extensions import db
from bidbazaar.mail_models import AccountToken, MailKind, MailStatus, TokenPurpose
from bidbazaar.models import User, utcnow
from bidbazaar.services import account_tokens

SIGN_UP = {"username": "priya", "email": "priya@example.com", "password": "long-enough-1", "is_service_provider": False}


def the_users_email_verified() -> bool:
    db.session.commit()  # end the test's read snapshot: the request committed in its own session
    return db.session.scalar(db.select(User.email_verified))


def register(client, **overrides):
    return client.post("/api/auth/register", json={**SIGN_UP, **overrides})


def test_registration_writes_one_pending_verification_email_to_the_new_address(client):
    assert register(client).status_code == 201
    (row,) = outbox()
    user = db.session.scalar(db.select(User))
    assert (row.kind, row.status, row.to_address, row.user_id) == (
        MailKind.VERIFY_EMAIL, MailStatus.PENDING, "priya@example.com", user.id,
    )  # fmt: skip
    token = db.session.get(AccountToken, row.account_token_id)
    assert (token.user_id, token.purpose, token.email) == (user.id, TokenPurpose.VERIFY_EMAIL, "priya@example.com")
    assert user.email_verified is False


def test_a_refused_registration_writes_no_email(client, make_user):
    make_user("priya")
    assert_error(register(client, username="other"), 409, "EMAIL_TAKEN")
    assert outbox() == [] and count(AccountToken) == 0


def test_the_account_and_its_verification_email_are_one_commit(client, monkeypatch):
    def broken_outbox(*args, **kwargs):
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(account_tokens, "enqueue", broken_outbox)
    assert register(client).status_code == 500
    assert count(User) == 0 and count(AccountToken) == 0


def test_the_emailed_link_verifies_the_address(client):
    register(client)
    response = client.post(VERIFY_URL, json={"token": verify_token()})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["email_verified"] is True
    assert the_users_email_verified() is True


def test_the_link_points_at_the_verify_page_on_base_url(client):
    register(client)
    assert link_in(latest(MailKind.VERIFY_EMAIL)).startswith("http://localhost:5050/verify-email?token=")


def test_a_verification_link_works_only_once(client):
    register(client)
    token = verify_token()
    assert client.post(VERIFY_URL, json={"token": token}).status_code == 200
    body = assert_error(client.post(VERIFY_URL, json={"token": token}), 400, "INVALID_TOKEN")
    assert body["details"] == INVALID_LINK


def test_a_verification_link_expires_after_email_verify_hours(client, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    register(client)
    token = verify_token()
    time_machine.shift(timedelta(hours=48, seconds=1))
    assert_error(client.post(VERIFY_URL, json={"token": token}), 400, "INVALID_TOKEN")
    assert the_users_email_verified() is False


def test_a_verification_link_still_works_just_before_it_expires(client, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    register(client)
    token = verify_token()
    time_machine.shift(timedelta(hours=47, minutes=59))
    assert client.post(VERIFY_URL, json={"token": token}).status_code == 200


def test_changing_the_email_unverifies_it_and_sends_a_new_link(api, make_user):
    user = make_user("asha", email_verified=True)
    response = api("put", "/api/users/profile", user, json={"email": "asha.new@example.com"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["email_verified"] is False
    row = latest(MailKind.VERIFY_EMAIL)
    assert (row.to_address, row.user_id) == ("asha.new@example.com", user.id)


def test_saving_the_profile_with_the_same_email_keeps_it_verified(api, make_user):
    user = make_user("asha", email_verified=True)
    response = api("put", "/api/users/profile", user, json={"email": user.email, "phone": ""})
    assert response.get_json()["user"]["email_verified"] is True
    assert outbox() == []


def test_a_link_sent_to_the_old_address_stops_working_after_an_email_change(client):
    register(client)
    old_token = verify_token()
    user = db.session.scalar(db.select(User))
    login = client.post("/api/auth/login", json={"username": "priya", "password": SIGN_UP["password"]})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    assert client.put("/api/users/profile", json={"email": "priya2@example.com"}, headers=headers).status_code == 200
    assert_error(client.post(VERIFY_URL, json={"token": old_token}), 400, "INVALID_TOKEN")
    assert client.post(VERIFY_URL, json={"token": verify_token()}).status_code == 200
    assert fresh(User, user.id).email_verified is True


def test_resending_a_verification_writes_a_new_email(api, make_user):
    user = make_user("asha")
    response = api("post", RESEND_URL, user)
    assert response.status_code == 202, response.get_json()
    (row,) = outbox(MailKind.VERIFY_EMAIL)
    assert (row.user_id, row.to_address, row.status) == (user.id, user.email, MailStatus.PENDING)


def test_resending_is_a_conflict_when_the_address_is_verified(api, make_user):
    user = make_user("asha", email_verified=True)
    api.login(user)
    before = db_state()
    assert_error(api("post", RESEND_URL, user), 409, "CONFLICT")
    assert db_state() == before


def test_resending_needs_a_login(client):
    assert_error(client.post(RESEND_URL), 401, "AUTH_REQUIRED")


@pytest.fixture
def limited(config):
    config.RATELIMIT_ENABLED = True
    config.VERIFY_RESEND_RATE_LIMIT = "2 per hour"
    return config


def test_resending_is_rate_limited_per_user(limited, api, make_user):
    user, other = make_user("asha"), make_user("ravi")
    assert [api("post", RESEND_URL, user).status_code for _ in range(2)] == [202, 202]
    assert_error(api("post", RESEND_URL, user), 429, "RATE_LIMITED")
    assert api("post", RESEND_URL, other).status_code == 202
    assert len(outbox(MailKind.VERIFY_EMAIL)) == 3


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (123, "VALIDATION_ERROR"),
        (None, "VALIDATION_ERROR"),
        ("", "VALIDATION_ERROR"),
        ("x" * 5000, "VALIDATION_ERROR"),
        ("ñandú-\u2603", "INVALID_TOKEN"),
        ("WzEsImFiYyJd.forged", "INVALID_TOKEN"),
    ],
    ids=["number", "null", "empty", "huge", "non-ascii", "forged"],
)
def test_a_bad_verification_token_is_a_400_that_changes_nothing(client, token, code):
    register(client)
    before = db_state()
    assert_error(client.post(VERIFY_URL, json={"token": token}), 400, code)
    assert db_state() == before


def test_a_token_signed_with_another_key_is_refused(client, app):
    register(client)
    row = latest(MailKind.VERIFY_EMAIL)
    token = db.session.get(AccountToken, row.account_token_id)
    app.config["SECRET_KEY"], real = "another-secret-key-of-enough-length!!", app.config["SECRET_KEY"]
    forged = account_tokens.sign(token)
    app.config["SECRET_KEY"] = real
    assert_error(client.post(VERIFY_URL, json={"token": forged}), 400, "INVALID_TOKEN")


def test_a_reset_link_cannot_verify_an_address(client, make_user):
    make_user("asha")
    client.post("/api/auth/password-reset", json={"email": "asha@example.com"})
    reset = latest(MailKind.PASSWORD_RESET)
    token = link_in(reset).split("token=", 1)[1]
    assert_error(client.post(VERIFY_URL, json={"token": token}), 400, "INVALID_TOKEN")


def test_a_deactivated_accounts_link_does_not_verify(client):
    register(client)
    token = verify_token()
    user = db.session.scalar(db.select(User))
    user.is_active = False
    db.session.commit()
    assert_error(client.post(VERIFY_URL, json={"token": token}), 400, "INVALID_TOKEN")
