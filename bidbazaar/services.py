"""The reverse-auction rules. Each rule is one function here; REST, Socket.IO, the HTML
forms and the CLI all call these and only translate their inputs and results.

Every write runs in `write_transaction()` with the auction row locked, appends to the
auction's hash-chained event log in the same transaction, and publishes live events and
notifications only after the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bidbazaar import realtime
from bidbazaar.database import AfterCommit, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import (
    Auction,
    AuctionEvent,
    AuctionStatus,
    Bid,
    BidStatus,
    Category,
    IdempotencyRecord,
    Notification,
    User,
    format_inr,
    utcnow,
)

#: How far ahead a deadline may be set: a job is needed this year, not in year 9999.
MAX_AUCTION_LENGTH = timedelta(days=365)
#: Fields a creator may still change once the first bid exists.
EDITABLE_AFTER_FIRST_BID = frozenset({"deadline", "requirements"})
PUBLIC_BID_KEYS = ("id", "auction_id", "amount", "status", "created_at", "bidder", "is_mine")


@dataclass(frozen=True)
class Outcome:
    """What a keyed write answered: the body is replayed verbatim to retries."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


# --------------------------------------------------------------------------- helpers


def _locked_auction(auction_id: int) -> Auction:
    """Load the auction under a row lock (PostgreSQL; SQLite holds BEGIN IMMEDIATE)."""
    auction = db.session.scalar(
        select(Auction)
        .where(Auction.id == auction_id)
        .with_for_update(of=Auction)
        .execution_options(populate_existing=True)
    )
    if auction is None:
        raise not_found("Auction")
    return auction


def lock_auctions(auction_ids: list[int]) -> list[Auction]:
    """Lock several auctions, always in id order: two writers that each need a set of
    auctions (deactivations) then wait for each other instead of deadlocking."""
    return list(
        db.session.scalars(
            select(Auction)
            .where(Auction.id.in_(sorted(set(auction_ids))))
            .order_by(Auction.id)
            .with_for_update(of=Auction)
            .execution_options(populate_existing=True)
        )
    )


def hold_active_account(user: User) -> None:
    """Inside a write: refuse a deactivated account, reading its flag afresh (the request
    may have loaded the user before a deactivation committed) and holding the row shared
    until the commit, so a deactivation in progress (which updates the row first) is
    waited for, not raced. Take it before any auction lock: deactivation locks in that order."""
    active = db.session.scalar(select(User.is_active).where(User.id == user.id).with_for_update(read=True))
    if not active:
        raise DomainError("AUTH_REQUIRED", "This account is deactivated")


def lowest_active_bid(auction_id: int) -> Bid | None:
    """The lowest active bid of an active provider: the only kind that may win."""
    return db.session.scalar(
        select(Bid)
        .join(User, User.id == Bid.user_id)
        .where(Bid.auction_id == auction_id, Bid.status == BidStatus.ACTIVE, User.is_active.is_(True))
        .order_by(Bid.amount, Bid.id)
        .limit(1)
    )


def _canonical(value: Any) -> str:
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str | None, auction_id: int, seq: int, type_: str, payload: Any, created_at: Any) -> str:
    body = _canonical(
        {"auction_id": auction_id, "seq": seq, "type": type_, "payload": payload, "created_at": created_at}
    )
    return hashlib.sha256(((prev_hash or "") + body).encode()).hexdigest()


def _record_event(auction: Auction, type_: str, payload: dict[str, Any], now: datetime) -> AuctionEvent:
    """Append to the auction's log in the current transaction (the row lock orders seq)."""
    auction.event_seq = (auction.event_seq or 0) + 1
    stored = to_jsonable(payload)
    digest = event_hash(auction.last_event_hash, auction.id, auction.event_seq, type_, stored, now)
    event = AuctionEvent(
        auction_id=auction.id,
        seq=auction.event_seq,
        type=type_,
        payload=stored,
        created_at=now,
        prev_hash=auction.last_event_hash,
        hash=digest,
    )
    auction.last_event_hash = digest
    db.session.add(event)
    return event


