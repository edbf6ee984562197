"""Accounts: registration, passwords, sessions and API tokens that can really be ended.

A browser session is a row in auth_tokens whose secret lives in Flask-Login's user id
inside the signed cookie; logging out revokes the row, so a copied cookie dies with it.
API tokens are rows of the same table. Only SHA-256 of either secret is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from blinker import Namespace
from flask import Flask, current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from werkzeug.local import LocalProxy
from werkzeug.security import check_password_hash, generate_password_hash

from bidbazaar import credentials
from bidbazaar.database import retried, write_transaction
from bidbazaar.errors import DomainError, is_api_request
from bidbazaar.extensions import db, log
from bidbazaar.models import AuthToken, User, utcnow
from bidbazaar.services import account_tokens, deactivation

_signals = Namespace()
#: Sent with user_id and token_ids (None meaning every credential of the user) after the
#: revocation is committed; live sockets listen to disconnect what was revoked.
credentials_revoked = _signals.signal("credentials-revoked")


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _needs_rehash(stored: str) -> bool:
    # Compare with the prefix werkzeug really writes ("scrypt" is stored as "scrypt:32768:8:1").
    wanted = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]).split("$", 1)[0]
    return stored.split("$", 1)[0] != wanted


def find_user_by_login(login: str) -> User | None:
    """Username or email, case-insensitively (the database's lower(), as in User's *_key)."""
    key = func.lower(login.strip())
    return db.session.scalar(select(User).where(or_(User.username_key == key, User.email_key == key)))


def authenticate(login: str, password: str) -> User:
    """Return the active user with these credentials or raise INVALID_CREDENTIALS.

    Unknown users and wrong passwords get the same answer in the same time: a dummy hash
    is checked when there is no user. Only the right password to a deactivated account
    learns ACCOUNT_DEACTIVATED: whoever knows the password is told nothing new about
    whether the account exists, and nobody else is.
    """
    user = find_user_by_login(login)
    stored = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    password_ok = check_password_hash(stored, password)
    if user is None or not password_ok:
        g.password_failed = True  # spends the account's LOGIN_FAILURE_LIMIT (rate_limits.py)
        audit("login_failed", user_id=user.id if user else None, login=login[:80])
        raise DomainError("INVALID_CREDENTIALS", "Invalid username or password")
    if not user.is_active:
        audit("login_refused_deactivated", user_id=user.id)
        raise DomainError("ACCOUNT_DEACTIVATED", "This account has been deactivated")
    if _needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def register_user(username: str, email: str, password: str, is_service_provider: bool) -> User:
    """Create an account; USERNAME_TAKEN / EMAIL_TAKEN when either is in use (any case).

    The user, its verification token and the verification email's outbox row are one
    commit: an account never exists without its email on the way, nor an email without it.
    """
    _ensure_unique(username=username, email=email)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        is_service_provider=bool(is_service_provider),  # JSON null means "not given"
    )
    db.session.add(user)
    try:
        account_tokens.issue_verification(user)  # its flush meets a racing twin's unique key
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _ensure_unique(username=username, email=email)  # a racing twin won: say which
        raise
    return user


def _ensure_unique(username: str | None = None, email: str | None = None, exclude: int | None = None) -> None:
    def taken(column: Any, value: str) -> bool:
        query = select(User.id).where(column == func.lower(value))
        if exclude is not None:
            query = query.where(User.id != exclude)
        return db.session.scalar(query) is not None

    if username is not None and taken(User.username_key, username):
        raise DomainError("USERNAME_TAKEN", "Username already exists", {"username": "Already taken."})
    if email is not None and taken(User.email_key, email):
        raise DomainError("EMAIL_TAKEN", "Email already registered", {"email": "Already registered."})


def _new_credential(user: User, kind: str) -> tuple[str, AuthToken]:
    secret = secrets.token_urlsafe(32)
    record = AuthToken(
        user_id=user.id,
        kind=kind,
        token_hash=token_digest(secret),
        expires_at=utcnow() + timedelta(days=current_app.config["TOKEN_TTL_DAYS"]),
    )
    db.session.add(record)
    return secret, record


#: The session key naming the API token minted by the same login (see start_session).
PAIRED_TOKEN = "paired_api_token"


def start_session(user: User, *, with_api_token: bool = True) -> dict[str, Any]:
    """Log the user in on this browser and, for API logins, hand out an API token too.

    The old session is cleared first, so the pre-login cookie and CSRF token stop working.
    The token is paired with the session: logging the session out ends the token too, so a
    browser's logout leaves no 30-day token behind. The HTML form shows no token, so it
    mints none (`with_api_token=False`).
    """
    if isinstance(user, LocalProxy):
        # login_user() keeps what it is given in g: the current_user proxy would resolve to itself.
        user = user._get_current_object()
    retired = _retire_browser_session()
    session_secret, _ = _new_credential(user, AuthToken.SESSION)
    api_secret, api_record = _new_credential(user, AuthToken.API) if with_api_token else (None, None)
    db.session.commit()
    if retired:
        _announce_revoked(user.id, retired)
    session.clear()
    user.session_secret = session_secret
    login_user(user)
    audit("login", user_id=user.id)
    if api_record is None:
        return {}
    session[PAIRED_TOKEN] = api_record.id
    return {
        "access_token": api_secret,
        "token_type": "Bearer",
        "expires_at": api_record.expires_at,
    }


def _session_credential_ids() -> list[int]:
    """This request's browser session and the API token its login minted, if any."""
    ids = [g.auth_token.id]
    paired = session.get(PAIRED_TOKEN)
    if isinstance(paired, int):  # signed by us; the query below also checks the owner
        ids.append(paired)
    return ids


