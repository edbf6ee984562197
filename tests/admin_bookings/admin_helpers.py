"""Helpers of the admin console's booking tests (fixtures are in this package's conftest)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import recorded_statements as statements  # noqa: F401  (the admin tests import it from here)

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