def _notify(
    after_commit: AfterCommit,
    user_id: int,
    type_: str,
    auction: Auction,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    note = Notification(
        user_id=user_id, type=type_, auction_id=auction.id, message=message, data=to_jsonable(data or {})
    )
    db.session.add(note)
    payload: dict[str, Any] = {}
    rooms: list[str] = []

    def render() -> None:
        # Once the transaction's last flush gave the note its id (a bid that notifies two
        # people flushes once), and in the transaction: the user's still-valid sockets.
        payload.update(note.to_dict())
        rooms.extend(realtime.personal_rooms(user_id))

    after_commit.before_commit.append(render)
    after_commit.append(lambda: realtime.publish("notification", payload, rooms))


def _broadcast(after_commit: AfterCommit, event_name: str, payload: dict[str, Any], log_event: AuctionEvent) -> None:
    """Queue a room event carrying its log seq, sent once the transaction commits."""
    auction_id = log_event.auction_id
    frame = {**payload, "seq": log_event.seq}

    def send() -> None:
        realtime.publish(event_name, {**frame, "server_time": utcnow()}, realtime.auction_room(auction_id))

    after_commit.append(send)


def _fingerprint(operation: str, target: Any, data: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical({"op": operation, "target": target, "data": data}).encode()).hexdigest()


def _replay(user: User, key: str | None, fingerprint: str) -> Outcome | None:
    if not key:
        return None
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise DomainError(
            "CONFLICT",
            "This Idempotency-Key was already used for a different request",
            {"idempotency_key": key},
        )
    return Outcome(record.response_status, record.response_body, replayed=True)


def _remember(user: User, key: str | None, fingerprint: str, outcome: Outcome) -> None:
    if key:
        db.session.add(
            IdempotencyRecord(
                user_id=user.id,
                key=key,
                fingerprint=fingerprint,
                response_status=outcome.status,
                response_body=outcome.body,
            )
        )
        db.session.flush()


def _keyed(user: User, key: str | None, fingerprint: str, write: Callable[[], Outcome]) -> Outcome:
    """Run a keyed write once. A racing twin that lost the unique-key race replays the winner."""
    try:
        return write()
    except IntegrityError as exc:
        db.session.rollback()
        if key:
            replay = _replay(user, key, fingerprint)
            if replay is not None:
                return replay
        raise _conflict() from exc


def _conflict() -> DomainError:
    """A constraint the checks above could not foresee (a concurrent change): a 409, not a 500."""
    return DomainError("CONFLICT", "The request conflicts with a concurrent change; please retry")


def _commit_or_conflict() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _conflict() from exc


# --------------------------------------------------------------------------- auctions


def public_auction(auction: Auction) -> dict[str, Any]:
    return to_jsonable(auction.to_dict(None))


def create_auction(creator: User, data: dict[str, Any], idempotency_key: str | None = None) -> Outcome:
    """Post a job for providers to bid on. `data` is validated input (forms.AuctionForm)."""
    fingerprint = _fingerprint("create_auction", None, data)

    def write() -> Outcome:
        with write_transaction():
            hold_active_account(creator)
            replay = _replay(creator, idempotency_key, fingerprint)
            if replay is not None:
                return replay
            now = utcnow()
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
            _record_event(auction, "auction_created", {"auction": auction.to_dict(None)}, now)
            outcome = Outcome(201, to_jsonable({"message": "Auction created", "auction": auction.to_dict(creator)}))
            _remember(creator, idempotency_key, fingerprint, outcome)
        return outcome

    return _keyed(creator, idempotency_key, fingerprint, write)


AUCTION_FIELDS = (
    "title",
    "description",
    "category_id",
    "location",
    "budget_min",
    "budget_max",
    "deadline",
    "requirements",
)


def _validate_auction_fields(data: dict[str, Any], now: datetime, current: Auction | None = None) -> None:
    errors: dict[str, str] = {}
    if "category_id" in data and db.session.get(Category, data["category_id"]) is None:
        errors["category_id"] = "Unknown category."
    budget_min = data.get("budget_min", current.budget_min if current else None)
    budget_max = data.get("budget_max", current.budget_max if current else None)
    if budget_min is not None and budget_max is not None and budget_max < budget_min:
        errors["budget_max"] = "Must be greater than or equal to budget_min."
    if "deadline" in data and data["deadline"] <= now:
        errors["deadline"] = "Must be in the future."
    elif "deadline" in data and data["deadline"] > now + MAX_AUCTION_LENGTH:
        errors["deadline"] = f"Must be within {MAX_AUCTION_LENGTH.days} days."
    if errors:
        raise DomainError("VALIDATION_ERROR", "Validation failed", errors)


def update_auction(user: User, auction_id: int, changes: dict[str, Any]) -> Auction:
    """The creator edits an active auction; after the first bid only a later deadline and
    the requirements may change (anything else is AUCTION_LOCKED)."""
    with write_transaction() as after_commit:
        auction = _locked_auction(auction_id)
        if auction.created_by != user.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can edit it")
        now = utcnow()
        if _close_if_due(auction, now, after_commit) or not auction.is_open:
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
            auction.updated_at = now
            view = auction.to_dict(None)
            log_event = _record_event(auction, "auction_updated", {"changes": changes, "auction": view}, now)
            _broadcast(after_commit, "auction_updated", {"auction": view}, log_event)
    if closed:
        raise _closed_error(auction)
    return auction


def cancel_auction(user: User, auction_id: int) -> Auction:
    """The creator or an admin withdraws an active auction; its bidders are told."""
    with write_transaction() as after_commit:
        auction = _locked_auction(auction_id)
        if not auction.can_manage(user):
            raise DomainError("FORBIDDEN", "Only the auction's creator or an admin can cancel it")
        cancelled = cancel_locked_auction(auction, utcnow(), after_commit)
    if not cancelled:
        raise _closed_error(auction)
    return auction


def cancel_locked_auction(
    auction: Auction, now: datetime, after_commit: AfterCommit, reason: str | None = None
) -> bool:
    """Inside a transaction holding the auction's lock: cancel it and tell its bidders.
    False when it had closed already (or closes now, its deadline having passed)."""
    if _close_if_due(auction, now, after_commit) or not auction.is_open:
        return False
    return _finish(auction, AuctionStatus.CANCELLED, None, now, after_commit, "auction_cancelled", reason)


def award_auction(user: User, auction_id: int, bid_id: int) -> Auction:
    """The creator picks a winning bid before the deadline (not necessarily the lowest)."""
    with write_transaction() as after_commit:
        auction = _locked_auction(auction_id)
        if auction.created_by != user.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can award it")
        now = utcnow()
        closed = _close_if_due(auction, now, after_commit) or not auction.is_open
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
        raise _closed_error(auction)
    return auction


def _closed_error(auction: Auction) -> DomainError:
    return DomainError("AUCTION_CLOSED", "This auction is no longer accepting changes", {"status": auction.status})


def _close_if_due(auction: Auction, now: datetime, after_commit: AfterCommit) -> bool:
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
) -> bool:
    """Move an active auction to its final status exactly once, settle its bids, tell everyone.
    A `reason` (e.g. "customer_deactivated") is added to the logged event and the room frame."""
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
    because = {"reason": reason} if reason else {}
    log_event = _record_event(auction, log_type, {"status": status, "winning_bid": winning, **because}, now)
    public_winner = winner.public_dict() if winner else None
    _broadcast(
        after_commit,
        "auction_closed",
        {"auction_id": auction.id, "status": status, "winning_bid": public_winner, **because},
        log_event,
    )
    _notify_closing(auction, status, winner, after_commit)
    return True


