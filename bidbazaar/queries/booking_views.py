"""What the booking pages read beside queries.bookings: a booking's reviews, the chain's
latest booking, and the auction page's after-award panels (the viewer's booking on it).
Each in a constant number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bidbazaar.booking_models import Booking, Review
from bidbazaar.extensions import db
from bidbazaar.models import User


def booking_reviews(booking_id: int) -> list[Review]:
    """Both sides' reviews of a booking, published or not (the page shows each to whom it may)."""
    return list(
        db.session.scalars(
            select(Review).options(joinedload(Review.author)).where(Review.booking_id == booking_id).order_by(Review.id)
        ).unique()
    )


def latest_booking(auction_id: int) -> Booking | None:
    """The chain's current (or last) booking of an auction."""
    return db.session.scalar(
        select(Booking).where(Booking.auction_id == auction_id).order_by(Booking.round.desc()).limit(1)
    )


def viewer_booking(auction_id: int, viewer: User | None) -> Booking | None:
    """The viewer's booking on this auction: for the customer the chain's latest, for a
    provider the one offered to them (a provider is offered a job at most once)."""
    if viewer is None:
        return None
    return db.session.scalar(
        select(Booking)
        .options(joinedload(Booking.provider))
        .where(
            Booking.auction_id == auction_id,
            (Booking.customer_id == viewer.id) | (Booking.provider_id == viewer.id),
        )
        .order_by(Booking.round.desc())
        .limit(1)
    )


def auction_booking_view(detail: dict[str, Any], viewer: User | None) -> dict[str, Any]:
    """What the auction page adds after the award, by viewer: their booking on it (the
    winner's "You won", the customer's "Awarded to ..."), the customer's trust signals for a
    provider who is not the creator, and each bidder's reputation for the creator only
    (other providers see "Bidder N" and nothing that could link a pseudonym to a record)."""
    return {
        "booking": viewer_booking(detail["id"], viewer),
        # queries.auction_detail decided who sees these; the page only lays them out.
        "trust": detail.get("customer_trust"),
        "reputation": {bid["user_id"]: bid["reputation"] for bid in detail["bids"] if "reputation" in bid},
    }
