"""The admin console's one write on the outbox: send failed messages again (docs/email.md).

A retry is a conditional update on status='failed': a message another admin already
retried, or that the sender has since claimed or sent, is left as it is, so two clicks (or
two admins) never queue one message twice.
"""

from __future__ import annotations

from sqlalchemy import update

from bidbazaar.database import retried, write_transaction
from bidbazaar.extensions import db
from bidbazaar.mail_models import MailStatus, OutboundEmail
from bidbazaar.values import utcnow


@retried
def retry_failed_emails(ids: list[int] | None) -> int:
    """Failed messages back to pending, due now, with a fresh attempt count: those in `ids`,
    or every failed one when `ids` is None. Returns how many were queued again."""
    if ids is not None and not ids:
        return 0
    stmt = (
        update(OutboundEmail)
        .where(OutboundEmail.status == MailStatus.FAILED)
        .values(
            status=MailStatus.PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        stmt = stmt.where(OutboundEmail.id.in_(ids))
    with write_transaction():
        changed = db.session.execute(stmt).rowcount
    return int(changed or 0)
