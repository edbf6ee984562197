"""A confirmed booking until it ends: done, completed (by the customer, or by itself a
while after "done"), cancelled by either side with a reason, or a no-show an admin decides.
And what a deactivation does to the bookings an account is part of.

The same discipline as bookings.py: the auction's row is locked first, the status moves by
a conditional update, the chain logs it, and the parties hear of it after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from bidbazaar.booking_models import Booking, BookingStatus, Party
from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, User, utcnow
from bidbazaar.services.bookings import (
    CUSTOMER_DEACTIVATED,
    PROVIDER_DEACTIVATED,
    REASON_LIMIT,
    checked_text,
    decline_locked,
    locked_booking,
    log_transition,
    move,
    require_party,
    state_error,
    stop_locked,
    tell,
)
from bidbazaar.services.locks import hold_active_account

#: Where a booking may be cancelled from, and where the customer may complete or report it.
UNDER_WAY = (BookingStatus.CONFIRMED, BookingStatus.DONE)
#: How much of a cancellation's reason the notification's message quotes: with the longest
#: title it stays within Notification.message; the whole reason is in its data.
REASON_IN_MESSAGE = 200
#: The longest no-show report and admin decision note the booking keeps.
NOTE_LIMIT = 2000
DECISION_NOTE_LIMIT = 500


@retried
def cancel_booking(user: User, booking_id: int, reason: str) -> Booking:
    """Either side calls a booking off before completion, saying why; the other is told.

    The customer cancelling an offer still waiting for an answer withdraws it and stops
    the chain (the auction ends unfilled; the job can be posted again). A provider with an
    offer declines it instead (decline_booking), so that it passes on.
    """
    if not reason or not reason.strip():
        raise DomainError("VALIDATION_ERROR", "Validation failed", {"reason": "Say why you cancel."})
    reason = checked_text(reason, "reason", REASON_LIMIT)
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        party = booking.party_of(user)
        if party is None:
            require_party(booking, user, Party.CUSTOMER, "cancel it")  # raises NOT_FOUND
        now = utcnow()
        # Past its auto-completion time a "done" booking completes (committed) and the
        # cancellation is refused below.
        late = complete_if_late(auction, booking, now, after_commit)
        if not late and booking.status == BookingStatus.OFFERED:
            if party != Party.CUSTOMER:
                raise DomainError(
                    "BOOKING_STATE", "Decline the offer instead of cancelling it", {"status": booking.status}
                )
            stop_locked(auction, booking, now, after_commit, Party.CUSTOMER, reason)
        elif not late:
            cancel_locked(auction, booking, now, after_commit, party, reason)
    if late:
        raise completed_by_itself(booking)
    return booking


def complete_if_late(auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit) -> bool:
    """Inside a locked transaction: a "done" booking whose auto-completion time has come
    completes now, whoever comes first (the sweeper, or a late cancel or no-show report,
    which is then refused): the customer's time to object ended at auto_complete_at."""
    if booking.status != BookingStatus.DONE or booking.auto_complete_at > now:
        return False
    complete_locked(auction, booking, now, after_commit, Party.SYSTEM, (BookingStatus.DONE,))
    return True


def completed_by_itself(booking: Booking) -> DomainError:
    return DomainError(
        "BOOKING_EXPIRED",
        "The time to object has passed: the booking completed by itself",
        {"auto_complete_at": to_jsonable(booking.auto_complete_at), "status": BookingStatus.COMPLETED},
    )


def cancel_locked(
    auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit, by: str, reason: str
) -> None:
    """Inside a locked transaction: a confirmed booking is called off by one side."""
    move(booking, UNDER_WAY, BookingStatus.CANCELLED, now, "cancelled", ended_at=now, ended_by=by, reason=reason)
    log_transition(auction, booking, "booking_cancelled", by, now, after_commit)
    other = booking.provider_id if by == Party.CUSTOMER else booking.customer_id
    tell(
        after_commit,
        other,
        "booking_cancelled",
        booking,
        f'The {by} cancelled "{auction.title}": {quoted(reason)}',
        {"reason": reason, "by": by},
    )


