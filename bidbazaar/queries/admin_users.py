"""The admin console's users: the filtered, sorted users table and one user's detail page
(their auctions, bids, bookings and reviews)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from bidbazaar.booking_models import Booking, Review
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, User
from bidbazaar.queries.paging import Page, like, page_size, paginate

#: ?role=: who the user is. An admin who also offers services counts as a provider too,
#: as the dashboard's "Providers" figure counts them.
ROLES = {
    "customer": (User.is_service_provider.is_(False), User.is_admin.is_(False)),
    "provider": (User.is_service_provider.is_(True),),
    "admin": (User.is_admin.is_(True),),
}
#: ?state=: "unverified" is a provider an admin has not verified yet (provider_verified, the
#: dashboard's "Awaiting verification"), not an unconfirmed email address.
STATES = {
    "unverified": (User.is_service_provider.is_(True), User.provider_verified.is_(False)),
    "deactivated": (User.is_active.is_(False),),
    "active": (User.is_active.is_(True),),
}
#: ?sort=: the sortable columns; id breaks ties so pages never overlap.
SORTS = {"username": User.username_key, "email": User.email_key, "joined": User.created_at}
#: Each column's first direction when its header is clicked.
FIRST_DIRECTION = {"username": "asc", "email": "asc", "joined": "desc"}

#: How many rows of each kind the detail page lists (newest first).
DETAIL_ROWS = 20


def search_admin_users(
    q: str | None,
    role: str | None,
    state: str | None,
    sort: str | None,
    direction: str | None,
    page: int,
    per_page: int = 20,
) -> Page:
    """/admin/users: users matching every given filter, sorted (newest first by default)."""
    column = SORTS.get(sort or "joined", User.created_at)
    descending = (direction or FIRST_DIRECTION.get(sort or "joined", "desc")) == "desc"
    order = (column.desc(), User.id.desc()) if descending else (column.asc(), User.id.asc())
    stmt = select(User).where(*ROLES.get(role or "", ()), *STATES.get(state or "", ())).order_by(*order)
    if q:
        pattern = like(q)
        stmt = stmt.where(or_(User.username.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    return paginate(stmt, page, page_size(per_page, 20))


def admin_user_detail(user: User) -> dict[str, Any]:
    """What an admin reads about one user: the latest of their auctions, bids, bookings (on
    either side) and reviews (written or received, each with its subject), each newest first."""
    auctions = db.session.scalars(
        select(Auction).where(Auction.created_by == user.id).order_by(Auction.id.desc()).limit(DETAIL_ROWS)
    ).all()
    bids = db.session.execute(
        select(Bid, Auction.title)
        .join(Auction, Auction.id == Bid.auction_id)
        .where(Bid.user_id == user.id)
        .order_by(Bid.id.desc())
        .limit(DETAIL_ROWS)
    ).all()
    bookings = db.session.scalars(
        select(Booking)
        .where(or_(Booking.customer_id == user.id, Booking.provider_id == user.id))
        .order_by(Booking.id.desc())
        .limit(DETAIL_ROWS)
    ).all()
    subject = aliased(User)
    reviews = db.session.execute(
        select(Review, subject)
        .join(subject, subject.id == Review.subject_id)
        .where(or_(Review.author_id == user.id, Review.subject_id == user.id))
        .order_by(Review.id.desc())
        .limit(DETAIL_ROWS)
    ).all()
    return {"auctions": list(auctions), "bids": list(bids), "bookings": list(bookings), "reviews": list(reviews)}
