"""After the award: bookings between a customer and a provider, and the reviews each leaves.

A booking is one offer of the job to one bid's provider. When an offer is declined or
lapses, the next bid gets a new booking (the next `round`); the auction's bookings in
round order are its chain. docs/lifecycle.md draws the states and who moves them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index

from bidbazaar.extensions import db
from bidbazaar.models import MONEY, MYSQL_TABLE_OPTIONS, Auction, Bid, User, _in
from bidbazaar.values import UTCDateTime, utcnow


class BookingStatus:
    OFFERED = "offered"  # waiting for the provider to confirm or decline
    CONFIRMED = "confirmed"  # both sides see each other's contact details
    DONE = "done"  # the provider says the work is done; the customer completes it
    DISPUTED = "disputed"  # the customer reported a no-show; an admin decides
    COMPLETED = "completed"
    DECLINED = "declined"  # by the provider (or their deactivation): the offer cascades
    LAPSED = "lapsed"  # not answered in time: the offer cascades
    WITHDRAWN = "withdrawn"  # the customer picked another bid, stopped, or left
    CANCELLED = "cancelled"  # by either side after confirming, with a reason
    NO_SHOW = "no_show"  # a no-show report an admin upheld
    ALL = (OFFERED, CONFIRMED, DONE, DISPUTED, COMPLETED, DECLINED, LAPSED, WITHDRAWN, CANCELLED, NO_SHOW)
    #: Still in play: the chain's current booking is in one of these.
    OPEN = (OFFERED, CONFIRMED, DONE, DISPUTED)
    #: Confirmed once (whatever happened next): contact details are shared.
    CONFIRMED_ONCE = (CONFIRMED, DONE, DISPUTED, COMPLETED, CANCELLED, NO_SHOW)


class Party:
    """Who moved a booking (`Booking.ended_by`, the log's `by`)."""

    CUSTOMER = "customer"
    PROVIDER = "provider"
    SYSTEM = "system"  # the sweeper: a lapse, an auto-completion
    ADMIN = "admin"


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("status", BookingStatus.ALL), name="status"),
        CheckConstraint("round >= 1", name="round_positive"),
        db.UniqueConstraint("auction_id", "round", name="uq_bookings_auction_round"),
        db.UniqueConstraint("bid_id", name="uq_bookings_bid"),
        # The sweeper's two scans, and each side's "my bookings".
        Index("ix_bookings_status_respond_by", "status", "respond_by"),
        Index("ix_bookings_status_auto_complete_at", "status", "auto_complete_at"),
        Index("ix_bookings_customer_id_id", "customer_id", "id"),
        Index("ix_bookings_provider_id_id", "provider_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), nullable=False)
    bid_id = db.Column(db.Integer, db.ForeignKey("bids.id"), nullable=False)
    customer_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    provider_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    amount = db.Column(MONEY, nullable=False)
    round = db.Column(db.Integer, nullable=False, default=1)
    status = db.Column(db.String(20), nullable=False, default=BookingStatus.OFFERED)
    offered_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    respond_by = db.Column(UTCDateTime, nullable=False)
    confirmed_at = db.Column(UTCDateTime)
    done_at = db.Column(UTCDateTime)
    # "done" completes itself at this time unless the customer reports a no-show first.
    auto_complete_at = db.Column(UTCDateTime)
    completed_at = db.Column(UTCDateTime)
    # How a booking that did not complete ended: declined, lapsed, withdrawn, cancelled.
    ended_at = db.Column(UTCDateTime)
    ended_by = db.Column(db.String(10))
    reason = db.Column(db.String(500))
    no_show_reported_at = db.Column(UTCDateTime)
    no_show_note = db.Column(db.String(2000))
    # The admin's decision on a no-show report: "upheld" or "rejected", with a note.
    decision = db.Column(db.String(10))
    decided_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(UTCDateTime)
    decision_note = db.Column(db.String(500))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    auction = db.relationship(Auction, foreign_keys=[auction_id])
    bid = db.relationship(Bid, foreign_keys=[bid_id])
    customer = db.relationship(User, foreign_keys=[customer_id])
    provider = db.relationship(User, foreign_keys=[provider_id])

    @property
    def is_open(self) -> bool:
        return self.status in BookingStatus.OPEN

    @property
    def contacts_shared(self) -> bool:
        """Contact details show once the provider confirmed, never before."""
        return self.confirmed_at is not None

    def party_of(self, user: User | None) -> str | None:
        """ "customer", "provider" or None: the viewer's side of this booking."""
        if user is None:
            return None
        if user.id == self.customer_id:
            return Party.CUSTOMER
        if user.id == self.provider_id:
            return Party.PROVIDER
        return None

    def seconds_to_respond(self, now: datetime) -> int:
        if self.status != BookingStatus.OFFERED:
            return 0
        return max(0, int((self.respond_by - now).total_seconds()))

    def to_dict(self, viewer: User | None, now: datetime | None = None) -> dict[str, Any]:
        """A party's (or an admin's) view: the other side's contact details only once confirmed."""
        now = now or utcnow()
        view = {
            "id": self.id,
            "auction_id": self.auction_id,
            "auction_title": self.auction.title,
            "bid_id": self.bid_id,
            "customer": {"id": self.customer_id, "username": self.customer.username},
            "provider": {"id": self.provider_id, "username": self.provider.username},
            "amount": self.amount,
            "round": self.round,
            "status": self.status,
            "offered_at": self.offered_at,
            "respond_by": self.respond_by,
            "seconds_to_respond": self.seconds_to_respond(now),
            "confirmed_at": self.confirmed_at,
            "done_at": self.done_at,
            "auto_complete_at": self.auto_complete_at,
            "completed_at": self.completed_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "reason": self.reason,
            "no_show_reported_at": self.no_show_reported_at,
            "decision": self.decision,
            "decided_at": self.decided_at,
            "your_role": self.party_of(viewer),
        }
        if self.contacts_shared:
            view["customer"].update(contact_of(self.customer))
            view["provider"].update(contact_of(self.provider))
        return view

    def log_view(self) -> dict[str, Any]:
        """What the auction's public event log keeps of a booking: no names, no reasons."""
        return {"id": self.id, "round": self.round, "status": self.status, "bid_id": self.bid_id}


def contact_of(user: User) -> dict[str, Any]:
    """How to reach a user: shown to the other side of a confirmed booking only."""
    return {"email": user.email, "phone": user.phone}


class Review(db.Model):
    """One side's review of the other after completion; published double-blind."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint(_in("author_role", ("customer", "provider")), name="author_role"),
        db.UniqueConstraint("booking_id", "author_id", name="uq_reviews_booking_author"),
        Index("ix_reviews_subject_id_published_at", "subject_id", "published_at"),
        Index("ix_reviews_published_at_id", "published_at", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    booking_id = db.Column(db.Integer, db.ForeignKey("bookings.id"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    subject_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    author_role = db.Column(db.String(10), nullable=False)
    rating = db.Column(db.Integer, nullable=False)
    comment = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Set when both sides have written or the window ended; unpublished reviews are
    # seen by their author only.
    published_at = db.Column(UTCDateTime)
    reply = db.Column(db.Text)
    replied_at = db.Column(UTCDateTime)
    hidden_at = db.Column(UTCDateTime)
    hidden_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    hidden_reason = db.Column(db.String(500))

    booking = db.relationship(Booking, foreign_keys=[booking_id])
    author = db.relationship(User, foreign_keys=[author_id])

    def to_dict(self, viewer: User | None = None) -> dict[str, Any]:
        """The public view of a published review (admins and the author see more)."""
        view: dict[str, Any] = {
            "id": self.id,
            "booking_id": self.booking_id,
            "author": {"id": self.author_id, "username": self.author.username},
            "subject_id": self.subject_id,
            "author_role": self.author_role,
            "rating": self.rating,
            "comment": self.comment,
            "created_at": self.created_at,
            "published_at": self.published_at,
            "reply": self.reply,
            "replied_at": self.replied_at,
            "hidden": self.hidden_at is not None,
        }
        if viewer is not None and viewer.is_admin:
            view.update(hidden_at=self.hidden_at, hidden_reason=self.hidden_reason)
        return view


for _table in (Booking.__table__, Review.__table__):
    _table.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)
