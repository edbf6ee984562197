"""Security checklist items 13-14: password hashing (scrypt, rehash on login) and failed
logins that look alike in answer and time.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

import time

import pytest
from helpers import (
    PASSWORD,
    count,
)
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from bidbazaar.config import Config
from bidbazaar.extensions import db
from bidbazaar.models import AuthToken, User

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
        # The right password to a deactivated account is told so (tests/test_sign_in_pages.py):
        # a wrong one learns nothing.
        "deactivated": {"username": "gone", "password": "wrong-password"},
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
        # The right password to a deactivated account is told so (tests/test_sign_in_pages.py):
        # a wrong one learns nothing.
        "deactivated": {"username": "gone", "password": "wrong-password"},
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
    # The fastest of each: other load on the machine only ever adds time, so the minimum is
    # the request's own cost (medians failed once in CI with two database suites beside it).
    fastest = {name: min(values) for name, values in timings.items()}

    assert max(fastest.values()) <= 1.5 * min(fastest.values()), fastest