def _notify_closing(auction: Auction, status: str, winner: Bid | None, after_commit: AfterCommit) -> None:
    bidder_ids = db.session.scalars(
        select(Bid.user_id).where(Bid.auction_id == auction.id, Bid.status != BidStatus.WITHDRAWN).distinct()
    ).all()
    title = auction.title
    if status == AuctionStatus.CANCELLED:
        for bidder_id in bidder_ids:
            _notify(after_commit, bidder_id, "auction_cancelled", auction, f'"{title}" was cancelled.')
        return
    winning = to_jsonable(winner.full_dict()) if winner else None
    for bidder_id in bidder_ids:
        if winner is not None and bidder_id == winner.user_id:
            _notify(after_commit, bidder_id, "auction_won", auction, f'You won "{title}".', {"bid": winning})
        else:
            _notify(after_commit, bidder_id, "auction_lost", auction, f'"{title}" went to another provider.')
    message = f'"{title}" closed with a winning bid.' if winner else f'"{title}" closed without bids.'
    _notify(
        after_commit,
        auction.created_by,
        "auction_closed",
        auction,
        message,
        {"status": status, "winning_bid": winning},
    )


def close_if_expired(auction_id: int) -> bool:
    """Close one auction if its deadline has passed; True only for the caller that closed it."""
    with write_transaction() as after_commit:
        auction = db.session.get(Auction, auction_id)
        if auction is None or not auction.is_open or auction.deadline > utcnow():
            return False
        return _close_if_due(_locked_auction(auction_id), utcnow(), after_commit)


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


# --------------------------------------------------------------------------- bids


