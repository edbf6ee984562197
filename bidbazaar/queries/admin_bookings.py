"""The admin console's views of bookings and reviews: the bookings list, the no-show queue,
the bookings whose party was deactivated, and review moderation. Each is a constant number
of statements (the parties, the auction and the reviewer are joined in, never loaded per row).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload

from bidbazaar.booking_models import Booking, BookingStatus, Review
from bidbazaar.extensions import db
from bidbazaar.models import User
from bidbazaar.queries.paging import Page, like, paginate

BOOKINGS_PER_PAGE = 50
REVIEWS_PER_PAGE = 50
#: Bookings under way whose party's deactivation the admin console must follow up.
NEEDS_ATTENTION = (BookingStatus.CONFIRMED, BookingStatus.DONE, BookingStatus.DISPUTED)


def _with_parties(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(joinedload(Booking.auction), joinedload(Booking.customer), joinedload(Booking.provider))


def _username_matches(text: str, *users: Any) -> Any:
    pattern = like(text.lower())
    condition = None
    for user in users:
        match = func.lower(user.username).like(pattern, escape="\\")
        condition = match if condition is None else condition | match
    return condition


def search_bookings(
    status: str | None = None,
    q: str | None = None,
    auction_id: int | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> Page:
    """Bookings newest first, filtered by status, a customer's or provider's username (part
    of it, any case) and the auction; Booking instances with auction and both parties loaded."""
    stmt = _with_parties(select(Booking)).order_by(Booking.id.desc())
    if status:
        stmt = stmt.where(Booking.status == status)
    if auction_id:
        stmt = stmt.where(Booking.auction_id == auction_id)
    if q:
        customer, provider = aliased(User), aliased(User)
        stmt = (
            stmt.join(customer, customer.id == Booking.customer_id)
            .join(provider, provider.id == Booking.provider_id)
            .where(_username_matches(q, customer, provider))
        )
    return paginate(stmt, page, per_page or BOOKINGS_PER_PAGE)


def no_show_queue() -> list[Booking]:
    """Bookings waiting for a no-show decision, the oldest report first."""
    stmt = _with_parties(select(Booking)).where(Booking.status == BookingStatus.DISPUTED)
    return list(db.session.scalars(stmt.order_by(Booking.no_show_reported_at, Booking.id)).unique())


def bookings_needing_attention() -> list[Booking]:
    """Confirmed, done or disputed bookings whose customer or provider is deactivated: the
    other side was told "our team will contact you"; oldest first."""
    customer, provider = aliased(User), aliased(User)
    stmt = (
        _with_parties(select(Booking))
        .join(customer, customer.id == Booking.customer_id)
        .join(provider, provider.id == Booking.provider_id)
        .where(
            Booking.status.in_(NEEDS_ATTENTION),
            customer.is_active.is_(False) | provider.is_active.is_(False),
        )
        .order_by(Booking.id)
    )
    return list(db.session.scalars(stmt).unique())


def count_needing_attention() -> int:
    customer, provider = aliased(User), aliased(User)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(customer, customer.id == Booking.customer_id)
            .join(provider, provider.id == Booking.provider_id)
            .where(
                Booking.status.in_(NEEDS_ATTENTION),
                customer.is_active.is_(False) | provider.is_active.is_(False),
            )
        )
        or 0
    )


def search_reviews(
    state: str | None = None,
    rating: int | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> Page:
    """Reviews newest first, published or not, hidden or not, for moderation. Each item is a
    (review, subject, hider) row: the review with its author and booking (and the booking's
    auction) loaded, the reviewed user, and the admin who hid it (None if visible).

    state: "published" (public now), "unpublished" (waiting for the other side or the
    window), "hidden"; rating: exact stars; q: part of the author's or subject's username.
    """
    subject, hider, author = aliased(User), aliased(User), aliased(User)
    stmt = (
        select(Review, subject, hider)
        .join(subject, subject.id == Review.subject_id)
        .outerjoin(hider, hider.id == Review.hidden_by)
        .options(joinedload(Review.author), joinedload(Review.booking).joinedload(Booking.auction))
        .order_by(Review.created_at.desc(), Review.id.desc())
    )
    if state == "published":
        stmt = stmt.where(Review.published_at.is_not(None), Review.hidden_at.is_(None))
    elif state == "unpublished":
        stmt = stmt.where(Review.published_at.is_(None), Review.hidden_at.is_(None))
    elif state == "hidden":
        stmt = stmt.where(Review.hidden_at.is_not(None))
    if rating:
        stmt = stmt.where(Review.rating == rating)
    if q:
        stmt = stmt.join(author, author.id == Review.author_id).where(_username_matches(q, author, subject))
    per_page = per_page or REVIEWS_PER_PAGE
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page([tuple(row) for row in rows], page, per_page, total)
