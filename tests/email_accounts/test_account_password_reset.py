"""Password reset (issue 16): the same 202 and the same statements whatever the address;
the link works once, within RESET_TOKEN_MINUTES, for an active account only; it ends every
session, API token and live socket; limits per address and per client address; the link
comes from BASE_URL whatever Host the request named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from account_mail_helpers import (
    CONFIRM_URL,
    FORGED_BASE_URL,
    INVALID_LINK,
    NEW_PASSWORD,
    RESET_URL,
    html_part,
    latest,
    link_in,
    outbox,
    reset_token,
    statements_and_answer,
    text_part,
)
from helpers import NS, PASSWORD, assert_error, db_state, fresh, login

from bidbazaar.email_accounts import RESET_REQUESTED
from bidbazaar.extensions import db
from bidbazaar.mail_models import AccountToken, MailKind, MailStatus
from bidbazaar.models import User, utcnow


def ask_reset(client, address, **kwargs):
    return client.post(RESET_URL, json={"email": address}, **kwargs)


def confirm(client, token, password=NEW_PASSWORD):
    return client.post(CONFIRM_URL, json={"token": token, "new_password": password})


def logs_in(client, user, password):
    response = client.post("/api/auth/login", json={"username": user.username, "password": password})
    return response.status_code == 200


@pytest.fixture
def asha(make_user):
    return make_user("asha")


def test_a_reset_request_answers_202_and_queues_a_link_for_the_account(client, asha):
    response = ask_reset(client, "asha@example.com")
    assert response.status_code == 202
    assert response.get_json() == {"message": RESET_REQUESTED}
    row = latest(MailKind.PASSWORD_RESET)
    assert (row.status, row.to_address, row.user_id) == (MailStatus.PENDING, asha.email, asha.id)
    assert link_in(row).startswith("http://localhost:5050/reset-password?token=")


def test_the_address_is_matched_whatever_its_case_and_spaces(client, asha):
    ask_reset(client, "  ASHA@Example.com ")
    assert latest(MailKind.PASSWORD_RESET).status == MailStatus.PENDING


def test_an_unknown_address_gets_a_suppressed_row_that_is_never_sent(client):
    assert ask_reset(client, "nobody@example.com").status_code == 202
    (row,) = outbox(MailKind.PASSWORD_RESET)
    assert (row.status, row.user_id) == (MailStatus.SUPPRESSED, None)


def test_the_link_sets_the_new_password(client, asha):
    ask_reset(client, asha.email)
    response = confirm(client, reset_token())
    assert response.status_code == 200, response.get_json()
    assert logs_in(client, asha, NEW_PASSWORD)
    assert not logs_in(client, asha, PASSWORD)


def test_a_reset_link_works_only_once(client, asha):
    ask_reset(client, asha.email)
    token = reset_token()
    assert confirm(client, token).status_code == 200
    body = assert_error(confirm(client, token, "yet-another-password"), 400, "INVALID_TOKEN")
    assert body["details"] == INVALID_LINK
    assert logs_in(client, asha, NEW_PASSWORD)


def test_a_reset_link_expires_after_reset_token_minutes(client, asha, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    ask_reset(client, asha.email)
    token = reset_token()
    time_machine.shift(timedelta(minutes=30, seconds=1))
    assert_error(confirm(client, token), 400, "INVALID_TOKEN")
    assert logs_in(client, asha, PASSWORD)


def test_a_reset_link_works_until_just_before_it_expires(client, asha, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    ask_reset(client, asha.email)
    token = reset_token()
    time_machine.shift(timedelta(minutes=29, seconds=59))
    assert confirm(client, token).status_code == 200


def test_using_one_reset_link_voids_the_accounts_other_reset_links(client, asha):
    ask_reset(client, asha.email)
    first = reset_token()
    ask_reset(client, asha.email)
    assert confirm(client, reset_token()).status_code == 200
    assert_error(confirm(client, first, "yet-another-password"), 400, "INVALID_TOKEN")


def test_a_reset_proves_the_address_it_was_sent_to(client, asha):
    ask_reset(client, asha.email)
    confirm(client, reset_token())
    assert fresh(User, asha.id).email_verified is True


def test_a_deactivated_account_cannot_use_a_link_sent_before_it_was_deactivated(client, asha):
    ask_reset(client, asha.email)
    token = reset_token()
    asha.is_active = False
    db.session.commit()
    before = db_state()
    assert_error(confirm(client, token), 400, "INVALID_TOKEN")
    assert db_state() == before


def test_a_verification_link_cannot_reset_a_password(client, asha):
    client.post("/api/auth/register", json={"username": "priya", "email": "priya@example.com",
                                            "password": "long-enough-1", "is_service_provider": False})  # fmt: skip
    token = reset_token(MailKind.VERIFY_EMAIL)
    assert_error(confirm(client, token), 400, "INVALID_TOKEN")


# --------------------------------------------------------------------------- no enumeration


@pytest.mark.parametrize("other", ["unknown", "deactivated"])
def test_an_unknown_or_deactivated_address_answers_exactly_as_a_known_one(app, client, make_user, other):
    make_user("asha")
    make_user("gone", active=False)
    address = {"unknown": "nobody@example.com", "deactivated": "gone@example.com"}[other]
    ask_reset(client, "warmup@example.com")  # the first request warms caches the others then share
    known_statements, known_answer = statements_and_answer(lambda: ask_reset(app.test_client(), "asha@example.com"))
    other_statements, other_answer = statements_and_answer(lambda: ask_reset(app.test_client(), address))
    assert other_answer == known_answer
    assert other_statements == known_statements
    assert len(known_statements) >= 3  # the lookup and both inserts were recorded


def test_a_deactivated_accounts_reset_request_is_recorded_but_never_sent(client, make_user):
    gone = make_user("gone", active=False)
    ask_reset(client, gone.email)
    (row,) = outbox(MailKind.PASSWORD_RESET)
    assert (row.status, row.user_id) == (MailStatus.SUPPRESSED, gone.id)


# --------------------------------------------------------------------------- credentials


def test_a_reset_ends_every_session_api_token_and_live_socket(app, client, asha, bearer, socket_client):
    cookie_client, _ = login(app, asha)
    token_headers = bearer(asha)
    sock = socket_client(asha)
    assert sock.is_connected(NS)
    ask_reset(client, asha.email)
    assert confirm(client, reset_token()).status_code == 200
    assert_error(client.get("/api/users/profile", headers=token_headers), 401, "AUTH_REQUIRED")
    assert_error(cookie_client.get("/api/users/profile"), 401, "AUTH_REQUIRED")
    assert not sock.is_connected(NS)


def test_a_refused_reset_ends_nothing(app, client, asha, bearer):
    token_headers = bearer(asha)
    assert_error(confirm(client, "WzEsImFiYyJd.forged"), 400, "INVALID_TOKEN")
    assert client.get("/api/users/profile", headers=token_headers).status_code == 200


# --------------------------------------------------------------------------- links


def test_a_forged_host_header_never_changes_the_link(client, asha):
    ask_reset(client, asha.email, headers={"Host": "evil.example"})
    ask_reset(client, asha.email, base_url=FORGED_BASE_URL)
    for row in outbox(MailKind.PASSWORD_RESET):
        assert link_in(row).startswith("http://localhost:5050/reset-password?token=")
        assert "evil.example" not in html_part(row)


def test_the_reset_email_says_how_long_the_link_works_and_when_it_ends_in_ist(client, asha, time_machine):
    time_machine.move_to("2026-11-27T10:00:00Z", tick=False)
    ask_reset(client, asha.email)
    text = text_part(latest(MailKind.PASSWORD_RESET))
    assert "30 minutes" in text and "27 Nov 2026, 16:00 IST" in text and "asha" in text
    assert "Didn't ask?" in text


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"token": 5, "new_password": NEW_PASSWORD}, "VALIDATION_ERROR"),
        ({"token": "x" * 5000, "new_password": NEW_PASSWORD}, "VALIDATION_ERROR"),
        ({"token": "ñandú☃", "new_password": NEW_PASSWORD}, "INVALID_TOKEN"),
        ({"token": "WzEsImFiYyJd.forged", "new_password": NEW_PASSWORD}, "INVALID_TOKEN"),
        ({"new_password": NEW_PASSWORD}, "VALIDATION_ERROR"),
    ],
    ids=["number", "huge", "non-ascii", "forged", "missing"],
)
def test_a_bad_reset_token_is_a_400_that_changes_nothing(client, asha, body, code):
    ask_reset(client, asha.email)
    before = db_state()
    assert_error(client.post(CONFIRM_URL, json=body), 400, code)
    assert db_state() == before


def test_a_short_new_password_is_refused_and_the_link_still_works(client, asha):
    ask_reset(client, asha.email)
    token = reset_token()
    body = assert_error(confirm(client, token, "short"), 400, "VALIDATION_ERROR")
    assert "new_password" in body["details"]
    assert confirm(client, token).status_code == 200


@pytest.mark.parametrize("address", [42, "not-an-address", "x" * 300 + "@example.com", None])
def test_a_bad_reset_address_is_a_400_that_writes_nothing(client, address):
    assert_error(client.post(RESET_URL, json={"email": address}), 400, "VALIDATION_ERROR")
    assert outbox() == [] and db.session.scalar(db.select(db.func.count(AccountToken.id))) == 0


# --------------------------------------------------------------------------- limits


@pytest.fixture
def limited(config):
    config.RATELIMIT_ENABLED = True
    config.PASSWORD_RESET_ADDRESS_LIMIT = "2 per hour"
    config.PASSWORD_RESET_RATE_LIMIT = "4 per hour"
    return config


def test_reset_requests_are_limited_per_address_whatever_its_case(limited, client):
    assert ask_reset(client, "asha@example.com").status_code == 202
    assert ask_reset(client, " ASHA@example.com").status_code == 202
    assert_error(ask_reset(client, "asha@EXAMPLE.com"), 429, "RATE_LIMITED")
    assert ask_reset(client, "ravi@example.com").status_code == 202
    assert len(outbox(MailKind.PASSWORD_RESET)) == 3


def test_reset_requests_are_limited_per_client_address(limited, app):
    one, other = app.test_client(), app.test_client()
    here, there = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "203.0.113.8"}
    for address in ("a@example.com", "b@example.com", "d@example.com", "e@example.com"):
        assert ask_reset(one, address, environ_base=here).status_code == 202
    assert_error(ask_reset(one, "c@example.com", environ_base=here), 429, "RATE_LIMITED")
    assert ask_reset(other, "c@example.com", environ_base=there).status_code == 202
