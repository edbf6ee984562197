"""Hardening (issue 6, checklist 16-19, 21, 25): trusted proxies, request ids, log lines,
security headers on every kind of response, refusing unsafe production settings, and the
https Referer check of Flask-WTF."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Response
from helpers import PASSWORD, ROOT, assert_error, auction_payload, bearer_of, count, csrf, log_in

from app import create_app
from bidbazaar import logs
from bidbazaar.config import DEV_SECRET_KEY, Config, TestConfig
from bidbazaar.extensions import db
from bidbazaar.models import Auction

HTTPS = {"base_url": "https://bidbazaar.example"}


def login(client: Any, username: str, password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post("/api/auth/login", json={"username": username, "password": password}, **kwargs)


# =========================================================================== trusted proxies


@pytest.fixture
def limited(config: TestConfig) -> TestConfig:
    config.RATELIMIT_ENABLED = True
    config.LOGIN_RATE_LIMIT = "2 per minute"
    return config


def test_without_trusted_proxies_a_forged_x_forwarded_for_picks_no_bucket(limited, app, client, make_user):
    users = [make_user() for _ in range(3)]
    statuses = [
        login(client, user.username, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n, user in enumerate(users)
    ]

    assert statuses == [200, 200, 429]


def test_without_trusted_proxies_the_logs_show_the_peer_not_the_forged_address(app, client, customer, caplog):
    caplog.set_level(logging.INFO, logger="bidbazaar")

    login(client, customer.username, headers={"X-Forwarded-For": "198.51.100.7"})

    (record,) = [r for r in caplog.records if getattr(r, "event", None) == "login"]
    assert record.ip == "127.0.0.1"


def test_behind_one_trusted_proxy_each_client_address_has_its_own_bucket(limited, app, client, make_user):
    limited.TRUSTED_PROXIES = 1
    app = create_app(limited)
    client = app.test_client()
    users = [make_user() for _ in range(3)]

    first = [login(client, u.username, headers={"X-Forwarded-For": "203.0.113.1"}).status_code for u in users]
    second = login(client, users[0].username, headers={"X-Forwarded-For": "203.0.113.2"}).status_code

    assert first == [200, 200, 429]
    assert second == 200


def test_behind_one_trusted_proxy_only_the_address_the_proxy_added_counts(limited, app, client, make_user):
    """A client's own X-Forwarded-For entries come first; the proxy appends the real one."""
    limited.TRUSTED_PROXIES = 1
    app = create_app(limited)
    client = app.test_client()
    users = [make_user() for _ in range(3)]

    statuses = [
        login(client, user.username, headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}).status_code
        for n, user in enumerate(users)
    ]

    assert statuses == [200, 200, 429]


def test_trusted_proxies_default_to_none(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert Config().TRUSTED_PROXIES == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    assert Config().TRUSTED_PROXIES == 1


def test_https_is_believed_from_x_forwarded_proto_only_behind_a_trusted_proxy(config, app, client):
    plain = client.get("/api/categories", headers={"X-Forwarded-Proto": "https"})
    config.TRUSTED_PROXIES = 1
    proxied = create_app(config).test_client().get("/api/categories", headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in plain.headers
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")


# =========================================================================== request ids


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/categories"),
        ("GET", "/"),
        ("GET", "/api/nothing-here"),
        ("GET", "/nothing-here"),
        ("PUT", "/api/auth/login"),
    ],
)
def test_every_response_carries_a_fresh_request_id(client, method, path):
    first = client.open(path, method=method)
    second = client.open(path, method=method)

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_well_formed_incoming_request_id_is_kept(client):
    response = client.get("/api/categories", headers={"X-Request-ID": "nginx-4f2a.17"})

    assert response.headers["X-Request-ID"] == "nginx-4f2a.17"


