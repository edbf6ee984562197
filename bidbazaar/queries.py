"""Read side: listings, detail views and the category tree, each in a constant number of
statements (bid_count and lowest_bid live on the auction row, kept by the bid rule)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.models import (
    BID_VIEW_COLUMNS,
    SUMMARY_COLUMNS,
    Auction,
    AuctionEvent,
    Bid,
    Category,
    Notification,
    User,
    auction_summary,
    bid_view,
    utcnow,
)
from bidbazaar.services import close_if_expired, redact_event

MAX_PER_PAGE = 100
DETAIL_BIDS = 50

# The listing is built from table columns (Core), not mapped attributes: a statement with
# no ORM entity in it skips the ORM's per-execution compile state, and the API listing
# wants plain rows anyway. The HTML pages select Auction around the same subquery.
_auctions = Auction.__table__.c
_categories = Category.__table__.c

SORT_COLUMNS = {
    "created_at": _auctions.created_at,
    "budget_max": _auctions.budget_max,
    "deadline": _auctions.deadline,
    "lowest_bid": _auctions.lowest_bid,
    "bid_count": _auctions.bid_count,
}


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pagination(self) -> dict[str, int]:
        pages = (self.total + self.per_page - 1) // self.per_page if self.total else 0
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": pages}


def page_size(requested: int | None, default: int) -> int:
    """per_page above 100 is clamped to 100, never an error."""
    return min(requested or default, MAX_PER_PAGE)


def _paginate(stmt: Any, page: int, per_page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(items), page, per_page, total or 0)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def category_with_descendants(category_id: int) -> list[int]:
    """The category and every subcategory below it, at any depth (one small query)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent, []).append(cid)
    found, frontier = [], [category_id]
    while frontier:
        current = frontier.pop()
        found.append(current)
        frontier.extend(children.get(current, []))
    return found


_MAX_CACHED_TOTALS = 10_000


class ListingTotals:
    """Pagination totals of auction listings, each reused for LISTING_TOTAL_TTL_SECONDS.

    Counting every matching auction is a scan that grows with the catalogue (milliseconds
    on SQLite, tens of them on PostgreSQL at 100,000 auctions), paid on every page view
    while the page itself costs the same at any size. A total a few seconds old is what
    large marketplaces show; the rows on the page are always read fresh. A TTL of 0
    counts on every request.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._totals: dict[Hashable, tuple[float, int]] = {}

    def get(self, key: Hashable, ttl: float, count: Callable[[], int]) -> int:
        if ttl <= 0:
            return count()
        now = self.clock()
        cached = self._totals.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        total = count()
        if len(self._totals) >= _MAX_CACHED_TOTALS:  # free-text filters must not grow it forever
            self._totals.clear()
        self._totals[key] = (now + ttl, total)
        return total


def listing_totals() -> ListingTotals:
    """This application's cache of listing totals."""
    return current_app.extensions.setdefault("bidbazaar_listing_totals", ListingTotals())


# Each filter: the condition it adds, on bound parameters named after it. The statements
# are built once per combination of filters, sort and order (_listing_statements) and
# executed with this request's values: building a statement and its cache key cost more
# than running it.
_FILTER_CONDITIONS: dict[str, Callable[[], Any]] = {
    "category": lambda: _auctions.category_id.in_(bindparam("category", expanding=True)),
    "status": lambda: _auctions.status == bindparam("status"),
    "location": lambda: _auctions.location.ilike(bindparam("location"), escape="\\"),
    "q": lambda: or_(
        _auctions.title.ilike(bindparam("q"), escape="\\"),
        _auctions.description.ilike(bindparam("q"), escape="\\"),
    ),
    # Budget filters select auctions whose budget range overlaps [min_budget, max_budget].
    "min_budget": lambda: _auctions.budget_max >= bindparam("min_budget", type_=_auctions.budget_max.type),
    "max_budget": lambda: _auctions.budget_min <= bindparam("max_budget", type_=_auctions.budget_min.type),
    "created_by": lambda: _auctions.created_by == bindparam("created_by"),
    "mine": lambda: _auctions.created_by == bindparam("mine"),
}


