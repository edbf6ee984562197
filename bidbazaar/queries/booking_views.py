"""What the booking pages read: a user's bookings with the next action first, one booking
for one of its sides (or an admin), its reviews, and the viewer's booking on an auction.
Each in a constant number of statements (the parties and the auction joined in)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from bidbazaar.booking_models import Booking, BookingStatus, Review
from bidbazaar.errors import not_found
from bidbazaar.extensions import db
from bidbazaar.models import Auction, User
from bidbazaar.queries.paging import Page, paginate
from bidbazaar.queries.reputation import customer_trust, provider_reputation

_PARTIES = (
    joinedload(Booking.auction).joinedload(Auction.category),
    joinedload(Booking.customer),
    joinedload(Booking.provider),
)


def my_bookings(user: User, status: str | None = None, page: int = 1, per_page: int = 20) -> Page:
    """The user's bookings as customer or provider: those waiting on the user first (an
    offer to answer, work marked done to complete), then the others still in play, then
    the rest, newest first."""
    waiting_on_me = ((Booking.provider_id == user.id) & (Booking.status == BookingStatus.OFFERED)) | (
        (Booking.customer_id == user.id) & (Booking.status == BookingStatus.DONE)
    )
    order = case((waiting_on_me, 0), (Booking.status.in_(BookingStatus.OPEN), 1), else_=2)
    stmt = (
        select(Booking)
        .options(*_PARTIES)
        .where((Booking.customer_id == user.id) | (Booking.provider_id == user.id))
        .order_by(order, Booking.id.desc())
    )
    if status:
        stmt = stmt.where(Booking.status == status)
    return paginate(stmt, page, per_page)


def booking_for(booking_id: int, viewer: User) -> Booking:
    """One booking for one of its sides or an admin; anyone else gets NOT_FOUND (a booking
    is private, its existence included)."""
    booking = db.session.scalar(select(Booking).options(*_PARTIES).where(Booking.id == booking_id))
    if booking is None or (booking.party_of(viewer) is None and not viewer.is_admin):
        raise not_found("Booking")
    return booking


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


def usernames(user_ids: list[int]) -> dict[int, str]:
    """Usernames of a set of users in one statement."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def auction_booking_view(detail: dict[str, Any], viewer: User | None) -> dict[str, Any]:
    """What the auction page adds after the award, by viewer: their booking on it (the
    winner's "You won", the customer's "Awarded to ..."), the customer's trust signals for a
    provider who is not the creator, and each bidder's reputation for the creator only
    (other providers see "Bidder N" and nothing that could link a pseudonym to a record)."""
    view: dict[str, Any] = {"booking": None, "trust": None, "reputation": {}}
    if viewer is None:
        return view
    is_creator = viewer.id == detail["created_by"]
    view["booking"] = viewer_booking(detail["id"], viewer)
    if viewer.is_service_provider and not is_creator:
        view["trust"] = customer_trust([detail["created_by"]]).get(detail["created_by"])
    if is_creator:
        view["reputation"] = provider_reputation([bid["user_id"] for bid in detail["bids"] if "user_id" in bid])
    return view
