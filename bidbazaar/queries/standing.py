"""Where a provider stands on an auction: the one rule, for My bids (a page of auctions, in
SQL so its filter and paging agree) and for one auction's page, REST detail and join
snapshot (with the pseudonym its bids carry there and the highest amount it may bid now,
services.bidding.max_allowed_bid, the one ceiling).

    withdrawn  every bid of theirs on the auction is withdrawn
    leading    the auction is active and the lowest active bid of an active provider (ties
               to the earlier bid: services.auctions.lowest_active_bid's rule) is theirs
    outbid     the auction is active, they have an active bid, and it is not leading
    won        the auction is closed and its winning bid is theirs (the booking chain moves
               `winning_bid_id` to the next bid when an offer is declined or lapses, so a
               provider who declined is `lost` and the next one `won`)
    lost       the auction is closed (completed, expired or cancelled) and they did not win
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal, select

from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import SUMMARY_COLUMNS, Auction, AuctionStatus, Bid, BidStatus, Category, User
from bidbazaar.services.bidding import max_allowed_bid

_auctions = Auction.__table__.c
_bids = Bid.__table__


def standings_statement(viewer_id: Any, auction_id: Any = None) -> Any:
    """One row per auction the viewer bid on, with its standing and their best active bid;
    only `auction_id`'s row when given (filtered before grouping, so one auction's standing
    never groups all of a busy provider's bids). Either may be a bind parameter."""
    own_bids = [_bids.c.user_id == viewer_id]
    if auction_id is not None:
        own_bids.append(_bids.c.auction_id == auction_id)
    mine = (
        select(
            _bids.c.auction_id,
            func.sum(case((_bids.c.status != BidStatus.WITHDRAWN, 1), else_=0)).label("live_bids"),
            func.max(_bids.c.updated_at).label("last_activity"),
            func.min(_bids.c.bidder_number).label("bidder_number"),  # one per bidder and auction
        )
        .where(*own_bids)
        .group_by(_bids.c.auction_id)
        .subquery("mine")
    )
    own = _bids.alias("own")

    def own_best(column: Any) -> Any:
        """A column of the viewer's lowest active bid on the auction (earliest on a tie)."""
        return (
            select(column)
            .where(own.c.auction_id == _auctions.id, own.c.user_id == viewer_id, own.c.status == BidStatus.ACTIVE)
            .order_by(own.c.amount, own.c.id)
            .limit(1)
            .scalar_subquery()
        )

    best = own_best(own.c.id)
    other = _bids.alias("other")
    users = User.__table__.c
    leader = (
        select(other.c.user_id)
        .select_from(other.join(User.__table__, users.id == other.c.user_id))
        .where(other.c.auction_id == _auctions.id, other.c.status == BidStatus.ACTIVE, users.is_active.is_(True))
        .order_by(other.c.amount, other.c.id)
        .limit(1)
        .scalar_subquery()
    )
    best_amount = own_best(own.c.amount)
    winner = _bids.alias("winner")
    facts = (
        select(
            *(_auctions[name] for name in SUMMARY_COLUMNS),
            Category.__table__.c.name.label("category_name"),
            mine.c.live_bids,
            mine.c.last_activity,
            mine.c.bidder_number,
            best.label("best_bid_id"),
            best_amount.label("best_bid_amount"),
            leader.label("leader_id"),
            winner.c.user_id.label("winner_id"),
        )
        .select_from(
            mine.join(Auction.__table__, _auctions.id == mine.c.auction_id)
            .join(Category.__table__, Category.__table__.c.id == _auctions.category_id)
            .outerjoin(winner, winner.c.id == _auctions.winning_bid_id)
        )
        .subquery("facts")
    )
    is_open = facts.c.status == AuctionStatus.ACTIVE
    has_active = facts.c.best_bid_id.is_not(None)
    standing = case(
        (facts.c.live_bids == 0, literal("withdrawn")),
        (and_(is_open, has_active, facts.c.leader_id == viewer_id), literal("leading")),
        (and_(is_open, has_active), literal("outbid")),
        (and_(~is_open, facts.c.winner_id == viewer_id), literal("won")),
        (~is_open, literal("lost")),
        else_=literal("withdrawn"),  # open, no active bid left (withdrawn by a deactivation)
    )
    return select(facts, standing.label("standing")).subquery("standings")


@cache
def _one_standing() -> Any:
    """The standing and bidder number on one auction (no row before a first bid), built once:
    building the statement above cost more than running it (bound per call with `viewer_id`
    and `auction_id`)."""
    rows_of = standings_statement(bindparam("viewer_id"), bindparam("auction_id"))
    return select(rows_of.c.standing, rows_of.c.bidder_number)


@dataclass(frozen=True)
class BidderStanding:
    """`standing`: as above, None before the viewer's first bid; `bidder`: the viewer's own
    "Bidder N" here; `max_allowed`: what it may bid now, None when it may not (closed, its
    own bid is the lowest, not a provider, the auction's creator)."""

    standing: str | None = None
    bidder: str | None = None
    max_allowed: Decimal | None = None


NOBODY = BidderStanding()


def bidder_standing(viewer: User | None, auction: Auction) -> BidderStanding:
    """The viewer's standing on one auction; NOBODY for anyone who cannot bid on it."""
    if viewer is None or not viewer.is_service_provider or viewer.id == auction.created_by:
        return NOBODY
    row = db.session.execute(_one_standing(), {"viewer_id": viewer.id, "auction_id": auction.id}).first()
    standing, bidder = (None, None) if row is None else (row.standing, f"Bidder {row.bidder_number}")
    if not auction.is_open or standing == "leading":
        return BidderStanding(standing, bidder)
    try:
        ceiling, _ = max_allowed_bid(viewer, auction)
    except DomainError as exc:  # its bid became the lowest since: nothing to undercut
        if exc.code != "ALREADY_LOWEST":
            raise
        return BidderStanding("leading", bidder)
    return BidderStanding(standing, bidder, ceiling)
