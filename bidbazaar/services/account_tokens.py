"""Single-use emailed links (verify an address, reset a password) and the verified-email gate.

A link carries `[token.id, token.nonce]` signed with SECRET_KEY under a per-purpose salt,
minted when the email is rendered (account_emails), so the database never holds a usable
link. Expiry and single use live in the AccountToken row: `redeem` claims it with one
conditional UPDATE inside the caller's transaction, so the claim commits (or rolls back)
with its effect, and two concurrent redemptions cannot both win.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.mail_models import AccountToken, MailKind, TokenPurpose
from bidbazaar.models import User
from bidbazaar.services.outbox import enqueue
from bidbazaar.values import utcnow

#: A signed [id, nonce] is ~70 characters; anything much longer is not ours, and is refused
#: before it reaches the signer.
MAX_TOKEN_LENGTH = 200
INVALID_TOKEN_DETAILS = {"token": "This link is invalid or has expired. Ask for a new one."}


def invalid_token() -> DomainError:
    """The one answer for a forged, unknown, used or expired link: none tells them apart."""
    return DomainError("INVALID_TOKEN", "Invalid or expired link", dict(INVALID_TOKEN_DETAILS))


def _serializer(purpose: str) -> URLSafeSerializer:
    # A per-purpose salt: a verification link can never be replayed as a reset link.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="bidbazaar-" + purpose)


def issue_token(user: User | None, purpose: str, email: str, lifetime: timedelta) -> AccountToken:
    """Inside a write: add and flush a fresh token row (so an outbox row can reference it)."""
    token = AccountToken(
        user_id=user.id if user is not None else None,
        purpose=purpose,
        email=email,
        nonce=secrets.token_urlsafe(24),
        expires_at=utcnow() + lifetime,
    )
    db.session.add(token)
    db.session.flush()
    return token


def sign(token: AccountToken) -> str:
    """The text a link carries for this token (URL-safe)."""
    return _serializer(token.purpose).dumps([token.id, token.nonce])


def unsign(purpose: str, text: Any) -> tuple[int, str] | None:
    """(id, nonce) when `text` is a link text we signed for `purpose`; None otherwise."""
    if not isinstance(text, str) or not text or len(text) > MAX_TOKEN_LENGTH or not text.isascii():
        return None
    try:
        value = _serializer(purpose).loads(text)
    except BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2 and type(value[0]) is int and isinstance(value[1], str):
        return value[0], value[1]
    return None  # signed by us, so not expected: a shape from an older version


def redeem(purpose: str, text: Any, now: datetime | None = None) -> AccountToken:
    """Inside a write: claim the token (used_at = now) or raise INVALID_TOKEN.

    The conditional UPDATE is the check: unused, unexpired, of this purpose and nonce.
    Exactly one of two concurrent redemptions updates the row; the other matches nothing.
    """
    parsed = unsign(purpose, text)
    if parsed is None:
        raise invalid_token()
    token_id, nonce = parsed
    now = now or utcnow()
    claimed = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == token_id,
            AccountToken.nonce == nonce,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise invalid_token()
    token = db.session.get(AccountToken, token_id, populate_existing=True)
    assert token is not None  # just updated in this transaction
    return token


def issue_verification(user: User) -> AccountToken:
    """Inside the caller's write: a verification token for the user's current address
    (EMAIL_VERIFY_HOURS) and its outbox row, committed with the caller's change."""
    db.session.flush()  # a new user gets its id
    hours = current_app.config["EMAIL_VERIFY_HOURS"]
    token = issue_token(user, TokenPurpose.VERIFY_EMAIL, user.email, timedelta(hours=hours))
    enqueue(MailKind.VERIFY_EMAIL, user.email, user_id=user.id, account_token=token)
    return token


def require_verified_email(user: User) -> None:
    """With REQUIRE_EMAIL_VERIFICATION on, an unproved address may not post or bid."""
    if current_app.config["REQUIRE_EMAIL_VERIFICATION"] and not user.email_verified:
        raise DomainError(
            "EMAIL_NOT_VERIFIED",
            "Confirm your email address first",
            {"email": "Follow the link we emailed you, or ask for a new one from your profile."},
        )
