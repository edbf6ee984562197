"""The email outbox: rows written inside the caller's transaction, so an email exists if and
only if the change that causes it committed (docs/email.md).

Sending is elsewhere (services.mail_delivery claims and marks rows; mail_sender runs it).
Here: enqueueing an account email, and turning a transaction's notifications into
outbox rows by each recipient's choice (instant: pending; digest: held; off: none).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.mail_models import (
    EMAIL_TYPES,
    AccountToken,
    EmailMode,
    EmailPreference,
    MailKind,
    MailStatus,
    OutboundEmail,
)
from bidbazaar.models import Notification, User, utcnow


def new_message_id() -> str:
    """A globally unique Message-ID on the site's own domain (BASE_URL's host)."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def enqueue(
    kind: str,
    to_address: str,
    *,
    user_id: int | None = None,
    notification_id: int | None = None,
    account_token: AccountToken | None = None,
    status: str = MailStatus.PENDING,
) -> OutboundEmail:
    """Inside a write: add one outbox row (committed, or rolled back, with the caller's change)."""
    row = OutboundEmail(
        message_id=new_message_id(),
        kind=kind,
        status=status,
        user_id=user_id,
        to_address=to_address,
        notification_id=notification_id,
        next_attempt_at=utcnow(),
    )
    if account_token is not None:
        row.account_token_id = account_token.id  # set by the caller's flush
    db.session.add(row)
    return row


def email_modes(user_ids: Iterable[int], types: Iterable[str]) -> dict[tuple[int, str], str]:
    """Each (user, type)'s chosen mode, defaults included, in one query."""
    user_ids, types = sorted(set(user_ids)), sorted(set(types) & EMAIL_TYPES.keys())
    modes = {(user_id, type_): EMAIL_TYPES[type_][2] for user_id in user_ids for type_ in types}
    if user_ids and types:
        chosen = db.session.execute(
            select(EmailPreference.user_id, EmailPreference.type, EmailPreference.mode).where(
                EmailPreference.user_id.in_(user_ids), EmailPreference.type.in_(types)
            )
        )
        modes.update({(user_id, type_): mode for user_id, type_, mode in chosen})
    return modes


def enqueue_notification_emails(notes: list[Notification]) -> None:
    """Inside a write, after the flush gave the notes their ids: one outbox row per note its
    recipient wants by email, instant (pending) or in the daily digest (held).

    Only an active account's verified address is written to: an unproved address may be a
    typo or someone else's, and must not be sent notifications.
    """
    notes = [note for note in notes if note.type in EMAIL_TYPES]
    if not notes:
        return
    user_ids = {note.user_id for note in notes}
    recipients = dict(
        db.session.execute(
            select(User.id, User.email).where(User.id.in_(user_ids), User.email_verified, User.is_active)
        ).all()
    )
    if not recipients:
        return
    modes = email_modes(recipients, {note.type for note in notes})
    for note in notes:
        address = recipients.get(note.user_id)
        mode = modes.get((note.user_id, note.type), EmailMode.OFF)
        if address is None or mode == EmailMode.OFF:
            continue
        status = MailStatus.PENDING if mode == EmailMode.INSTANT else MailStatus.HELD
        enqueue(MailKind.NOTIFICATION, address, user_id=note.user_id, notification_id=note.id, status=status)
