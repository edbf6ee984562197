"""Helpers of the notification email tests: the outbox as rows, a notification written the
way services write one, and an outbox row composed into its email."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import select

from bidbazaar.database import write_transaction
from bidbazaar.emails import compose
from bidbazaar.extensions import db
from bidbazaar.mail_models import EmailPreference, MailDigest, OutboundEmail
from bidbazaar.models import Auction, Notification, User
from bidbazaar.services.notifications import notify


def outbox() -> list[tuple[str, str, int, str | None]]:
    """Every outbox row as (kind, status, user_id, notification type), in id order."""
    db.session.commit()
    rows = db.session.execute(
        select(OutboundEmail.kind, OutboundEmail.status, OutboundEmail.user_id, Notification.type)
        .outerjoin(Notification, Notification.id == OutboundEmail.notification_id)
        .order_by(OutboundEmail.id)
    )
    return [tuple(row) for row in rows]


def preferences() -> list[tuple[int, str, str]]:
    """Every stored preference row as (user_id, type, mode)."""
    db.session.commit()
    rows = db.session.execute(
        select(EmailPreference.user_id, EmailPreference.type, EmailPreference.mode).order_by(
            EmailPreference.user_id, EmailPreference.type
        )
    )
    return [tuple(row) for row in rows]


def digests() -> list[tuple[int, str]]:
    """Every MailDigest as (user_id, ISO day)."""
    db.session.commit()
    rows = db.session.execute(select(MailDigest.user_id, MailDigest.day).order_by(MailDigest.id))
    return [(user_id, day.isoformat()) for user_id, day in rows]


def tell(user: User, type_: str, auction: Auction, message: str, data: dict[str, Any] | None = None) -> None:
    """Store a notification as the services do (notify() in a write): its outbox row follows
    the user's mode."""
    with write_transaction() as after_commit:
        notify(after_commit, user.id, type_, auction, message, data)


def latest_row(kind: str | None = None) -> OutboundEmail:
    """The newest outbox row (of this kind)."""
    db.session.commit()
    query = select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(1)
    if kind is not None:
        query = query.where(OutboundEmail.kind == kind)
    return db.session.scalar(query)


def composed(row: OutboundEmail) -> tuple[EmailMessage, str, str]:
    """The row's email, its plain-text part and its HTML part.

    In a request context of its own: on this branch compose() still renders through the
    pages' context processors, which need one (the delivery branch renders without them).
    """
    with current_app.test_request_context(base_url="http://evil.example"):
        message = compose(row)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return message, text, html


def modes_of(user: User) -> dict[str, str]:
    """The user's mode per type as the database holds it now (a fresh read)."""
    from bidbazaar.services import preferences_of

    db.session.commit()
    return preferences_of(user)
