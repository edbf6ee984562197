"""Helpers the booking tests share (fixtures live in this package's conftest.py): an
awarded auction's chain of bookings, fresh reads, its events and notifications, and moving
a booking's deadlines into the past (no sleeping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, Notification, User, utcnow


@dataclass
class Awarded:
    """An awarded auction: its bids in the order given, and the booking offered first."""

    auction: Auction
    bids: list[Bid]
    booking: Booking

    def chain(self) -> list[Booking]:
        return chain(self.auction.id)

    def current(self) -> Booking:
        return self.chain()[-1]


def chain(auction_id: int) -> list[Booking]:
    """The auction's bookings in round order, as the database holds them now."""
    db.session.commit()
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.auction_id == auction_id)
            .order_by(Booking.round)
            .execution_options(populate_existing=True)
        )
    )


def fresh_auction(auction_id: int) -> Auction:
    db.session.commit()
    return db.session.get(Auction, auction_id, populate_existing=True)


def fresh_booking(booking_id: int) -> Booking:
    db.session.commit()
    return db.session.get(Booking, booking_id, populate_existing=True)


def events(auction_id: int, type_: str | None = None) -> list[AuctionEvent]:
    """The auction's logged events (of one type), in seq order."""
    db.session.commit()
    stmt = select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq)
    if type_ is not None:
        stmt = stmt.where(AuctionEvent.type == type_)
    return list(db.session.scalars(stmt))


def notes(user: User, type_: str) -> list[Notification]:
    """The user's stored notifications of one type, oldest first."""
    db.session.commit()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.type == type_)
            .order_by(Notification.id)
        )
    )


def event_count(auction_id: int, type_: str) -> int:
    db.session.commit()
    return db.session.scalar(
        select(func.count())
        .select_from(AuctionEvent)
        .where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == type_)
    )


def make_due(booking_id: int, column: str, seconds: float = 1) -> None:
    """Move one of the booking's times (respond_by, auto_complete_at, completed_at) into the past."""
    db.session.execute(
        update(Booking).where(Booking.id == booking_id).values({column: utcnow() - timedelta(seconds=seconds)})
    )
    db.session.commit()
