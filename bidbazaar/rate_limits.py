"""Rate limits (Flask-Limiter): how much one client address or one user may do per window.

Every limit is a setting read when a request is checked (see config.py), so tests and
operators change them without touching code. Counters live in memory, or in Redis when
RATELIMIT_STORAGE_URI says so; if Redis goes away the same limits are counted in memory
(`in_memory_fallback_enabled`) instead of failing every request or letting all through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import ExemptionScope, Limiter, RateLimitExceeded
from flask_login import current_user
from limits import RateLimitItem

from bidbazaar import accounts, errors
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db

View = TypeVar("View", bound=Callable[..., Any])

#: Bids of one user share this counter, whichever door they come through (charge_bid).
BID_SCOPE = "bids"
#: Questions of one user share this counter, whichever door they come through (charge_question).
QUESTION_SCOPE = "questions"
#: The anonymous answers of views exempt from the default limit (the signed-out bid form).
SIGNED_OUT_SCOPE = "signed-out"
#: Every door that checks a password shares these counters (API login, HTML login form,
#: profile password change): one budget per account, not one per door.
PASSWORD_FAILURE_SCOPE = "password-failures"
LOGIN_ACCOUNT_SCOPE = "login-account"
LOGIN_ADDRESS_SCOPE = "login-address"
#: The reset request's budgets (REST and the page share them) and the resend budget per user.
RESET_ADDRESS_SCOPE = "password-reset-address"
RESET_CLIENT_SCOPE = "password-reset-client"
VERIFY_RESEND_SCOPE = "verify-resend"
#: A monitoring probe that gets 429 would report a healthy server as down.
EXEMPT_ENDPOINTS = frozenset({"api.health"})


def client_address() -> str:
    """The peer, or the address the trusted proxies reported (ProxyFix, TRUSTED_PROXIES)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def login_account() -> str:
    """The account a login attempt is aimed at, whether named by username or by email."""
    if request.is_json:
        body = request.get_json(silent=True)
        login = body.get("username") if isinstance(body, dict) else None
    else:
        login = request.form.get("username")
    if not isinstance(login, str) or not login.strip():
        return client_address()
    user = accounts.find_user_by_login(login)
    return f"account:{user.id}" if user else f"login:{login.strip().lower()[:80]}"


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def request_identity() -> str:
    """What Flask-Limiter calls this request: the view's endpoint, or for a Socket.IO event
    (which matched no route) its namespace, so that charge_bid counts socket bids too.

    An empty name exempts a request from every limit, as it still does an HTTP request
    that matched no route (a 404).
    """
    if request.endpoint:
        return request.endpoint
    namespace = getattr(request, "namespace", None)  # Flask-SocketIO sets it for each event
    return f"socketio:{namespace}" if namespace else ""


limiter = Limiter(
    key_func=client_address,
    default_limits=[setting("DEFAULT_RATE_LIMIT")],
    # Exact windows: "5 failures in 15 minutes" never lets 10 through across a boundary.
    strategy="moving-window",
    in_memory_fallback_enabled=True,
    request_identifier=request_identity,
)


def password_failed(response: Any) -> bool:
    """Whether this request's password check failed (accounts sets g.password_failed)."""
    return bool(g.get("password_failed"))


def failure_budget(key_func: Callable[[], str], methods: list[str], **options: Any) -> Any:
    """LOGIN_FAILURE_LIMIT failed password checks per account, one counter for every door."""
    return limiter.shared_limit(
        setting("LOGIN_FAILURE_LIMIT"),
        scope=PASSWORD_FAILURE_SCOPE,
        key_func=key_func,
        methods=methods,
        deduct_when=password_failed,
        **options,
    )


def limit_logins(view: View) -> View:
    """Per address and per account LOGIN_RATE_LIMIT; after LOGIN_FAILURE_LIMIT failures for
    one account every further attempt is refused until the window passes (checklist 16).

    Shared limits: the API login and the HTML form count against the same budgets, so two
    doors never double the guesses (checklist 34).
    """
    failures = failure_budget(login_account, ["POST"])
    per_account = limiter.shared_limit(
        setting("LOGIN_RATE_LIMIT"), scope=LOGIN_ACCOUNT_SCOPE, key_func=login_account, methods=["POST"]
    )
    per_address = limiter.shared_limit(
        setting("LOGIN_RATE_LIMIT"), scope=LOGIN_ADDRESS_SCOPE, key_func=client_address, methods=["POST"]
    )
    return per_address(per_account(failures(view)))


