"""The admin outbox page: how many messages are in each status, how long the oldest pending
one has waited, the failed ones with their errors, and the last sent. A constant number of
statements; rows are read as plain tuples (the page needs no related objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bidbazaar.extensions import db
from bidbazaar.mail_models import MailStatus, OutboundEmail
from bidbazaar.queries.paging import Page, paginate
from bidbazaar.values import utcnow

FAILED_PER_PAGE = 50
RECENTLY_SENT = 20


@dataclass(frozen=True)
class OutboxSummary:
    """Every status with its number of messages (zeros included), and the oldest pending
    message's age (None when nothing is pending)."""

    counts: dict[str, int]
    oldest_pending_age: timedelta | None


def outbox_summary(now: datetime | None = None) -> OutboxSummary:
    """The counts by status in MailStatus order, and how long the oldest pending row has waited."""
    rows = dict(db.session.execute(select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all())
    oldest = db.session.scalar(
        select(OutboundEmail.created_at)
        .where(OutboundEmail.status == MailStatus.PENDING)
        .order_by(OutboundEmail.created_at)
        .limit(1)
    )
    age = max((now or utcnow()) - oldest, timedelta(0)) if oldest is not None else None
    return OutboxSummary({status: rows.get(status, 0) for status in MailStatus.ALL}, age)


def failed_count() -> int:
    """How many messages ended failed (the dashboard's figure)."""
    return db.session.scalar(select(func.count()).where(OutboundEmail.status == MailStatus.FAILED)) or 0


def failed_emails(page: int = 1, per_page: int | None = None) -> Page:
    """Failed messages, the newest first, with their last error."""
    stmt = (
        select(OutboundEmail)
        .where(OutboundEmail.status == MailStatus.FAILED)
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
    )
    return paginate(stmt, page, per_page or FAILED_PER_PAGE)


def recently_sent(limit: int = RECENTLY_SENT) -> list[OutboundEmail]:
    """The last messages sent, the most recent first."""
    stmt = (
        select(OutboundEmail)
        .where(OutboundEmail.status == MailStatus.SENT)
        .order_by(OutboundEmail.sent_at.desc(), OutboundEmail.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
