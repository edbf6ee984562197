"""Offers after the award: the provider confirms or declines, silence lapses, and the job
passes down the bids until someone takes it or none is left (docs/lifecycle.md).

Every transition locks the auction's row first (the chain's lock, the same order as a bid:
account, then auction), changes the booking with an update conditional on its status, logs
the transition in the auction's hash chain, and tells the parties after the commit. Two
writers racing on one booking (confirm against the sweeper's lapse, two sweepers) queue on
the auction's lock; the second finds the status moved and refuses or does nothing.

The auction's own status and winning_bid (docs/lifecycle.md):
- awarded (status "completed"): winning_bid is the bid of the chain's current booking;
- the offer passes on: winning_bid moves to the next bid, logged as `auction_updated`;
- the chain ends unfilled: status "expired" and no winning_bid, logged with the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from bidbazaar.booking_models import Booking, BookingStatus, Party
from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, AuctionStatus, Bid, BidStatus, User, utcnow
from bidbazaar.services.ledger import broadcast, record_event
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify
from bidbazaar.values import format_inr

#: Why an offer passed on or the chain ended (logged, sent to the room and the customer).
OFFER_DECLINED = "offer_declined"
OFFER_LAPSED = "offer_lapsed"
CUSTOMER_CHOICE = "customer_choice"
NO_BIDS_LEFT = "no_bids_left"
CUSTOMER_STOPPED = "customer_stopped"
PROVIDER_DEACTIVATED = "provider_deactivated"
CUSTOMER_DEACTIVATED = "customer_deactivated"

#: The longest reason a booking keeps (Booking.reason).
REASON_LIMIT = 500


# --------------------------------------------------------------------------- reading a booking


def locked_booking(booking_id: int) -> tuple[Auction, Booking]:
    """The booking and its auction, the auction's row locked (it orders the chain)."""
    auction_id = db.session.scalar(select(Booking.auction_id).where(Booking.id == booking_id))
    if auction_id is None:
        raise not_found("Booking")
    auction = locked_auction(auction_id)
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    return auction, booking


def require_party(booking: Booking, user: User, side: str, action: str) -> None:
    """Only `side` may do `action`. Someone with no part in the booking gets NOT_FOUND (a
    booking is private); the other side gets FORBIDDEN."""
    party = booking.party_of(user)
    if party is None:
        raise not_found("Booking")
    if party != side:
        raise DomainError("FORBIDDEN", f"Only the booking's {side} can {action}", {"role": party})


def state_error(booking: Booking, action: str) -> DomainError:
    """The refusal of a transition the booking's status does not allow."""
    return DomainError(
        "BOOKING_STATE", f"A booking that is {booking.status} cannot be {action}", {"status": booking.status}
    )