def quoted(reason: str) -> str:
    """The reason as a notification's message quotes it (REASON_IN_MESSAGE at most)."""
    if len(reason) <= REASON_IN_MESSAGE:
        return reason
    return reason[: REASON_IN_MESSAGE - 1] + "…"


@retried
def mark_done(user: User, booking_id: int) -> Booking:
    """The provider says the work is done; it completes by itself after
    BOOKING_AUTO_COMPLETE_DAYS unless the customer completes it or reports a problem."""
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.PROVIDER, "mark it done")
        now = utcnow()
        days = current_app.config["BOOKING_AUTO_COMPLETE_DAYS"]
        move(
            booking,
            (BookingStatus.CONFIRMED,),
            BookingStatus.DONE,
            now,
            "marked done",
            done_at=now,
            auto_complete_at=now + timedelta(days=days),
        )
        log_transition(auction, booking, "booking_done", Party.PROVIDER, now, after_commit)
        tell(
            after_commit,
            booking.customer_id,
            "booking_done",
            booking,
            f'The provider marked "{auction.title}" done. Complete it, or report a problem within {days:g} days.',
            {"auto_complete_at": booking.auto_complete_at},
        )
    return booking


@retried
def complete_booking(user: User, booking_id: int) -> Booking:
    """The customer says the job was done: reviews open for both sides."""
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.CUSTOMER, "complete it")
        complete_locked(auction, booking, utcnow(), after_commit, Party.CUSTOMER, UNDER_WAY)
    return booking


def complete_locked(
    auction: Auction,
    booking: Booking,
    now: datetime,
    after_commit: AfterCommit,
    by: str,
    allowed: tuple[str, ...],
    **values: Any,
) -> None:
    """Inside a locked transaction: the booking completes (reviews open for both sides).
    `values`: more columns set in the same conditional update (an admin's decision)."""
    move(booking, allowed, BookingStatus.COMPLETED, now, "completed", completed_at=now, **values)
    log_transition(auction, booking, "booking_completed", by, now, after_commit)
    message = f'"{auction.title}" is complete. Leave a review within {current_app.config["REVIEW_WINDOW_DAYS"]:g} days.'
    tell(after_commit, booking.provider_id, "booking_completed", booking, message)
    if by != Party.CUSTOMER:
        tell(after_commit, booking.customer_id, "booking_completed", booking, message)


@retried
def auto_complete_if_due(booking_id: int) -> bool:
    """The sweeper: complete a "done" booking whose customer said nothing in time; True only
    for the caller that completed it."""
    with write_transaction() as after_commit:
        due = db.session.scalar(
            select(Booking.id).where(
                Booking.id == booking_id, Booking.status == BookingStatus.DONE, Booking.auto_complete_at <= utcnow()
            )
        )
        if due is None:
            return False
        auction, booking = locked_booking(booking_id)
        now = utcnow()
        return complete_if_late(auction, booking, now, after_commit)


@retried
def report_no_show(user: User, booking_id: int, note: str | None = None) -> Booking:
    """The customer says the provider never came: an admin decides (the booking waits)."""
    note = checked_text(note, "note", NOTE_LIMIT)
    with write_transaction() as after_commit:
        hold_active_account(user)
        auction, booking = locked_booking(booking_id)
        require_party(booking, user, Party.CUSTOMER, "report a no-show")
        now = utcnow()
        late = complete_if_late(auction, booking, now, after_commit)
        if not late:
            report_locked(auction, booking, now, after_commit, note)
    if late:
        raise completed_by_itself(booking)
    return booking