def _listing_values(filters: dict[str, Any], viewer: User | None) -> dict[str, Any]:
    """The bound values of the filters this request uses."""
    values: dict[str, Any] = {}
    if filters.get("category"):
        values["category"] = category_with_descendants(filters["category"])
    if filters.get("status"):
        values["status"] = filters["status"]
    if filters.get("location"):
        values["location"] = _like(filters["location"])
    if filters.get("q"):
        values["q"] = _like(filters["q"])
    for name in ("min_budget", "max_budget"):
        if filters.get(name) is not None:
            values[name] = filters[name]
    if filters.get("created_by"):
        values["created_by"] = filters["created_by"]
    if filters.get("mine") == "true":
        if viewer is None:
            raise DomainError("AUTH_REQUIRED", "Log in to list your own auctions")
        values["mine"] = viewer.id
    return values


def _listing_order(sort: str, descending: bool) -> tuple[Any, Any]:
    column = SORT_COLUMNS[sort]
    ordered = column.desc() if descending else column.asc()
    tiebreak = _auctions.id.desc() if descending else _auctions.id.asc()
    # NULLS LAST only where NULL can occur (lowest_bid): on a NOT NULL column it stops
    # PostgreSQL from reading ix_auctions_created_at_id and makes it sort every row.
    if column is _auctions.lowest_bid:
        ordered = ordered.nulls_last()
    return ordered, tiebreak


_SUMMARY_COLUMNS = (*(_auctions[name] for name in SUMMARY_COLUMNS), _categories.name.label("category_name"))


@functools.lru_cache(maxsize=512)
def _listing_statements(filters: frozenset[str], sort: str, descending: bool, as_rows: bool) -> tuple[Select, Select]:
    """(page, count) statements for this shape of listing request."""
    conditions = [_FILTER_CONDITIONS[name]() for name in sorted(filters)]
    order = _listing_order(sort, descending)
    # The page's ids come off the sort index alone (it holds id), so a deep OFFSET steps
    # over index entries instead of reading and discarding whole rows; only the rows of
    # the page itself are then read.
    ids = (
        select(_auctions.id)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    auctions = Auction.__table__
    if as_rows:
        projection = select(*_SUMMARY_COLUMNS).select_from(
            auctions.join(Category.__table__, _auctions.category_id == _categories.id)
        )
    else:
        projection = select(Auction)
    page = projection.join(ids, ids.c.id == _auctions.id).order_by(*order)
    count = select(func.count()).select_from(auctions).where(*conditions)
    return page, count


def _listing_page(filters: dict[str, Any], viewer: User | None, as_rows: bool) -> Page:
    """One page of matching auctions, as rows (as_rows) or Auction instances, with its
    (cached) total."""
    values = _listing_values(filters, viewer)
    page_stmt, count_stmt = _listing_statements(
        frozenset(values), filters.get("sort") or "created_at", (filters.get("order") or "desc") == "desc", as_rows
    )
    page = filters.get("page") or 1
    per_page = page_size(filters.get("per_page"), 10)
    offset = (page - 1) * per_page
    items = list(db.session.execute(page_stmt, {**values, "limit": per_page, "offset": offset}))
    if 0 < len(items) < per_page or (not items and page == 1):
        total = offset + len(items)  # the last page: no need to count
    else:
        key = tuple(sorted((name, str(value)) for name, value in values.items()))
        total = listing_totals().get(
            key,
            current_app.config["LISTING_TOTAL_TTL_SECONDS"],
            lambda: db.session.scalar(count_stmt, values) or 0,
        )
    return Page(items, page, per_page, total)


def search_auctions(filters: dict[str, Any], viewer: User | None) -> Page:
    """Filtered, sorted, paged auctions as Auction instances (the HTML pages), as validated
    by forms.AuctionSearchForm."""
    result = _listing_page(filters, viewer, as_rows=False)
    return Page([row[0] for row in result.items], result.page, result.per_page, result.total)


def auction_listing(filters: dict[str, Any], viewer: User | None) -> Page:
    """GET /api/auctions: the same auctions as search_auctions, as listing dicts.

    Read as plain rows, not Auction instances: building and tracking ORM objects was most
    of this endpoint's cost (bench/RESULTS.md, "Then make it fast").
    """
    result = _listing_page(filters, viewer, as_rows=True)
    items = [auction_summary(row, row.category_name, viewer) for row in result.items]
    return Page(items, result.page, result.per_page, result.total)


def auction_or_404(auction_id: int) -> Auction:
    """The auction, closed first if its deadline passed unnoticed."""
    auction = db.session.get(Auction, auction_id)
    if auction is None:
        raise not_found("Auction")
    if auction.is_open and auction.deadline <= utcnow():
        close_if_expired(auction_id)
        auction = db.session.get(Auction, auction_id, populate_existing=True)
    return auction


_BID_COLUMNS = (*(Bid.__table__.c[name] for name in BID_VIEW_COLUMNS), User.__table__.c.username)


def auction_detail(auction: Auction, viewer: User | None) -> dict[str, Any]:
    """GET /api/auctions/{id} and the join_auction snapshot: the same JSON for both."""
    now = utcnow()
    # Plain rows, not Bid instances: building 50 ORM objects was most of this view's cost.
    bids = db.session.execute(
        select(*_BID_COLUMNS)
        .select_from(Bid.__table__.join(User.__table__, Bid.__table__.c.user_id == User.__table__.c.id))
        .where(Bid.__table__.c.auction_id == auction.id)
        .order_by(Bid.__table__.c.id.desc())
        .limit(DETAIL_BIDS)
    ).all()
    creator = db.session.get(User, auction.created_by)
    winning = None
    if auction.winning_bid_id is not None:
        winner = next((b for b in bids if b.id == auction.winning_bid_id), None) or db.session.get(
            Bid, auction.winning_bid_id
        )
        winning = bid_view(winner, viewer, auction)
    return {
        **auction.to_dict(viewer),
        "creator": creator.to_public_dict(),
        "bids": [bid_view(bid, viewer, auction) for bid in bids],
        "winning_bid": winning,
        "server_time": now,
        "seconds_remaining": auction.seconds_remaining(now),
        "last_seq": auction.event_seq,
    }


def auction_bids(auction: Auction, page: int, per_page: int) -> Page:
    stmt = select(Bid).options(joinedload(Bid.bidder)).where(Bid.auction_id == auction.id).order_by(Bid.id.desc())
    return _paginate(stmt, page, per_page)


def auction_events(auction: Auction, viewer: User | None, page: int, per_page: int) -> tuple[list[dict], Page]:
    stmt = select(AuctionEvent).where(AuctionEvent.auction_id == auction.id).order_by(AuctionEvent.seq)
    result = _paginate(stmt, page, per_page)
    return [redact_event(e, viewer, auction) for e in result.items], result


def events_since(auction: Auction, viewer: User | None, since_seq: int, limit: int) -> list[dict[str, Any]]:
    events = db.session.scalars(
        select(AuctionEvent)
        .where(AuctionEvent.auction_id == auction.id, AuctionEvent.seq > since_seq)
        .order_by(AuctionEvent.seq)
        .limit(limit)
    )
    return [redact_event(e, viewer, auction) for e in events]


def category_tree(flat: bool = False) -> list[dict[str, Any]]:
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    if flat:
        return [c.to_dict() for c in categories]
    nodes = {c.id: {**c.to_dict(), "subcategories": []} for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.id]
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent["subcategories"] if parent else roots).append(node)
    return roots