@pytest.mark.parametrize("incoming", ["", "has spaces", "x" * 65, "semi;colon", "new\nline"])
def test_a_malformed_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/api/categories", headers={"X-Request-ID": incoming} if "\n" not in incoming else {})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_rate_limited_response_carries_its_request_id(limited, app, client, customer):
    for _ in range(2):
        login(client, customer.username)

    response = login(client, customer.username)

    assert response.status_code == 429
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


# =========================================================================== auth events in the log


def auth_records(caplog: Any, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def test_a_failed_login_is_logged_with_user_ip_and_request_id_and_no_password(app, client, customer, caplog):
    caplog.set_level(logging.INFO, logger="bidbazaar")

    response = login(client, customer.username, "not-the-password-42", environ_base={"REMOTE_ADDR": "192.0.2.5"})

    (record,) = auth_records(caplog, "login_failed")
    assert record.user_id == customer.id
    assert record.ip == "192.0.2.5"
    assert record.request_id == response.headers["X-Request-ID"]
    assert "not-the-password-42" not in repr(vars(record))


def test_a_login_and_logout_are_logged_without_any_secret(app, client, customer, caplog):
    caplog.set_level(logging.INFO, logger="bidbazaar")

    body = login(client, customer.username).get_json()
    logout = client.post("/api/auth/logout", headers=csrf(body))

    (logged_in,) = auth_records(caplog, "login")
    (logged_out,) = auth_records(caplog, "logout")
    assert logged_in.user_id == logged_out.user_id == customer.id
    assert logged_out.request_id == logout.headers["X-Request-ID"]
    everything = repr([vars(r) for r in caplog.records])
    for secret in (PASSWORD, body["access_token"], body["csrf_token"]):
        assert secret not in everything


def test_a_json_log_line_has_utc_time_level_request_id_and_the_audit_fields(app, client, customer, caplog):
    caplog.set_level(logging.INFO, logger="bidbazaar")
    response = login(client, customer.username, "wrong-password", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    (record,) = auth_records(caplog, "login_failed")

    line = json.loads(logs.JsonFormatter().format(record))

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["level"] == "INFO" and line["logger"] == "bidbazaar"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["event"] == "login_failed" and line["user_id"] == customer.id and line["ip"] == "192.0.2.9"
    assert "wrong-password" not in json.dumps(line)


def test_a_json_log_line_never_writes_a_field_named_like_a_credential():
    record = logging.makeLogRecord({"msg": "auth", "levelname": "INFO", "token": "abc123", "password": "hunter2"})

    line = json.loads(logs.JsonFormatter().format(record))

    assert line["token"] == "[redacted]" and line["password"] == "[redacted]"


def test_every_log_line_of_a_request_carries_its_request_id(app, client):
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)  # what logs.make_handler("text") builds, on a buffer
    capture.addFilter(logs.RequestIdFilter())
    capture.setFormatter(logs.TextFormatter())
    logger = logging.getLogger("bidbazaar")
    logger.addHandler(capture)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = login(client, "nobody", "wrong")
        with app.app_context():
            logging.getLogger("bidbazaar").info("outside any request")
    finally:
        logger.removeHandler(capture)
        logger.setLevel(previous)

    lines = stream.getvalue().splitlines()
    assert any(f"[{response.headers['X-Request-ID']}] auth login_failed" in line for line in lines), lines
    assert any("[-] outside any request" in line for line in lines), lines
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line) for line in lines)


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Any:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("FLASK_DEBUG", "SESSION_COOKIE_SECURE", "LOG_FORMAT", "LOG_LEVEL", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_production_writes_json_log_lines_to_stderr_with_the_request_id(production_env, _schema, capsys):
    app = create_app(Config())
    try:
        response = app.test_client().post(
            "/api/auth/login", json={"username": "nobody", "password": "secret-guess"}, base_url="https://bb.example"
        )
    finally:
        with app.app_context():
            db.engine.dispose()

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    (failed,) = [line for line in lines if line.get("event") == "login_failed"]
    assert failed["request_id"] == response.headers["X-Request-ID"]
    assert failed["level"] == "INFO" and failed["time"].endswith("Z") and failed["ip"]
    assert "secret-guess" not in json.dumps(lines)


def test_log_format_defaults_to_json_in_production_and_text_in_development(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    assert Config().LOG_FORMAT == "json"
    monkeypatch.setenv("APP_ENV", "development")
    assert Config().LOG_FORMAT == "text"


# =========================================================================== security headers


def assert_common_headers(response: Any) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Request-ID"]


def assert_page_csp(response: Any) -> None:
    csp = dict(
        (part.split()[0], part.split()[1:])
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    for directive, sources in csp.items():
        assert all(s in {"'self'", "'none'", "data:"} for s in sources), (directive, sources)


def test_each_security_header_is_sent_once_and_a_views_own_value_stands(app, client):
    own = {"X-Frame-Options": "SAMEORIGIN", "X-Request-ID": "set-by-the-view", "Cache-Control": "max-age=60"}
    app.add_url_rule("/api/__framed", "framed", lambda: Response("{}", mimetype="application/json", headers=own))

    headers = client.get("/api/__framed", headers={"X-Request-ID": "abc-123"}).headers

    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Request-ID") == ["abc-123"] and headers.getlist("Cache-Control") == ["no-store"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert headers.getlist("Referrer-Policy") == ["strict-origin-when-cross-origin"]


def test_a_page_without_a_cookie_varies_on_cookie_and_sets_none(client):
    response = client.get("/")

    assert "Cookie" in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers


def test_the_page_after_signing_out_clears_the_emptied_session_cookie(client, customer):
    client.post("/logout", data={"csrf_token": log_in(client, customer)})  # keeps only its flash

    response = client.get("/")  # shows the flash: the session is now empty

    assert "session=;" in response.headers["Set-Cookie"] and client.get_cookie("session") is None


@pytest.mark.parametrize(
    ("path", "status"), [("/", 200), ("/auctions", 200), ("/login", 200), ("/nothing-here", 404), ("/api/docs", 200)]
)
def test_html_responses_carry_the_page_headers_and_a_self_only_csp(client, path, status):
    response = client.get(path)

    assert response.status_code == status and response.mimetype == "text/html"
    assert_common_headers(response)
    assert_page_csp(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/categories", 200),
        ("GET", "/api/nothing-here", 404),
        ("DELETE", "/api/categories", 405),
        ("GET", "/api/users/profile", 401),
        ("POST", "/api/auth/login", 400),
        ("GET", "/api/openapi.json", 200),
    ],
)
def test_api_responses_carry_the_headers_and_no_store(client, method, path, status):
    response = client.open(path, method=method, json={} if method == "POST" else None)

    assert response.status_code == status and response.mimetype == "application/json"
    assert_common_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_500_carries_the_headers_too(app, client):
    @app.get("/api/explode-for-test")
    def explode() -> Any:
        raise RuntimeError("boom")

    response = client.get("/api/explode-for-test")

    assert_error(response, 500, "INTERNAL_ERROR")
    assert_common_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_429_carries_the_headers_too(limited, app, client, customer):
    for _ in range(3):
        response = login(client, customer.username)

    assert response.status_code == 429
    assert_common_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/api/categories").headers
    secure = client.get("/api/categories", **HTTPS)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" in client.get("/", **HTTPS).headers


def test_the_pages_load_nothing_from_another_origin():
    """The CSP allows only 'self': a template that loads a CDN asset would break silently."""
    external = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if external.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_pages_have_no_inline_scripts_or_styles():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|<style|\sstyle\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        # Emails are not pages the CSP covers, and mail clients ignore linked stylesheets.
        if path.parent.name != "email" and inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# =========================================================================== production refuses unsafe settings


def start(entry: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    scrubbed = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "SECRET_KEY", "FLASK_DEBUG", "FLASK_APP"}}
    return subprocess.run(
        entry,
        cwd=ROOT,
        env={**scrubbed, "DATABASE_URL": "sqlite://", "CLOSE_SWEEP_SECONDS": "0", "PORT": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


ENTRY_POINTS = {
    "python main.py": [sys.executable, "main.py"],
    "wsgi (gunicorn's)": [sys.executable, "-c", "import wsgi"],
    "flask --app app": [sys.executable, "-m", "flask", "--app", "app", "routes"],
}
STRONG_KEY = "k" * 48


@pytest.mark.parametrize("entry", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_production_refuses_to_start_with_the_development_secret_key(entry):
    result = start(entry, APP_ENV="production", SECRET_KEY=DEV_SECRET_KEY)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("entry", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_production_refuses_to_start_with_debug_on(entry):
    result = start(entry, APP_ENV="production", SECRET_KEY=STRONG_KEY, FLASK_DEBUG="1")

    assert result.returncode != 0
    assert "FLASK_DEBUG" in result.stderr


def test_production_refuses_flask_run_with_the_debug_flag():
    result = start(
        [sys.executable, "-m", "flask", "--app", "app", "--debug", "routes"],
        APP_ENV="production",
        SECRET_KEY=STRONG_KEY,
    )

    assert result.returncode != 0
    assert "FLASK_DEBUG" in result.stderr


def test_the_flask_cli_starts_in_production_with_safe_settings():
    result = start(ENTRY_POINTS["flask --app app"], APP_ENV="production", SECRET_KEY=STRONG_KEY)

    assert result.returncode == 0, result.stderr
    assert "api.login" in result.stdout


# =========================================================================== checklist 21: https Referer check


@pytest.fixture
def https_session(app: Any, customer: Any) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    response = login(client, customer.username, **HTTPS)
    assert response.status_code == 200
    return client, csrf(response.get_json())


def test_over_https_a_cookie_write_from_this_origin_passes_the_referer_check(https_session):
    client, headers = https_session

    response = client.post(
        "/api/auctions",
        json=auction_payload(),
        headers={**headers, "Referer": "https://bidbazaar.example/auctions/new"},
        **HTTPS,
    )

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "referer",
    [None, "https://spa.bidbazaar.example/", "http://localhost:5173/", "https://bidbazaar.example.evil.test/"],
)
def test_over_https_a_cookie_write_without_a_same_origin_referer_is_refused(https_session, referer):
    """Deliberate (config.py, WTF_CSRF_SSL_STRICT): cookie sessions are for same-origin pages;
    a SPA on another origin authenticates with a bearer token."""
    client, headers = https_session
    if referer:
        headers = {**headers, "Referer": referer}

    response = client.post("/api/auctions", json=auction_payload(), headers=headers, **HTTPS)

    body = assert_error(response, 403, "CSRF_FAILED")
    assert "referrer" in body["details"]["csrf"].lower()
    assert count(Auction) == 0


def test_over_https_a_bearer_call_from_another_origin_needs_no_referer(app, customer):
    body = login(app.test_client(), customer.username, **HTTPS).get_json()

    response = app.test_client().post(
        "/api/auctions",
        json=auction_payload(),
        headers={**bearer_of(body), "Origin": "https://spa.bidbazaar.example"},
        **HTTPS,
    )

    assert response.status_code == 201, response.get_json()


def test_the_referer_check_is_configured_on(app):
    assert app.config["WTF_CSRF_SSL_STRICT"] is True


# =========================================================================== checklist 26


def test_pip_audit_is_a_ci_step():
    script = Path(ROOT / ".ci" / "audit")
    assert "pip-audit" in script.read_text() and "requirements.txt" in script.read_text()
    assert any(line.startswith("pip-audit==") for line in (ROOT / "requirements-dev.txt").read_text().splitlines())
