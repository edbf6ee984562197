"""Notifications: what a write tells the people it concerns, and the reader marking them read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bidbazaar import realtime
from bidbazaar.database import AfterCommit
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, Notification, User, utcnow
from bidbazaar.services.outbox import enqueue_notification_emails


def _deliver(after_commit: AfterCommit, notes: list[Notification]) -> None:
    """The transaction's notifications, all of them in one batch each way: outbox rows (by
    each recipient's choice) and the recipients' still-valid sockets are read in one query
    each just before the commit, and the frames go out after it. Emailed and pushed if and
    only if the write commits."""
    after_commit.batch("email", enqueue_notification_emails).extend(notes)
    after_commit.batch("notification frames", _render_frames, _publish_frames).extend(notes)


def _render_frames(items: list[Any]) -> None:
    """Before the commit, once the last flush gave every note its id: each note becomes its
    frame and rooms, in place (after the commit its attributes are expired)."""
    notes: list[Notification] = list(items)
    rooms = realtime.personal_rooms_of(sorted({note.user_id for note in notes}))
    items[:] = [(note.to_dict(), rooms[note.user_id]) for note in notes]


def _publish_frames(frames: list[tuple[dict[str, Any], list[str]]]) -> None:
    for payload, rooms in frames:
        realtime.publish("notification", payload, rooms)


def notify(
    after_commit: AfterCommit,
    user_id: int,
    type_: str,
    auction: Auction,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Inside a write: store a notification for the user, pushed to its sockets after the commit."""
    note = Notification(
        user_id=user_id, type=type_, auction_id=auction.id, message=message, data=to_jsonable(data or {})
    )
    db.session.add(note)
    _deliver(after_commit, [note])


def notify_many(
    after_commit: AfterCommit,
    notes: list[tuple[int, str, Auction, str, dict[str, Any]]],
) -> None:
    """notify() for many users at once, each (user_id, type, auction, message, data): the rows
    go in with the transaction's one flush, so alerting hundreds of providers costs a few
    statements, not two per provider."""
    if not notes:
        return
    rows = [
        Notification(user_id=user_id, type=type_, auction_id=auction.id, message=message, data=to_jsonable(data))
        for user_id, type_, auction, message, data in notes
    ]
    db.session.add_all(rows)
    _deliver(after_commit, rows)


def mark_notifications_read(user: User, ids: list[int] | None, everything: bool) -> int:
    """Mark the user's own notifications read. An id that is not one of the user's is a
    NOT_FOUND for the whole request (nothing is marked), as for any other user's resource."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if not everything:
        if not ids:
            raise DomainError("VALIDATION_ERROR", "Validation failed", {"ids": "Give ids or all=true."})
        owned = set(
            db.session.scalars(select(Notification.id).where(Notification.user_id == user.id, Notification.id.in_(ids)))
        )
        missing = sorted(set(ids) - owned)
        if missing:
            raise DomainError("NOT_FOUND", "Notification not found", {"ids": missing})
        stmt = stmt.where(Notification.id.in_(ids))
    result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
