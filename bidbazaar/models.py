"""Database models, their invariants, and one serialiser per model with a viewer argument."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import DDL, CheckConstraint, Index, event

from bidbazaar.extensions import db
from bidbazaar.values import CANCEL_REASON_MAX, UTCDateTime, utcnow

MONEY = db.Numeric(10, 2, asdecimal=True)


class AuctionStatus:
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ALL = (ACTIVE, COMPLETED, CANCELLED, EXPIRED)


class BidStatus:
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ALL = (ACTIVE, WITHDRAWN, ACCEPTED, REJECTED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False)
    email = db.Column(db.String(120), nullable=False)
    # Lower-cased by the database itself, each under a plain unique index: "Asha" and
    # "asha" are one account on all three databases (MariaDB cannot index an expression).
    # Look them up with the same SQL lower() (accounts.py), never Python's.
    username_key = db.Column(db.String(80), db.Computed("lower(username)", persisted=True))
    email_key = db.Column(db.String(120), db.Computed("lower(email)", persisted=True))
    password_hash = db.Column(db.String(255), nullable=False)
    # An Indian mobile number as +91 and ten digits (forms.fields.IndianMobileField);
    # shown only to the other side of a confirmed booking.
    phone = db.Column(db.String(16))
    is_service_provider = db.Column(db.Boolean, nullable=False, default=False)
    provider_verified = db.Column(db.Boolean, nullable=False, default=False)
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    # The address proved by a link mailed to it (mail_models.AccountToken); changing the
    # email clears it. Only a verified address gets notification emails.
    email_verified = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    #: The secret of the browser session this object was loaded for (see accounts.py);
    #: Flask-Login keeps it in the cookie instead of the user's id, so logout can revoke it.
    session_secret = None

    def get_id(self) -> str | None:
        return self.session_secret

    def to_public_dict(self) -> dict[str, Any]:
        """What anyone may see: no email."""
        return {
            "id": self.id,
            "username": self.username,
            "is_service_provider": self.is_service_provider,
            "provider_verified": self.provider_verified,
            "created_at": self.created_at,
        }

    def to_private_dict(self) -> dict[str, Any]:
        """What the user sees of itself."""
        return {
            **self.to_public_dict(),
            "email": self.email,
            "email_verified": self.email_verified,
            "phone": self.phone,
            "is_admin": self.is_admin,
            "is_active": self.is_active,
        }


Index("uq_users_username_key", User.username_key, unique=True)
Index("uq_users_email_key", User.email_key, unique=True)


class AuthToken(db.Model):
    """A browser session or an API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "auth_tokens"
    __table_args__ = (
        CheckConstraint(_in("kind", ("session", "api")), name="kind"),
        Index("ix_auth_tokens_user_active", "user_id", "revoked_at"),
    )
    SESSION = "session"
    API = "api"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime)

    user = db.relationship(User, lazy="joined")


class Category(db.Model):
    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.Text)
    parent_id = db.Column(db.Integer, db.ForeignKey("categories.id"), index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "parent_id": self.parent_id,
        }


