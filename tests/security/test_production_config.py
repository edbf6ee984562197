"""Security checklist item 15: the production session cookie and the configuration that
production refuses (secret key, debug), and the auth settings' defaults.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

import secrets

import pytest

from app import create_app
from bidbazaar.config import DEV_SECRET_KEY, Config
from bidbazaar.extensions import db

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
