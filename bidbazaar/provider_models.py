"""Provider tools: saved searches that raise job alerts, watched auctions, proxy bids down
to a private floor, and the public questions providers ask before bidding.

The rules live in services (alerts, watching, proxies, questions); these tables hold their
state and the invariants a database can keep (one watch, one proxy per provider and auction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Index

from bidbazaar.extensions import db
from bidbazaar.models import MONEY, MYSQL_TABLE_OPTIONS
from bidbazaar.values import UTCDateTime, utcnow

#: A provider keeps at most this many saved searches.
MAX_SAVED_SEARCHES = 20
#: The longest question or answer, in characters.
MAX_QUESTION_LENGTH = 1000


class SavedSearch(db.Model):
    """A provider's job alert: the filters of the auction list, matched against each new auction.

    Every criterion is optional (None matches anything); a search with none matches every
    new auction. `category_id` includes its subcategories; `location` and `keywords` match
    as case-insensitive substrings (keywords: each word in the title or the description).
    """

    __tablename__ = "saved_searches"
    __table_args__ = (
        CheckConstraint("min_budget IS NULL OR min_budget >= 0", name="min_budget"),
        CheckConstraint("min_budget IS NULL OR max_budget IS NULL OR max_budget >= min_budget", name="budget_range"),
        Index("ix_saved_searches_user_id_id", "user_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"))
    location = db.Column(db.String(100))
    min_budget = db.Column(MONEY)
    max_budget = db.Column(MONEY)
    keywords = db.Column(db.String(200))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category_id": self.category_id,
            "location": self.location,
            "min_budget": self.min_budget,
            "max_budget": self.max_budget,
            "keywords": self.keywords,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Watch(db.Model):
    """A user watching an auction: its ending_soon notice and its answered questions reach them."""

    __tablename__ = "watches"
    __table_args__ = (Index("ix_watches_auction_id", "auction_id"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), primary_key=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class ProxyBid(db.Model):
    """A provider's private floor on one auction: the system undercuts for them down to it.

    One row per provider and auction, kept after it ends (`cancelled_at`) so a later PUT
    sets it again. The floor is shown to its owner only: never in an event, a room frame,
    the customer's view or another provider's. Auto bids reuse the owner's bid text kept here.
    """

    __tablename__ = "proxy_bids"
    __table_args__ = (
        CheckConstraint("floor > 0", name="floor_positive"),
        db.UniqueConstraint("auction_id", "user_id", name="uq_proxy_bids_auction_user"),
    )

    id = db.Column(db.Integer, primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    floor = db.Column(MONEY, nullable=False)
    description = db.Column(db.Text, nullable=False)
    estimated_duration = db.Column(db.String(50))
    notes = db.Column(db.Text)
    # Ties between equal floors go to the proxy set first; changing (or reviving) a floor
    # stamps it anew, so it queues behind those already at that price (services.proxies).
    set_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None

    def owner_dict(self) -> dict[str, Any]:
        """What the proxy's owner sees of it (nobody else sees it at all)."""
        return {
            "auction_id": self.auction_id,
            "floor": self.floor,
            "active": self.is_active,
            "set_at": self.set_at,
            "cancelled_at": self.cancelled_at,
        }


class Question(db.Model):
    """A provider's public question on an auction and the customer's answer.

    Stored as written; the public view masks contact details (services.questions) and
    never names the asker.
    """

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_auction_id_id", "auction_id", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    auction_id = db.Column(db.Integer, db.ForeignKey("auctions.id"), nullable=False)
    asker_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    answer = db.Column(db.Text)
    answered_at = db.Column(UTCDateTime)
    hidden_at = db.Column(UTCDateTime)
    hidden_by = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


for _model in (SavedSearch, Watch, ProxyBid, Question):
    _model.__table__.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)