def move(booking: Booking, allowed: tuple[str, ...], status: str, now: datetime, action: str, **values: Any) -> None:
    """Change the booking's status only if it is still in `allowed` (under the auction's
    lock this always agrees with what was read; the condition is the guarantee)."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(allowed))
        .values(status=status, updated_at=now, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise state_error(booking, action)


def log_transition(
    auction: Auction, booking: Booking, event: str, by: str, now: datetime, after_commit: AfterCommit
) -> None:
    """Log a booking transition in the auction's chain and tell the room (status only:
    the bid shows as its pseudonym, names and reasons stay with the parties)."""
    bid = db.session.get(Bid, booking.bid_id)
    log_event = record_event(auction, event, {"booking": booking.log_view(), "bid": bid.full_dict(), "by": by}, now)
    broadcast(after_commit, log_event, auction)


def tell(
    after_commit: AfterCommit,
    user_id: int,
    type_: str,
    booking: Booking,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    """A personal notification about a booking (its id and status in the data)."""
    notify(
        after_commit,
        user_id,
        type_,
        booking.auction,
        message,
        {"booking_id": booking.id, "status": booking.status, **(data or {})},
    )


# --------------------------------------------------------------------------- offering


def offer_locked(
    auction: Auction, bid: Bid, now: datetime, after_commit: AfterCommit, round_: int = 1, by: str | None = None
) -> Booking:
    """Inside a transaction holding the auction: offer the job to this bid's provider.

    `by` is who caused the offer, for the log: the customer (an award before the deadline,
    a bid picked by hand) or the system (the close at the deadline, a cascade). Left out,
    the first offer is the customer's before the deadline and the system's after it."""
    if by is None:
        by = Party.CUSTOMER if round_ == 1 and auction.deadline > now else Party.SYSTEM
    hours = current_app.config["BOOKING_CONFIRM_HOURS"]
    booking = Booking(
        auction_id=auction.id,
        bid_id=bid.id,
        customer_id=auction.created_by,
        provider_id=bid.user_id,
        amount=bid.amount,
        round=round_,
        status=BookingStatus.OFFERED,
        offered_at=now,
        respond_by=now + timedelta(hours=hours),
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    db.session.flush()
    log_transition(auction, booking, "booking_offered", by, now, after_commit)
    tell(
        after_commit,
        bid.user_id,
        "booking_offered",
        booking,
        f'Confirm "{auction.title}" for {format_inr(bid.amount)} within {hours:g} hours.',
        {"respond_by": booking.respond_by, "amount": bid.amount},
    )
    return booking


def next_bid(auction: Auction) -> Bid | None:
    """The lowest bid still standing at the close (ties: the earliest) of an active provider
    who has not been offered this job yet.

    The provider's row is held shared until the commit, as a bid holds its bidder's: a
    deactivation in progress (it updates the row first) is waited for and its provider
    skipped, instead of the offer going to an account that is being deactivated and that
    the deactivation, having scanned its bookings already, would never settle."""
    return db.session.scalar(
        _offerable(auction).order_by(Bid.amount, Bid.id).limit(1).with_for_update(read=True, of=User)
    )


def _offerable(auction: Auction) -> Any:
    """The auction's bids that may be offered the job: standing at the close (not withdrawn),
    of an active provider, who has not been offered it yet (a provider with two bids is
    offered once, at their lowest)."""
    offered = select(Booking.provider_id).where(Booking.auction_id == auction.id)
    return (
        select(Bid)
        .join(User, User.id == Bid.user_id)
        .where(
            Bid.auction_id == auction.id,
            Bid.status == BidStatus.REJECTED,
            User.is_active.is_(True),
            Bid.user_id.not_in(offered),
        )
    )


def pass_offer(
    auction: Auction,
    ended: Booking,
    bid: Bid | None,
    now: datetime,
    after_commit: AfterCommit,
    reason: str,
    by: str = Party.SYSTEM,
) -> Booking | None:
    """After `ended` stopped being the offer: offer `bid` (the next round), or end the chain
    unfilled when there is none. The auction's winning_bid follows, logged with the reason.
    `by`: who picked `bid` (the system's cascade, or the customer)."""
    db.session.execute(update(Bid).where(Bid.id == ended.bid_id).values(status=BidStatus.REJECTED, updated_at=now))
    if bid is None:
        db.session.execute(
            update(Auction)
            .where(Auction.id == auction.id)
            .values(status=AuctionStatus.EXPIRED, winning_bid_id=None, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    else:
        bid.status = BidStatus.ACCEPTED
        bid.updated_at = now
        auction.winning_bid_id = bid.id
        auction.updated_at = now
    db.session.flush()
    view = auction.to_dict(None)
    winning = bid.full_dict() if bid else None
    log_event = record_event(
        auction,
        "auction_updated",
        {"reason": reason, "status": auction.status, "winning_bid": winning, "auction": view},
        now,
    )
    broadcast(after_commit, log_event, auction)
    if bid is None:
        notify(
            after_commit,
            auction.created_by,
            "booking_unfilled",
            auction,
            f'No bid is left for "{auction.title}". You can post it again.',
            {"reason": reason, "booking_id": ended.id},
        )
        return None
    return offer_locked(auction, bid, now, after_commit, ended.round + 1, by)


def cascade(auction: Auction, ended: Booking, now: datetime, after_commit: AfterCommit, reason: str) -> Booking | None:
    """The offer was declined or lapsed: it passes to the next bid by itself, or, with no
    bid left, the chain ends unfilled (logged as NO_BIDS_LEFT: why the auction expired)."""
    bid = next_bid(auction)
    return pass_offer(auction, ended, bid, now, after_commit, reason if bid is not None else NO_BIDS_LEFT)


# --------------------------------------------------------------------------- the provider answers


@retried
def confirm_booking(user: User, booking_id: int) -> Booking:
    """The provider takes the job: contact details are shared from now on."""
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.PROVIDER, "confirm it")
        now = utcnow()
        expired = lapse_if_late(auction, booking, now, after_commit)
        if not expired:
            move(booking, (BookingStatus.OFFERED,), BookingStatus.CONFIRMED, now, "confirmed", confirmed_at=now)
            log_transition(auction, booking, "booking_confirmed", Party.PROVIDER, now, after_commit)
            tell(
                after_commit,
                booking.customer_id,
                "booking_confirmed",
                booking,
                f'{user.username} confirmed "{auction.title}". You can now see how to reach them.',
            )
    if expired:
        raise offer_expired(booking)
    return booking


@retried
def decline_booking(user: User, booking_id: int, reason: str | None = None) -> Booking:
    """The provider turns the job down; the offer passes to the next bid."""
    reason = checked_text(reason, "reason", REASON_LIMIT)
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.PROVIDER, "decline it")
        now = utcnow()
        expired = lapse_if_late(auction, booking, now, after_commit)
        if not expired:
            decline_locked(auction, booking, now, after_commit, Party.PROVIDER, reason)
    if expired:
        raise offer_expired(booking)
    return booking


def decline_locked(
    auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit, by: str, reason: str | None
) -> Booking | None:
    """Inside a locked transaction: the offer is declined (by the provider, or by their
    deactivation) and passes on. Returns the next offer, if any."""
    move(
        booking,
        (BookingStatus.OFFERED,),
        BookingStatus.DECLINED,
        now,
        "declined",
        ended_at=now,
        ended_by=by,
        reason=reason,
    )
    log_transition(auction, booking, "booking_declined", by, now, after_commit)
    following = cascade(auction, booking, now, after_commit, OFFER_DECLINED if by == Party.PROVIDER else reason)
    tell(
        after_commit,
        booking.customer_id,
        "booking_declined",
        booking,
        f'The provider declined "{auction.title}". ' + passed_on(following),
        {"next_booking_id": following.id if following else None},
    )
    return following


def passed_on(following: Booking | None) -> str:
    """What the customer reads about where the offer went."""
    if following is None:
        return "No bid is left: you can post the job again."
    return f"It was offered to the next-lowest bid ({format_inr(following.amount)}); you may pick another bid instead."


def checked_text(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    """A free-text input of a transition (a reason, a note), stripped: refused with
    VALIDATION_ERROR when missing but required, or longer than its column holds."""
    text = (value or "").strip() or None
    if text is None and required:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {field: "This field is required."})
    if text is not None and len(text) > limit:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {field: f"At most {limit} characters."})
    return text