def place_bid(bidder: User, auction_id: int, data: dict[str, Any], idempotency_key: str | None = None) -> Outcome:
    """Offer to do the job for `data["amount"]`: the reverse-auction rule, enforced once.

    Accepted only when the bidder is an (optionally verified) provider other than the
    creator, the auction is open, and the amount is within budget and at least
    BID_MIN_DECREMENT below the lowest active bid of another provider.
    """
    fingerprint = _fingerprint("place_bid", auction_id, data)

    def write() -> Outcome:
        closed_now = False
        with write_transaction(turn=("auction", auction_id)) as after_commit:
            hold_active_account(bidder)
            auction = _locked_auction(auction_id)
            replay = _replay(bidder, idempotency_key, fingerprint)
            if replay is not None:
                return replay
            now = utcnow()
            closed_now = _close_if_due(auction, now, after_commit)
            if not closed_now:
                if not auction.is_open:
                    raise _closed_error(auction)
                outcome = _accept_bid(bidder, auction, data, now, after_commit)
                _remember(bidder, idempotency_key, fingerprint, outcome)
        if closed_now:
            raise _closed_error(auction)
        return outcome

    return _keyed(bidder, idempotency_key, fingerprint, write)


def _check_bidder(bidder: User, auction: Auction) -> None:
    if not bidder.is_service_provider:
        raise DomainError("NOT_A_PROVIDER", "Only service providers can bid")
    if current_app.config["REQUIRE_PROVIDER_VERIFICATION"] and not bidder.provider_verified:
        raise DomainError("PROVIDER_NOT_VERIFIED", "Your provider account is not verified yet")
    if auction.created_by == bidder.id:
        raise DomainError("SELF_BID", "You cannot bid on your own auction")


