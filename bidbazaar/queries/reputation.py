"""Reputation from what happened: a provider's record and a customer's trust signals,
aggregated for a whole page of users at once (a constant number of statements, however many
bidders a page shows), and the published reviews of a user.

Computed, not counted: every figure is an aggregate over bookings, reviews and auctions, so
it cannot drift from the rows it describes, and no transition has to lock a user's row to
keep a counter (a bid holds its account row while it waits for the auction's).

Definitions (docs/lifecycle.md):
- confirmation rate = offers confirmed ÷ offers answered or lapsed (declined, lapsed or
  confirmed; offers still waiting, and offers the customer withdrew, do not count);
- completion rate = completed ÷ confirmed bookings that ended (completed, cancelled, no-show);
- rating = the average of published, visible reviews of the user in that role;
- award rate = auctions awarded ÷ the customer's auctions that closed with bids
  (awarded, expired with bids, or cancelled with bids).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from bidbazaar.booking_models import Booking, BookingStatus, Party, Review
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, User
from bidbazaar.queries.listing_cache import customer_trusts
from bidbazaar.queries.paging import Page, paginate

_CONFIRMED = (BookingStatus.CONFIRMED, BookingStatus.DONE, BookingStatus.DISPUTED)
_ENDED_AFTER_CONFIRMING = (BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ratio(part: int, whole: int) -> Decimal | None:
    """part ÷ whole to 2 places (0.75), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _average(total: int | None, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ProviderReputation:
    """What a customer weighs beside a provider's price."""

    rating: Decimal | None
    rating_count: int
    completed: int
    confirmation_rate: Decimal | None
    completion_rate: Decimal | None
    no_shows: int
    cancellations: int
    member_since: datetime
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CustomerTrust:
    """What a provider weighs before bidding on a customer's job."""

    award_rate: Decimal | None
    completed: int
    rating: Decimal | None
    rating_count: int
    cancellations: int
    member_since: datetime

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratings(user_ids: list[int], author_role: str) -> dict[int, tuple[int, int]]:
    """(sum, count) of the published, visible reviews written about each user by `author_role`."""
    rows = db.session.execute(
        select(Review.subject_id, func.sum(Review.rating), func.count())
        .where(
            Review.subject_id.in_(user_ids),
            Review.author_role == author_role,
            Review.published_at.is_not(None),
            Review.hidden_at.is_(None),
        )
        .group_by(Review.subject_id)
    ).all()
    return {subject: (int(total or 0), count) for subject, total, count in rows}


def provider_reputation(user_ids: list[int]) -> dict[int, ProviderReputation]:
    """Each provider's reputation, for any number of providers in three statements."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = db.session.execute(select(User.id, User.created_at, User.provider_verified).where(User.id.in_(ids))).all()
    status = Booking.status
    rows = db.session.execute(
        select(
            Booking.provider_id,
            _count(status == BookingStatus.COMPLETED),
            _count(Booking.confirmed_at.is_not(None)),
            _count(status.in_((BookingStatus.DECLINED, BookingStatus.LAPSED))),
            _count(status.in_(_ENDED_AFTER_CONFIRMING)),
            _count(status == BookingStatus.NO_SHOW),
            _count((status == BookingStatus.CANCELLED) & (Booking.ended_by == Party.PROVIDER)),
        )
        .where(Booking.provider_id.in_(ids))
        .group_by(Booking.provider_id)
    ).all()
    counts = {row[0]: [int(value) for value in row[1:]] for row in rows}
    ratings = _ratings(ids, Party.CUSTOMER)
    result = {}
    for user_id, created_at, verified in users:
        completed, confirmed, refused, ended, no_shows, cancellations = counts.get(user_id, [0] * 6)
        total, rated = ratings.get(user_id, (0, 0))
        result[user_id] = ProviderReputation(
            rating=_average(total, rated),
            rating_count=rated,
            completed=completed,
            confirmation_rate=_ratio(confirmed, confirmed + refused),
            completion_rate=_ratio(completed, ended),
            no_shows=no_shows,
            cancellations=cancellations,
            member_since=created_at,
            verified=bool(verified),
        )
    return result


def customer_trust(user_ids: list[int]) -> dict[int, CustomerTrust]:
    """Each customer's trust signals, for any number of customers in four statements."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = dict(db.session.execute(select(User.id, User.created_at).where(User.id.in_(ids))).all())
    closed_with_bids = (Auction.status != AuctionStatus.ACTIVE) & (Auction.bidder_count > 0)
    awarded = select(Booking.auction_id).where(Booking.round == 1)
    auctions = {
        row[0]: (int(row[1]), int(row[2]))
        for row in db.session.execute(
            select(Auction.created_by, _count(closed_with_bids), _count(closed_with_bids & Auction.id.in_(awarded)))
            .where(Auction.created_by.in_(ids))
            .group_by(Auction.created_by)
        ).all()
    }
    bookings = {
        row[0]: (int(row[1]), int(row[2]))
        for row in db.session.execute(
            select(
                Booking.customer_id,
                _count(Booking.status == BookingStatus.COMPLETED),
                _count(
                    (Booking.ended_by == Party.CUSTOMER)
                    & Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.WITHDRAWN))
                    & (func.coalesce(Booking.reason, "") != "customer_choice")
                ),
            )
            .where(Booking.customer_id.in_(ids))
            .group_by(Booking.customer_id)
        ).all()
    }
    ratings = _ratings(ids, Party.PROVIDER)
    result = {}
    for user_id in ids:
        if user_id not in users:
            continue
        closed, won = auctions.get(user_id, (0, 0))
        completed, cancellations = bookings.get(user_id, (0, 0))
        total, rated = ratings.get(user_id, (0, 0))
        result[user_id] = CustomerTrust(
            award_rate=_ratio(won, closed),
            completed=completed,
            rating=_average(total, rated),
            rating_count=rated,
            cancellations=cancellations,
            member_since=users[user_id],
        )
    return result


def trust_of(customer_id: int) -> CustomerTrust:
    """One customer's trust signals as a provider's auction detail shows them, kept while the
    catalogue version stands (listing_cache): every figure counts auctions, bookings, reviews
    and the user's row, and a commit that writes any of them moves the version."""
    return customer_trusts().get(customer_id, lambda: customer_trust([customer_id])[customer_id])


def published_reviews(user_id: int, page: int = 1, per_page: int = 20) -> Page:
    """The reviews others wrote about a user that anyone may read: published and not hidden,
    newest first (Review instances with their authors loaded)."""
    stmt = (
        select(Review)
        .options(joinedload(Review.author))
        .where(Review.subject_id == user_id, Review.published_at.is_not(None), Review.hidden_at.is_(None))
        .order_by(Review.published_at.desc(), Review.id.desc())
    )
    return paginate(stmt, page, per_page)
