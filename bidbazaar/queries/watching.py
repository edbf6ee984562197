"""What a user watches: one auction's flag (the detail view), the watched ones among a page
of auctions (the list's stars), and the watchlist itself, each in a constant number of
statements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from bidbazaar.extensions import db
from bidbazaar.models import SUMMARY_COLUMNS, Auction, AuctionStatus, Category, User, auction_summary, utcnow
from bidbazaar.provider_models import Watch
from bidbazaar.queries.paging import Page

_auctions = Auction.__table__.c
_watches = Watch.__table__.c


def is_watching(auction_id: int, viewer: User | None) -> bool:
    """Whether the viewer watches the auction (False for anonymous visitors, no statement)."""
    if viewer is None:
        return False
    return db.session.get(Watch, (viewer.id, auction_id)) is not None


def watched_ids(auction_ids: Iterable[int], viewer: User | None) -> set[int]:
    """The ids among `auction_ids` the viewer watches: one statement for a whole page."""
    ids = sorted(set(auction_ids))
    if viewer is None or not ids:
        return set()
    return set(
        db.session.scalars(select(Watch.auction_id).where(Watch.user_id == viewer.id, Watch.auction_id.in_(ids)))
    )


def watched_auctions(viewer: User, page: int, per_page: int) -> Page:
    """GET /api/users/me/watching: the auctions the viewer watches, the latest watched first,
    as listing views with `seconds_remaining` and `watched_at`. Two statements."""
    now = utcnow()
    mine = _watches.user_id == viewer.id
    total = db.session.scalar(select(func.count()).select_from(Watch.__table__).where(mine)) or 0
    rows = db.session.execute(
        select(
            *(_auctions[name] for name in SUMMARY_COLUMNS),
            Category.__table__.c.name.label("category_name"),
            _watches.created_at.label("watched_at"),
        )
        .select_from(
            Watch.__table__.join(Auction.__table__, _auctions.id == _watches.auction_id).join(
                Category.__table__, Category.__table__.c.id == _auctions.category_id
            )
        )
        .where(mine)
        .order_by(_watches.created_at.desc(), _auctions.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [watched_view(row, viewer, now) for row in rows]
    return Page(items, page, per_page, total)


def watched_view(row: Any, viewer: User, now: Any) -> dict[str, Any]:
    """One watched auction: its listing view, seconds_remaining (0 once it ended) and when
    the viewer started watching it."""
    open_ = row.status == AuctionStatus.ACTIVE
    seconds = max(0, int((row.deadline - now).total_seconds())) if open_ else 0
    return {
        **auction_summary(row, row.category_name, viewer),
        "seconds_remaining": seconds,
        "watched_at": row.watched_at,
    }