def _trigram_index(table: str, column: str) -> Index:
    """PostgreSQL only: a pg_trgm GIN index, so the search box's ILIKE '%word%' reads the
    matching rows instead of every auction (SQLite and MySQL scan; see migration 0008).
    `info["dialect"]` tells migrations/env.py to compare it on PostgreSQL alone."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        info={"dialect": "postgresql"},
    ).ddl_if(dialect="postgresql")


class Auction(db.Model):
    __tablename__ = "auctions"
    __table_args__ = (
        CheckConstraint("budget_min > 0", name="budget_min_positive"),
        CheckConstraint("budget_max >= budget_min", name="budget_range"),
        CheckConstraint(_in("status", AuctionStatus.ALL), name="status"),
        CheckConstraint("bid_count >= 0", name="bid_count"),
        Index("ix_auctions_status_deadline", "status", "deadline"),
        Index("ix_auctions_created_at_id", "created_at", "id"),
        # One per listing sort (GET /api/auctions?sort=...), with id as the tiebreak the
        # query orders by, so a page is read off the index instead of sorting every row.
        Index("ix_auctions_budget_max_id", "budget_max", "id"),
        Index("ix_auctions_deadline_id", "deadline", "id"),
        Index("ix_auctions_lowest_bid_rising_id", "lowest_bid_rising", "id"),
        Index("ix_auctions_lowest_bid_falling_id", "lowest_bid_falling", "id"),
        Index("ix_auctions_bid_count_id", "bid_count", "id"),
        *(_trigram_index("auctions", column) for column in ("title", "description", "location")),
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False, index=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    location = db.Column(db.String(100), nullable=False)
    budget_min = db.Column(MONEY, nullable=False)
    budget_max = db.Column(MONEY, nullable=False)
    # `deadline` is the effective one (anti-sniping moves it); `scheduled_deadline` is the
    # creator's, from which the extension cap is measured.
    deadline = db.Column(UTCDateTime, nullable=False)
    scheduled_deadline = db.Column(UTCDateTime, nullable=False)
    requirements = db.Column(db.Text)
    status = db.Column(db.String(20), nullable=False, default=AuctionStatus.ACTIVE)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    closed_at = db.Column(UTCDateTime)
    # Why its creator or an admin cancelled it, in their words (shown to the bidders).
    cancel_reason = db.Column(db.String(CANCEL_REASON_MAX))
    winning_bid_id = db.Column(db.Integer, db.ForeignKey("bids.id", use_alter=True, name="fk_auctions_winning_bid"))
    # Maintained inside the bid transaction (under the auction's row lock), so listings
    # read them from the same row instead of aggregating bids per request.
    bid_count = db.Column(db.Integer, nullable=False, default=0)
    lowest_bid = db.Column(MONEY)
    # The "lowest bid" sort lists auctions without bids last either way round. MySQL has no
    # NULLS LAST, so each direction reads a never-NULL key off its own index: no bids sorts
    # above every amount (rising: MONEY tops out at 99,999,999.99) or below it (falling:
    # amounts are > 0).
    lowest_bid_rising = db.Column(db.Numeric(11, 2), db.Computed("coalesce(lowest_bid, 100000000)", persisted=True))
    lowest_bid_falling = db.Column(MONEY, db.Computed("coalesce(lowest_bid, 0)", persisted=True))
    bidder_count = db.Column(db.Integer, nullable=False, default=0)
    # Set (under the auction's row lock) when a provider first sets a proxy bid here, never
    # cleared: while False no proxy can answer a bid, and the bid skips the resolver's query.
    has_proxies = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    event_seq = db.Column(db.Integer, nullable=False, default=0)
    last_event_hash = db.Column(db.String(64))
    # Timed notices, each claimed by one conditional update so it goes out once with any
    # number of server processes: the job alerts of a new auction (NULL until matched,
    # services.alerts) and the ending_soon notice of the current deadline window (NULL
    # again when a deadline change moves the deadline back out of the window).
    alerts_matched_at = db.Column(UTCDateTime)
    ending_soon_sent_at = db.Column(UTCDateTime)

    category = db.relationship(Category, lazy="joined", innerjoin=True)
    creator = db.relationship(User, foreign_keys=[created_by])
    winning_bid = db.relationship("Bid", foreign_keys=[winning_bid_id], post_update=True)

    @property
    def is_open(self) -> bool:
        return self.status == AuctionStatus.ACTIVE

    def seconds_remaining(self, now: datetime) -> int:
        return seconds_remaining(self.status, self.deadline, now)

    def can_manage(self, viewer: User | None) -> bool:
        """The creator and admins see every bid in full and may cancel."""
        return viewer is not None and (viewer.is_admin or viewer.id == self.created_by)

    def to_dict(self, viewer: User | None = None) -> dict[str, Any]:
        """The listing view; the API adds bids and the creator for the detail view."""
        return auction_summary(self, self.category.name, viewer)


#: The auction columns of the listing view: the API listing selects exactly these as plain
#: rows (no ORM instances), and auction_summary renders either kind of source.
SUMMARY_COLUMNS = (
    "id",
    "title",
    "description",
    "category_id",
    "location",
    "budget_min",
    "budget_max",
    "deadline",
    "requirements",
    "status",
    "created_by",
    "created_at",
    "updated_at",
    "closed_at",
    "bid_count",
    "lowest_bid",
)


def seconds_remaining(status: str, deadline: datetime, now: datetime) -> int:
    """Whole seconds until an auction in `status` closes at `deadline`: 0 once it is not open."""
    if status != AuctionStatus.ACTIVE:
        return 0
    return max(0, int((deadline - now).total_seconds()))


def auction_summary(source: Any, category_name: str, viewer: User | None) -> dict[str, Any]:
    """The listing view of an auction from an Auction or a row holding SUMMARY_COLUMNS."""
    return {
        "id": source.id,
        "title": source.title,
        "description": source.description,
        "category_id": source.category_id,
        "category_name": category_name,
        "location": source.location,
        "budget_min": source.budget_min,
        "budget_max": source.budget_max,
        "deadline": source.deadline,
        "requirements": source.requirements,
        "status": source.status,
        "created_by": source.created_by,
        "created_at": source.created_at,
        "updated_at": source.updated_at,
        "closed_at": source.closed_at,
        "bid_count": source.bid_count,
        "lowest_bid": source.lowest_bid,
        "is_mine": viewer is not None and viewer.id == source.created_by,
    }


class Bid(db.Model):
    __tablename__ = "bids"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", BidStatus.ALL), name="status"),
        Index("ix_bids_auction_id_amount", "auction_id", "amount"),
        Index("ix_bids_auction_id_id", "auction_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    amount = db.Column(MONEY, nullable=False)
    description = db.Column(db.Text, nullable=False)
    estimated_duration = db.Column(db.String(50))
    notes = db.Column(db.Text)
    status = db.Column(db.String(20), nullable=False, default=BidStatus.ACTIVE)
    # "Bidder 3" on this auction: stable, in order of each provider's first bid.
    bidder_number = db.Column(db.Integer, nullable=False)
    # Placed by the bidder's proxy (services.proxies), not by the bidder's own hand.
    auto = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    bidder = db.relationship(User, foreign_keys=[user_id])
    auction = db.relationship(Auction, foreign_keys=[auction_id])

    @property
    def username(self) -> str:
        return self.bidder.username

    def public_dict(self) -> dict[str, Any]:
        return bid_public_view(self)

    def full_dict(self) -> dict[str, Any]:
        return bid_full_view(self)

    def to_dict(self, viewer: User | None, auction: Auction) -> dict[str, Any]:
        return bid_view(self, viewer, auction)


#: The bid columns the views below read; with the bidder's username they make a row that
#: renders like a Bid (the detail view reads its bids as plain rows).
BID_VIEW_COLUMNS = (
    "id",
    "auction_id",
    "user_id",
    "amount",
    "description",
    "estimated_duration",
    "notes",
    "status",
    "bidder_number",
    "auto",
    "created_at",
    "updated_at",
)


def bid_public_view(bid: Any) -> dict[str, Any]:
    """What a competitor or an anonymous watcher may see of a Bid or a bid row."""
    return {
        "id": bid.id,
        "auction_id": bid.auction_id,
        "amount": bid.amount,
        "status": bid.status,
        "auto": bid.auto,
        "created_at": bid.created_at,
        "bidder": f"Bidder {bid.bidder_number}",
    }


def bid_full_view(bid: Any) -> dict[str, Any]:
    """Everything about a bid, for its bidder, the auction's creator and admins."""
    return {
        **bid_public_view(bid),
        "user_id": bid.user_id,
        "username": bid.username,
        "description": bid.description,
        "estimated_duration": bid.estimated_duration,
        "notes": bid.notes,
        "updated_at": bid.updated_at,
    }


