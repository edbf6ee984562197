"""Request and response hooks every route shares: request ids, JSON-only writes to /api,
CSRF for cookie sessions, dead bearer tokens, no cookies for bearer calls, headers."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

import accounts
from app import csrf
from errors import DomainError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Logging in and registering need no CSRF token: they carry no session yet, and the
#: JSON-only rule already stops a cross-site HTML form from reaching them.
CSRF_EXEMPT_ENDPOINTS = frozenset({"api.login", "api.register"})
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def has_session_cookie(app: Flask) -> bool:
    return app.config["SESSION_COOKIE_NAME"] in request.cookies


def is_bearer_only(app: Flask) -> bool:
    return accounts.bearer_secret() is not None and not has_session_cookie(app)


class BearerAwareSessionInterface(SecureCookieSessionInterface):
    """A bearer-token call without cookies never gets a Set-Cookie back."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if is_bearer_only(app):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = BearerAwareSessionInterface()

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.before_request
    def require_json_writes() -> None:
        if not is_api_request() or request.method not in UNSAFE_METHODS:
            return
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "")
        if (request.content_type or has_body) and request.mimetype != "application/json":
            raise DomainError(
                "UNSUPPORTED_MEDIA_TYPE",
                "Send the request body as application/json",
                {"content_type": request.content_type or ""},
            )

    @app.before_request
    def check_csrf() -> None:
        if request.method not in UNSAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
            return
        if is_api_request() and not has_session_cookie(app):
            # No ambient credential to forge with: a bearer call, or an anonymous one
            # that login_required answers with 401 AUTH_REQUIRED rather than CSRF_FAILED.
            return
        csrf.protect()

    @app.before_request
    def refuse_dead_bearer_token() -> None:
        # A revoked or expired token is a 401 even on public endpoints: the client must
        # learn its credential is gone instead of silently browsing as anonymous.
        if is_api_request() and is_bearer_only(app) and not current_user.is_authenticated:
            raise DomainError("AUTH_REQUIRED", "Invalid, expired or revoked token")

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Request-ID"] = g.get("request_id", "")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if is_api_request():
            headers["Cache-Control"] = "no-store"
        elif response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", HTML_CSP)
        return response
