"""Counts and charts: the home page's platform numbers and the admin dashboard's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, User, utcnow


def platform_stats() -> dict[str, Any]:
    """The home page: open auctions, active providers, bids in the last 24 hours, and the
    total savings (budget_max minus the winning amount, over completed auctions)."""
    savings = db.session.scalar(
        select(func.coalesce(func.sum(Auction.budget_max - Bid.amount), 0))
        .select_from(Auction)
        .join(Bid, Bid.id == Auction.winning_bid_id)
        .where(Auction.status == "completed")
    )
    return {
        "active_auctions": _count(Auction, Auction.status == "active"),
        "providers": _count(User, User.is_service_provider.is_(True), User.is_active.is_(True)),
        "bids_24h": _count(Bid, Bid.created_at >= utcnow() - timedelta(hours=24)),
        # SQLite sums NUMERIC as a float: round back to paise.
        "total_savings": Decimal(str(savings or 0)).quantize(Decimal("0.01")),
    }


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def admin_counts() -> dict[str, int]:
    """The admin dashboard's headline numbers."""
    return {
        "users": _count(User),
        "providers": _count(User, User.is_service_provider.is_(True)),
        "unverified_providers": _count(User, User.is_service_provider.is_(True), User.provider_verified.is_(False)),
        "deactivated_users": _count(User, User.is_active.is_(False)),
        "auctions": _count(Auction),
        "active_auctions": _count(Auction, Auction.status == "active"),
        "bids": _count(Bid),
        "bids_24h": _count(Bid, Bid.created_at >= utcnow() - timedelta(hours=24)),
    }


def bids_per_day(days: int = 30) -> list[tuple[Any, int]]:
    """(UTC date, bids placed that day) for the last `days` days, oldest first, zeros included."""
    first = utcnow().date() - timedelta(days=days - 1)
    day = func.date(Bid.created_at)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    rows = db.session.execute(select(day, func.count()).where(Bid.created_at >= since).group_by(day)).all()
    per_day = {str(value)[:10]: total for value, total in rows}
    dates = [first + timedelta(days=offset) for offset in range(days)]
    return [(date, per_day.get(date.isoformat(), 0)) for date in dates]


def auctions_by_status() -> dict[str, int]:
    """Every status with its number of auctions (zeros included), in lifecycle order."""
    rows = dict(db.session.execute(select(Auction.status, func.count()).group_by(Auction.status)).all())
    return {status: rows.get(status, 0) for status in ("active", "completed", "cancelled", "expired")}


def category_usage() -> dict[int, int]:
    """How many auctions use each category (only categories that have any)."""
    return dict(db.session.execute(select(Auction.category_id, func.count()).group_by(Auction.category_id)).all())