def _retire_browser_session() -> list[int]:
    """Logging in over a live browser session revokes it: a copy of the old cookie dies.

    Its paired token stays: a cookie-keeping client (requests.Session, Postman) that logs
    in as several users to collect their tokens must not lose the earlier ones. Returns
    the id to announce once the caller commits.
    """
    if current_user.is_authenticated and g.get("auth_method") == AuthToken.SESSION:
        _revoke(current_user.id, [g.auth_token.id])
        return [g.auth_token.id]
    return []


def _revoke(user_id: int, token_ids: list[int] | None = None) -> None:
    """In the caller's transaction: mark these live credentials of the user revoked (None: all)."""
    query = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if token_ids is not None:
        query = query.where(AuthToken.id.in_(token_ids))
    db.session.execute(query.values(revoked_at=utcnow()))


def _announce_revoked(user_id: int, token_ids: list[int] | None) -> None:
    """After the commit: the revoked credentials' live sockets are dropped, in every process."""
    credentials_revoked.send(current_app._get_current_object(), user_id=user_id, token_ids=token_ids)


def end_current_credential() -> None:
    """Logout: revoke the bearer token, or the browser session and its paired token."""
    record: AuthToken | None = g.get("auth_token")
    user_id = current_user.id if current_user.is_authenticated else None
    if record is not None:
        token_ids = _session_credential_ids() if g.get("auth_method") == AuthToken.SESSION else [record.id]
        _revoke(record.user_id, token_ids)
        db.session.commit()
        _announce_revoked(record.user_id, token_ids)
    logout_user()
    session.clear()
    audit("logout", user_id=user_id)


def revoke_all_credentials(user: User) -> None:
    """End every session and token of the user (password change) and commit."""
    _revoke(user.id)
    db.session.commit()
    _announce_revoked(user.id, None)
    audit("credentials_revoked", user_id=user.id)


def update_profile(user: User, changes: dict[str, Any], *, with_api_token: bool = True) -> dict[str, Any]:
    """Apply a partial profile update; a password change ends every other credential, and
    a new email address is unverified until its emailed link is followed (same commit).

    Returns fresh credentials when the password changed (this browser stays logged in;
    `with_api_token` as for start_session).
    A JSON null for an optional field means "not given": it changes nothing.
    """
    changes = {name: value for name, value in changes.items() if value is not None}
    if "email" in changes and changes["email"] != user.email:
        _ensure_unique(email=changes["email"], exclude=user.id)
        # A new address is unproved until its own link is followed; the old address's
        # pending link stops working (its token names the old address).
        user.email = changes["email"]
        user.email_verified = False
        account_tokens.issue_verification(user)
    if "is_service_provider" in changes:
        user.is_service_provider = changes["is_service_provider"]
    if "phone" in changes:
        user.phone = changes["phone"] or None
    fresh: dict[str, Any] = {}
    if "new_password" in changes:
        if not check_password_hash(user.password_hash, changes.get("current_password") or ""):
            g.password_failed = True  # the same per-account budget as a failed login
            audit("password_check_failed", user_id=user.id)
            raise DomainError(
                "VALIDATION_ERROR",
                "Validation failed",
                {"current_password": "Current password is incorrect."},
            )
        user.password_hash = hash_password(changes["new_password"])
        revoke_all_credentials(user)  # one commit: the new hash and the revocation together
        fresh = start_session(user, with_api_token=with_api_token)
    db.session.commit()
    return fresh


