"""The books every write keeps: the auction's hash-chained event log (append, verify, and
redact for a viewer), the room frames sent once the log entry is committed, and the
idempotency records that let a retried write answer what it answered the first time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bidbazaar import realtime
from bidbazaar.database import AfterCommit
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, AuctionEvent, IdempotencyRecord, User, bid_view, utcnow

Result = TypeVar("Result")

#: What response_status holds for a receipt: every keyed write creates something. The
#: column predates receipts (it held the REST status); each door renders its own answer.
CREATED = 201


@dataclass(frozen=True)
class Receipt:
    """A keyed write's result as JSON values, kept whole so a retry answers word for word.

    Subclasses declare the snapshot's parts as fields; the idempotency record stores them
    by name (the same keys as the first REST body, whose "message" a revival ignores).
    """

    replayed: bool = field(default=False, kw_only=True)

    def receipt(self) -> dict[str, Any]:
        """What the idempotency record keeps of the result."""
        return {part.name: getattr(self, part.name) for part in fields(self) if part.name != "replayed"}

    @classmethod
    def revive(cls, receipt: dict[str, Any]) -> Self:
        """The result again, from a stored receipt, marked as a replay."""
        parts = {part.name: receipt[part.name] for part in fields(cls) if part.name != "replayed"}
        return cls(**parts, replayed=True)


# --------------------------------------------------------------------------- event log


def _canonical(value: Any) -> str:
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str | None, auction_id: int, seq: int, type_: str, payload: Any, created_at: Any) -> str:
    """The chain link of one event: its canonical JSON hashed after the previous link."""
    body = _canonical(
        {"auction_id": auction_id, "seq": seq, "type": type_, "payload": payload, "created_at": created_at}
    )
    return hashlib.sha256(((prev_hash or "") + body).encode()).hexdigest()


def record_event(auction: Auction, type_: str, payload: dict[str, Any], now: datetime) -> AuctionEvent:
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


def broadcast(after_commit: AfterCommit, log_event: AuctionEvent, auction: Auction) -> None:
    """Queue the room frame of a logged event, sent once the transaction commits.

    The frame is the log entry itself as an anonymous watcher replays it (redact_event with
    no viewer): its event name is the entry's `type`, its body the entry's `payload` plus
    `auction_id`, `seq` and `server_time`. Live and replayed therefore cannot disagree.
    """
    # Read everything now: after the commit the entry's attributes are expired, and reading
    # one would load the row again in a transaction of its own.
    name = log_event.type
    frame = {"auction_id": log_event.auction_id, **payload_for(log_event, auction), "seq": log_event.seq}
    room = realtime.auction_room(log_event.auction_id)

    def send() -> None:
        realtime.publish(name, {**frame, "server_time": utcnow()}, room)

    after_commit.append(send)


class _LoggedBid:
    """A bid as the log stored it (models.bid_full_view, as JSON), read like a Bid so that
    models.bid_view, the one bid privacy rule, decides what a viewer sees of it."""

    __slots__ = ("_logged",)

    def __init__(self, logged: dict[str, Any]) -> None:
        self._logged = logged

    def __getattr__(self, name: str) -> Any:
        try:
            return self._logged[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def bidder_number(self) -> str:
        # The log keeps the rendered pseudonym; bid_public_view renders it again from this.
        return self._logged["bidder"].removeprefix("Bidder ")


def redact_event(event: AuctionEvent, viewer: User | None, auction: Auction) -> dict[str, Any]:
    """An event as this viewer may see it: other providers' identities stay hidden."""
    return {
        "auction_id": event.auction_id,
        "seq": event.seq,
        "type": event.type,
        "payload": payload_for(event, auction, viewer),
        "created_at": event.created_at,
        "hash": event.hash,
    }


def payload_for(event: AuctionEvent, auction: Auction, viewer: User | None = None) -> dict[str, Any]:
    """The event's payload as this viewer may see it (models.bid_view, the one bid privacy rule);
    no viewer: the public view every room frame carries."""
    payload = dict(event.payload)
    for key in ("bid", "winning_bid"):
        logged = payload.get(key)
        if isinstance(logged, dict):
            payload[key] = bid_view(_LoggedBid(logged), viewer, auction)
    return payload


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


# --------------------------------------------------------------------------- idempotency records
#
# A keyed write stores a receipt: the JSON values of its result as the first answer showed
# them (e.g. the bid as its bidder saw it and the auction right after), not that answer's
# rendering. The same key replays through every door (a socket retry of a REST bid gets an
# ack), and each door renders its own answer around the receipt, so a retry is answered
# byte for byte as the first request even after the bid was outbid or withdrawn. Records
# written before receipts hold the REST body, which carries the same keys.


def fingerprint(operation: str, target: Any, data: dict[str, Any]) -> str:
    """What a key was first used for: reusing it for anything else is a CONFLICT."""
    return hashlib.sha256(_canonical({"op": operation, "target": target, "data": data}).encode()).hexdigest()


def replay(user: User, key: str | None, fingerprint: str, revive: Callable[[dict[str, Any]], Result]) -> Result | None:
    """The result stored under this user's key, revived from its receipt; None if unused."""
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
    return revive(record.response_body)


def remember(user: User, key: str | None, fingerprint: str, receipt: dict[str, Any]) -> None:
    """Store the receipt under the key in the write's transaction (no key: nothing to keep)."""
    if key:
        db.session.add(
            IdempotencyRecord(
                user_id=user.id,
                key=key,
                fingerprint=fingerprint,
                response_status=CREATED,
                response_body=receipt,
            )
        )
        db.session.flush()


def keyed(
    user: User,
    key: str | None,
    fingerprint: str,
    write: Callable[[], Result],
    revive: Callable[[dict[str, Any]], Result],
) -> Result:
    """Run a keyed write once. A racing twin that lost the unique-key race replays the winner."""
    try:
        return write()
    except IntegrityError as exc:
        db.session.rollback()
        if key:
            replayed = replay(user, key, fingerprint, revive)
            if replayed is not None:
                return replayed
        raise conflict() from exc


def conflict() -> DomainError:
    """A constraint the checks above could not foresee (a concurrent change): a 409, not a 500."""
    return DomainError("CONFLICT", "The request conflicts with a concurrent change; please retry")


def commit_or_conflict() -> None:
    """Commit; a constraint the database refuses becomes conflict()."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict() from exc
