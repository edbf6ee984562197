"""The dashboard's figures after the award, checked against a history scripted through the
services and counted by hand; and the dashboard's statement count, empty or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from admin_helpers import make_due, statements
from helpers import html

from bidbazaar import queries, services
from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, User, utcnow

EMPTY = {
    "awarded": 0,
    "expired": 0,
    "unfilled": 0,
    "value_awarded": Decimal("0.00"),
    "offers_lapsed": 0,
    "offers_declined": 0,
    "no_shows_reported": 0,
    "no_shows_upheld": 0,
    "no_shows_pending": 0,
}


@pytest.fixture
def history(
    admin: User,
    customer: User,
    provider: User,
    rival: User,
    book: Callable[..., Booking],
    make_auction: Callable[..., Auction],
    make_bid: Callable[..., Any],
) -> dict[str, Any]:
    """Eight auctions, each taken down another path by the services:

    1. awarded to ravi at 1,500, confirmed, done, completed        value 1,500
    2. ravi (1,450) declines, the offer passes to meena (1,600), she lets it lapse:
       no bid left, the auction ends unfilled                       declined 1, lapsed 1, unfilled 1
    3. meena at 1,200, confirmed, no-show reported and upheld       reported 1, upheld 1 (no value)
    4. ravi at 1,800, confirmed, no-show reported, not yet decided  reported 2, pending 1, value 1,800
    5. no bid; its deadline passes                                   expired 1
    6. meena at 1,100, confirmed                                     value 1,100
    7. ravi at 1,700, still offered                                  (no value)
    8. still open, no bid
    awarded = 1, 2, 3, 4, 6, 7 = 6; value = 1,500 + 1,800 + 1,100 = 4,400.
    """
    book(provider, 1500, upto="completed")

    second = make_auction(title="Paint two bedrooms")
    make_bid(rival, second, 1600)
    lowest = make_bid(provider, second, 1450)
    services.award_auction(customer, second.id, lowest.id)
    offered = db.session.scalar(db.select(Booking).where(Booking.auction_id == second.id))
    services.decline_booking(provider, offered.id, "Fully booked that week.")
    passed = db.session.scalar(
        db.select(Booking).where(Booking.auction_id == second.id, Booking.status == BookingStatus.OFFERED)
    )
    make_due(passed.id, "respond_by")
    services.sweep_bookings()

    upheld = book(rival, 1200, upto="disputed", note="Never came.")
    services.decide_no_show(admin, upheld.id, True, "Confirmed by phone.")
    book(provider, 1800, upto="disputed", note="Nobody came.")

    unbid = make_auction(title="Fix a ceiling fan")
    unbid.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    services.close_expired_auctions()

    book(rival, 1100, upto="confirmed")
    book(provider, 1700)
    make_auction(title="Still open")
    db.session.commit()
    return {"second": second.id, "unbid": unbid.id}


def test_the_figures_are_zero_on_an_empty_platform(app: Any) -> None:
    assert queries.booking_figures() == EMPTY


def test_the_figures_after_a_scripted_history_equal_the_hand_counted_values(history: dict[str, Any]) -> None:
    assert queries.booking_figures() == {
        "awarded": 6,
        "expired": 1,
        "unfilled": 1,
        "value_awarded": Decimal("4400.00"),
        "offers_lapsed": 1,
        "offers_declined": 1,
        "no_shows_reported": 2,
        "no_shows_upheld": 1,
        "no_shows_pending": 1,
    }


def test_the_scripted_history_left_the_auctions_in_the_states_counted(history: dict[str, Any]) -> None:
    statuses = dict(db.session.execute(db.select(Auction.id, Auction.status)).all())

    assert statuses[history["second"]] == AuctionStatus.EXPIRED  # unfilled
    assert statuses[history["unbid"]] == AuctionStatus.EXPIRED
    assert queries.auctions_by_status() == {"active": 1, "completed": 5, "cancelled": 0, "expired": 2}


def test_the_dashboard_shows_the_figures_and_links_the_pending_decisions_to_the_queue(
    client: Any, admin_token: str, history: dict[str, Any]
) -> None:
    body = html(client.get("/admin/"))

    assert 'data-figure="awarded">6<' in body
    assert 'data-figure="expired">1<' in body
    assert 'data-figure="unfilled">1<' in body
    assert 'data-figure="value_awarded">₹4,400' in body
    assert 'data-figure="offers_lapsed">1<' in body
    assert 'data-figure="offers_declined">1<' in body
    assert 'data-figure="no_shows">2 / ' in body
    assert '<a href="/admin/no-shows" data-figure="no_shows_pending">1</a>' in body


def test_the_dashboard_runs_the_same_number_of_statements_empty_or_after_a_history(
    client: Any, admin_token: str, request: pytest.FixtureRequest
) -> None:
    with statements() as empty:
        assert client.get("/admin/").status_code == 200
    request.getfixturevalue("history")
    with statements() as full:
        assert client.get("/admin/").status_code == 200

    assert len(empty) == len(full)
