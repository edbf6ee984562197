"""The outbox's state machine for the sender (docs/email.md):

    pending --claim--> sending --sent--> sent
                          |--transient failure--> pending (later: exponential backoff)
                          |--permanent, or out of attempts--> failed --admin retry--> pending
    sending whose lease ran out (its sender died mid-send) --claim--> sending again

Every change is a conditional UPDATE, so of two processes only one claims a row, and only
the claimer may mark it. A row reclaimed after its lease ran out may already have left
once (the sender died between the server's OK and its own commit): it is sent again under
the same Message-ID, so the copy can be recognised downstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, inspect, or_, select, update
from sqlalchemy.orm.exc import ObjectDeletedError

from bidbazaar.database import retried, write_transaction
from bidbazaar.extensions import db, log
from bidbazaar.mail_models import MailStatus, OutboundEmail
from bidbazaar.values import utcnow

#: The longest wait between two attempts of one message.
MAX_BACKOFF = timedelta(hours=6)
#: Candidate reads per claim: a sender that lost every candidate to another reads again.
CLAIM_TRIES = 5


def lease(count: int) -> timedelta:
    """How long a claim of `count` rows lasts: connecting plus every message at its
    timeout, with room to spare, so a live sender never loses its rows mid-round."""
    return timedelta(seconds=current_app.config["MAIL_TIMEOUT_SECONDS"] * (4 + 2 * count))


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboundEmail.status == MailStatus.PENDING, OutboundEmail.next_attempt_at <= now),
        and_(OutboundEmail.status == MailStatus.SENDING, OutboundEmail.claimed_until < now),
    )


@retried
def claim_due(now: datetime, limit: int, claimer: str) -> list[OutboundEmail]:
    """Claim up to `limit` due rows for `claimer` (unique per round) and return them.

    Two statements, portable to SQLite, PostgreSQL and MariaDB: read candidate ids, then
    claim those still due by a conditional UPDATE. A row another process claimed in
    between no longer matches, so it is skipped, never shared. A sender that lost all its
    candidates that way reads again (each statement sees the other's commit), so an empty
    answer means nothing is due, not that another sender was quicker.
    """
    with write_transaction():
        for _ in range(CLAIM_TRIES):
            ids = list(
                db.session.scalars(
                    select(OutboundEmail.id)
                    .where(_due(now))
                    .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
                    .limit(limit)
                )
            )
            if not ids:
                return []
            rows = _claim(ids, now, claimer)
            if rows:
                return rows
    return []


def _claim(ids: list[int], now: datetime, claimer: str) -> list[OutboundEmail]:
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids), _due(now))
        .values(
            status=MailStatus.SENDING,
            claimed_by=claimer,
            claimed_until=now + lease(len(ids)),
            attempts=OutboundEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return list(
        db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.id.in_(ids), OutboundEmail.claimed_by == claimer)
            .where(OutboundEmail.status == MailStatus.SENDING)
            .order_by(OutboundEmail.id)
            .execution_options(populate_existing=True)
        )
    )


def outbox_id(row: OutboundEmail) -> int:
    """The row's id from its identity, without loading it: after a commit expired a claimed
    row, reading `row.id` reloads it, and a row another process deleted cannot be reloaded."""
    return inspect(row).identity[0]


def _mark(row: OutboundEmail, claimer: str, **values: object) -> bool:
    """Set `values` on the row if `claimer` still holds it; False (logged) if it lost it."""
    row_id = outbox_id(row)
    with write_transaction():
        changed = db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id == row_id,
                OutboundEmail.claimed_by == claimer,
                OutboundEmail.status == MailStatus.SENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not changed:
        log.warning("outbox row %s was no longer claimed by %s; left as it is", row_id, claimer)
    return bool(changed)


@retried
def mark_sent(row: OutboundEmail, claimer: str, now: datetime | None = None) -> bool:
    """The server accepted the message (an earlier attempt's error is history now)."""
    return _mark(row, claimer, status=MailStatus.SENT, sent_at=now or utcnow(), claimed_until=None, last_error=None)


def retry_delay(attempts: int) -> timedelta:
    """Before attempt `attempts + 1`: MAIL_RETRY_SECONDS doubled per failure, at most 6 h."""
    seconds = current_app.config["MAIL_RETRY_SECONDS"] * 2 ** max(0, attempts - 1)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


@retried
def mark_failed(row: OutboundEmail, claimer: str, error: str, permanent: bool, now: datetime | None = None) -> str:
    """A failed attempt: back to pending after the backoff, or `failed` when the refusal is
    permanent or this was attempt MAIL_MAX_ATTEMPTS. Returns the row's new status ("" if
    the claim was lost)."""
    now = now or utcnow()
    try:
        attempts = row.attempts
    except ObjectDeletedError:  # deleted since the claim (another process's cleanup)
        return ""
    if permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        status, values = MailStatus.FAILED, {}
    else:
        status, values = MailStatus.PENDING, {"next_attempt_at": now + retry_delay(attempts)}
    marked = _mark(row, claimer, status=status, last_error=error[:1000], claimed_until=None, **values)
    return status if marked else ""


@retried
def release(rows: Sequence[OutboundEmail], claimer: str) -> int:
    """Hand back claimed rows never tried (the round ran out of lease): pending again, due
    now, and the attempt they were charged is returned."""
    if not rows:
        return 0
    with write_transaction():
        return db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id.in_([outbox_id(row) for row in rows]),
                OutboundEmail.claimed_by == claimer,
                OutboundEmail.status == MailStatus.SENDING,
            )
            .values(status=MailStatus.PENDING, claimed_until=None, attempts=OutboundEmail.attempts - 1)
            .execution_options(synchronize_session=False)
        ).rowcount
