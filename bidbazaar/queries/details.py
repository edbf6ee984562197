"""One thing and what hangs off it: an auction (closed first if due) with its bids and
events, the category tree, a user's counts and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from bidbazaar.booking_models import Booking
from bidbazaar.errors import not_found
from bidbazaar.extensions import db
from bidbazaar.models import (
    BID_VIEW_COLUMNS,
    Auction,
    AuctionEvent,
    AuctionStatus,
    Bid,
    Category,
    Notification,
    User,
    bid_public_view,
    bid_view,
    seconds_remaining,
    utcnow,
)
from bidbazaar.queries.listing_cache import anonymous_details
from bidbazaar.queries.paging import Page, paginate
from bidbazaar.queries.proxies import my_proxy
from bidbazaar.queries.reputation import customer_trust, provider_reputation, trust_of
from bidbazaar.queries.standing import bidder_standing
from bidbazaar.queries.watching import is_watching
from bidbazaar.services import close_if_expired, redact_event

DETAIL_BIDS = 50


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

_MAX_CACHED_BID_LISTS = 2048


@dataclass(frozen=True)
class LatestBids:
    """An auction's latest DETAIL_BIDS bid rows as of one event_seq, and their public views."""

    seq: int
    rows: tuple[Any, ...]
    public: tuple[dict[str, Any], ...]


class LatestBidLists:
    """The latest bids of each auction, reused while its event_seq stands.

    Exact across processes: every change to an auction's bids (placed, withdrawn, awarded,
    rejected, passed on) records an event in the same transaction, which bumps event_seq,
    and a bidder's username never changes. A reader that saw seq N and then a newer bid
    stores what it would have shown anyway; one that saw N+1 sees that bid.
    """

    def __init__(self) -> None:
        self._lists: dict[int, LatestBids] = {}

    def get(self, auction: Auction) -> LatestBids:
        """The auction's latest bids at its current event_seq (read once per seq)."""
        found = self._lists.get(auction.id)
        if found is not None and found.seq == auction.event_seq:
            return found
        # Plain rows, not Bid instances: building 50 ORM objects was most of this view's cost.
        rows = tuple(
            db.session.execute(
                select(*_BID_COLUMNS)
                .select_from(Bid.__table__.join(User.__table__, Bid.__table__.c.user_id == User.__table__.c.id))
                .where(Bid.__table__.c.auction_id == auction.id)
                .order_by(Bid.__table__.c.id.desc())
                .limit(DETAIL_BIDS)
            ).all()
        )
        found = LatestBids(auction.event_seq, rows, tuple({**bid_public_view(row), "is_mine": False} for row in rows))
        if len(self._lists) >= _MAX_CACHED_BID_LISTS:
            self._lists.clear()
        self._lists[auction.id] = found
        return found


def latest_bid_lists() -> LatestBidLists:
    """This application's cache of the details' bid lists."""
    return current_app.extensions.setdefault("bidbazaar_latest_bids", LatestBidLists())


def auction_detail(auction: Auction, viewer: User | None) -> dict[str, Any]:
    """GET /api/auctions/{id} and the join_auction snapshot: the same JSON for both."""
    now = utcnow()
    latest = latest_bid_lists().get(auction)
    bids = latest.rows
    creator = db.session.get(User, auction.created_by)
    winning = None
    if auction.winning_bid_id is not None:
        winner = next((b for b in bids if b.id == auction.winning_bid_id), None) or db.session.get(
            Bid, auction.winning_bid_id
        )
        winning = bid_view(winner, viewer, auction)
    # The public views are shared: copied, and only the viewer's own rows (or all of them,
    # for the creator and admins) are built afresh with what those viewers may see.
    manages = auction.can_manage(viewer)
    shown = [
        bid_view(bid, viewer, auction) if manages or (viewer is not None and bid.user_id == viewer.id) else dict(view)
        for bid, view in zip(bids, latest.public, strict=True)
    ]
    standing = bidder_standing(viewer, auction)
    detail = {
        **auction.to_dict(viewer),
        "creator": creator.to_public_dict(),
        "bids": shown,
        "winning_bid": winning,
        "server_time": now,
        "seconds_remaining": auction.seconds_remaining(now),
        "last_seq": auction.event_seq,
        "my_proxy": my_proxy(auction, viewer),  # the viewer's own floor, never another's
        "cancel_reason": auction.cancel_reason,
        # A provider's own place in the auction: what the page guides its bid with.
        "my_standing": standing.standing,
        "my_bidder": standing.bidder,
        "max_allowed": standing.max_allowed,
    }
    if manages:
        # Beside each bidder's name, so the choice is not price alone. Only here: another
        # provider's view has pseudonyms, and a reputation would link them to an account.
        records = provider_reputation([view["user_id"] for view in (*shown, winning) if view is not None])
        for view in (*shown, winning):
            if view is not None:
                view["reputation"] = records[view["user_id"]].to_dict()
    elif viewer is not None and viewer.is_service_provider:
        detail["customer_trust"] = trust_of(auction.created_by).to_dict()
    if viewer is not None:
        detail["watching"] = is_watching(auction.id, viewer)
    booking = current_booking(auction, viewer)
    if booking is not None:
        detail["booking"] = booking.to_dict(viewer, now)
    return detail


