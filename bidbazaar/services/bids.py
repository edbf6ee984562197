"""Bids: place one (the reverse-auction rule, with anti-sniping) and withdraw one.

place_bid is the only bid path: REST, Socket.IO and the HTML form all call it. It runs in
`write_transaction()` holding the bidder's account row and the auction's row (locks.py),
logs the bid in the same transaction (ledger.py), and tells the room, the creator and the
outbid provider only after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, Bid, BidStatus, User, utcnow
from bidbazaar.services.auctions import close_if_due, closed_error, lowest_active_bid
from bidbazaar.services.ledger import Receipt, broadcast, fingerprint, keyed, record_event, remember, replay
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify
from bidbazaar.services.watching import reopen_ending_soon
from bidbazaar.values import format_inr


@dataclass(frozen=True)
class PlacedBid(Receipt):
    """A bid as placed, as JSON values: the bid as its bidder sees it (models.bid_view) and
    the auction's standing right after it (id, lowest_bid, bid_count, deadline).

    A snapshot, not the live rows: a retry with the same key gets this back word for word
    (ledger.py keeps it as the receipt), even after the bid was outbid or withdrawn.
    """

    bid: dict[str, Any]
    auction: dict[str, Any]

    @property
    def bid_id(self) -> int:
        """The placed bid's id."""
        return self.bid["id"]


@retried
def place_bid(bidder: User, auction_id: int, data: dict[str, Any], idempotency_key: str | None = None) -> PlacedBid:
    """Offer to do the job for `data["amount"]`: the reverse-auction rule, enforced once.

    Accepted only when the bidder is an (optionally verified) provider other than the
    creator, the auction is open, and the amount is within budget and at least
    BID_MIN_DECREMENT below the lowest active bid of another provider.
    """
    key_use = fingerprint("place_bid", auction_id, data)

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
                placed = _accept_bid(bidder, auction, data, now, after_commit)
                remember(bidder, idempotency_key, key_use, placed.receipt())
        if closed_now:
            raise closed_error(auction)
        return placed

    return keyed(bidder, idempotency_key, key_use, write, PlacedBid.revive)


def _check_bidder(bidder: User, auction: Auction) -> None:
    """Who may bid: a provider (verified, when the site requires it) that did not post the job."""
    if not bidder.is_service_provider:
        raise DomainError("NOT_A_PROVIDER", "Only service providers can bid")
    if current_app.config["REQUIRE_PROVIDER_VERIFICATION"] and not bidder.provider_verified:
        raise DomainError("PROVIDER_NOT_VERIFIED", "Your provider account is not verified yet")
    if auction.created_by == bidder.id:
        raise DomainError("SELF_BID", "You cannot bid on your own auction")


def _accept_bid(
    bidder: User, auction: Auction, data: dict[str, Any], now: datetime, after_commit: AfterCommit
) -> PlacedBid:
    """Inside place_bid's transaction: check the amount against the lowest bid, store the
    bid, keep the auction's counters, log it, extend a late bid's deadline, tell everyone."""
    _check_bidder(bidder, auction)
    amount: Decimal = data["amount"]
    decrement: Decimal = current_app.config["BID_MIN_DECREMENT"]
    previous = lowest_active_bid(auction.id)
    max_allowed = auction.budget_max
    if previous is not None:
        if previous.user_id == bidder.id:
            raise DomainError(
                "ALREADY_LOWEST",
                "You already hold the lowest bid",
                {"lowest_bid": previous.amount, "bid_id": previous.id},
            )
        max_allowed = min(max_allowed, previous.amount - decrement)
    if amount > max_allowed:
        raise DomainError(
            "BID_TOO_HIGH",
            f"Bid must be at most {max_allowed}",
            to_jsonable(
                {
                    "amount": amount,
                    "lowest_bid": previous.amount if previous else None,
                    "max_allowed": max_allowed,
                    "min_decrement": decrement,
                }
            ),
        )

    bidder_number, first_bid = _bidder_number(auction, bidder)
    bid = Bid(
        auction_id=auction.id,
        user_id=bidder.id,
        amount=amount,
        description=data["description"],
        estimated_duration=data.get("estimated_duration") or None,
        notes=data.get("notes") or None,
        status=BidStatus.ACTIVE,
        bidder_number=bidder_number,
        created_at=now,
        updated_at=now,
    )
    db.session.add(bid)
    db.session.flush()  # the bid's id, for the event log; the auction row is updated once, at commit
    bid.bidder = bidder
    auction.bid_count += 1
    auction.lowest_bid = amount
    if first_bid:
        auction.bidder_count = bidder_number

    log_event = record_event(
        auction,
        "bid_placed",
        {"bid": bid.full_dict(), "lowest_bid": amount, "bid_count": auction.bid_count},
        now,
    )
    extended_to = _extend_for_late_bid(auction, now)
    broadcast(
        after_commit,
        "bid_placed",
        {
            "auction_id": auction.id,
            "bid": bid.public_dict(),
            "lowest_bid": amount,
            "bid_count": auction.bid_count,
            "deadline": auction.deadline,
        },
        log_event,
    )
    if extended_to is not None:
        view = auction.to_dict(None)
        extension = record_event(auction, "auction_extended", {"deadline": extended_to, "auction": view}, now)
        broadcast(after_commit, "auction_updated", {"auction": view}, extension)

    full_bid = bid.full_dict()
    notify(
        after_commit,
        auction.created_by,
        "new_bid",
        auction,
        f'New bid of {format_inr(amount)} on "{auction.title}".',
        {"bid": full_bid},
    )
    if previous is not None and previous.user_id != bidder.id:
        notify(
            after_commit,
            previous.user_id,
            "outbid",
            auction,
            f'You were outbid on "{auction.title}": the lowest bid is now {format_inr(amount)}.',
            {"lowest_bid": amount, "your_bid": previous.amount},
        )
    standing = {
        "id": auction.id,
        "lowest_bid": auction.lowest_bid,
        "bid_count": auction.bid_count,
        "deadline": auction.deadline,
    }
    return PlacedBid(to_jsonable(bid.to_dict(bidder, auction)), to_jsonable(standing))


def _bidder_number(auction: Auction, bidder: User) -> tuple[int, bool]:
    """The bidder's pseudonym number on this auction, and whether this is its first bid."""
    existing = db.session.scalar(
        select(Bid.bidder_number).where(Bid.auction_id == auction.id, Bid.user_id == bidder.id).limit(1)
    )
    if existing is not None:
        return existing, False
    return auction.bidder_count + 1, True


def _extend_for_late_bid(auction: Auction, now: datetime) -> datetime | None:
    """Anti-sniping: a bid in the final window pushes the deadline out, up to a cap."""
    window = current_app.config["SNIPE_WINDOW_SECONDS"]
    if window <= 0 or auction.deadline - now > timedelta(seconds=window):
        return None
    cap = auction.scheduled_deadline + timedelta(seconds=current_app.config["SNIPE_MAX_EXTENSION_SECONDS"])
    new_deadline = min(now + timedelta(seconds=window), cap)
    if new_deadline <= auction.deadline:
        return None
    auction.deadline = new_deadline
    reopen_ending_soon(auction, now)  # a deadline back out of the window: its notice is due again
    return new_deadline


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
    broadcast(
        after_commit,
        "bid_withdrawn",
        {
            "auction_id": auction.id,
            "bid_id": bid.id,
            "lowest_bid": auction.lowest_bid,
            "bid_count": auction.bid_count,
            **because,
        },
        log_event,
    )
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