def offer_expired(booking: Booking) -> DomainError:
    return DomainError(
        "BOOKING_EXPIRED", "The time to answer this offer has passed", {"respond_by": to_jsonable(booking.respond_by)}
    )


# --------------------------------------------------------------------------- lapsing


def lapse_if_late(auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit) -> bool:
    """Inside a locked transaction: lapse an offer whose time has run out (whoever comes
    first, the provider's late answer or the sweeper, does it, once)."""
    if booking.status != BookingStatus.OFFERED or booking.respond_by > now:
        return False
    move(booking, (BookingStatus.OFFERED,), BookingStatus.LAPSED, now, "lapsed", ended_at=now, ended_by=Party.SYSTEM)
    log_transition(auction, booking, "booking_lapsed", Party.SYSTEM, now, after_commit)
    following = cascade(auction, booking, now, after_commit, OFFER_LAPSED)
    tell(
        after_commit,
        booking.provider_id,
        "booking_lapsed",
        booking,
        f'Your offer for "{auction.title}" lapsed unanswered.',
    )
    tell(
        after_commit,
        booking.customer_id,
        "booking_lapsed",
        booking,
        f'The provider did not answer in time for "{auction.title}". ' + passed_on(following),
        {"next_booking_id": following.id if following else None},
    )
    return True


