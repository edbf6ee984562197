"""Counts and charts: the home page's platform numbers and the admin dashboard's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, User, utcnow

#: Bookings whose amount counts as value awarded: confirmed by the provider and not called
#: off (confirmed, done, disputed while an admin decides, completed).
VALUE_AWARDED = (BookingStatus.CONFIRMED, BookingStatus.DONE, BookingStatus.DISPUTED, BookingStatus.COMPLETED)


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


def _tally(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def booking_figures() -> dict[str, Any]:
    """What an admin acts on after the award, in two aggregate statements:

    - awarded: auctions that were awarded (they have a booking), however their chain ended;
    - expired: auctions that expired with no award (no bid to award at the deadline);
    - unfilled: auctions that expired after an award (every offer declined, lapsed or the
      customer stopped: their bookings ended and the auction's status is expired);
    - value_awarded: the amounts of bookings confirmed and not called off (confirmed, done,
      disputed, completed), in rupees;
    - offers_lapsed, offers_declined: offers that ended so;
    - no_shows_reported (ever), no_shows_upheld, no_shows_pending (waiting for a decision).
    """
    booked = select(Booking.auction_id)
    expired = Auction.status == AuctionStatus.EXPIRED
    awarded, expired_unawarded, unfilled = db.session.execute(
        select(
            _tally(Auction.id.in_(booked)),
            _tally(expired & Auction.id.not_in(booked)),
            _tally(expired & Auction.id.in_(booked)),
        )
    ).one()
    status = Booking.status
    value, lapsed, declined, reported, upheld, pending = db.session.execute(
        select(
            func.coalesce(func.sum(case((status.in_(VALUE_AWARDED), Booking.amount), else_=0)), 0),
            _tally(status == BookingStatus.LAPSED),
            _tally(status == BookingStatus.DECLINED),
            _tally(Booking.no_show_reported_at.is_not(None)),
            _tally(status == BookingStatus.NO_SHOW),
            _tally(status == BookingStatus.DISPUTED),
        )
    ).one()
    return {
        "awarded": int(awarded),
        "expired": int(expired_unawarded),
        "unfilled": int(unfilled),
        # SQLite sums NUMERIC as a float: round back to paise.
        "value_awarded": Decimal(str(value or 0)).quantize(Decimal("0.01")),
        "offers_lapsed": int(lapsed),
        "offers_declined": int(declined),
        "no_shows_reported": int(reported),
        "no_shows_upheld": int(upheld),
        "no_shows_pending": int(pending),
    }