def _accept_bid(
    bidder: User, auction: Auction, data: dict[str, Any], now: datetime, after_commit: AfterCommit
) -> Outcome:
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

    log_event = _record_event(
        auction,
        "bid_placed",
        {"bid": bid.full_dict(), "lowest_bid": amount, "bid_count": auction.bid_count},
        now,
    )
    extended_to = _extend_for_late_bid(auction, now)
    _broadcast(
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
        extension = _record_event(auction, "auction_extended", {"deadline": extended_to, "auction": view}, now)
        _broadcast(after_commit, "auction_updated", {"auction": view}, extension)

    full_bid = bid.full_dict()
    _notify(
        after_commit,
        auction.created_by,
        "new_bid",
        auction,
        f'New bid of {format_inr(amount)} on "{auction.title}".',
        {"bid": full_bid},
    )
    if previous is not None and previous.user_id != bidder.id:
        _notify(
            after_commit,
            previous.user_id,
            "outbid",
            auction,
            f'You were outbid on "{auction.title}": the lowest bid is now {format_inr(amount)}.',
            {"lowest_bid": amount, "your_bid": previous.amount},
        )
    body = {
        "message": "Bid placed successfully",
        "bid": bid.to_dict(bidder, auction),
        "auction": {
            "id": auction.id,
            "lowest_bid": auction.lowest_bid,
            "bid_count": auction.bid_count,
            "deadline": auction.deadline,
        },
    }
    return Outcome(201, to_jsonable(body))


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
    return new_deadline


def withdraw_bid(user: User, auction_id: int, bid_id: int) -> Bid:
    """The bidder takes back its active bid while the auction is open; the row is kept."""
    with write_transaction() as after_commit:
        auction = _locked_auction(auction_id)
        bid = db.session.get(Bid, bid_id, populate_existing=True)
        if bid is None or bid.auction_id != auction.id:
            raise not_found("Bid")
        if bid.user_id != user.id:
            raise DomainError("FORBIDDEN", "You can only withdraw your own bids")
        withdrawn = withdraw_locked_bid(auction, bid, utcnow(), after_commit)
    if not withdrawn:
        raise _closed_error(auction)
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
    if _close_if_due(auction, now, after_commit) or not auction.is_open:
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
    log_event = _record_event(
        auction,
        "bid_withdrawn",
        {"bid_id": bid.id, "lowest_bid": auction.lowest_bid, "bid_count": auction.bid_count, **because},
        now,
    )
    _broadcast(
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
        _notify(
            after_commit,
            auction.created_by,
            "bid_withdrawn",
            auction,
            f'A bid of {format_inr(bid.amount)} on "{auction.title}" was withdrawn ({reason.replace("_", " ")}). '
            + (f"The lowest bid is now {format_inr(auction.lowest_bid)}." if lowest else "No active bids remain."),
            {"bid_id": bid.id, "lowest_bid": auction.lowest_bid, "reason": reason},
        )
    return True


# --------------------------------------------------------------------------- event log


def redact_event(event: AuctionEvent, viewer: User | None, auction: Auction) -> dict[str, Any]:
    """An event as this viewer may see it: other providers' identities stay hidden."""
    payload = dict(event.payload)
    for key in ("bid", "winning_bid"):
        bid = payload.get(key)
        if isinstance(bid, dict):
            mine = viewer is not None and bid.get("user_id") == viewer.id
            if mine or auction.can_manage(viewer):
                payload[key] = {**bid, "is_mine": mine}
            else:
                payload[key] = {k: bid[k] for k in PUBLIC_BID_KEYS if k in bid} | {"is_mine": False}
    return {
        "auction_id": event.auction_id,
        "seq": event.seq,
        "type": event.type,
        "payload": payload,
        "created_at": event.created_at,
        "hash": event.hash,
    }


def verify_event_chain(auction_id: int) -> dict[str, Any]:
    """Recompute the hash chain; report the first seq whose stored hash does not match."""
    prev: str | None = None
    count = 0
    events = db.session.scalars(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq)
    )
    for expected_seq, event in enumerate(events, start=1):
        digest = event_hash(prev, event.auction_id, event.seq, event.type, event.payload, event.created_at)
        if event.seq != expected_seq or event.prev_hash != prev or event.hash != digest:
            return {"valid": False, "events": count, "broken_seq": event.seq}
        prev = event.hash
        count += 1
    return {"valid": True, "events": count}


# --------------------------------------------------------------------------- notifications


def mark_notifications_read(user: User, ids: list[int] | None, everything: bool) -> int:
    """Mark the user's own notifications read. An id that is not one of the user's is a
    NOT_FOUND for the whole request (nothing is marked), as for any other user's resource."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if not everything:
        if not ids:
            raise DomainError("VALIDATION_ERROR", "Validation failed", {"ids": "Give ids or all=true."})
        owned = set(
            db.session.scalars(select(Notification.id).where(Notification.user_id == user.id, Notification.id.in_(ids)))
        )
        missing = sorted(set(ids) - owned)
        if missing:
            raise DomainError("NOT_FOUND", "Notification not found", {"ids": missing})
        stmt = stmt.where(Notification.id.in_(ids))
    result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


# --------------------------------------------------------------------------- categories


def save_category(data: dict[str, Any], category: Category | None = None) -> Category:
    """Create a category, or rename/move one (never under itself or its own subtree)."""
    parent_id = data.get("parent_id", category.parent_id if category else None)
    if parent_id is not None:
        if db.session.get(Category, parent_id) is None:
            raise DomainError("VALIDATION_ERROR", "Validation failed", {"parent_id": "Unknown category."})
        if category is not None and _is_in_subtree(parent_id, category.id):
            raise DomainError(
                "VALIDATION_ERROR", "Validation failed", {"parent_id": "A category cannot move under itself."}
            )
    name = data.get("name", category.name if category else None)
    if name is not None and ("name" in data or "parent_id" in data):
        _ensure_unique_sibling(name, parent_id, category)
    category = category or Category()
    for field in ("name", "description", "parent_id"):
        if field in data:
            setattr(category, field, data[field])
    db.session.add(category)
    _commit_or_conflict()
    return category


def _ensure_unique_sibling(name: str, parent_id: int | None, category: Category | None) -> None:
    """Two "Plumbing" under one parent would split its auctions between look-alikes."""
    same_parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    clash = select(Category.id).where(same_parent, func.lower(Category.name) == name.lower())
    if category is not None and category.id is not None:
        clash = clash.where(Category.id != category.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise DomainError("CONFLICT", "A category with this name already exists there", {"name": "Already used here."})


def _is_in_subtree(candidate_id: int, root_id: int) -> bool:
    current: int | None = candidate_id
    while current is not None:
        if current == root_id:
            return True
        current = db.session.scalar(select(Category.parent_id).where(Category.id == current))
    return False


def delete_category(category: Category) -> None:
    """Refused with CONFLICT while auctions or subcategories still use it."""
    in_use = db.session.scalar(select(Auction.id).where(Auction.category_id == category.id).limit(1))
    has_children = db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1))
    if in_use is not None or has_children is not None:
        raise DomainError(
            "CONFLICT",
            "This category is still in use",
            {"auctions": in_use is not None, "subcategories": has_children is not None},
        )
    db.session.delete(category)
    _commit_or_conflict()
