"""Fixtures the booking page tests share: an awarded auction's booking, and test clients
logged in through the login form (each its own cookie jar)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import html, log_in
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import User


class PageUser:
    """A logged-in browser stand-in: GET pages, POST forms with the session's CSRF token."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, path: str) -> Any:
        return self.client.get(path)

    def text(self, path: str) -> str:
        return html(self.client.get(path))

    def post(self, path: str, **data: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.token, **data})

    def follow(self, path: str, **data: Any) -> str:
        """POST a form and read the page it redirects to (with its flashed message)."""
        response = self.post(path, **data)
        assert response.status_code == 302, html(response)
        return html(self.client.get(response.headers["Location"]))


@pytest.fixture
def as_user(app: Any) -> Callable[[User], PageUser]:
    def _login(user: User) -> PageUser:
        client = app.test_client()
        return PageUser(client, log_in(client, user))

    return _login


@pytest.fixture
def bids(make_auction: Any, make_bid: Any, provider: User, rival: User) -> dict[str, Any]:
    """An auction with the rival's 1600, then the provider's lower 1500."""
    auction = make_auction()
    high = make_bid(rival, auction, 1600)
    return {"auction": auction, "low": make_bid(provider, auction, 1500), "high": high}


@pytest.fixture
def booking(bids: dict[str, Any], customer: User) -> Booking:
    """The customer awarded the provider's bid: an offer waiting for the provider."""
    services.award_auction(customer, bids["auction"].id, bids["low"].id)
    return current_booking(bids["auction"].id)


def current_booking(auction_id: int) -> Booking:
    db.session.commit()
    return db.session.scalar(
        select(Booking).where(Booking.auction_id == auction_id).order_by(Booking.round.desc()).limit(1)
    )


@pytest.fixture
def confirmed(booking: Booking, provider: User) -> Booking:
    services.confirm_booking(provider, booking.id)
    return booking


@pytest.fixture
def completed(confirmed: Booking, provider: User, customer: User) -> Booking:
    services.mark_done(provider, confirmed.id)
    services.complete_booking(customer, confirmed.id)
    return confirmed
