"""The daily digest: once per user and IST day, the notifications held for it go out in one
email (docs/email.md).

The mail sender calls `compose_due_digests` every round. From DIGEST_HOUR_IST on, each user
with held rows and no digest for today gets one, in one transaction per user: INSERT the
MailDigest (user, day) (its unique pair claims the day exactly once, whichever process
gets there first), mark the held rows `digested` into it, and enqueue the digest email.
Rows held after that commit wait for tomorrow's digest.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from bidbazaar.database import retried, write_transaction
from bidbazaar.extensions import db, log
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.mail_models import MailDigest, MailKind, MailStatus, OutboundEmail
from bidbazaar.models import User
from bidbazaar.services.outbox import enqueue
from bidbazaar.values import utcnow


class _NothingHeld(Exception):
    """Roll the claim back: the user's held rows were suppressed meanwhile."""


def digest_day(now: datetime) -> date | None:
    """Today's IST date once the IST hour of `now` has reached DIGEST_HOUR_IST, else None."""
    local = now.astimezone(PAGE_TIMEZONE)
    return local.date() if local.hour >= current_app.config["DIGEST_HOUR_IST"] else None


def _candidates(day: date, after: int, limit: int) -> list[int]:
    """Users past `after` with held rows, an active account, a verified address and no digest
    for `day`: one query for a batch of users, whatever their number of rows."""
    has_digest = exists().where(MailDigest.user_id == OutboundEmail.user_id, MailDigest.day == day)
    return list(
        db.session.scalars(
            select(OutboundEmail.user_id)
            .join(User, User.id == OutboundEmail.user_id)
            .where(
                OutboundEmail.status == MailStatus.HELD,
                OutboundEmail.user_id > after,
                User.is_active.is_(True),
                User.email_verified.is_(True),
                ~has_digest,
            )
            .group_by(OutboundEmail.user_id)
            .order_by(OutboundEmail.user_id)
            .limit(limit)
        )
    )


@retried
def compose_digest(user_id: int, day: date) -> bool:
    """Claim the user's digest for `day` and enqueue it; False when another process claimed
    it first, or nothing is held any more, or the address is no longer verified."""
    try:
        with write_transaction():
            # Read in the transaction: an address changed or unverified since the candidate
            # query is not written to (its rows stay held until it is verified again).
            address = db.session.scalar(
                select(User.email).where(User.id == user_id, User.is_active.is_(True), User.email_verified.is_(True))
            )
            if address is None:
                return False
            digest = MailDigest(user_id=user_id, day=day, created_at=utcnow())
            db.session.add(digest)
            db.session.flush()  # the claim: a second INSERT of (user, day) fails here
            moved = db.session.execute(
                update(OutboundEmail)
                .where(OutboundEmail.user_id == user_id, OutboundEmail.status == MailStatus.HELD)
                .values(status=MailStatus.DIGESTED, digest_id=digest.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved == 0:
                # Suppressed since the candidate query (turned off): no empty digest, and
                # the rollback leaves the day unclaimed for rows held later today.
                raise _NothingHeld
            enqueue(MailKind.DIGEST, address, user_id=user_id).digest_id = digest.id
    except (IntegrityError, _NothingHeld):  # write_transaction rolled it back
        return False
    return True


def compose_due_digests(now: datetime | None = None) -> int:
    """Enqueue every digest due at `now` (default: the clock); how many this call enqueued."""
    day = digest_day(now or utcnow())
    if day is None:
        return 0
    batch = max(1, current_app.config["MAIL_BATCH_SIZE"])
    composed, after = 0, 0
    while True:
        user_ids = _candidates(day, after, batch)
        db.session.commit()  # end the read: each digest is its own write transaction
        for user_id in user_ids:
            composed += compose_digest(user_id, day)
        if len(user_ids) < batch:
            break
        after = user_ids[-1]
    if composed:
        log.info("mail: %d daily digests enqueued for %s", composed, day.isoformat())
    return composed