def anonymous_detail(auction_id: int) -> dict[str, Any]:
    """auction_detail for a viewer not signed in: the same for everyone, so kept while the
    catalogue version stands (listing_cache); only the clock is read per request. An open
    auction whose deadline passed is read again, which closes it (auction_or_404)."""
    now = utcnow()

    def read() -> dict[str, Any]:
        return auction_detail(auction_or_404(auction_id), None)

    def not_due(detail: dict[str, Any]) -> bool:
        return detail["status"] != AuctionStatus.ACTIVE or detail["deadline"] > now

    detail = anonymous_details().get(auction_id, read, still_true=not_due)
    return {
        **detail,
        "server_time": now,
        "seconds_remaining": seconds_remaining(detail["status"], detail["deadline"], now),
    }


def current_booking(auction: Auction, viewer: User | None) -> Booking | None:
    """The auction's latest booking, for its two parties and admins (nobody else learns
    who was offered the job); None before the award or for anyone else."""
    if viewer is None or (auction.winning_bid_id is None and auction.status != AuctionStatus.EXPIRED):
        return None
    booking = db.session.scalar(
        select(Booking)
        .options(joinedload(Booking.auction), joinedload(Booking.customer), joinedload(Booking.provider))
        .where(Booking.auction_id == auction.id)
        .order_by(Booking.round.desc())
        .limit(1)
    )
    if booking is None or not (viewer.is_admin or booking.party_of(viewer)):
        return None
    return booking


def auction_bids(auction: Auction, page: int, per_page: int) -> Page:
    """GET /api/auctions/{id}/bids: every bid, newest first, each with its bidder loaded."""
    stmt = select(Bid).options(joinedload(Bid.bidder)).where(Bid.auction_id == auction.id).order_by(Bid.id.desc())
    return paginate(stmt, page, per_page)


def auction_events(auction: Auction, viewer: User | None, page: int, per_page: int) -> tuple[list[dict], Page]:
    """One page of the auction's event log, redacted for this viewer."""
    stmt = select(AuctionEvent).where(AuctionEvent.auction_id == auction.id).order_by(AuctionEvent.seq)
    result = paginate(stmt, page, per_page)
    return [redact_event(e, viewer, auction) for e in result.items], result


def events_since(auction: Auction, viewer: User | None, since_seq: int, limit: int) -> list[dict[str, Any]]:
    """The events after `since_seq` (a socket rejoining catches up), redacted for this viewer."""
    events = db.session.scalars(
        select(AuctionEvent)
        .where(AuctionEvent.auction_id == auction.id, AuctionEvent.seq > since_seq)
        .order_by(AuctionEvent.seq)
        .limit(limit)
    )
    return [redact_event(e, viewer, auction) for e in events]


def category_tree(flat: bool = False) -> list[dict[str, Any]]:
    """Categories by name: nested under their parents, or flat."""
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
    """How many auctions the user posted and bids it placed."""
    auctions = db.session.scalar(select(func.count()).where(Auction.created_by == user.id))
    bids = db.session.scalar(select(func.count()).where(Bid.user_id == user.id))
    return {"auction_count": auctions or 0, "bid_count": bids or 0}


def public_profile(user: User) -> dict[str, Any]:
    """GET /api/users/{id} and the profile page: what anyone may see of a user, with the
    record others judge them by (a provider's reputation, a customer's trust signals).

    No bid_count: a public number that moves when the user bids would tell an anonymous
    watcher which account is "Bidder N". Auctions are public with their creator anyway.
    """
    reputation = provider_reputation([user.id])[user.id] if user.is_service_provider else None
    return {
        **user.to_public_dict(),
        "auction_count": user_counts(user)["auction_count"],
        "reputation": reputation.to_dict() if reputation else None,
        "customer_trust": customer_trust([user.id])[user.id].to_dict(),
    }


def unread_count(user: User) -> int:
    """The badge: the user's unread notifications."""
    return (
        db.session.scalar(select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None)))
        or 0
    )


def notifications(user: User, unread_only: bool, page: int, per_page: int) -> Page:
    """The user's notifications, newest first (only unread ones if asked)."""
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, page, per_page)


def bid_history(auction: Auction) -> list[Bid]:
    """Every bid on the auction (withdrawn ones too) in the order they were placed."""
    return list(
        db.session.scalars(
            select(Bid).options(joinedload(Bid.bidder)).where(Bid.auction_id == auction.id).order_by(Bid.id)
        ).all()
    )
