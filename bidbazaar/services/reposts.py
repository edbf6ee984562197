"""Posting an ended job again: a new auction prefilled from the old one, once per old auction.

One transaction holds the old auction's row while it checks that the job is still to be
done, creates the new auction and logs `auction_reposted` on the old one. A second repost of
the same auction (a double click, two tabs) then finds that event and is refused, pointing at
the auction the first one posted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.database import retried, write_transaction
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import AuctionEvent, AuctionStatus, User, utcnow
from bidbazaar.services.auctions import AUCTION_FIELDS, PostedAuction, post_locked
from bidbazaar.services.ledger import broadcast, record_event
from bidbazaar.services.locks import hold_active_account, locked_auction

#: Closed auctions whose job is still to be done, so their customer may post it again.
REPOSTABLE = (AuctionStatus.EXPIRED, AuctionStatus.CANCELLED)
#: How the latest booking may have ended and still leave the job to be done.
REPOSTABLE_BOOKINGS = (BookingStatus.CANCELLED, BookingStatus.NO_SHOW)
REPOSTED = "auction_reposted"


def repostable(auction_status: str, latest_booking_status: str | None) -> bool:
    """Is the job of an auction in this state still to be done (so it may be posted again)?"""
    return auction_status in REPOSTABLE or latest_booking_status in REPOSTABLE_BOOKINGS


@retried
def repost_auction(user: User, auction_id: int, changes: dict[str, Any]) -> PostedAuction:
    """Post an ended job again as a new auction, prefilled from the old one; `changes`
    (validated like a new auction's fields) must give the new deadline.

    Allowed to the creator, once, after the old auction ended without a booking still in
    play: it expired (no bids, or the offers ran out), was cancelled, or its booking was
    cancelled or ended in an upheld no-show.
    """
    if "deadline" not in changes:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {"deadline": "Give the new deadline."})
    with write_transaction() as after_commit:
        hold_active_account(user)
        old = locked_auction(auction_id)
        if old.created_by != user.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can post it again")
        latest = db.session.scalar(
            select(Booking.status).where(Booking.auction_id == old.id).order_by(Booking.round.desc()).limit(1)
        )
        if not repostable(old.status, latest):
            raise DomainError(
                "CONFLICT",
                "Only an auction that ended without the job being booked can be posted again",
                {"status": old.status, "booking": latest},
            )
        earlier = db.session.scalar(
            select(AuctionEvent.payload).where(AuctionEvent.auction_id == old.id, AuctionEvent.type == REPOSTED)
        )
        if earlier is not None:
            raise DomainError(
                "CONFLICT", "This job was already posted again", {"new_auction_id": earlier["new_auction_id"]}
            )
        now = utcnow()
        auction = post_locked(
            user, {field: getattr(old, field) for field in AUCTION_FIELDS} | changes, now, after_commit
        )
        log_event = record_event(old, REPOSTED, {"new_auction_id": auction.id}, now)
        broadcast(after_commit, log_event, old)
        posted = PostedAuction(to_jsonable(auction.to_dict(user)))
    return posted
