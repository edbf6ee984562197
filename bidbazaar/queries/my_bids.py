"""A provider's bids, one item per auction: their best active bid, the lowest, and where they
stand. Three statements per page whatever its size (a count, the page, the page's bookings).

Standing: queries.standing, computed in SQL so the filter and the paging agree (the
words leading, outbid, won, lost and withdrawn are defined there, once).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.extensions import db
from bidbazaar.forms import STANDING_CHOICES
from bidbazaar.models import AuctionStatus, User, auction_summary
from bidbazaar.queries.paging import Page
from bidbazaar.queries.standing import standings_statement
from bidbazaar.values import utcnow

#: Every standing, in the order the filter documents them.
STANDINGS = STANDING_CHOICES


def my_bids(viewer: User, standings: Collection[str], page: int, per_page: int) -> Page:
    """GET /api/users/me/bids and the My bids page: the auctions the viewer bid on, newest
    activity (their latest bid's last change) first, optionally only some standings."""
    rows_of = standings_statement(viewer.id)
    where = [rows_of.c.standing.in_(sorted(standings))] if standings else []
    total = db.session.scalar(select(func.count()).select_from(rows_of).where(*where)) or 0
    rows = db.session.execute(
        select(rows_of)
        .where(*where)
        .order_by(rows_of.c.last_activity.desc(), rows_of.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    bookings = _latest_bookings(viewer.id, [row.id for row in rows])
    now = utcnow()
    return Page([my_bid_view(row, bookings.get(row.id), viewer, now) for row in rows], page, per_page, total)


def _latest_bookings(viewer_id: int, auction_ids: list[int]) -> dict[int, Booking]:
    """The viewer's latest booking on each of these auctions (one statement)."""
    if not auction_ids:
        return {}
    found: dict[int, Booking] = {}
    for booking in db.session.scalars(
        select(Booking)
        .where(Booking.provider_id == viewer_id, Booking.auction_id.in_(auction_ids))
        .order_by(Booking.round)
    ):
        found[booking.auction_id] = booking  # the later round wins
    return found


def next_action(standing: str, booking: Booking | None, now: datetime) -> str | None:
    """What the provider can usefully do next: bid again when outbid, answer an offer they
    won, follow a booking in play; None when there is nothing to do but wait."""
    if standing == "outbid":
        return "bid_again"
    if standing == "won" and booking is not None:
        if booking.status == BookingStatus.OFFERED and booking.respond_by > now:
            return "answer_offer"
        if booking.status in BookingStatus.OPEN:
            return "view_booking"
    return None


def my_bid_view(row: Any, booking: Booking | None, viewer: User, now: datetime) -> dict[str, Any]:
    """One item: the auction's listing view with seconds_remaining, the viewer's best active
    bid, the current lowest, the standing, the next action and the booking it concerns."""
    is_open = row.status == AuctionStatus.ACTIVE
    standing = row.standing
    return {
        "auction": {
            **auction_summary(row, row.category_name, viewer),
            "seconds_remaining": max(0, int((row.deadline - now).total_seconds())) if is_open else 0,
        },
        "my_best_bid": (
            {"id": row.best_bid_id, "amount": row.best_bid_amount} if row.best_bid_id is not None else None
        ),
        "lowest_bid": row.lowest_bid,
        "standing": standing,
        "next_action": next_action(standing, booking, now),
        "booking_id": booking.id if booking is not None and standing == "won" else None,
        "last_activity": row.last_activity,
    }