@retried
def lapse_if_due(booking_id: int) -> bool:
    """The sweeper: lapse one unanswered offer; True only for the caller that lapsed it."""
    with write_transaction() as after_commit:
        due = db.session.scalar(
            select(Booking.id).where(
                Booking.id == booking_id, Booking.status == BookingStatus.OFFERED, Booking.respond_by <= utcnow()
            )
        )
        if due is None:
            return False
        auction, booking = locked_booking(booking_id)
        return lapse_if_late(auction, booking, utcnow(), after_commit)


# --------------------------------------------------------------------------- the customer steers


@retried
def reoffer_booking(user: User, booking_id: int, bid_id: int) -> Booking:
    """While an offer waits, the customer offers the job to another remaining bid instead."""
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.CUSTOMER, "offer it to another bid")
        if booking.status != BookingStatus.OFFERED:
            raise state_error(booking, "offered to another bid")
        bid = db.session.get(Bid, bid_id, populate_existing=True)
        if bid is None or bid.auction_id != auction.id:
            raise not_found("Bid")
        # Held shared, as next_bid holds it: a deactivation in progress is waited for.
        provider_active = db.session.scalar(
            select(User.is_active).where(User.id == bid.user_id).with_for_update(read=True)
        )
        if not provider_active or bid.id not in {b.id for b in remaining_bids(auction)}:
            raise DomainError(
                "CONFLICT",
                "That bid cannot be offered the job",
                {"bid_id": "Withdrawn, already offered, or its provider is deactivated."},
            )
        now = utcnow()
        move(
            booking,
            (BookingStatus.OFFERED,),
            BookingStatus.WITHDRAWN,
            now,
            "withdrawn",
            ended_at=now,
            ended_by=Party.CUSTOMER,
            reason=CUSTOMER_CHOICE,
        )
        log_transition(auction, booking, "booking_withdrawn", Party.CUSTOMER, now, after_commit)
        tell(
            after_commit,
            booking.provider_id,
            "booking_cancelled",
            booking,
            f'The customer offered "{auction.title}" to another provider.',
        )
        following = pass_offer(auction, booking, bid, now, after_commit, CUSTOMER_CHOICE, Party.CUSTOMER)
    return following


def remaining_bids(auction: Auction) -> list[Bid]:
    """The bids the customer may still offer the job to, lowest first (ties: earliest):
    each provider's lowest only, as the cascade would offer it."""
    seen: set[int] = set()
    remaining = []
    # The bidders come with the bids: each row shows its provider's name.
    offerable = _offerable(auction).options(contains_eager(Bid.bidder)).order_by(Bid.amount, Bid.id)
    for bid in db.session.scalars(offerable):
        if bid.user_id not in seen:
            seen.add(bid.user_id)
            remaining.append(bid)
    return remaining


def stop_locked(
    auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit, by: str, reason: str | None
) -> None:
    """Inside a locked transaction: the customer (or their deactivation) withdraws the
    waiting offer and stops the chain: the auction ends unfilled."""
    move(
        booking,
        (BookingStatus.OFFERED,),
        BookingStatus.WITHDRAWN,
        now,
        "withdrawn",
        ended_at=now,
        ended_by=by,
        reason=reason,
    )
    log_transition(auction, booking, "booking_withdrawn", by, now, after_commit)
    tell(
        after_commit,
        booking.provider_id,
        "booking_cancelled",
        booking,
        f'The customer withdrew the offer for "{auction.title}".',
        {"reason": reason},
    )
    pass_offer(
        auction, booking, None, now, after_commit, CUSTOMER_STOPPED if by == Party.CUSTOMER else CUSTOMER_DEACTIVATED
    )