@retried
def set_active(user: User, active: bool) -> deactivation.Stakes:
    """Deactivate or reactivate an account; returns what a deactivation took away.

    Deactivation is one transaction: the flag, the provider's active bids withdrawn and the
    customer's open auctions cancelled (services/deactivation.py), and every session and token
    revoked; sockets are dropped and the news goes out after the commit. Reactivation gives
    back the account only, not those bids or auctions.
    """
    if active:
        user.is_active = True
        db.session.commit()
        audit("reactivated", user_id=user.id)
        return deactivation.Stakes()
    with write_transaction() as after_commit:
        taken = deactivation.take_away_power(user, after_commit)
        _revoke(user.id)
    _announce_revoked(user.id, None)
    audit("credentials_revoked", user_id=user.id)
    audit(
        "deactivated",
        user_id=user.id,
        bids_withdrawn=taken.active_bids,
        auctions_cancelled=taken.open_auctions,
        offers_ended=taken.open_offers,
    )
    return taken


def _valid_credential(*which: ColumnElement[bool]) -> AuthToken | None:
    """The credential picked by `which`, with its user, if it still authenticates (credentials.py)."""
    return db.session.scalar(
        select(AuthToken)
        .join(AuthToken.user)
        .options(contains_eager(AuthToken.user))
        .where(*which, *credentials.still_valid())
    )


def credential_user(credential_id: int) -> User | None:
    """The user a live socket's credential still authenticates: logout, expiry or
    deactivation end it at once, and every socket event asks again."""
    record = _valid_credential(AuthToken.id == credential_id)
    return record.user if record else None


def _load_credential(secret: str, kind: str) -> User | None:
    record = _valid_credential(AuthToken.token_hash == token_digest(secret), AuthToken.kind == kind)
    if record is None:
        return None
    g.auth_token = record
    g.auth_method = kind
    user = record.user
    user.session_secret = secret if kind == AuthToken.SESSION else None
    return user


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    return None


def user_from_socket_auth(auth: Any) -> User | None:
    """Socket.IO connect: `auth: {"token": ...}`; returns None for a bad token."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token.isascii():  # tokens are ASCII; a lone surrogate cannot even be hashed
        return _load_credential(token, AuthToken.API)
    return None


def init_login_manager(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.login_view = "pages.login"
    # "strong" protection logs out mobile users whenever their IP changes.
    manager.session_protection = None

    @manager.user_loader
    def load_session_user(secret: str) -> User | None:
        return _load_credential(secret, AuthToken.SESSION)

    @manager.request_loader
    def load_bearer_user(req: Any) -> User | None:
        secret = bearer_secret()
        return _load_credential(secret, AuthToken.API) if secret else None

    @manager.unauthorized_handler
    def unauthorized() -> Any:
        from flask import flash, redirect, url_for

        if is_api_request():
            raise DomainError("AUTH_REQUIRED", "Authentication required")
        flash("Please log in to continue.", "info")
        return redirect(url_for("pages.login", next=request.full_path))


def audit(event: str, **fields: Any) -> None:
    """Auth events for the log: UTC time, user, IP and request id; never a secret."""
    log.info(
        "auth %s",
        event,
        extra={
            "event": event,
            "ip": request.remote_addr if request else None,
            "request_id": g.get("request_id"),
            **fields,
        },
    )


# --------------------------------------------------------------------------- admin console


def set_provider_verified(user: User, verified: bool) -> None:
    """An admin vouches for a service provider (or withdraws it); customers cannot be verified."""
    if verified and not user.is_service_provider:
        raise DomainError("CONFLICT", "Only service providers can be verified", {"user_id": user.id})
    user.provider_verified = verified
    db.session.commit()
    audit("provider_verified" if verified else "provider_unverified", user_id=user.id)


def admin_set_active(admin: User, user: User, active: bool) -> deactivation.Stakes:
    """Deactivate or reactivate from the admin console; an admin cannot lock itself out."""
    if not active and admin.id == user.id:
        raise DomainError("CONFLICT", "You cannot deactivate your own account", {"user_id": user.id})
    return set_active(user, active)
