"""Each user's choice per notification type (instant, daily digest, off), and the one-click
unsubscribe link (RFC 8058) every notification email carries (docs/email.md).

A user with no row for a type gets EMAIL_TYPES' default. A change is written as delete +
insert of the named types under the user's row lock: portable on SQLite, PostgreSQL and
MySQL/MariaDB, and two saves of one user queue instead of colliding on the primary key.

Turning a type off also suppresses that user's notification emails of the type that are
still waiting (pending, or held for the digest): after an unsubscribe nothing more of it
arrives, not even today's digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update

from bidbazaar.database import retried, write_transaction
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.mail_draft import site_url
from bidbazaar.mail_models import EMAIL_TYPES, EmailMode, EmailPreference, MailKind, MailStatus, OutboundEmail
from bidbazaar.models import Notification, User
from bidbazaar.services.outbox import email_modes

UNSUBSCRIBE_SALT = "bidbazaar-unsubscribe"
#: The unsubscribe scope of the daily digest: every type the user gets by digest.
DIGEST_SCOPE = "digest"
#: Longer tokens are refused unread (a real one is well under 100 characters).
MAX_TOKEN_LENGTH = 500
#: A bad key is named in `details` cut to this length: the error never echoes a megabyte back.
MAX_NAMED_KEY = 60
MODE_MESSAGE = f"Must be one of: {', '.join(EmailMode.ALL)}."


@dataclass(frozen=True)
class Unsubscribed:
    """What a one-click unsubscribe turned off (`types` is empty when it was off already)."""

    user_id: int
    scope: str
    types: tuple[str, ...]


# --------------------------------------------------------------------------- reading


def preferences_of(user: User) -> dict[str, str]:
    """Every emailable type's mode for the user, defaults included, in EMAIL_TYPES' order."""
    modes = email_modes([user.id], EMAIL_TYPES)
    return {type_: modes[(user.id, type_)] for type_ in EMAIL_TYPES}


def preference_table(user: User) -> list[dict[str, str]]:
    """Each type with its label, group, default and the user's mode (the settings screen)."""
    modes = preferences_of(user)
    return [
        {"type": type_, "label": label, "group": group, "default": default, "mode": modes[type_]}
        for type_, (label, group, default) in EMAIL_TYPES.items()
    ]


# --------------------------------------------------------------------------- changing


def _named(key: Any) -> str:
    text = str(key)
    return text if len(text) <= MAX_NAMED_KEY else text[:MAX_NAMED_KEY] + "…"


def _checked(changes: Any) -> dict[str, str]:
    """The changes if every type and mode is known; VALIDATION_ERROR naming each bad one."""
    if not isinstance(changes, dict) or not changes:
        raise DomainError(
            "VALIDATION_ERROR",
            "Validation failed",
            {"preferences": "Must be a non-empty object of email type to mode."},
        )
    errors: dict[str, str] = {}
    for type_, mode in changes.items():
        if type_ not in EMAIL_TYPES:
            errors[_named(type_)] = "Unknown email type."
        elif not isinstance(mode, str) or mode not in EmailMode.ALL:
            errors[type_] = MODE_MESSAGE
    if errors:
        raise DomainError("VALIDATION_ERROR", "Validation failed", errors)
    return changes


def _write(user_id: int, changes: dict[str, str]) -> None:
    """Inside a write: replace the user's rows for these types, and suppress the waiting
    emails of the types turned off."""
    # The user's row first, exclusively: the lock order of services.locks (account, then
    # anything else), and a second save of the same user waits here for this one.
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    db.session.execute(
        delete(EmailPreference)
        .where(EmailPreference.user_id == user_id, EmailPreference.type.in_(sorted(changes)))
        .execution_options(synchronize_session=False)
    )
    db.session.add_all(
        EmailPreference(user_id=user_id, type=type_, mode=mode) for type_, mode in sorted(changes.items())
    )
    _suppress_waiting(user_id, [type_ for type_, mode in changes.items() if mode == EmailMode.OFF])


def _suppress_waiting(user_id: int, types: Iterable[str]) -> None:
    types = sorted(types)
    if not types:
        return
    of_types = select(Notification.id).where(Notification.user_id == user_id, Notification.type.in_(types))
    db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.user_id == user_id,
            OutboundEmail.kind == MailKind.NOTIFICATION,
            # Conditional: a row a sender has already claimed (sending) goes out as claimed.
            OutboundEmail.status.in_((MailStatus.PENDING, MailStatus.HELD)),
            OutboundEmail.notification_id.in_(of_types),
        )
        .values(status=MailStatus.SUPPRESSED)
        .execution_options(synchronize_session=False)
    )


@retried
def set_preferences(user: User, changes: dict[str, str]) -> dict[str, str]:
    """Set the modes of the named types (the others keep theirs); the user's modes after.

    An unknown type or mode is a VALIDATION_ERROR whose `details` name each bad type, and
    nothing changes.
    """
    changes = _checked(changes)
    with write_transaction():
        _write(user.id, changes)
    return preferences_of(user)


# --------------------------------------------------------------------------- one-click unsubscribe


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, scope: str) -> str:
    """The signed [user_id, scope] of an unsubscribe link. It never expires: RFC 8058 links
    in old emails must keep working."""
    return _serializer().dumps([user_id, scope])


def unsubscribe_url(user_id: int, scope: str) -> str:
    """The absolute one-click unsubscribe link for a type, or for the digest (scope "digest")."""
    return site_url(f"/email/unsubscribe?token={unsubscribe_token(user_id, scope)}")


def read_unsubscribe_token(token_text: str | None) -> tuple[int, str]:
    """(user_id, scope) of a genuine token; INVALID_TOKEN (400) for anything else."""
    refused = DomainError("INVALID_TOKEN", "This unsubscribe link is not valid")
    if not token_text or len(token_text) > MAX_TOKEN_LENGTH:
        raise refused
    try:
        payload = _serializer().loads(token_text)
    except BadSignature:
        raise refused from None
    match payload:
        case [int() as user_id, str() as scope] if scope in EMAIL_TYPES or scope == DIGEST_SCOPE:
            return user_id, scope
    raise refused


def scope_label(scope: str) -> str:
    """How a page names what an unsubscribe scope covers."""
    return "the daily digest" if scope == DIGEST_SCOPE else f'"{EMAIL_TYPES[scope][0]}" emails'


@retried
def unsubscribe(token_text: str | None) -> Unsubscribed:
    """Turn off what the signed token names: its type, or for "digest" every type the user
    now gets by digest. Idempotent: a second use finds nothing left on and changes nothing."""
    user_id, scope = read_unsubscribe_token(token_text)
    with write_transaction():
        if db.session.scalar(select(User.id).where(User.id == user_id)) is None:
            raise DomainError("INVALID_TOKEN", "This unsubscribe link is not valid")
        modes = email_modes([user_id], EMAIL_TYPES)
        if scope == DIGEST_SCOPE:
            types = [type_ for type_ in EMAIL_TYPES if modes[(user_id, type_)] == EmailMode.DIGEST]
        else:
            types = [scope] if modes[(user_id, scope)] != EmailMode.OFF else []
        if types:
            _write(user_id, dict.fromkeys(types, EmailMode.OFF))
    return Unsubscribed(user_id, scope, tuple(types))
