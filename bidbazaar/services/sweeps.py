"""The timed transitions after the award, for the sweeper and `flask sweep-bookings`:
lapse unanswered offers, complete "done" bookings nobody disputed, publish reviews whose
window ended. Each item runs in its own locked transaction, conditional on its state, so
any number of processes may sweep at once and each transition still happens once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.extensions import db
from bidbazaar.models import utcnow
from bidbazaar.services.bookings import lapse_if_due
from bidbazaar.services.fulfilment import auto_complete_if_due
from bidbazaar.services.reviews import bookings_with_due_reviews, publish_if_window_ended


@dataclass(frozen=True)
class Swept:
    """What one sweep did (counted only where this caller made the change)."""

    lapsed: int = 0
    completed: int = 0
    reviews_published: int = 0


def sweep_bookings(limit: int = 500) -> Swept:
    """Run every due timed transition of bookings and reviews once."""
    now = utcnow()
    lapsing = db.session.scalars(
        select(Booking.id)
        .where(Booking.status == BookingStatus.OFFERED, Booking.respond_by <= now)
        .order_by(Booking.respond_by)
        .limit(limit)
    ).all()
    completing = db.session.scalars(
        select(Booking.id)
        .where(Booking.status == BookingStatus.DONE, Booking.auto_complete_at <= now)
        .order_by(Booking.auto_complete_at)
        .limit(limit)
    ).all()
    publishing = bookings_with_due_reviews(now, limit)
    db.session.commit()
    return Swept(
        lapsed=sum(1 for booking_id in lapsing if lapse_if_due(booking_id)),
        completed=sum(1 for booking_id in completing if auto_complete_if_due(booking_id)),
        reviews_published=sum(publish_if_window_ended(booking_id) for booking_id in publishing),
    )
