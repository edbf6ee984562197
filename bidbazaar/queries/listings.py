"""Listings: auctions filtered, sorted and paged (the API's rows and the pages' instances,
from one set of cached statements) with cached totals."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select

from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import SUMMARY_COLUMNS, Auction, Category, User, auction_summary
from bidbazaar.queries.paging import Page, like, page_size

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
        """The total for this filter key: cached for `ttl` seconds, else `count()` afresh."""
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
    # The search box: what the job is, or where ("Pune" finds the jobs in Pune).
    "q": lambda: or_(
        _auctions.title.ilike(bindparam("q"), escape="\\"),
        _auctions.description.ilike(bindparam("q"), escape="\\"),
        _auctions.location.ilike(bindparam("q"), escape="\\"),
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
        values["location"] = like(filters["location"])
    if filters.get("q"):
        values["q"] = like(filters["q"])
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
    # Auctions without bids go last either way round: each direction of the lowest-bid sort
    # has its own never-NULL key and index (models.Auction), as MySQL has no NULLS LAST.
    if column is _auctions.lowest_bid:
        column = _auctions.lowest_bid_falling if descending else _auctions.lowest_bid_rising
    ordered = column.desc() if descending else column.asc()
    tiebreak = _auctions.id.desc() if descending else _auctions.id.asc()
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
