"""A user's bookings, as customer or provider, and one booking's detail for its parties
(or an admin): each in a constant number of statements, whatever the number of bookings
or bids.

The list puts first what waits on the viewer (an offer to answer for the provider, a
"done" to complete for the customer), then the newest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from bidbazaar import services
from bidbazaar.booking_models import Booking, BookingStatus, Party, Review
from bidbazaar.errors import not_found
from bidbazaar.extensions import db
from bidbazaar.models import User, utcnow
from bidbazaar.queries.paging import Page, paginate
from bidbazaar.queries.reputation import provider_reputation

#: What a party may do to a booking, by its side and the booking's status (the services
#: decide; this only tells the client which buttons make sense now).
ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (Party.PROVIDER, BookingStatus.OFFERED): ("confirm", "decline"),
    (Party.PROVIDER, BookingStatus.CONFIRMED): ("done", "cancel"),
    (Party.PROVIDER, BookingStatus.DONE): ("cancel",),
    (Party.CUSTOMER, BookingStatus.OFFERED): ("cancel", "reoffer"),
    (Party.CUSTOMER, BookingStatus.CONFIRMED): ("complete", "cancel", "no_show"),
    (Party.CUSTOMER, BookingStatus.DONE): ("complete", "cancel", "no_show"),
}


def _loaded() -> Any:
    return select(Booking).options(
        joinedload(Booking.auction), joinedload(Booking.customer), joinedload(Booking.provider)
    )


def bookings_of(viewer: User, status: str | None, role: str | None, page: int, per_page: int) -> Page:
    """The viewer's bookings (Booking instances with auction and both users loaded): what
    waits on the viewer first, then the others still in play, then the rest, newest first
    in each. Two statements."""
    as_provider = Booking.provider_id == viewer.id
    as_customer = Booking.customer_id == viewer.id
    if role == Party.PROVIDER:
        mine = as_provider
    elif role == Party.CUSTOMER:
        mine = as_customer
    else:
        mine = as_provider | as_customer
    waiting = (as_provider & (Booking.status == BookingStatus.OFFERED)) | (
        as_customer & (Booking.status == BookingStatus.DONE)
    )
    stmt = _loaded().where(mine)
    if status:
        stmt = stmt.where(Booking.status == status)
    in_play = Booking.status.in_(BookingStatus.OPEN)
    stmt = stmt.order_by(case((waiting, 0), (in_play, 1), else_=2), Booking.id.desc())
    return paginate(stmt, page, per_page)


def booking_or_404(booking_id: int, viewer: User) -> Booking:
    """The booking, for one of its parties or an admin; NOT_FOUND for anyone else."""
    booking = db.session.scalar(_loaded().where(Booking.id == booking_id))
    if booking is None or (booking.party_of(viewer) is None and not viewer.is_admin):
        raise not_found("Booking")
    return booking


def booking_actions(booking: Booking, viewer: User, mine: Review | None, now: datetime) -> list[str]:
    """What this viewer may do to the booking now."""
    party = booking.party_of(viewer)
    if party is None:
        return []
    if booking.status == BookingStatus.OFFERED and booking.respond_by <= now:
        return []  # the offer has lapsed, even if the sweeper has not been by yet
    actions = list(ACTIONS.get((party, booking.status), ()))
    if booking.status == BookingStatus.COMPLETED and mine is None:
        closes = services.review_window_end(booking)
        if closes is not None and now < closes:
            actions.append("review")
    return actions


def booking_detail(booking_id: int, viewer: User) -> dict[str, Any]:
    """GET /api/bookings/{id}: the booking, what the viewer may do, the bids the customer
    may offer it to instead (with each provider's reputation), and the review state."""
    now = utcnow()
    booking = booking_or_404(booking_id, viewer)
    party = booking.party_of(viewer)
    reviews = db.session.scalars(
        select(Review).options(joinedload(Review.author)).where(Review.booking_id == booking.id)
    ).all()
    mine = next((r for r in reviews if r.author_id == viewer.id), None)
    theirs = next((r for r in reviews if party is not None and r.author_id != viewer.id), None)
    remaining: list[dict[str, Any]] = []
    if party == Party.CUSTOMER and booking.status == BookingStatus.OFFERED and booking.respond_by > now:
        bids = services.remaining_bids(booking.auction)  # with their bidders loaded
        reputations = provider_reputation([bid.user_id for bid in bids])
        remaining = [
            {**bid.to_dict(viewer, booking.auction), "reputation": reputations[bid.user_id].to_dict()} for bid in bids
        ]
    return {
        "booking": booking.to_dict(viewer, now),
        "actions": booking_actions(booking, viewer, mine, now),
        "remaining_bids": remaining,
        "review": {
            "window_ends_at": services.review_window_end(booking),
            "mine": mine.to_dict(viewer) if mine else None,
            "theirs_published": theirs is not None and theirs.published_at is not None,
        },
    }
