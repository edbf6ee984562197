"""Email verification and password reset: the rules every door (REST, pages) calls.

Each emailed link is an AccountToken redeemed once, inside the transaction of its effect
(services.account_tokens). A reset request answers the same whether or not an account
uses the address, and does the same writes either way: only the outbox row's status
differs (`suppressed` is never sent), so neither the answer nor its timing tells.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from bidbazaar import accounts
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.mail_models import AccountToken, MailKind, MailStatus, TokenPurpose
from bidbazaar.models import User
from bidbazaar.services import account_tokens
from bidbazaar.services.outbox import enqueue
from bidbazaar.values import utcnow

RESET_REQUESTED = "If an account uses that address, we've sent a link to reset its password."


def _token_user(token: AccountToken) -> User:
    """The active account a redeemed token belongs to, or INVALID_TOKEN."""
    user = db.session.get(User, token.user_id) if token.user_id is not None else None
    if user is None or not user.is_active:
        raise account_tokens.invalid_token()
    return user


def verify_email(token_text: object) -> User:
    """Follow a verification link: the address is proved (once; only while it is still the
    account's address and the link is within EMAIL_VERIFY_HOURS)."""
    try:
        token = account_tokens.redeem(TokenPurpose.VERIFY_EMAIL, token_text)
        user = _token_user(token)
        if token.email != user.email:  # the address changed since the link was sent
            raise account_tokens.invalid_token()
        user.email_verified = True
        db.session.commit()
    except DomainError:
        db.session.rollback()  # the claim of the token goes too: a page door catches this
        raise
    accounts.audit("email_verified", user_id=user.id)
    return user


def resend_verification(user: User) -> None:
    """A fresh verification email for the user's current address; CONFLICT if it is proved."""
    if user.email_verified:
        raise DomainError("CONFLICT", "Your email address is already verified", {"email": "Already verified."})
    account_tokens.issue_verification(user)
    db.session.commit()
    accounts.audit("verification_resent", user_id=user.id)


def request_password_reset(address: str) -> None:
    """Email a reset link to the active account using `address`, if there is one.

    An unknown address or a deactivated account gets the same statements: a token row
    (user_id NULL for an unknown address) and an outbox row, `suppressed` instead of
    `pending`. The caller answers the same 202 whatever happened here.
    """
    address = address.strip()
    user = db.session.scalar(select(User).where(User.email_key == func.lower(address)))
    known = user is not None and user.is_active
    user_id = user.id if user is not None else None  # read now: after the commit it would cost a query
    minutes = current_app.config["RESET_TOKEN_MINUTES"]
    token = account_tokens.issue_token(user, TokenPurpose.PASSWORD_RESET, address, timedelta(minutes=minutes))
    enqueue(
        MailKind.PASSWORD_RESET,
        user.email if user is not None else address,
        user_id=user_id,
        account_token=token,
        status=MailStatus.PENDING if known else MailStatus.SUPPRESSED,
    )
    db.session.commit()
    # The operator's log says whether an account matched; the answer never does.
    accounts.audit("password_reset_requested", user_id=user_id, known=known)


def confirm_password_reset(token_text: object, new_password: str) -> User:
    """Follow a reset link: set the new password and end every session, API token and live
    socket of the account. Every other reset link of the account stops working; the
    address is proved when the link went to the account's current address."""
    new_hash = accounts.hash_password(new_password)  # before the write: hashing is slow
    now = utcnow()
    try:
        token = account_tokens.redeem(TokenPurpose.PASSWORD_RESET, token_text, now)
        user = _token_user(token)
    except DomainError:
        db.session.rollback()
        raise
    user.password_hash = new_hash
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if token.email.lower() == user.email.lower():
        user.email_verified = True
    accounts.revoke_all_credentials(user)  # commits all of the above, then drops the sockets
    accounts.audit("password_reset", user_id=user.id)
    return user