def limit_password_changes(view: View) -> View:
    """A password change checks current_password: a stolen session or token could guess the
    password through it, so its failures spend the same per-account budget as logins, and a
    locked account cannot change its password either. Other profile edits are not counted."""
    return failure_budget(
        lambda: f"account:{current_user.id}" if current_user.is_authenticated else client_address(),
        ["POST", "PUT"],
        exempt_when=lambda: not (current_user.is_authenticated and changes_password()),
    )(view)


def changes_password() -> bool:
    """A profile update that asks for a new password (JSON body or HTML form)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return isinstance(body, dict) and body.get("new_password") not in (None, "")
    return bool(request.form.get("new_password"))


def limit_registrations(view: View) -> View:
    return limiter.limit(setting("REGISTER_RATE_LIMIT"), key_func=client_address, methods=["POST"])(view)


def reset_address() -> str:
    """The address a password reset is asked for, as the accounts match it (lower-cased,
    stripped), whether or not an account uses it: the limit must not tell them apart."""
    if request.is_json:
        body = request.get_json(silent=True)
        address = body.get("email") if isinstance(body, dict) else None
    else:
        address = request.form.get("email")
    if not isinstance(address, str) or not address.strip():
        return client_address()
    return f"reset:{address.strip().lower()[:254]}"


def limit_password_resets(view: View) -> View:
    """PASSWORD_RESET_RATE_LIMIT per client address and PASSWORD_RESET_ADDRESS_LIMIT per
    address asked for: nobody floods one mailbox, nor many. Shared by the API and the page."""
    per_address = limiter.shared_limit(
        setting("PASSWORD_RESET_ADDRESS_LIMIT"), scope=RESET_ADDRESS_SCOPE, key_func=reset_address, methods=["POST"]
    )
    per_client = limiter.shared_limit(
        setting("PASSWORD_RESET_RATE_LIMIT"), scope=RESET_CLIENT_SCOPE, key_func=client_address, methods=["POST"]
    )
    return per_client(per_address(view))


def limit_verification_resends(view: View) -> View:
    """VERIFY_RESEND_RATE_LIMIT resent verification emails per user, API and page together.
    Put it under login_required."""
    return limiter.shared_limit(
        setting("VERIFY_RESEND_RATE_LIMIT"),
        scope=VERIFY_RESEND_SCOPE,
        key_func=lambda: f"user:{current_user.id}" if current_user.is_authenticated else client_address(),
        methods=["POST"],
    )(view)


@limiter.shared_limit(setting("BID_RATE_LIMIT"), scope=BID_SCOPE, key_func=lambda: g.bid_budget_key)
def _spend_bid_budget() -> None:
    """Does nothing: Flask-Limiter counts each call against the bidder's BID_RATE_LIMIT."""


def charge_bid(bidder_id: int) -> None:
    """Count one bid against the bidder's BID_RATE_LIMIT; over it: RATE_LIMITED.

    Every door calls this (REST and the bid form through limit_bids, Socket.IO directly),
    so Flask-Limiter counts each bid the same way: one key per user, its storage or, with
    that down, its in-memory fallback, the limits checked smallest window first.
    """
    g.bid_budget_key = f"user:{bidder_id}"
    try:
        _spend_bid_budget()
    except RateLimitExceeded:
        raise breached() from None


@limiter.shared_limit(setting("DEFAULT_RATE_LIMIT"), scope=SIGNED_OUT_SCOPE, key_func=client_address)
def _spend_signed_out_budget() -> None:
    """Does nothing: Flask-Limiter counts each call against the address's DEFAULT_RATE_LIMIT."""


def charge_signed_out() -> None:
    """The per-address default limit, for the anonymous answer of a view that limit_bids
    exempts from it (nobody signed in: no bidder to charge). Over it: RATE_LIMITED."""
    try:
        _spend_signed_out_budget()
    except RateLimitExceeded:
        raise breached() from None


