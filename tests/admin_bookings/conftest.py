"""Fixtures for the admin console's booking, no-show and review pages: a logged-in admin and
bookings brought to each state through the services themselves (never by writing a status)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from admin_helpers import reloaded
from helpers import log_in
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import Booking, Review
from bidbazaar.extensions import db
from bidbazaar.models import Auction, User


@pytest.fixture
def admin_token(client: Any, admin: User) -> str:
    """The admin is logged in on `client`; this is the session's CSRF token."""
    return log_in(client, admin)


@pytest.fixture
def book(make_auction: Callable[..., Auction], make_bid: Callable[..., Any], customer: User) -> Callable[..., Booking]:
    """book(provider, amount, upto=...) -> the booking of a new auction awarded to `provider`'s
    bid, moved through the services up to "offered", "confirmed", "done", "disputed" or "completed"."""
    counter = iter(range(1, 1000))

    def _book(
        provider: User, amount: int = 1500, upto: str = "offered", note: str | None = None, title: str | None = None
    ) -> Booking:
        auction = make_auction(title=title or f"Booked job number {next(counter)}")
        bid = make_bid(provider, auction, amount)
        services.award_auction(customer, auction.id, bid.id)
        booking = db.session.scalar(select(Booking).where(Booking.auction_id == auction.id))
        steps = ["offered", "confirmed", "done", "disputed" if upto == "disputed" else "completed"]
        for step in steps[1 : steps.index(upto) + 1]:
            if step == "confirmed":
                services.confirm_booking(provider, booking.id)
            elif step == "done":
                services.mark_done(provider, booking.id)
            elif step == "disputed":
                services.report_no_show(customer, booking.id, note)
            else:
                services.complete_booking(customer, booking.id)
        return reloaded(Booking, booking.id)

    return _book


@pytest.fixture
def reviewed(book: Callable[..., Booking], customer: User, provider: User) -> tuple[Review, Review]:
    """A completed booking both sides reviewed: both reviews published (customer's first)."""
    booking = book(provider, 1500, upto="completed")
    by_customer = services.write_review(customer, booking.id, 2, "Came late, left a mess.")
    by_provider = services.write_review(provider, booking.id, 5, "Clear brief, paid on time.")
    return reloaded(Review, by_customer.id), reloaded(Review, by_provider.id)
