"""Listing auctions over the JSON API: paging, the cached totals, each filter and each sort."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers import DEADLINE, assert_error, category_id
from sqlalchemy import event

from bidbazaar.extensions import db


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [a["id"] for a in response.get_json()["auctions"]]


# --------------------------------------------------------------------------- list: filters


def test_the_list_is_paginated_newest_first_with_ten_per_page(client, make_auction):
    made = [make_auction(title=f"Job number {n}").id for n in range(12)]

    response = client.get("/api/auctions")

    assert ids(response) == made[::-1][:10]
    assert response.get_json()["pagination"] == {"page": 1, "per_page": 10, "total": 12, "pages": 2}


def test_page_two_holds_the_rest(client, make_auction):
    made = [make_auction(title=f"Job number {n}").id for n in range(12)]

    assert ids(client.get("/api/auctions?page=2")) == made[::-1][10:]


def test_a_page_past_the_end_is_empty_with_the_true_total(client, make_auction):
    for n in range(12):
        make_auction(title=f"Job number {n}")

    response = client.get("/api/auctions?page=5")

    assert ids(response) == []
    assert response.get_json()["pagination"] == {"page": 5, "per_page": 10, "total": 12, "pages": 2}


def test_pages_list_the_same_auctions_as_the_api(client, make_auction):
    made = [make_auction(title=f"Job number {n}").id for n in range(12)]

    page = client.get("/auctions?page=2&per_page=10").get_data(as_text=True)

    assert all(f"/auctions/{auction_id}" in page for auction_id in made[::-1][10:])
    assert f'/auctions/{made[-1]}"' not in page


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cached_totals(app, config):
    from bidbazaar import queries

    config.LISTING_TOTAL_TTL_SECONDS = 5
    app.config["LISTING_TOTAL_TTL_SECONDS"] = 5
    clock = FakeClock()
    app.extensions["bidbazaar_listing_totals"] = queries.ListingTotals(clock)
    return clock


def test_a_listing_total_is_reused_for_its_ttl(client, make_auction, cached_totals):
    for n in range(12):
        make_auction(title=f"Job number {n}")
    assert client.get("/api/auctions").get_json()["pagination"]["total"] == 12
    newest = make_auction(title="Posted a moment later")

    cached_totals.now += 4.9
    response = client.get("/api/auctions")

    assert ids(response)[0] == newest.id  # the rows are always fresh
    assert response.get_json()["pagination"]["total"] == 12


def test_a_listing_total_is_counted_again_after_its_ttl(client, make_auction, cached_totals):
    for n in range(12):
        make_auction(title=f"Job number {n}")
    client.get("/api/auctions")
    make_auction(title="Posted later")

    cached_totals.now += 5.0

    assert client.get("/api/auctions").get_json()["pagination"]["total"] == 13


def test_each_filter_has_its_own_cached_total(client, make_auction, cached_totals):
    for n in range(11):
        make_auction(title=f"Plumbing job {n}", category_id=category_id("Plumbing"))
        make_auction(title=f"Cleaning job {n}", category_id=category_id("Cleaning"))

    everything = client.get("/api/auctions").get_json()["pagination"]["total"]
    plumbing = client.get(f"/api/auctions?category={category_id('Plumbing')}").get_json()["pagination"]["total"]

    assert (everything, plumbing) == (22, 11)


def test_the_last_page_total_is_exact_even_while_cached(client, make_auction, cached_totals):
    for n in range(12):
        make_auction(title=f"Job number {n}")
    client.get("/api/auctions")
    make_auction(title="Posted later")

    response = client.get("/api/auctions?page=2")

    assert response.get_json()["pagination"]["total"] == 13  # counted off the short last page


def test_a_parent_category_includes_its_subcategories(client, make_auction):
    plumbing = make_auction(category_id=category_id("Plumbing"))
    electrical = make_auction(category_id=category_id("Electrical"))
    make_auction(category_id=category_id("Cleaning"))

    found = ids(client.get(f"/api/auctions?category={category_id('Home Repair')}"))

    assert sorted(found) == sorted([plumbing.id, electrical.id])


def test_a_leaf_category_lists_only_its_own_auctions(client, make_auction):
    plumbing = make_auction(category_id=category_id("Plumbing"))
    make_auction(category_id=category_id("Electrical"))

    assert ids(client.get(f"/api/auctions?category={category_id('Plumbing')}")) == [plumbing.id]


def test_the_status_filter_lists_only_that_status(client, customer, make_auction):
    from bidbazaar import services

    cancelled = make_auction()
    make_auction()
    services.cancel_auction(customer, cancelled.id)

    assert ids(client.get("/api/auctions?status=cancelled")) == [cancelled.id]


def test_location_matches_a_case_insensitive_substring(client, make_auction):
    mumbai = make_auction(location="Andheri West, Mumbai")
    make_auction(location="Kothrud, Pune")

    assert ids(client.get("/api/auctions?location=mUMBAI")) == [mumbai.id]


def test_location_wildcards_are_taken_literally(client, make_auction):
    make_auction(location="Andheri West, Mumbai")

    assert ids(client.get("/api/auctions?location=%25")) == []
    assert ids(client.get("/api/auctions?location=_ndheri")) == []


def test_q_searches_the_title(client, make_auction):
    sofa = make_auction(title="Sofa shampoo and clean")
    make_auction()

    assert ids(client.get("/api/auctions?q=SHAMPOO")) == [sofa.id]


def test_q_searches_the_description(client, make_auction):
    termite = make_auction(description="Termite treatment for a wooden wardrobe and door frames.")
    make_auction()

    assert ids(client.get("/api/auctions?q=wardrobe")) == [termite.id]


def test_min_budget_keeps_auctions_whose_budget_reaches_it(client, make_auction):
    make_auction(budget_min=Decimal(1000), budget_max=Decimal(2000))
    large = make_auction(budget_min=Decimal(3000), budget_max=Decimal(5000))

    assert ids(client.get("/api/auctions?min_budget=2500")) == [large.id]


def test_max_budget_keeps_auctions_that_start_within_it(client, make_auction):
    small = make_auction(budget_min=Decimal(1000), budget_max=Decimal(2000))
    make_auction(budget_min=Decimal(3000), budget_max=Decimal(5000))

    assert ids(client.get("/api/auctions?max_budget=2500")) == [small.id]


def test_created_by_lists_one_users_auctions(client, make_auction, make_user):
    other = make_user()
    theirs = make_auction(creator=other)
    make_auction()

    assert ids(client.get(f"/api/auctions?created_by={other.id}")) == [theirs.id]


def test_mine_lists_only_the_viewers_auctions(client, make_auction, make_user, customer, bearer):
    mine = make_auction(creator=customer)
    make_auction(creator=make_user())

    assert ids(client.get("/api/auctions?mine=true", headers=bearer(customer))) == [mine.id]


def test_mine_needs_a_login(client, make_auction):
    make_auction()

    assert_error(client.get("/api/auctions?mine=true"), 401, "AUTH_REQUIRED")


# --------------------------------------------------------------------------- list: sorting


@pytest.fixture
def three_auctions(make_auction, make_bid, provider, rival, time_machine):
    """a: oldest, budget 3000, deadline +3d, 1 bid of 2500; b: budget 1000, deadline +1d,
    3 bids down to 900; c: newest, budget 2000, deadline +2d, no bids."""
    start = DEADLINE - timedelta(days=30)
    time_machine.move_to(start, tick=False)
    a = make_auction(budget_max=Decimal(3000), deadline=start + timedelta(days=3))
    time_machine.move_to(start + timedelta(minutes=1), tick=False)
    b = make_auction(budget_min=Decimal(500), budget_max=Decimal(1000), deadline=start + timedelta(days=1))
    time_machine.move_to(start + timedelta(minutes=2), tick=False)
    c = make_auction(budget_max=Decimal(2000), deadline=start + timedelta(days=2))
    make_bid(provider, a, 2500)
    make_bid(provider, b, 950)
    make_bid(rival, b, 920)
    make_bid(provider, b, 900)
    return a.id, b.id, c.id


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [
        ("created_at", "abc"),
        ("budget_max", "bca"),
        ("deadline", "bca"),
        ("lowest_bid", "bac"),
        ("bid_count", "cab"),
    ],
)
def test_each_sort_orders_ascending(client, three_auctions, sort, ascending):
    named = dict(zip("abc", three_auctions, strict=True))

    found = ids(client.get(f"/api/auctions?sort={sort}&order=asc"))

    assert found == [named[letter] for letter in ascending]


@pytest.mark.parametrize(
    ("sort", "descending"),
    [
        ("created_at", "cba"),
        ("budget_max", "acb"),
        ("deadline", "acb"),
        ("lowest_bid", "abc"),  # no bids yet sorts last either way
        ("bid_count", "bac"),
    ],
)
def test_each_sort_orders_descending(client, three_auctions, sort, descending):
    named = dict(zip("abc", three_auctions, strict=True))

    found = ids(client.get(f"/api/auctions?sort={sort}&order=desc"))

    assert found == [named[letter] for letter in descending]


def test_per_page_above_100_is_clamped_to_100(client, make_auction):
    make_auction()

    response = client.get("/api/auctions?per_page=5000")

    assert response.get_json()["pagination"]["per_page"] == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=price", "sort"),
        ("order=up", "order"),
        ("status=open", "status"),
        ("page=two", "page"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("category=plumbing", "category"),
        ("min_budget=cheap", "min_budget"),
        ("mine=yes", "mine"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(client, query, field):
    response = client.get(f"/api/auctions?{query}")

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_bid_count_and_lowest_bid_cost_no_extra_statements_per_auction(
    app, client, make_auction, make_bid, provider, rival
):
    for n in range(5):
        auction = make_auction(title=f"Job number {n}")
        make_bid(provider, auction, 1900)
        make_bid(rival, auction, 1800)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def run(query: str) -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(query)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        body = response.get_json()
        assert all(a["bid_count"] == 2 and a["lowest_bid"] == 1800 for a in body["auctions"])
        return len(statements)

    # Both pages are full, so both count the total: only the rows per page differ.
    one = run("/api/auctions?per_page=1")
    five = run("/api/auctions?per_page=5")

    assert one == five
    assert len(client.get("/api/auctions?per_page=100").get_json()["auctions"]) == 5
