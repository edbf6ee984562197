"""Reviews after completion: one per side, published double-blind, one public reply each,
hidden (never deleted) by an admin.

Double-blind: a review stays with its author until the other side has written theirs or
REVIEW_WINDOW_DAYS after completion have passed, so nobody rates in retaliation. The two
reviews of a booking are written under the auction's row lock, so when both sides write at
once exactly one of them sees the other's review and publishes both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from bidbazaar.booking_models import Booking, BookingStatus, Party, Review
from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.models import User, utcnow
from bidbazaar.services.bookings import checked_text, locked_booking, tell
from bidbazaar.services.locks import hold_active_account, locked_auction

MAX_COMMENT = 2000
MAX_REPLY = 2000
HIDE_REASON_LIMIT = 500


def checked_rating(rating: object) -> int:
    """1 to 5 whole stars (a bool or a fraction is not a rating)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {"rating": "1 to 5 stars."})
    return rating


def review_window_end(booking: Booking) -> datetime | None:
    """Until when the two sides may review each other (None before completion)."""
    if booking.completed_at is None:
        return None
    return booking.completed_at + timedelta(days=current_app.config["REVIEW_WINDOW_DAYS"])


@retried
def write_review(user: User, booking_id: int, rating: int, comment: str | None = None) -> Review:
    """A side of a completed booking rates the other (1-5 stars, an optional comment)."""
    rating = checked_rating(rating)
    comment = checked_text(comment, "comment", MAX_COMMENT)
    with write_transaction() as after_commit:
        hold_active_account(user)
        _auction, booking = locked_booking(booking_id)
        party = booking.party_of(user)
        if party is None:
            raise not_found("Booking")
        if booking.status != BookingStatus.COMPLETED:
            raise DomainError("BOOKING_STATE", "Only a completed booking can be reviewed", {"status": booking.status})
        now = utcnow()
        closes = review_window_end(booking)
        if now >= closes:
            raise DomainError(
                "REVIEW_CLOSED", "The time to review this booking has passed", {"closed_at": closes.isoformat()}
            )
        reviews = db.session.scalars(select(Review).where(Review.booking_id == booking.id)).all()
        if any(r.author_id == user.id for r in reviews):
            raise DomainError("REVIEW_EXISTS", "You have already reviewed this booking")
        subject = booking.provider_id if party == Party.CUSTOMER else booking.customer_id
        review = Review(
            booking_id=booking.id,
            author_id=user.id,
            subject_id=subject,
            author_role=party,
            rating=rating,
            comment=comment,
            created_at=now,
        )
        db.session.add(review)
        db.session.flush()
        if reviews:  # the other side wrote first: both go public now
            publish(booking, [*reviews, review], now, after_commit)
    return review


def publish(booking: Booking, reviews: list[Review], now: datetime, after_commit: AfterCommit) -> int:
    """Publish a booking's unpublished reviews (conditionally: once) and tell each subject."""
    ids = [r.id for r in reviews if r.published_at is None]
    if not ids:
        return 0
    result = db.session.execute(
        update(Review)
        .where(Review.id.in_(ids), Review.published_at.is_(None))
        .values(published_at=now)
        .execution_options(synchronize_session="fetch")
    )
    for review in reviews:
        if review.id in ids:
            tell(
                after_commit,
                review.subject_id,
                "review_published",
                booking,
                f'You were rated {review.rating}/5 for "{booking.auction.title}".',
                {"review_id": review.id, "rating": review.rating},
            )
    return result.rowcount


@retried
def publish_if_window_ended(booking_id: int) -> int:
    """The sweeper: publish what a booking's sides wrote once its review window ended."""
    with write_transaction() as after_commit:
        _auction, booking = locked_booking(booking_id)
        closes = review_window_end(booking)
        if closes is None or utcnow() < closes:
            return 0
        pending = db.session.scalars(
            select(Review).where(Review.booking_id == booking.id, Review.published_at.is_(None))
        ).all()
        return publish(booking, list(pending), utcnow(), after_commit)


def bookings_with_due_reviews(now: datetime, limit: int = 500) -> list[int]:
    """Completed bookings whose window ended with a review still unpublished."""
    window = timedelta(days=current_app.config["REVIEW_WINDOW_DAYS"])
    return list(
        db.session.scalars(
            select(Booking.id)
            .join(Review, Review.booking_id == Booking.id)
            .where(Review.published_at.is_(None), Booking.completed_at <= now - window)
            .distinct()
            .limit(limit)
        )
    )


@retried
def reply_to_review(user: User, review_id: int, reply: str) -> Review:
    """The reviewed side answers a published review, once, in public."""
    reply = checked_text(reply, "reply", MAX_REPLY, required=True)
    with write_transaction():
        hold_active_account(user)
        review = _locked_review(review_id)
        if review.subject_id != user.id:
            raise DomainError("FORBIDDEN", "Only the reviewed user can reply")
        if review.published_at is None or review.hidden_at is not None:
            raise DomainError("REVIEW_STATE", "Only a published review can be answered")
        if review.reply is not None:
            raise DomainError("REVIEW_EXISTS", "You have already replied to this review")
        review.reply = reply
        review.replied_at = utcnow()
    return review


@retried
def hide_review(admin: User, review_id: int, reason: str) -> Review:
    """An admin hides a review from the public (kept, with who hid it and why)."""
    if not admin.is_admin:
        raise DomainError("FORBIDDEN", "Only an admin can hide a review")
    reason = checked_text(reason, "reason", HIDE_REASON_LIMIT, required=True)
    with write_transaction():
        hold_active_account(admin)
        review = _locked_review(review_id)
        if review.hidden_at is not None:
            raise DomainError("REVIEW_STATE", "This review is already hidden")
        review.hidden_at = utcnow()
        review.hidden_by = admin.id
        review.hidden_reason = reason
    return review


def _locked_review(review_id: int) -> Review:
    """A review under its auction's lock (the one lock a booking's writes take)."""
    auction_id = db.session.scalar(
        select(Booking.auction_id).join(Review, Review.booking_id == Booking.id).where(Review.id == review_id)
    )
    if auction_id is None:
        raise not_found("Review")
    locked_auction(auction_id)
    return db.session.get(Review, review_id, populate_existing=True)
