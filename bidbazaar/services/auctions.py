"""The life of an auction: post, edit, cancel and award it, and close it at its deadline.

Every write runs in `write_transaction()` with the auction row locked (locks.py), appends
to the auction's hash-chained log in the same transaction (ledger.py), and publishes room
frames and notifications only after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.forms import MAX_AUCTION_LENGTH, AuctionForm, form_fields
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, AuctionStatus, Bid, BidStatus, Category, User, utcnow
from bidbazaar.services.account_tokens import require_verified_email
from bidbazaar.services.alerts import after_posting
from bidbazaar.services.bookings import offer_locked
from bidbazaar.services.ledger import Receipt, broadcast, fingerprint, keyed, record_event, remember, replay
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify
from bidbazaar.services.watching import reopen_ending_soon
from bidbazaar.values import CANCEL_REASON_MAX, format_inr

#: Fields a creator may still change once the first bid exists.
EDITABLE_AFTER_FIRST_BID = frozenset({"deadline", "requirements"})
#: The fields of forms.AuctionForm a creator sets.
AUCTION_FIELDS = tuple(name for name, _ in form_fields(AuctionForm))


@dataclass(frozen=True)
class PostedAuction(Receipt):
    """An auction as posted: its listing view for its creator, as JSON values.

    A snapshot, not the live row: a retry with the same Idempotency-Key gets this back word
    for word (ledger.py keeps it as the receipt), even after bids changed the auction.
    """

    auction: dict[str, Any]

    @property
    def auction_id(self) -> int:
        """The posted auction's id."""
        return self.auction["id"]


@retried
def create_auction(creator: User, data: dict[str, Any], idempotency_key: str | None = None) -> PostedAuction:
    """Post a job for providers to bid on. `data` is validated input (forms.AuctionForm)."""
    key_use = fingerprint("create_auction", None, data)

    def write() -> PostedAuction:
        with write_transaction() as after_commit:
            hold_active_account(creator)
            replayed = replay(creator, idempotency_key, key_use, PostedAuction.revive)
            if replayed is not None:
                return replayed
            auction = post_locked(creator, data, utcnow(), after_commit)
            posted = PostedAuction(to_jsonable(auction.to_dict(creator)))
            remember(creator, idempotency_key, key_use, posted.receipt())
        return posted

    return keyed(creator, idempotency_key, key_use, write, PostedAuction.revive)


