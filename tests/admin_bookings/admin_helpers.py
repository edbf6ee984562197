"""Helpers of the admin console's booking tests (fixtures are in this package's conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import utcnow


def reloaded(model: Any, ident: int) -> Any:
    """The row as the database holds it now (a fresh transaction)."""
    db.session.commit()
    return db.session.get(model, ident, populate_existing=True)


def make_due(booking_id: int, column: str) -> None:
    """Move a booking's deadline (respond_by, auto_complete_at) into the past."""
    booking = db.session.get(Booking, booking_id)
    setattr(booking, column, utcnow() - timedelta(seconds=1))
    db.session.commit()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the block sends."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
