"""Bids: place one (the reverse-auction rule, with anti-sniping) and withdraw one.

place_bid is the only manual bid path: REST, Socket.IO and the HTML form all call it. It
runs in `write_transaction()` holding the bidder's account row and the auction's row
(locks.py), accepts the bid (services.bidding: the same code as a proxy's auto bid), lets
the other providers' proxies answer it (services.proxies) in the same transaction, and
tells the room, the creator and the outbid provider only after the commit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, BidStatus, User, utcnow
from bidbazaar.services.auctions import close_if_due, closed_error, lowest_active_bid
from bidbazaar.services.bidding import PlacedBid, accept_bid, standing
from bidbazaar.services.ledger import broadcast, fingerprint, keyed, record_event, remember, replay
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify
from bidbazaar.services.proxies import apply_floor, cancel_on_withdrawal, resolve_proxies
from bidbazaar.values import format_inr

__all__ = ["PlacedBid", "place_bid", "withdraw_bid", "withdraw_locked_bid"]


@retried
def place_bid(
    bidder: User,
    auction_id: int,
    data: dict[str, Any],
    idempotency_key: str | None = None,
    proxy_floor: Decimal | None = None,
) -> PlacedBid:
    """Offer to do the job for `data["amount"]`: the reverse-auction rule, enforced once.

    Accepted only when the bidder is an (optionally verified) provider other than the
    creator, the auction is open, and the amount is within budget and at least
    BID_MIN_DECREMENT below the lowest active bid of another provider; an amount far below
    the typical bid needs `confirm_low` (409 CONFIRM_LOW_BID). With `proxy_floor` (the bid
    form's "auto-undercut down to") the bidder's proxy is set in the same transaction.
    The answer's standing is the auction's after the other proxies answered the bid.
    """
    with_floor = {} if proxy_floor is None else {"proxy_floor": proxy_floor}
    key_use = fingerprint("place_bid", auction_id, {**data, **with_floor})

    def write() -> PlacedBid:
        closed_now = False
        with write_transaction(turn=("auction", auction_id)) as after_commit:
            hold_active_account(bidder)
            auction = locked_auction(auction_id)
            replayed = replay(bidder, idempotency_key, key_use, PlacedBid.revive)
            if replayed is not None:
                return replayed
            now = utcnow()
            closed_now = close_if_due(auction, now, after_commit)
            if not closed_now:
                if not auction.is_open:
                    raise closed_error(auction)
                placed = accept_bid(bidder, auction, data, now, after_commit)
                if proxy_floor is not None:
                    apply_floor(bidder, auction, {**data, "floor": proxy_floor}, now)
                trigger = db.session.get(Bid, placed.bid_id)
                if resolve_proxies(auction, trigger, now, after_commit):
                    placed = replace(placed, auction=standing(auction))
                remember(bidder, idempotency_key, key_use, placed.receipt())
        if closed_now:
            raise closed_error(auction)
        return placed

    return keyed(bidder, idempotency_key, key_use, write, PlacedBid.revive)


@retried
def withdraw_bid(user: User, auction_id: int, bid_id: int) -> Bid:
    """The bidder takes back its active bid while the auction is open; the row is kept."""
    with write_transaction() as after_commit:
        auction = locked_auction(auction_id)
        bid = db.session.get(Bid, bid_id, populate_existing=True)
        if bid is None or bid.auction_id != auction.id:
            raise not_found("Bid")
        if bid.user_id != user.id:
            raise DomainError("FORBIDDEN", "You can only withdraw your own bids")
        withdrawn = withdraw_locked_bid(auction, bid, utcnow(), after_commit)
    if not withdrawn:
        raise closed_error(auction)
    return bid


def withdraw_locked_bid(
    auction: Auction, bid: Bid, now: datetime, after_commit: AfterCommit, reason: str | None = None
) -> bool:
    """Inside a transaction holding the auction's lock: withdraw an active bid, recompute the
    lowest bid, log it and tell the room. False when the auction had closed (or closes now).

    A `reason` marks a withdrawal the bidder did not make itself (e.g. "provider_deactivated"):
    it is logged and sent with the room frame, and the customer is told, since its lowest
    bid may have changed without anyone there acting.
    """
    if close_if_due(auction, now, after_commit) or not auction.is_open:
        return False
    if bid.status != BidStatus.ACTIVE:
        raise DomainError("CONFLICT", "Only an active bid can be withdrawn", {"status": bid.status})
    bid.status = BidStatus.WITHDRAWN
    bid.updated_at = now
    cancel_on_withdrawal(auction, bid.user_id, now)
    db.session.flush()
    auction.bid_count -= 1
    lowest = lowest_active_bid(auction.id)
    auction.lowest_bid = lowest.amount if lowest else None
    because = {"reason": reason} if reason else {}
    log_event = record_event(
        auction,
        "bid_withdrawn",
        {"bid_id": bid.id, "lowest_bid": auction.lowest_bid, "bid_count": auction.bid_count, **because},
        now,
    )
    broadcast(after_commit, log_event, auction)
    if reason:
        notify(
            after_commit,
            auction.created_by,
            "bid_withdrawn",
            auction,
            f'A bid of {format_inr(bid.amount)} on "{auction.title}" was withdrawn ({reason.replace("_", " ")}). '
            + (f"The lowest bid is now {format_inr(auction.lowest_bid)}." if lowest else "No active bids remain."),
            {"bid_id": bid.id, "lowest_bid": auction.lowest_bid, "reason": reason},
        )
    return True