def post_locked(creator: User, data: dict[str, Any], now: datetime, after_commit: AfterCommit) -> Auction:
    """Inside a write holding the creator's account: check and store a new auction, start
    its log, and match it against the job alerts once the write commits (services.alerts)."""
    require_verified_email(creator)
    _validate_auction_fields(data, now)
    auction = Auction(
        **{k: data[k] for k in AUCTION_FIELDS if k in data},
        created_by=creator.id,
        scheduled_deadline=data["deadline"],
        status=AuctionStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    db.session.add(auction)
    db.session.flush()
    record_event(auction, "auction_created", {"auction": auction.to_dict(None)}, now)
    after_posting(after_commit, auction.id)
    return auction


def _validate_auction_fields(data: dict[str, Any], now: datetime, current: Auction | None = None) -> None:
    """Refuse the auction's rule problems (auction_field_problems) as one VALIDATION_ERROR."""
    problems = auction_field_problems(data, now, current)
    if problems:
        raise DomainError("VALIDATION_ERROR", "Validation failed", first_problems(problems))


def auction_field_problems(
    data: dict[str, Any], now: datetime | None = None, current: Auction | None = None
) -> dict[str, list[str]]:
    """What the form cannot check alone, per field: the category exists, the budget range,
    the deadline (in the future, within MAX_AUCTION_LENGTH). `data` holds the values that
    parsed (a door with field errors passes the rest, so one answer lists every problem);
    `current` is the auction being edited, whose stored budget the range falls back on."""
    now = now or utcnow()
    problems: dict[str, list[str]] = {}
    if data.get("category_id") is not None and db.session.get(Category, data["category_id"]) is None:
        problems["category_id"] = ["Unknown category."]
    budget_min = data.get("budget_min", current.budget_min if current else None)
    budget_max = data.get("budget_max", current.budget_max if current else None)
    if budget_min is not None and budget_max is not None and budget_max < budget_min:
        problems["budget_max"] = [f"Must be at least the minimum budget ({format_inr(budget_min)})."]
    deadline = data.get("deadline")
    if deadline is not None and current is not None and current.bidder_count > 0 and deadline < current.deadline:
        problems["deadline"] = ["Must be later than the current deadline."]  # as update_auction's AUCTION_LOCKED
    elif deadline is not None and deadline <= now:
        problems["deadline"] = ["Must be in the future."]
    elif deadline is not None and deadline > now + MAX_AUCTION_LENGTH:
        problems["deadline"] = [f"Must be within {MAX_AUCTION_LENGTH.days} days."]
    return problems


def first_problems(problems: dict[str, list[str]]) -> dict[str, str]:
    """A VALIDATION_ERROR's `details`: the first problem of each field."""
    return {name: messages[0] for name, messages in problems.items() if messages}


@retried
def update_auction(user: User, auction_id: int, changes: dict[str, Any]) -> Auction:
    """The creator edits an active auction; after the first bid only a later deadline and
    the requirements may change (anything else is AUCTION_LOCKED)."""
    with write_transaction() as after_commit:
        auction = locked_auction(auction_id)
        if auction.created_by != user.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can edit it")
        now = utcnow()
        if close_if_due(auction, now, after_commit) or not auction.is_open:
            closed = True
        else:
            closed = False
            # A form that sends every field back changes only what differs: resending the
            # title unchanged after the first bid is not an attempt to change it.
            changes = {field: value for field, value in changes.items() if getattr(auction, field) != value}
            if auction.bidder_count > 0:
                locked = sorted(set(changes) - EDITABLE_AFTER_FIRST_BID)
                if locked:
                    raise DomainError(
                        "AUCTION_LOCKED",
                        "Bids exist: only a later deadline and the requirements can change",
                        {field: "Locked once bidding has started." for field in locked},
                    )
                if "deadline" in changes and changes["deadline"] <= auction.deadline:
                    raise DomainError(
                        "AUCTION_LOCKED",
                        "Bids exist: the deadline can only move later",
                        {"deadline": "Must be later than the current deadline."},
                    )
            _validate_auction_fields(changes, now, auction)
            if not changes:
                return auction
            for field, value in changes.items():
                setattr(auction, field, value)
            if "deadline" in changes:
                auction.scheduled_deadline = changes["deadline"]
                reopen_ending_soon(auction, now)  # a later deadline opens a new ending_soon window
            auction.updated_at = now
            view = auction.to_dict(None)
            log_event = record_event(auction, "auction_updated", {"changes": changes, "auction": view}, now)
            broadcast(after_commit, log_event, auction)
    if closed:
        raise closed_error(auction)
    return auction


@retried
def cancel_auction(user: User, auction_id: int, cancel_reason: str | None = None) -> Auction:
    """The creator or an admin withdraws an active auction; its bidders are told, with the
    reason when one is given (kept on the auction, in the event and in their notification)."""
    cancel_reason = (cancel_reason or "").strip() or None
    if cancel_reason is not None and len(cancel_reason) > CANCEL_REASON_MAX:
        raise DomainError(
            "VALIDATION_ERROR",
            "Validation failed",
            {"reason": f"Field must be between 1 and {CANCEL_REASON_MAX} characters long."},
        )
    with write_transaction() as after_commit:
        auction = locked_auction(auction_id)
        if not auction.can_manage(user):
            raise DomainError("FORBIDDEN", "Only the auction's creator or an admin can cancel it")
        cancelled = cancel_locked_auction(auction, utcnow(), after_commit, cancel_reason=cancel_reason)
    if not cancelled:
        raise closed_error(auction)
    return auction


def cancel_locked_auction(
    auction: Auction,
    now: datetime,
    after_commit: AfterCommit,
    reason: str | None = None,
    cancel_reason: str | None = None,
) -> bool:
    """Inside a transaction holding the auction's lock: cancel it and tell its bidders.
    `reason` is the system's (e.g. customer_deactivated), `cancel_reason` the person's words.
    False when it had closed already (or closes now, its deadline having passed)."""
    if close_if_due(auction, now, after_commit) or not auction.is_open:
        return False
    return _finish(
        auction, AuctionStatus.CANCELLED, None, now, after_commit, "auction_cancelled", reason, cancel_reason
    )


@retried
def award_auction(user: User, auction_id: int, bid_id: int) -> Auction:
    """The creator picks a winning bid before the deadline (not necessarily the lowest)."""
    with write_transaction() as after_commit:
        auction = locked_auction(auction_id)
        if auction.created_by != user.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can award it")
        now = utcnow()
        closed = close_if_due(auction, now, after_commit) or not auction.is_open
        if not closed:
            bid = db.session.get(Bid, bid_id, populate_existing=True)
            if bid is None or bid.auction_id != auction.id:
                raise not_found("Bid")
            if bid.status != BidStatus.ACTIVE:
                raise DomainError("CONFLICT", "Only an active bid can be awarded", {"bid_id": bid.status})
            # Read afresh, not through bid.bidder: the identity map may hold an older flag.
            if not db.session.scalar(select(User.is_active).where(User.id == bid.user_id)):
                raise DomainError(
                    "CONFLICT", "This bid's provider account is deactivated", {"bid_id": "Provider deactivated."}
                )
            _finish(auction, AuctionStatus.COMPLETED, bid, now, after_commit, "auction_awarded")
    if closed:
        raise closed_error(auction)
    return auction


def closed_error(auction: Auction) -> DomainError:
    """The refusal of a change to an auction that is no longer open."""
    return DomainError("AUCTION_CLOSED", "This auction is no longer accepting changes", {"status": auction.status})


def close_if_due(auction: Auction, now: datetime, after_commit: AfterCommit) -> bool:
    """Inside a locked transaction: close the auction if its deadline has passed."""
    if auction.status != AuctionStatus.ACTIVE or auction.deadline > now:
        return False
    winner = lowest_active_bid(auction.id)
    status = AuctionStatus.COMPLETED if winner else AuctionStatus.EXPIRED
    return _finish(auction, status, winner, now, after_commit, "auction_closed")


def _finish(
    auction: Auction,
    status: str,
    winner: Bid | None,
    now: datetime,
    after_commit: AfterCommit,
    log_type: str,
    reason: str | None = None,
    cancel_reason: str | None = None,
) -> bool:
    """Move an active auction to its final status exactly once, settle its bids, tell everyone.
    A `reason` (e.g. "customer_deactivated") is added to the logged event and the room frame;
    a cancellation's event always carries `cancel_reason` (the person's words, or null)."""
    cancelling = status == AuctionStatus.CANCELLED
    # Conditional on still being active: even a closer that somehow missed the row lock
    # cannot close the auction a second time.
    result = db.session.execute(
        update(Auction)
        .where(Auction.id == auction.id, Auction.status == AuctionStatus.ACTIVE)
        .values(
            status=status,
            closed_at=now,
            updated_at=now,
            winning_bid_id=winner.id if winner else None,
            **({"cancel_reason": cancel_reason} if cancelling else {}),
        )
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    db.session.execute(
        update(Bid)
        .where(Bid.auction_id == auction.id, Bid.status == BidStatus.ACTIVE)
        .values(status=BidStatus.REJECTED, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if winner is not None:
        winner.status = BidStatus.ACCEPTED
        winner.updated_at = now
    db.session.flush()
    winning = winner.full_dict() if winner else None
    because: dict[str, Any] = {"reason": reason} if reason else {}
    if cancelling:
        because["cancel_reason"] = cancel_reason
    log_event = record_event(auction, log_type, {"status": status, "winning_bid": winning, **because}, now)
    broadcast(after_commit, log_event, auction)
    _notify_closing(auction, status, winner, after_commit, cancel_reason)
    if winner is not None:
        offer_locked(auction, winner, now, after_commit)
    return True


def _notify_closing(
    auction: Auction, status: str, winner: Bid | None, after_commit: AfterCommit, cancel_reason: str | None = None
) -> None:
    bidder_ids = db.session.scalars(
        select(Bid.user_id).where(Bid.auction_id == auction.id, Bid.status != BidStatus.WITHDRAWN).distinct()
    ).all()
    title = auction.title
    if status == AuctionStatus.CANCELLED:
        message = f'"{title}" was cancelled: {cancel_reason}' if cancel_reason else f'"{title}" was cancelled.'
        for bidder_id in bidder_ids:
            notify(after_commit, bidder_id, "auction_cancelled", auction, message, {"cancel_reason": cancel_reason})
        return
    winning = to_jsonable(winner.full_dict()) if winner else None
    for bidder_id in bidder_ids:
        if winner is not None and bidder_id == winner.user_id:
            notify(after_commit, bidder_id, "auction_won", auction, f'You won "{title}".', {"bid": winning})
        else:
            notify(after_commit, bidder_id, "auction_lost", auction, f'"{title}" went to another provider.')
    message = f'"{title}" closed with a winning bid.' if winner else f'"{title}" closed without bids.'
    notify(
        after_commit,
        auction.created_by,
        "auction_closed",
        auction,
        message,
        {"status": status, "winning_bid": winning},
    )


@retried
def close_if_expired(auction_id: int) -> bool:
    """Close one auction if its deadline has passed; True only for the caller that closed it."""
    with write_transaction() as after_commit:
        auction = db.session.get(Auction, auction_id)
        if auction is None or not auction.is_open or auction.deadline > utcnow():
            return False
        return close_if_due(locked_auction(auction_id), utcnow(), after_commit)


def close_expired_auctions(limit: int = 500) -> int:
    """The sweeper and `flask close-expired`: close every auction past its deadline."""
    due = db.session.scalars(
        select(Auction.id)
        .where(Auction.status == AuctionStatus.ACTIVE, Auction.deadline <= utcnow())
        .order_by(Auction.deadline)
        .limit(limit)
    ).all()
    db.session.commit()
    return sum(1 for auction_id in due if close_if_expired(auction_id))


def lowest_active_bid(auction_id: int) -> Bid | None:
    """The lowest active bid of an active provider: the only kind that may win."""
    return db.session.scalar(
        select(Bid)
        .join(User, User.id == Bid.user_id)
        .where(Bid.auction_id == auction_id, Bid.status == BidStatus.ACTIVE, User.is_active.is_(True))
        .order_by(Bid.amount, Bid.id)
        .limit(1)
    )
