"""Helpers of the delivery tests: an emailed notification, and the outbox rows as they are."""

from __future__ import annotations

from sqlalchemy import select

from bidbazaar.database import write_transaction
from bidbazaar.extensions import db
from bidbazaar.mail_models import OutboundEmail
from bidbazaar.models import Auction, User
from bidbazaar.services.notifications import notify


def notify_by_email(user: User, auction: Auction, message: str = "You were outbid on Fix kitchen sink leak") -> int:
    """An `outbid` notification through the real notify(): its outbox row's id (instant)."""
    with write_transaction() as after_commit:
        notify(after_commit, user.id, "outbid", auction, message)
    return db.session.scalars(select(OutboundEmail.id).order_by(OutboundEmail.id.desc())).first()


def outbox(row_id: int | None = None) -> list[OutboundEmail]:
    """The outbox rows (or one) as the database has them now."""
    db.session.expire_all()
    query = select(OutboundEmail).order_by(OutboundEmail.id)
    if row_id is not None:
        query = query.where(OutboundEmail.id == row_id)
    return list(db.session.scalars(query))


def row(row_id: int) -> OutboundEmail:
    (found,) = outbox(row_id)
    return found
