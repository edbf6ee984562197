"""What a deactivation takes away (issue 11): an account that can no longer log in must not
keep power through what it left behind.

Inside the deactivation's one transaction (accounts.set_active), the provider's active bids
on open auctions are withdrawn and the customer's open auctions are cancelled, each through
the same service function as a withdrawal or a cancellation by hand (event log, lowest bid,
room frames and notifications after the commit), marked with a reason. Reactivation gives
back the account, not these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union_all

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, BidStatus, User, utcnow
from bidbazaar.services.auctions import cancel_locked_auction
from bidbazaar.services.bids import withdraw_locked_bid
from bidbazaar.services.fulfilment import open_booking_auctions, settle_bookings
from bidbazaar.services.locks import lock_auctions

PROVIDER_DEACTIVATED = "provider_deactivated"
CUSTOMER_DEACTIVATED = "customer_deactivated"


@dataclass(frozen=True)
class Stakes:
    """What deactivating an account takes away: shown before, and done by, the deactivation."""

    active_bids: int = 0
    open_auctions: int = 0
    #: Offers waiting for an answer that the deactivation declines or withdraws.
    open_offers: int = 0


def take_away_power(user: User, after_commit: AfterCommit) -> Stakes:
    """Inside a write transaction: mark the account inactive, then withdraw its active bids
    and cancel its open auctions. Returns what was withdrawn and cancelled.

    Lock order, the same as every bid's: the user row first (the UPDATE; a bid holds it
    shared, hold_active_account), then the auctions in id order. A bid already holding the
    row makes this wait until it commits, so the scan below sees that bid; a bid arriving
    later waits for this commit and then finds the account deactivated.
    """
    user.is_active = False
    db.session.flush()
    now = utcnow()
    bid_auctions = select(Bid.auction_id).where(Bid.user_id == user.id, Bid.status == BidStatus.ACTIVE)
    involved = db.session.scalars(
        select(Auction.id).where(
            Auction.status == AuctionStatus.ACTIVE,
            (Auction.created_by == user.id) | Auction.id.in_(bid_auctions),
        )
    ).all()
    withdrawn = cancelled = offers = 0
    for auction in lock_auctions([*involved, *open_booking_auctions(user.id)]):
        if not auction.is_open:
            offers += settle_bookings(user, auction, now, after_commit)
            continue
        if auction.created_by == user.id:
            cancelled += cancel_locked_auction(auction, now, after_commit, CUSTOMER_DEACTIVATED)
            # Past its deadline it closed just now instead, awarding a booking to settle.
            offers += settle_bookings(user, auction, now, after_commit)
            continue
        bids = db.session.scalars(
            select(Bid)
            .where(Bid.auction_id == auction.id, Bid.user_id == user.id, Bid.status == BidStatus.ACTIVE)
            .order_by(Bid.id)
            .execution_options(populate_existing=True)
        ).all()
        for bid in bids:
            if not withdraw_locked_bid(auction, bid, now, after_commit, PROVIDER_DEACTIVATED):
                break  # it closed at its deadline just now (without this provider's bids)
            withdrawn += 1
    return Stakes(active_bids=withdrawn, open_auctions=cancelled, open_offers=offers)


@retried
def settle_deactivated_accounts() -> Stakes:
    """Take away what accounts deactivated before this rule existed still hold (their
    active bids, their open auctions), one account per transaction; a no-op once done.

    `flask --app app settle-deactivated` runs it once after upgrading.
    """
    holding = (
        select(User.id)
        .where(
            User.is_active.is_(False),
            User.id.in_(select(Auction.created_by).where(Auction.status == AuctionStatus.ACTIVE))
            | User.id.in_(
                select(Bid.user_id)
                .join(Auction, Auction.id == Bid.auction_id)
                .where(Bid.status == BidStatus.ACTIVE, Auction.status == AuctionStatus.ACTIVE)
            )
            | User.id.in_(select(Booking.provider_id).where(Booking.status == BookingStatus.OFFERED))
            | User.id.in_(select(Booking.customer_id).where(Booking.status == BookingStatus.OFFERED)),
        )
        .order_by(User.id)
    )
    user_ids = db.session.scalars(holding).all()
    db.session.commit()
    withdrawn = cancelled = offers = 0
    for user_id in user_ids:
        with write_transaction() as after_commit:
            taken = take_away_power(db.session.get(User, user_id), after_commit)
        withdrawn += taken.active_bids
        cancelled += taken.open_auctions
        offers += taken.open_offers
    return Stakes(active_bids=withdrawn, open_auctions=cancelled, open_offers=offers)


def stakes_of(user_ids: list[int]) -> dict[int, Stakes]:
    """For the admin console's confirmation: what deactivating each of these users would
    withdraw, cancel and end now (three grouped queries, whatever the number of users)."""
    if not user_ids:
        return {}
    bids = dict(
        db.session.execute(
            select(Bid.user_id, func.count())
            .join(Auction, Auction.id == Bid.auction_id)
            .where(
                Bid.user_id.in_(user_ids),
                Bid.status == BidStatus.ACTIVE,
                Auction.status == AuctionStatus.ACTIVE,
            )
            .group_by(Bid.user_id)
        ).all()
    )
    auctions = dict(
        db.session.execute(
            select(Auction.created_by, func.count())
            .where(Auction.created_by.in_(user_ids), Auction.status == AuctionStatus.ACTIVE)
            .group_by(Auction.created_by)
        ).all()
    )
    # Offers waiting for an answer, on either side: the deactivation declines the provider's
    # (they pass on) and withdraws the customer's (the chain stops).
    party = union_all(
        select(Booking.provider_id.label("user_id")).where(
            Booking.provider_id.in_(user_ids), Booking.status == BookingStatus.OFFERED
        ),
        select(Booking.customer_id.label("user_id")).where(
            Booking.customer_id.in_(user_ids), Booking.status == BookingStatus.OFFERED
        ),
    ).subquery()
    offers = dict(db.session.execute(select(party.c.user_id, func.count()).group_by(party.c.user_id)).all())
    return {uid: Stakes(bids.get(uid, 0), auctions.get(uid, 0), offers.get(uid, 0)) for uid in user_ids}