def report_locked(
    auction: Auction, booking: Booking, now: datetime, after_commit: AfterCommit, note: str | None
) -> None:
    """Inside a locked transaction: the booking waits for an admin's decision."""
    move(booking, UNDER_WAY, BookingStatus.DISPUTED, now, "reported", no_show_reported_at=now, no_show_note=note)
    log_transition(auction, booking, "no_show_reported", Party.CUSTOMER, now, after_commit)
    tell(
        after_commit,
        booking.provider_id,
        "no_show_reported",
        booking,
        f'The customer reported that you did not show up for "{auction.title}". An admin will decide.',
    )


@retried
def decide_no_show(admin: User, booking_id: int, upheld: bool, note: str | None = None) -> Booking:
    """An admin decides a no-show report: upheld counts against the provider; rejected
    completes the booking."""
    if not admin.is_admin:
        raise DomainError("FORBIDDEN", "Only an admin can decide a no-show report")
    note = checked_text(note, "note", DECISION_NOTE_LIMIT)
    with write_transaction() as after_commit:
        hold_active_account(admin)
        auction, booking = locked_booking(booking_id)
        if booking.status != BookingStatus.DISPUTED:
            raise state_error(booking, "decided")
        now = utcnow()
        decision = {"decision": "upheld" if upheld else "rejected", "decided_by": admin.id, "decided_at": now}
        if upheld:
            move(
                booking, (BookingStatus.DISPUTED,), BookingStatus.NO_SHOW, now, "decided",
                ended_at=now, ended_by=Party.ADMIN, decision_note=note, **decision,
            )  # fmt: skip
            log_transition(auction, booking, "no_show_upheld", Party.ADMIN, now, after_commit)
        else:
            complete_locked(
                auction, booking, now, after_commit, Party.ADMIN, (BookingStatus.DISPUTED,),
                decision_note=note, **decision,
            )  # fmt: skip
        verdict = "upheld" if upheld else "rejected"
        for user_id in (booking.customer_id, booking.provider_id):
            tell(
                after_commit,
                user_id,
                "no_show_decided",
                booking,
                f'The no-show report on "{auction.title}" was {verdict}.',
                {"decision": verdict},
            )
    return booking


# --------------------------------------------------------------------------- deactivation


def open_booking_auctions(user_id: int) -> list[int]:
    """The auctions whose open bookings a deactivation of this user must settle."""
    return list(
        db.session.scalars(
            select(Booking.auction_id).where(
                (Booking.provider_id == user_id) | (Booking.customer_id == user_id),
                Booking.status.in_(BookingStatus.OPEN),
            )
        )
    )


def settle_bookings(user: User, auction: Auction, now: datetime, after_commit: AfterCommit) -> int:
    """Inside a deactivation, holding this auction's lock: a provider's waiting offer is
    declined (and passes on); a customer's is withdrawn (the chain ends). For a confirmed
    booking the other side is told (and the admin console lists it). Returns offers ended."""
    ended = 0
    bookings = db.session.scalars(
        select(Booking)
        .where(
            Booking.auction_id == auction.id,
            (Booking.provider_id == user.id) | (Booking.customer_id == user.id),
            Booking.status.in_(BookingStatus.OPEN),
        )
        .execution_options(populate_existing=True)
    ).all()
    for booking in bookings:
        as_provider = booking.provider_id == user.id
        if booking.status == BookingStatus.OFFERED:
            if as_provider:
                decline_locked(auction, booking, now, after_commit, Party.SYSTEM, PROVIDER_DEACTIVATED)
            else:
                stop_locked(auction, booking, now, after_commit, Party.SYSTEM, CUSTOMER_DEACTIVATED)
            ended += 1
            continue
        other = booking.customer_id if as_provider else booking.provider_id
        who = "provider" if as_provider else "customer"
        tell(
            after_commit,
            other,
            "booking_party_deactivated",
            booking,
            f'The {who} of "{auction.title}" was deactivated. Our team will contact you.',
            {"deactivated": who},
        )
    return ended
