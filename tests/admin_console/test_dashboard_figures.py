"""The admin dashboard's figures and charts: days bucketed in IST (a day turns over at
18:30 UTC), round axis ticks, Indian digit grouping, and each figure's SQL (run this file
with TEST_DATABASE_URL on PostgreSQL and MariaDB too)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import render_template_string
from helpers import html
from sqlalchemy import select

from bidbazaar import queries, services
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, User
from bidbazaar.values import format_grouped, ist_day, ist_day_start, nice_ticks

#: 23:59:59 IST on 28 Nov, and one second later the IST day is 29 Nov.
LAST_SECOND_OF_28_IST = datetime(2026, 11, 28, 18, 29, 59, tzinfo=UTC)
FIRST_SECOND_OF_29_IST = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
NOV_28, NOV_29 = date(2026, 11, 28), date(2026, 11, 29)


@pytest.fixture
def at(time_machine: Any) -> Callable[[datetime], None]:
    """Stop the clock at a UTC moment."""
    return lambda moment: time_machine.move_to(moment, tick=False)


# --------------------------------------------------------------------------- values


def test_an_ist_day_turns_over_at_1830_utc() -> None:
    assert ist_day(LAST_SECOND_OF_28_IST) == NOV_28
    assert ist_day(FIRST_SECOND_OF_29_IST) == NOV_29


def test_an_ist_day_starts_at_1830_utc_the_day_before() -> None:
    assert ist_day_start(NOV_29) == FIRST_SECOND_OF_29_IST


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (23, [0, 5, 10, 15, 20, 25]),
        (99, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_axis_ticks_step_by_one_two_or_five_times_a_power_of_ten(peak: int, ticks: list[int]) -> None:
    assert nice_ticks(peak) == ticks


@pytest.mark.parametrize(
    ("value", "text"), [(7, "7"), (1000, "1,000"), (123456, "1,23,456"), (12345678, "1,23,45,678")]
)
def test_numbers_are_grouped_the_indian_way(value: int, text: str) -> None:
    assert format_grouped(value) == text


def test_the_grouped_filter_renders_indian_grouping(app: Any) -> None:
    with app.test_request_context():
        assert render_template_string("{{ 1234567|grouped }}") == "12,34,567"


# --------------------------------------------------------------------------- daily series


def test_bids_on_either_side_of_1830_utc_fall_on_two_ist_days(
    at: Callable[[datetime], None], make_auction: Any, make_bid: Any, provider: User, rival: User
) -> None:
    at(LAST_SECOND_OF_28_IST - timedelta(hours=2))
    auction = make_auction()
    at(LAST_SECOND_OF_28_IST)
    make_bid(provider, auction, 1800)
    at(FIRST_SECOND_OF_29_IST)
    make_bid(rival, auction, 1700)

    assert queries.bids_per_day(3) == [(NOV_29 - timedelta(days=2), 0), (NOV_28, 1), (NOV_29, 1)]


def test_sign_ups_are_counted_per_ist_day(at: Callable[[datetime], None], make_user: Callable[..., User]) -> None:
    at(LAST_SECOND_OF_28_IST)
    make_user("late_on_28")
    at(FIRST_SECOND_OF_29_IST)
    make_user("early_on_29")
    make_user("also_on_29")

    assert queries.signups_per_day(2) == [(NOV_28, 1), (NOV_29, 2)]


def test_days_before_the_period_are_left_out(at: Callable[[datetime], None], make_user: Callable[..., User]) -> None:
    at(LAST_SECOND_OF_28_IST)
    make_user("too_early")
    at(FIRST_SECOND_OF_29_IST)

    assert queries.signups_per_day(1) == [(NOV_29, 0)]


def test_awarded_and_ended_without_award_are_counted_by_their_closing_ist_day(
    at: Callable[[datetime], None], make_auction: Any, make_bid: Any, customer: User, provider: User
) -> None:
    at(LAST_SECOND_OF_28_IST - timedelta(hours=3))
    awarded = make_auction(title="Awarded on the 28th")
    unbid = make_auction(title="Nobody bid", deadline=FIRST_SECOND_OF_29_IST + timedelta(minutes=1))
    cancelled = make_auction(title="Called off")
    bid = make_bid(provider, awarded, 1500)
    at(LAST_SECOND_OF_28_IST)
    services.award_auction(customer, awarded.id, bid.id)
    services.cancel_auction(customer, cancelled.id)
    at(FIRST_SECOND_OF_29_IST + timedelta(minutes=2))
    assert services.close_expired_auctions() == 1

    assert db.session.get(Auction, unbid.id).status == "expired"
    assert queries.outcomes_per_day(2) == [(NOV_28, 1, 0), (NOV_29, 0, 1)]


def test_value_awarded_sums_the_winning_bids_of_the_period(
    at: Callable[[datetime], None], make_auction: Any, make_bid: Any, customer: User, provider: User
) -> None:
    at(LAST_SECOND_OF_28_IST - timedelta(days=3))
    old = make_auction(title="Awarded long ago")
    services.award_auction(customer, old.id, make_bid(provider, old, 1900).id)
    at(LAST_SECOND_OF_28_IST - timedelta(hours=1))
    first, second = make_auction(title="First"), make_auction(title="Second")
    services.award_auction(customer, first.id, make_bid(provider, first, "1234.50").id)
    services.award_auction(customer, second.id, make_bid(provider, second, 1000).id)

    assert queries.value_awarded_since(2) == Decimal("2234.50")


# --------------------------------------------------------------------------- closing unbid


@pytest.fixture
def closing_jobs(make_auction: Any, make_bid: Any, customer: User, provider: User) -> dict[str, Auction]:
    """One auction of each kind near the 24-hour line: only "soon" is open, unbid and due within 24 h."""
    soon = make_auction(title="Closes in 10 hours, no bids", deadline=datetime.now(UTC) + timedelta(hours=10))
    sooner = make_auction(title="Closes in 2 hours, no bids", deadline=datetime.now(UTC) + timedelta(hours=2))
    bid_on = make_auction(title="Closes in 10 hours, one bid", deadline=datetime.now(UTC) + timedelta(hours=10))
    make_bid(provider, bid_on, 1500)
    later = make_auction(title="Closes in 30 hours", deadline=datetime.now(UTC) + timedelta(hours=30))
    cancelled = make_auction(title="Cancelled", deadline=datetime.now(UTC) + timedelta(hours=10))
    services.cancel_auction(customer, cancelled.id)
    return {"soon": soon, "sooner": sooner, "bid_on": bid_on, "later": later, "cancelled": cancelled}


def test_closing_unbid_counts_open_auctions_due_within_24_hours_without_a_bid(
    closing_jobs: dict[str, Auction],
) -> None:
    assert queries.closing_unbid_count() == 2


def test_closing_unbid_lists_exactly_those_auctions_soonest_first(closing_jobs: dict[str, Auction]) -> None:
    listed = queries.closing_unbid().items

    assert [a.id for a in listed] == [closing_jobs["sooner"].id, closing_jobs["soon"].id]


def test_the_dashboards_closing_unbid_link_lands_on_exactly_those_auctions(
    client: Any, admin_token: str, closing_jobs: dict[str, Auction]
) -> None:
    dashboard = html(client.get("/admin/"))
    link = re.search(r'<a href="([^"]+)" data-figure="closing_unbid">(\d+)</a>', dashboard)
    assert link, dashboard

    page = html(client.get(link.group(1)))

    rows = [int(i) for i in re.findall(r'<tr data-auction-id="(\d+)">', page)]
    assert rows == [closing_jobs["sooner"].id, closing_jobs["soon"].id]
    assert int(link.group(2)) == len(rows)


# --------------------------------------------------------------------------- the page


def test_the_dashboard_shows_the_periods_figures(
    client: Any,
    admin_token: str,
    make_auction: Any,
    make_bid: Any,
    customer: User,
    provider: User,
) -> None:
    auction = make_auction(budget_min=Decimal("100000"), budget_max=Decimal("200000"))
    services.award_auction(customer, auction.id, make_bid(provider, auction, "123456").id)

    page = html(client.get("/admin/"))

    assert '<dd data-figure="awarded_period">1</dd>' in page
    assert '<dd data-figure="value_awarded_period">₹1,23,456</dd>' in page
    # asha, ravi and root signed up today
    assert '<dd data-figure="signups_period">3</dd>' in page


def test_the_charts_y_axis_is_labelled_with_round_ticks(
    client: Any, admin_token: str, make_auction: Any, make_bid: Any, make_user: Callable[..., User]
) -> None:
    auction = make_auction()
    for n in range(7):
        make_bid(make_user(f"fixer{n}", provider=True), auction, 1900 - n * 10)

    page = html(client.get("/admin/"))

    chart = re.search(r'<svg [^>]*id="bids-per-day".*?</svg>', page, re.DOTALL)
    assert chart
    assert re.findall(r'class="tick y-tick"[^>]*>([^<]+)</text>', chart.group(0)) == ["0", "2", "4", "6", "8"]


def test_every_admin_table_sits_in_a_labelled_focusable_scroll_region(
    client: Any, admin_token: str, closing_jobs: dict[str, Auction], customer: User
) -> None:
    bid_on = closing_jobs["bid_on"]
    services.award_auction(customer, bid_on.id, db.session.scalar(select(Bid.id).where(Bid.auction_id == bid_on.id)))
    for path in ("/admin/users", "/admin/auctions", "/admin/auctions/closing-unbid", "/admin/bookings"):
        page = html(client.get(path))
        tables = page.count("<table")
        regions = re.findall(r'<div class="[^"]*" role="region" aria-label="[^"]+" tabindex="0">\s*<table', page)
        assert tables == len(regions) >= 1, path