def bid_view(bid: Any, viewer: User | None, auction: Auction) -> dict[str, Any]:
    """Bid privacy in one place: creator/admin see all, the bidder its own, others little."""
    if viewer is not None and viewer.id == bid.user_id:
        return {**bid_full_view(bid), "is_mine": True}
    if auction.can_manage(viewer):
        return {**bid_full_view(bid), "is_mine": False}
    return {**bid_public_view(bid), "is_mine": False}


class IdempotencyRecord(db.Model):
    """The first successful response to a keyed request, replayed to its retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (db.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    key = db.Column(db.String(255), nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False)
    response_status = db.Column(db.Integer, nullable=False)
    response_body = db.Column(db.JSON, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class AuctionEvent(db.Model):
    """Append-only, hash-chained log of an auction's state changes (seq 1, 2, 3, ...)."""

    __tablename__ = "auction_events"
    __table_args__ = (db.UniqueConstraint("auction_id", "seq", name="uq_auction_events_seq"),)

    id = db.Column(db.Integer, primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    type = db.Column(db.String(40), nullable=False)
    payload = db.Column(db.JSON, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    prev_hash = db.Column(db.String(64))
    hash = db.Column(db.String(64), nullable=False)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    type = db.Column(db.String(40), nullable=False)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"))
    message = db.Column(db.String(500), nullable=False)
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "auction_id": self.auction_id,
            "message": self.message,
            "data": self.data,
            "created_at": self.created_at,
            "read": self.read_at is not None,
        }


#: MySQL/MariaDB table options (other databases ignore them): InnoDB for row locks and
#: foreign keys, utf8mb4 for any Unicode (emoji, Devanagari), and a binary collation so
#: text compares exactly as on PostgreSQL: case-insensitive only where a rule says so
#: (the users' *_key columns, the listing's ILIKE filters).
MYSQL_TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
for _table in db.metadata.tables.values():
    _table.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)


# The trigram indexes need the extension; created with the tables (create_all), as 0008 does.
event.listen(
    Auction.__table__, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
)
