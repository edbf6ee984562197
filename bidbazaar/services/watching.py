"""Watching auctions, and the one `ending_soon` notice of each deadline window.

- watch_auction / unwatch_auction: a user follows an open auction (its ending_soon notice,
  answered questions), or stops; both idempotent.
- send_ending_soon: the sweeper's (and `flask send-ending-soon`'s) round. ENDING_SOON_MINUTES
  before the deadline, everyone watching the auction and every provider with an active bid
  who is not leading get one `ending_soon` notification. The auction is claimed by one
  conditional UPDATE of `ending_soon_sent_at` in the transaction that stores the
  notifications, so with any number of server processes sweeping at once each auction's
  window is sent once, and each user gets one notice (a watcher who also bid is one user).
- reopen_ending_soon: when a deadline moves (anti-sniping, the creator's later deadline)
  back out of the window, a new window will open, and its notice is sent again.

Below auctions and bids in the services layers (they call reopen_ending_soon), so the
leading bidder is read here with the same rule as auctions.lowest_active_bid.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from bidbazaar.database import retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, BidStatus, User, utcnow
from bidbazaar.provider_models import Watch
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify
from bidbazaar.values import format_inr

# --------------------------------------------------------------------------- the watchlist


@retried
def watch_auction(user: User, auction_id: int) -> bool:
    """Watch an open auction; True when the watch is new, False when it already existed.

    Only an open auction (active, deadline not passed): watching one that ended would bring
    nothing (AUCTION_CLOSED). The auction's row lock serialises two taps of the same star,
    so the second finds the first's row instead of breaking the primary key.
    """
    with write_transaction(turn=("auction", auction_id)):
        hold_active_account(user)
        auction = locked_auction(auction_id)
        if auction.status != AuctionStatus.ACTIVE or auction.deadline <= utcnow():
            raise DomainError(
                "AUCTION_CLOSED", "This auction has ended: there is nothing left to watch", {"status": auction.status}
            )
        existing = db.session.get(Watch, (user.id, auction.id))
        if existing is not None:
            return False
        db.session.add(Watch(user_id=user.id, auction_id=auction.id, created_at=utcnow()))
    return True


@retried
def unwatch_auction(user: User, auction_id: int) -> bool:
    """Stop watching an auction, whatever its status; True when a watch was removed.

    NOT_FOUND only when the auction does not exist; not watching it is not an error.
    """
    with write_transaction():
        if db.session.get(Auction, auction_id) is None:
            raise not_found("Auction")
        result = db.session.execute(
            delete(Watch)
            .where(Watch.user_id == user.id, Watch.auction_id == auction_id)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount > 0


# --------------------------------------------------------------------------- ending_soon


def ending_soon_window() -> timedelta | None:
    """ENDING_SOON_MINUTES as a window before the deadline; None when it is turned off (0)."""
    minutes = current_app.config["ENDING_SOON_MINUTES"]
    return timedelta(minutes=minutes) if minutes > 0 else None


def reopen_ending_soon(auction: Auction, now: datetime) -> None:
    """Inside a write that moved `auction.deadline`: if the new deadline lies beyond the
    window, the notice already sent was for the old window, so clear it; the next window
    sends it again. A deadline still inside the window keeps it sent (once per window)."""
    window = ending_soon_window()
    if window is not None and auction.ending_soon_sent_at is not None and auction.deadline - now > window:
        auction.ending_soon_sent_at = None


def send_ending_soon(limit: int = 500) -> int:
    """One round: send the ending_soon notice of every open auction whose deadline is now
    inside the window and whose window was not sent yet. Returns the notices this caller
    stored (another process sweeping at once stores the others)."""
    window = ending_soon_window()
    if window is None:
        return 0
    now = utcnow()
    due = db.session.scalars(
        select(Auction.id)
        .where(
            Auction.status == AuctionStatus.ACTIVE,
            Auction.deadline <= now + window,
            Auction.deadline > now,
            Auction.ending_soon_sent_at.is_(None),
        )
        .order_by(Auction.deadline)
        .limit(limit)
    ).all()
    db.session.commit()
    return sum(send_ending_soon_for(auction_id) for auction_id in due)


@retried
def send_ending_soon_for(auction_id: int) -> int:
    """Claim one auction's window (a conditional UPDATE: only one caller gets the row) and,
    in the same transaction, store one notice per recipient. 0 when another caller (or a
    closing, or a deadline moved out of the window) got there first."""
    window = ending_soon_window()
    if window is None:
        return 0
    with write_transaction(turn=("auction", auction_id)) as after_commit:
        now = utcnow()
        claimed = db.session.execute(
            update(Auction)
            .where(
                Auction.id == auction_id,
                Auction.status == AuctionStatus.ACTIVE,
                Auction.ending_soon_sent_at.is_(None),
                Auction.deadline <= now + window,
                Auction.deadline > now,
            )
            .values(ending_soon_sent_at=now, updated_at=Auction.updated_at)  # a notice, not an edit
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return 0
        auction = db.session.get(Auction, auction_id, populate_existing=True)
        recipients = ending_soon_recipients(auction_id)
        minutes = max(1, round((auction.deadline - now).total_seconds() / 60))
        lowest = f" The lowest bid is {format_inr(auction.lowest_bid)}." if auction.lowest_bid is not None else ""
        for user_id in recipients:
            notify(
                after_commit,
                user_id,
                "ending_soon",
                auction,
                f'"{auction.title}" closes in about {minutes} minute{"" if minutes == 1 else "s"}.{lowest}',
                {"deadline": auction.deadline, "lowest_bid": auction.lowest_bid},
            )
    return len(recipients)


def ending_soon_recipients(auction_id: int) -> list[int]:
    """Who hears that the auction ends soon: its active watchers and the active providers
    with an active bid, minus the one leading (lowest active bid of an active provider,
    ties to the earlier bid: auctions.lowest_active_bid's rule), each once, by id."""
    active_user = select(User.id).where(User.is_active.is_(True))
    watchers = select(Watch.user_id).where(Watch.auction_id == auction_id, Watch.user_id.in_(active_user))
    bidders = select(Bid.user_id).where(
        Bid.auction_id == auction_id, Bid.status == BidStatus.ACTIVE, Bid.user_id.in_(active_user)
    )
    leader = db.session.scalar(
        select(Bid.user_id)
        .join(User, User.id == Bid.user_id)
        .where(Bid.auction_id == auction_id, Bid.status == BidStatus.ACTIVE, User.is_active.is_(True))
        .order_by(Bid.amount, Bid.id)
        .limit(1)
    )
    everyone = set(db.session.scalars(watchers.union(bidders)))
    everyone.discard(leader)
    return sorted(everyone)