def user_counts(user: User) -> dict[str, int]:
    auctions = db.session.scalar(select(func.count()).where(Auction.created_by == user.id))
    bids = db.session.scalar(select(func.count()).where(Bid.user_id == user.id))
    return {"auction_count": auctions or 0, "bid_count": bids or 0}


def unread_count(user: User) -> int:
    return (
        db.session.scalar(select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None)))
        or 0
    )


def notifications(user: User, unread_only: bool, page: int, per_page: int) -> Page:
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return _paginate(stmt, page, per_page)


# --------------------------------------------------------------------------- pages and admin console


def platform_stats() -> dict[str, Any]:
    """The home page: open auctions, active providers, bids in the last 24 hours, and the
    total savings (budget_max minus the winning amount, over completed auctions)."""
    from datetime import timedelta
    from decimal import Decimal

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
    from datetime import timedelta

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
    from datetime import UTC, datetime, time, timedelta

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


def search_users(q: str | None, page: int, per_page: int = 20) -> Page:
    """Admin: users whose username or email contains `q` (any case), newest first."""
    stmt = select(User).order_by(User.id.desc())
    if q:
        pattern = _like(q)
        stmt = stmt.where(or_(User.username.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    return _paginate(stmt, page, page_size(per_page, 20))


def bid_history(auction: Auction) -> list[Bid]:
    """Every bid on the auction (withdrawn ones too) in the order they were placed."""
    return list(
        db.session.scalars(
            select(Bid).options(joinedload(Bid.bidder)).where(Bid.auction_id == auction.id).order_by(Bid.id)
        ).all()
    )


def category_usage() -> dict[int, int]:
    """How many auctions use each category (only categories that have any)."""
    return dict(db.session.execute(select(Auction.category_id, func.count()).group_by(Auction.category_id)).all())
