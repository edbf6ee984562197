"""Helpers of the admin outbox tests: outbox rows in any status, written as the sender
would leave them (the sender itself is another module's; its end states are what this
page shows)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from bidbazaar.extensions import db
from bidbazaar.mail_models import MailKind, MailStatus, OutboundEmail
from bidbazaar.models import utcnow

_numbers = itertools.count(1)


def add_email(
    status: str = MailStatus.PENDING,
    *,
    to: str | None = None,
    kind: str = MailKind.NOTIFICATION,
    attempts: int = 0,
    last_error: str | None = None,
    created_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> OutboundEmail:
    """One committed outbox row; its id is loaded."""
    number = next(_numbers)
    now = utcnow()
    row = OutboundEmail(
        message_id=f"<test-{number}-{now.timestamp()}@localhost>",
        kind=kind,
        status=status,
        to_address=to or f"person{number}@example.com",
        attempts=attempts,
        last_error=last_error,
        next_attempt_at=now + timedelta(hours=1) if status == MailStatus.FAILED else now,
        created_at=created_at or now,
        sent_at=sent_at or (now if status == MailStatus.SENT else None),
    )
    db.session.add(row)
    db.session.commit()
    return row


def reloaded(ident: int) -> OutboundEmail:
    """The row as the database holds it now (a fresh transaction)."""
    db.session.commit()
    return db.session.get(OutboundEmail, ident, populate_existing=True)


def retry(client: Any, token: str, message_id: int | None = None) -> Any:
    """Press a Retry button: one message's, or "Retry all failed" without an id."""
    data: dict[str, Any] = {"csrf_token": token}
    if message_id is not None:
        data["id"] = message_id
    return client.post("/admin/outbox/retry", data=data)
