"""Fixtures the booking tests share: an awarded auction with its first offer, and the
same booking confirmed, done and completed (helpers are in booking_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from booking_helpers import Awarded, chain, fresh_auction, fresh_booking

from bidbazaar import services
from bidbazaar.models import Auction, Bid, User


@pytest.fixture
def third(make_user: Callable[..., User]) -> User:
    return make_user("kiran", provider=True)


@pytest.fixture
def awarded(
    customer: User, make_auction: Callable[..., Auction], make_bid: Callable[..., Bid]
) -> Callable[..., Awarded]:
    """awarded((rival, 1600), (provider, 1500), ...): bids placed in this order (each one
    undercutting the last, as the bid rule wants), the lowest awarded by the customer."""

    def _award(*offers: tuple[User, Any], customer_: User | None = None) -> Awarded:
        owner = customer_ or customer
        auction = make_auction(owner)
        bids = [make_bid(user, auction, amount) for user, amount in offers]
        lowest = min(bids, key=lambda bid: (bid.amount, bid.id))
        services.award_auction(owner, auction.id, lowest.id)
        booking = chain(auction.id)[0]
        return Awarded(fresh_auction(auction.id), bids, booking)

    return _award


@pytest.fixture
def confirmed(awarded: Callable[..., Awarded], provider: User) -> Awarded:
    """provider's 1500 awarded and confirmed."""
    deal = awarded((provider, 1500))
    services.confirm_booking(provider, deal.booking.id)
    deal.booking = fresh_booking(deal.booking.id)
    return deal


@pytest.fixture
def done(confirmed: Awarded, provider: User) -> Awarded:
    """provider's 1500 awarded, confirmed and marked done."""
    services.mark_done(provider, confirmed.booking.id)
    confirmed.booking = fresh_booking(confirmed.booking.id)
    return confirmed


@pytest.fixture
def completed(done: Awarded, customer: User) -> Awarded:
    """provider's 1500 awarded, confirmed, done and completed by the customer."""
    services.complete_booking(customer, done.booking.id)
    done.booking = fresh_booking(done.booking.id)
    return done
