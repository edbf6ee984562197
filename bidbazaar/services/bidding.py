"""Accepting one bid, manual or automatic: the amount rule, the row, the counters, the event
log, anti-sniping and the notifications, in the caller's transaction.

services.bids (a provider's own bid) and services.proxies (the bids a floor places for its
owner) both accept bids here, so an auto bid is a bid like any other: the same checks, the
same `bid_placed` event (marked `auto`), the same room frame, the same deadline extension.
The low-bid check applies to manual bids only; a floor is checked once, when it is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from bidbazaar.database import AfterCommit
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, Bid, BidStatus, User
from bidbazaar.services.account_tokens import require_verified_email
from bidbazaar.services.auctions import lowest_active_bid
from bidbazaar.services.ledger import Receipt, broadcast, record_event
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


def check_bidder(bidder: User, auction: Auction) -> None:
    """Who may bid: a provider (verified, and with a proved email, when the site requires
    either) that did not post the job."""
    if not bidder.is_service_provider:
        raise DomainError("NOT_A_PROVIDER", "Only service providers can bid")
    if current_app.config["REQUIRE_PROVIDER_VERIFICATION"] and not bidder.provider_verified:
        raise DomainError("PROVIDER_NOT_VERIFIED", "Your provider account is not verified yet")
    require_verified_email(bidder)  # REQUIRE_EMAIL_VERIFICATION
    if auction.created_by == bidder.id:
        raise DomainError("SELF_BID", "You cannot bid on your own auction")


def standing(auction: Auction) -> dict[str, Any]:
    """The auction's standing as a bid's answer shows it (JSON values)."""
    return to_jsonable(
        {
            "id": auction.id,
            "lowest_bid": auction.lowest_bid,
            "bid_count": auction.bid_count,
            "deadline": auction.deadline,
        }
    )


def low_bid_reference(auction: Auction) -> Decimal:
    """What a new bid is compared with: the median of the auction's active bids when there
    are at least three (the new one is not stored yet), else the customer's budget_min.

    Counted and picked in SQL (the one or two middle amounts), so a hot auction's
    thousands of bids never travel to Python for each new one.
    """
    active = (
        select(Bid.amount)
        .join(User, User.id == Bid.user_id)
        .where(Bid.auction_id == auction.id, Bid.status == BidStatus.ACTIVE, User.is_active.is_(True))
    )
    count = db.session.scalar(select(func.count()).select_from(active.subquery())) or 0
    if count < 3:
        return auction.budget_min
    middle = db.session.scalars(active.order_by(Bid.amount).offset((count - 1) // 2).limit(2 - count % 2)).all()
    if len(middle) == 1:
        return middle[0]
    return (middle[0] + middle[1]) / 2


def check_low_amount(auction: Auction, amount: Decimal, confirmed: bool) -> None:
    """409 CONFIRM_LOW_BID for an amount below LOW_BID_RATIO x the reference, unless the
    caller confirmed it (`confirm_low: true`): a mistyped zero costs the provider the job.
    LOW_BID_RATIO = 0 turns the check off.

    The reference is never above budget_max (every bid is at most the budget, which is
    locked once bidding starts), so an amount at or above LOW_BID_RATIO x budget_max, most
    bids, passes without reading the auction's bids.
    """
    ratio: Decimal = current_app.config["LOW_BID_RATIO"]
    if confirmed or ratio <= 0 or amount >= ratio * auction.budget_max:
        return
    reference = low_bid_reference(auction)
    if amount < ratio * reference:
        raise DomainError(
            "CONFIRM_LOW_BID",
            f"{format_inr(amount)} is far below the typical bid ({format_inr(reference)}); "
            "send confirm_low: true to place it anyway",
            to_jsonable({"amount": amount, "reference": reference, "ratio": ratio}),
        )


def max_allowed_bid(bidder: User, auction: Auction) -> tuple[Decimal, Bid | None]:
    """The highest amount `bidder` may bid now, and the lowest active bid it must undercut.

    ALREADY_LOWEST when the bidder holds the lowest bid: nobody undercuts themselves.
    """
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
    return max_allowed, previous


def too_high_message(max_allowed: Decimal) -> str:
    """BID_TOO_HIGH's words, in rupees: "Bid must be at most ₹1,749"."""
    return f"Bid must be at most {format_inr(max_allowed)}"


def bid_amount_problems(bidder: User, auction_id: int, data: dict[str, Any]) -> dict[str, list[str]]:
    """The amount rule read without a lock, for a door whose form refused another field: a
    too-high amount is named in the same answer. The bid itself is judged again under the
    auction's lock (accept_bid) once the form is whole."""
    amount = data.get("amount")
    auction = db.session.get(Auction, auction_id)
    if amount is None or auction is None or not auction.is_open:
        return {}
    try:
        max_allowed, _ = max_allowed_bid(bidder, auction)
    except DomainError as exc:  # ALREADY_LOWEST
        return {"amount": [exc.message]}
    return {"amount": [too_high_message(max_allowed)]} if amount > max_allowed else {}


def accept_bid(
    bidder: User,
    auction: Auction,
    data: dict[str, Any],
    now: datetime,
    after_commit: AfterCommit,
    *,
    auto: bool = False,
) -> PlacedBid:
    """Inside a transaction holding the auction's lock: check the amount against the lowest
    bid, store the bid, keep the auction's counters, log it, extend a late bid's deadline,
    tell everyone. `auto` marks a bid a proxy placed (no low-bid check: its floor had one)."""
    check_bidder(bidder, auction)
    amount: Decimal = data["amount"]
    max_allowed, previous = max_allowed_bid(bidder, auction)
    if amount > max_allowed:
        raise DomainError(
            "BID_TOO_HIGH",
            too_high_message(max_allowed),
            to_jsonable(
                {
                    "amount": amount,
                    "lowest_bid": previous.amount if previous else None,
                    "max_allowed": max_allowed,
                    "min_decrement": current_app.config["BID_MIN_DECREMENT"],
                }
            ),
        )
    if not auto:
        check_low_amount(auction, amount, bool(data.get("confirm_low")))

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
        auto=auto,
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

    # Anti-sniping first, so the bid's entry carries the deadline it left (the extension's
    # own entry follows it).
    extended_to = _extend_for_late_bid(auction, now)
    log_event = record_event(
        auction,
        "bid_placed",
        {
            "bid": bid.full_dict(),
            "lowest_bid": amount,
            "bid_count": auction.bid_count,
            "deadline": auction.deadline,
            "auto": auto,
        },
        now,
    )
    broadcast(after_commit, log_event, auction)
    if extended_to is not None:
        view = auction.to_dict(None)
        extension = record_event(auction, "auction_extended", {"deadline": extended_to, "auction": view}, now)
        broadcast(after_commit, extension, auction)

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
    return PlacedBid(to_jsonable(bid.to_dict(bidder, auction)), standing(auction))


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