def limit_bids(view: View) -> View:
    """An HTTP view that places bids: charge_bid for the logged-in bidder before it runs.

    Put it under login_required. Like any view with its own limit, it is exempt from the
    per-address default limit.
    """

    @wraps(view)
    def charged(*args: Any, **kwargs: Any) -> Any:
        charge_bid(current_user.id)
        return view(*args, **kwargs)

    return limiter.exempt(charged, flags=ExemptionScope.DEFAULT)


@limiter.shared_limit(setting("QUESTION_RATE_LIMIT"), scope=QUESTION_SCOPE, key_func=lambda: g.question_budget_key)
def _spend_question_budget() -> None:
    """Does nothing: Flask-Limiter counts each call against the asker's QUESTION_RATE_LIMIT."""


def charge_question(asker_id: int) -> None:
    """Count one question against the asker's QUESTION_RATE_LIMIT; over it: RATE_LIMITED.

    As charge_bid: one key per user, so the REST endpoint and the page's ask form spend
    one budget (limit_questions calls this before the view runs).
    """
    g.question_budget_key = f"user:{asker_id}"
    try:
        _spend_question_budget()
    except RateLimitExceeded:
        raise breached() from None


def limit_questions(view: View) -> View:
    """An HTTP view that asks questions: charge_question for the logged-in asker first.

    Put it under login_required; exempt from the per-address default limit like limit_bids.
    """

    @wraps(view)
    def charged(*args: Any, **kwargs: Any) -> Any:
        charge_question(current_user.id)
        return view(*args, **kwargs)

    return limiter.exempt(charged, flags=ExemptionScope.DEFAULT)


def seconds_until_reset(item: RateLimitItem, args: tuple[str, ...] | list[str]) -> int:
    try:
        reset_at, _ = limiter.limiter.get_window_stats(item, *args)
    except Exception:
        return item.get_expiry()
    return max(1, math.ceil(reset_at - time.time()))


def rate_limited(item: RateLimitItem, retry_after: int) -> DomainError:
    return DomainError(
        "RATE_LIMITED",
        "Too many requests; retry later",
        {"limit": str(item), "retry_after": retry_after},
    )


def breached() -> DomainError:
    """The RATE_LIMITED error for the limit this HTTP request just crossed."""
    current = limiter.current_limit
    if current is None:  # not expected: Flask-Limiter records the limit it refused
        return DomainError("RATE_LIMITED", "Too many requests; retry later", {"retry_after": 60})
    return rate_limited(current.limit, seconds_until_reset(current.limit, current.request_args))


def init_app(app: Flask) -> None:
    switched_on = app.config["RATELIMIT_ENABLED"]
    # An app with limits off gets none of Flask-Limiter's request hooks: they would run on
    # every request only to find it exempt (issue 19: what the hooks cost per request).
    # Its decorated views and charges still ask exempt() below, which lets them through.
    if switched_on:
        # Flask-Limiter's own switch belongs to the one process-wide Limiter and init_app sets
        # it from the app's config: only apps with limits on call it, so it stays on, and an
        # app built with limits off cannot turn them off for another one built in the same
        # process (the test suite builds many). Ours is per app, checked in exempt() below.
        limiter.init_app(app)
        trust_new_storage(limiter)

    @app.errorhandler(RateLimitExceeded)
    def answer_rate_limited(exc: RateLimitExceeded) -> Response:
        db.session.rollback()
        return errors.respond(breached())


def trust_new_storage(extension: Limiter) -> None:
    """Forget that an earlier app's rate-limit storage died: this app's starts out healthy.

    The Limiter is one per process and outlives apps (the test suite builds many). After a
    storage failure Flask-Limiter counts in memory until its own recovery check passes, and
    it offers no public way to reset that; this sets its private `_storage_dead` flag, the
    only private Flask-Limiter API the app uses (tests/test_library_adapters.py fails if an
    upgrade renames it).
    """
    extension._storage_dead = False


@limiter.request_filter
def exempt() -> bool:
    return not current_app.config["RATELIMIT_ENABLED"] or request.endpoint in EXEMPT_ENDPOINTS
