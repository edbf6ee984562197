"""Counts and charts: the home page's platform numbers and the admin dashboard's.

Every daily series is bucketed by IST day (00:00 to 24:00 India time) in SQL, through one
expression, `ist_date`, that each database spells its own way."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, User, utcnow
from bidbazaar.queries.paging import Page, paginate
from bidbazaar.values import IST_OFFSET_MINUTES, ist_day, ist_day_start, ist_days

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


# --------------------------------------------------------------------------- IST days


class ist_date(FunctionElement[date]):
    """SQL: the IST calendar day of a stored UTC time (columns hold naive UTC; IST is a
    fixed +05:30). SQLite answers a "YYYY-MM-DD" string, the others a date: read it
    through `_day`."""

    type = Date()
    inherit_cache = True


@compiles(ist_date)
def _ist_date_postgresql(element: ist_date, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} + INTERVAL '{IST_OFFSET_MINUTES} minutes') AS DATE)"


@compiles(ist_date, "sqlite")
def _ist_date_sqlite(element: ist_date, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{IST_OFFSET_MINUTES} minutes')"


@compiles(ist_date, "mysql")
@compiles(ist_date, "mariadb")
def _ist_date_mysql(element: ist_date, compiler: Any, **kw: Any) -> str:
    return f"DATE(DATE_ADD({compiler.process(element.clauses, **kw)}, INTERVAL {IST_OFFSET_MINUTES} MINUTE))"


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _last_days(days: int) -> list[date]:
    """The last `days` IST days up to today, oldest first."""
    return ist_days(ist_day(utcnow()), days)


def _daily(column: ColumnElement[Any], days: int, *tallies: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """(IST day, *tallies) for each of the last `days` IST days, oldest first, zeros included,
    in one GROUP BY statement over the rows whose `column` falls in those days (a tally is
    an aggregate, e.g. func.count())."""
    dates = _last_days(days)
    day = ist_date(column)
    rows = db.session.execute(
        select(day, *tallies).where(column >= ist_day_start(dates[0]), *where).group_by(day)
    ).all()
    found = {_day(row[0]): tuple(int(value or 0) for value in row[1:]) for row in rows}
    zeros = (0,) * len(tallies)
    return [(d, *found.get(d, zeros)) for d in dates]


def bids_per_day(days: int = 30) -> list[tuple[date, int]]:
    """(IST day, bids placed that day) for the last `days` days, oldest first, zeros included."""
    return [(d, n) for d, n in _daily(Bid.created_at, days, func.count())]


def signups_per_day(days: int = 30) -> list[tuple[date, int]]:
    """(IST day, accounts created that day) for the last `days` days, oldest first."""
    return [(d, n) for d, n in _daily(User.created_at, days, func.count())]


def outcomes_per_day(days: int = 30) -> list[tuple[date, int, int]]:
    """(IST day, auctions awarded, auctions ended without an award) by the day they closed,
    for the last `days` days. Awarded: the auction has a booking (its award went out,
    however the chain ended); without an award: it expired with no booking."""
    booked = select(Booking.auction_id)
    return [
        (d, awarded, unawarded)
        for d, awarded, unawarded in _daily(
            Auction.closed_at,
            days,
            _tally(Auction.id.in_(booked)),
            _tally((Auction.status == AuctionStatus.EXPIRED) & Auction.id.not_in(booked)),
        )
    ]


def value_awarded_since(days: int = 30) -> Decimal:
    """₹ awarded over the last `days` IST days: the sum of the standing winning bids of the
    auctions that closed in them (an award that ended unfilled no longer counts)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Bid.amount), 0))
        .select_from(Auction)
        .join(Bid, Bid.id == Auction.winning_bid_id)
        .where(Auction.closed_at >= ist_day_start(_last_days(days)[0]))
    )
    # SQLite sums NUMERIC as a float: round back to paise.
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- closing unbid

#: "Closing soon": an open auction whose deadline is at most this far away.
CLOSING_SOON = timedelta(hours=24)


def _closing_unbid() -> tuple[Any, ...]:
    """Open auctions closing within 24 hours that nobody has bid on (the dashboard's count
    and its list page read this one condition)."""
    now = utcnow()
    return (
        Auction.status == AuctionStatus.ACTIVE,
        Auction.bid_count == 0,
        Auction.deadline > now,
        Auction.deadline <= now + CLOSING_SOON,
    )


def closing_unbid_count() -> int:
    return _count(Auction, *_closing_unbid())


def closing_unbid(page: int = 1, per_page: int = 20) -> Page:
    """The auctions closing_unbid_count counts, soonest first."""
    stmt = select(Auction).where(*_closing_unbid()).order_by(Auction.deadline, Auction.id)
    return paginate(stmt, page, per_page)


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
