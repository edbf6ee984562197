"""Request and response hooks every route shares: request ids, JSON-only writes to /api,
CSRF for cookie sessions, the Authorization header over any cookie, headers."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, Request, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from bidbazaar.errors import DomainError, is_api_request
from bidbazaar.extensions import csrf
from bidbazaar.values import MAX_ID

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Logging in and registering need no CSRF token: they carry no session yet, and the
#: JSON-only rule already stops a cross-site HTML form from reaching them.
#: The emailed-link endpoints likewise: the link's token is the credential.
CSRF_EXEMPT_ENDPOINTS = frozenset(
    {
        "api.login",
        "api.register",
        "email_api.verify_email",
        "email_api.request_password_reset",
        "email_api.confirm_password_reset",
        # The one-click unsubscribe (RFC 8058) is posted by mail providers without cookies:
        # its signed token is the authority, and all it can do is turn emails off.
        "preferences.unsubscribe",
    }
)
#: The bid form posted after the session ended elsewhere (a logout in another tab clears the
#: session, and its CSRF token with it): with nobody signed in, the view only shows the form
#: again with what was typed and a login link (401), and changes nothing; a forged post has
#: no one to act for. So the CSRF check, which would answer "form expired" and lose the
#: bid, stands aside for this endpoint only, and only while nobody is signed in: a signed-in
#: post is checked as always.
KEEP_FORM_WHEN_SIGNED_OUT = frozenset({"pages.place_bid"})
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

#: On every response unless the view set its own.
ALWAYS_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def has_session_cookie(app: Flask) -> bool:
    return app.config["SESSION_COOKIE_NAME"] in request.cookies


def has_authorization() -> bool:
    """An Authorization header, of any scheme: when present it alone decides who is calling."""
    return "Authorization" in request.headers


class HeaderFirstSessionInterface(SecureCookieSessionInterface):
    """With an Authorization header no cookie session is opened or saved.

    Flask-Login asks the session (the cookie) before its request_loader (the header), so a
    stray cookie from a login or GET /api/auth/csrf would otherwise win over the token, or
    stand in for a bad one. An empty session makes the header the only credential; the call
    needs no CSRF token and never gets a Set-Cookie back.

    A request with neither starts and ends with an empty session the short way: Flask builds
    its signing serializer and reads seven cookie settings before it finds nothing to do
    (issue 19: what the hooks cost per request).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "Authorization" in request.headers:
            return self.session_class()
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if has_authorization():
            return
        if not session and not session.modified:  # no cookie to set or to clear
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = HeaderFirstSessionInterface()

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
        if request.endpoint in KEEP_FORM_WHEN_SIGNED_OUT and not current_user.is_authenticated:
            return
        if has_authorization() or (is_api_request() and not has_session_cookie(app)):
            # No ambient credential to forge with: a header a cross-site page cannot send
            # (the cookie is then ignored), or an anonymous call that login_required
            # answers with 401 AUTH_REQUIRED rather than CSRF_FAILED.
            return
        csrf.protect()

    @app.before_request
    def refuse_bad_authorization() -> None:
        # A revoked, expired, unknown or malformed credential (or another scheme) is a 401
        # even on public endpoints and even with a session cookie: the client must learn
        # its credential is gone instead of silently browsing as anonymous or as the cookie.
        if is_api_request() and has_authorization() and not current_user.is_authenticated:
            raise DomainError("AUTH_REQUIRED", "Invalid, expired or revoked token")

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        # The defaults in one pass over what the view set, then appends: werkzeug's setdefault
        # scans the headers again for each name and builds an exception for each one missing.
        present = {name.lower() for name, _ in headers}
        headers["X-Request-ID"] = g.get("request_id", "")
        defaults = list(ALWAYS_HEADERS)  # a view's own value stands
        if request.is_secure:
            defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        if is_api_request():
            headers["Cache-Control"] = "no-store"
        elif response.mimetype == "text/html":
            defaults.append(("Content-Security-Policy", HTML_CSP))
        for name, value in defaults:
            if name.lower() not in present:
                headers.add(name, value)
        return response


def refuse_ids_past_integer(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """/auctions/10**30 is a 404, not an overflow inside the database driver.

    Checked after routing rather than in the URL converter: a converter that refuses the
    value makes Werkzeug answer 405 with the path's other methods instead of 404.
    """
    if values and any(isinstance(v, int) and v > MAX_ID for v in values.values()):
        raise NotFound()


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from exactly TRUSTED_PROXIES proxies (0: none).

    Wraps outermost, around Socket.IO too, so rate limits, logs and the socket origin check
    see the real client address and scheme, and a forged X-Forwarded-For picks nothing.
    """
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)


def socket_origin_check(allowlist: list[str]) -> Any:
    """Socket.IO handshakes: the CORS allowlist plus this server's own origin.

    A browser always sends the Origin of the page, so a foreign page is refused even
    when it rides on the user's cookie (cross-site WebSocket hijacking). With an explicit
    list engine.io would otherwise refuse our own server-rendered pages.
    """
    allowed = frozenset(allowlist)

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None or origin in allowed:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own

    return check
