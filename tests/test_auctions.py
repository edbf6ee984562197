"""Auctions over the JSON API: create, list (filters, sorting, paging), detail, edit,
cancel and award. Every refusal also proves the database did not change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers import assert_error, auction_payload, category_id, count
from sqlalchemy import event, select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, Category, IdempotencyRecord, Notification, utcnow

DEADLINE = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def db_state(auction_id: int | None = None) -> dict[str, Any]:
    """Row counts, plus one auction's row and its bids: equal before and after = unchanged."""
    state: dict[str, Any] = {
        model.__tablename__: count(model) for model in (Auction, Bid, AuctionEvent, Notification, IdempotencyRecord)
    }
    if auction_id is not None:
        state["auction"] = dict(
            db.session.execute(select(Auction.__table__).where(Auction.id == auction_id)).one()._mapping
        )
        state["bids"] = db.session.execute(
            select(Bid.id, Bid.status, Bid.amount).where(Bid.auction_id == auction_id).order_by(Bid.id)
        ).all()
    return state


def anonymous_browser(client: Any) -> dict[str, str]:
    """A visitor who has not logged in: its browser holds a session cookie and CSRF token."""
    return {"X-CSRFToken": client.get("/api/auth/csrf").get_json()["csrf_token"]}


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [a["id"] for a in response.get_json()["auctions"]]


# --------------------------------------------------------------------------- create


def test_any_active_user_creates_an_auction(client, customer, bearer):
    response = client.post(
        "/api/auctions", json=auction_payload(requirements="Bring a ladder"), headers=bearer(customer)
    )

    assert response.status_code == 201, response.get_json()
    auction = response.get_json()["auction"]
    assert auction["status"] == "active"
    assert auction["created_by"] == customer.id
    assert auction["requirements"] == "Bring a ladder"
    assert auction["bid_count"] == 0 and auction["lowest_bid"] is None
    assert count(Auction) == 1


def test_a_provider_may_post_an_auction_too(client, provider, bearer):
    response = client.post("/api/auctions", json=auction_payload(), headers=bearer(provider))

    assert response.status_code == 201, response.get_json()


def test_creating_an_auction_needs_a_login(client):
    response = client.post("/api/auctions", json=auction_payload(), headers=anonymous_browser(client))

    assert_error(response, 401, "AUTH_REQUIRED")
    assert count(Auction) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 4),
        ("title", "x" * 201),
        ("title", "     "),
        ("description", "x" * 19),
        ("description", "x" * 2001),
        ("location", "x" * 4),
        ("location", "x" * 101),
        ("budget_min", 0),
        ("budget_min", -5),
        ("budget_min", 10.001),
        ("budget_max", 100_000_000),
        ("budget_max", 999),
        ("requirements", "x" * 2001),
        ("category_id", 0),
    ],
)
def test_a_field_outside_its_bounds_is_refused(client, customer, bearer, field, value):
    headers = bearer(customer)

    response = client.post("/api/auctions", json=auction_payload(**{field: value}), headers=headers)

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["details"]
    assert count(Auction) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 5),
        ("title", "x" * 200),
        ("description", "x" * 20),
        ("description", "x" * 2000),
        ("location", "x" * 5),
        ("location", "x" * 100),
        ("budget_min", 0.01),
        ("budget_max", 1000),
        ("budget_max", 99_999_999.99),
        ("requirements", "x" * 2000),
    ],
)
def test_a_field_at_its_bound_is_accepted(client, customer, bearer, field, value):
    response = client.post("/api/auctions", json=auction_payload(**{field: value}), headers=bearer(customer))

    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "field", ["title", "description", "category_id", "location", "budget_min", "budget_max", "deadline"]
)
def test_each_required_field_must_be_present(client, customer, bearer, field):
    body = auction_payload()
    del body[field]

    response = client.post("/api/auctions", json=body, headers=bearer(customer))

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", 12345),
        ("title", ["Fix", "sink"]),
        ("budget_max", "2000"),
        ("budget_max", True),
        ("budget_min", {"amount": 1000}),
        ("category_id", "3"),
        ("category_id", 3.5),
        ("deadline", 1_900_000_000),
        ("status", "completed"),
        ("created_by", 1),
    ],
)
def test_a_field_of_the_wrong_json_type_or_an_unknown_field_is_refused(client, customer, bearer, field, value):
    response = client.post("/api/auctions", json=auction_payload(**{field: value}), headers=bearer(customer))

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_json_body_that_is_not_an_object_is_refused(client, customer, bearer):
    response = client.post("/api/auctions", json=[auction_payload()], headers=bearer(customer))

    assert "body" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_the_deadline_must_be_in_the_future(client, customer, bearer):
    past = (utcnow() - timedelta(minutes=1)).isoformat()

    response = client.post("/api/auctions", json=auction_payload(deadline=past), headers=bearer(customer))

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_deadline_of_exactly_now_is_refused(client, customer, bearer, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=10), tick=False)
    headers = bearer(customer)

    response = client.post("/api/auctions", json=auction_payload(deadline=utcnow().isoformat()), headers=headers)

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


@pytest.mark.parametrize("deadline", ["2030-06-01T12:00:00", "2030-06-01", "next friday", ""])
def test_the_deadline_needs_iso_8601_with_a_timezone(client, customer, bearer, deadline):
    response = client.post("/api/auctions", json=auction_payload(deadline=deadline), headers=bearer(customer))

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_the_deadline_must_be_within_a_year(client, customer, bearer):
    too_far = (utcnow() + timedelta(days=366)).isoformat()

    response = client.post("/api/auctions", json=auction_payload(deadline=too_far), headers=bearer(customer))

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_a_deadline_with_an_offset_is_stored_in_utc_and_rendered_with_z(client, customer, bearer, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=10), tick=False)
    headers = bearer(customer)

    response = client.post("/api/auctions", json=auction_payload(deadline="2030-06-01T17:30:00+05:30"), headers=headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["auction"]["deadline"] == "2030-06-01T12:00:00.000Z"


def test_the_category_must_exist(client, customer, bearer):
    response = client.post("/api/auctions", json=auction_payload(category_id=99_999), headers=bearer(customer))

    assert "category_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 0


def test_budget_max_may_equal_budget_min_but_not_fall_below_it(client, customer, bearer):
    headers = bearer(customer)

    equal = client.post("/api/auctions", json=auction_payload(budget_min=1500, budget_max=1500), headers=headers)
    below = client.post("/api/auctions", json=auction_payload(budget_min=1500, budget_max=1499.99), headers=headers)

    assert equal.status_code == 201, equal.get_json()
    assert "budget_max" in assert_error(below, 400, "VALIDATION_ERROR")["details"]
    assert count(Auction) == 1


def test_creating_with_an_idempotency_key_twice_returns_the_first_answer(client, customer, bearer):
    headers = {**bearer(customer), "Idempotency-Key": "create-1"}
    body = auction_payload()

    first = client.post("/api/auctions", json=body, headers=headers)
    retry = client.post("/api/auctions", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert count(Auction) == 1


def test_an_auction_key_reused_for_a_different_auction_is_a_conflict(client, customer, bearer):
    headers = {**bearer(customer), "Idempotency-Key": "create-1"}
    client.post("/api/auctions", json=auction_payload(), headers=headers)

    response = client.post("/api/auctions", json=auction_payload(title="Another job entirely"), headers=headers)

    assert_error(response, 409, "CONFLICT")
    assert count(Auction) == 1


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

    page = client.get("/auctions?page=2").get_data(as_text=True)

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


# --------------------------------------------------------------------------- detail


def test_detail_shows_the_latest_50_bids_newest_first(client, auction, make_bid, provider, rival):
    for step in range(55):
        make_bid(provider if step % 2 == 0 else rival, auction, 1999 - step)

    bids = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["bids"]

    assert len(bids) == 50
    assert [b["amount"] for b in bids] == [1999 - step for step in range(54, 4, -1)]


def test_detail_carries_server_time_and_seconds_remaining(client, make_auction, time_machine):
    time_machine.move_to(DEADLINE - timedelta(hours=2), tick=False)
    auction = make_auction(deadline=DEADLINE)
    time_machine.move_to(DEADLINE - timedelta(seconds=90, milliseconds=500), tick=False)

    body = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]

    assert body["server_time"] == "2030-06-01T11:58:29.500Z"
    assert body["seconds_remaining"] == 90
    assert body["deadline"] == "2030-06-01T12:00:00.000Z"


def test_detail_shows_the_creators_public_profile_without_email(client, auction, customer):
    creator = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["creator"]

    assert creator["id"] == customer.id and creator["username"] == customer.username
    assert "email" not in creator


def test_detail_has_no_winning_bid_while_active(client, auction, make_bid, provider):
    make_bid(provider, auction, 1500)

    assert client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["winning_bid"] is None


def test_reading_an_auction_past_its_deadline_completes_it_with_the_winning_bid(
    client, make_auction, make_bid, provider, rival, time_machine
):
    time_machine.move_to(DEADLINE - timedelta(hours=2), tick=False)
    auction = make_auction(deadline=DEADLINE)
    make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)
    time_machine.move_to(DEADLINE + timedelta(seconds=1), tick=False)

    body = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]

    assert body["status"] == "completed"
    assert body["seconds_remaining"] == 0
    assert body["winning_bid"]["id"] == lowest.id
    assert body["winning_bid"]["status"] == "accepted"


def test_an_unknown_auction_is_404(client):
    assert_error(client.get("/api/auctions/424242"), 404, "NOT_FOUND")


# --------------------------------------------------------------------------- edit


def test_the_creator_edits_an_auction_before_any_bid(client, auction, customer, bearer):
    response = client.put(
        f"/api/auctions/{auction.id}",
        json={"title": "Fix the bathroom tap", "budget_max": 2500},
        headers=bearer(customer),
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["auction"]["title"] == "Fix the bathroom tap"
    assert response.get_json()["auction"]["budget_max"] == 2500


def test_the_creator_may_move_the_deadline_earlier_before_any_bid(client, auction, customer, bearer):
    earlier = auction.deadline - timedelta(hours=1)

    response = client.put(
        f"/api/auctions/{auction.id}", json={"deadline": earlier.isoformat()}, headers=bearer(customer)
    )

    assert response.status_code == 200, response.get_json()
    db.session.commit()  # end the read snapshot
    assert db.session.get(Auction, auction.id).deadline == earlier


def test_editing_needs_a_login(client, auction):
    before = db_state(auction.id)

    response = client.put(
        f"/api/auctions/{auction.id}", json={"title": "Changed title"}, headers=anonymous_browser(client)
    )

    assert_error(response, 401, "AUTH_REQUIRED")
    assert db_state(auction.id) == before


def test_only_the_creator_may_edit(client, auction, make_user, bearer):
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json={"title": "Changed title"}, headers=bearer(make_user()))

    assert_error(response, 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_an_admin_may_not_edit_someone_elses_auction(client, auction, admin, bearer):
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json={"title": "Changed title"}, headers=bearer(admin))

    assert_error(response, 403, "FORBIDDEN")
    assert db_state(auction.id) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "A different job now"},
        {"budget_max": 5000},
        {"budget_min": 10},
        {"location": "Somewhere else"},
        {"description": "Something else entirely, a different job."},
        {"category_id": 1},
        {"requirements": "Fine", "title": "A different job now"},
    ],
)
def test_after_the_first_bid_other_fields_are_locked(client, auction, make_bid, provider, customer, bearer, changes):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json=changes, headers=bearer(customer))

    details = assert_error(response, 409, "AUCTION_LOCKED")["details"]
    assert set(details) == set(changes) - {"requirements"}
    assert db_state(auction.id) == before


def test_after_the_first_bid_the_deadline_cannot_move_earlier(client, auction, make_bid, provider, customer, bearer):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)
    earlier = auction.deadline - timedelta(hours=1)

    response = client.put(
        f"/api/auctions/{auction.id}", json={"deadline": earlier.isoformat()}, headers=bearer(customer)
    )

    assert "deadline" in assert_error(response, 409, "AUCTION_LOCKED")["details"]
    assert db_state(auction.id) == before


def test_after_the_first_bid_the_deadline_can_move_later(client, auction, make_bid, provider, customer, bearer):
    make_bid(provider, auction, 1500)
    later = auction.deadline + timedelta(days=1)

    response = client.put(f"/api/auctions/{auction.id}", json={"deadline": later.isoformat()}, headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    db.session.commit()  # end the read snapshot
    assert db.session.get(Auction, auction.id).deadline == later


def test_after_the_first_bid_the_requirements_can_change(client, auction, make_bid, provider, customer, bearer):
    make_bid(provider, auction, 1500)

    response = client.put(
        f"/api/auctions/{auction.id}", json={"requirements": "Weekend visits only"}, headers=bearer(customer)
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["auction"]["requirements"] == "Weekend visits only"


def test_after_the_first_bid_resending_unchanged_fields_is_not_a_change(
    client, auction, make_bid, provider, customer, bearer
):
    make_bid(provider, auction, 1500)
    unchanged = {
        "title": auction.title,
        "budget_max": 2000,
        "deadline": auction.deadline.isoformat(),
        "requirements": "Weekend visits only",
    }

    response = client.put(f"/api/auctions/{auction.id}", json=unchanged, headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["auction"]["requirements"] == "Weekend visits only"


def test_editing_to_a_past_deadline_is_refused(client, auction, customer, bearer):
    before = db_state(auction.id)
    past = (utcnow() - timedelta(minutes=1)).isoformat()

    response = client.put(f"/api/auctions/{auction.id}", json={"deadline": past}, headers=bearer(customer))

    assert "deadline" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_editing_budget_max_below_the_stored_budget_min_is_refused(client, auction, customer, bearer):
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json={"budget_max": 999}, headers=bearer(customer))

    assert "budget_max" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


@pytest.mark.parametrize("body", [{"status": "completed"}, {"title": None}, {"title": "abc"}, {"budget_max": "2000"}])
def test_editing_with_an_invalid_or_unknown_field_is_refused(client, auction, customer, bearer, body):
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json=body, headers=bearer(customer))

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == set(body)
    assert db_state(auction.id) == before


def test_editing_with_nothing_to_change_is_refused(client, auction, customer, bearer):
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json={}, headers=bearer(customer))

    assert_error(response, 400, "VALIDATION_ERROR")
    assert db_state(auction.id) == before


def test_a_cancelled_auction_cannot_be_edited(client, auction, customer, bearer):
    from bidbazaar import services

    services.cancel_auction(customer, auction.id)
    before = db_state(auction.id)

    response = client.put(f"/api/auctions/{auction.id}", json={"title": "Changed title"}, headers=bearer(customer))

    assert_error(response, 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


def test_editing_an_unknown_auction_is_404(client, customer, bearer):
    response = client.put("/api/auctions/424242", json={"title": "Changed title"}, headers=bearer(customer))

    assert_error(response, 404, "NOT_FOUND")
    assert count(AuctionEvent) == 0


# --------------------------------------------------------------------------- cancel


def test_the_creator_cancels_an_active_auction(client, auction, make_bid, provider, customer, bearer):
    bid = make_bid(provider, auction, 1500)

    response = client.post(f"/api/auctions/{auction.id}/cancel", headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["auction"]["status"] == "cancelled"
    db.session.commit()  # end the read snapshot
    assert db.session.get(Bid, bid.id).status == "rejected"
    assert count(Notification, Notification.user_id == provider.id, Notification.type == "auction_cancelled") == 1


def test_an_admin_cancels_any_active_auction(client, auction, admin, bearer):
    response = client.post(f"/api/auctions/{auction.id}/cancel", headers=bearer(admin))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["auction"]["status"] == "cancelled"


def test_another_user_cannot_cancel(client, auction, provider, bearer):
    before = db_state(auction.id)

    assert_error(client.post(f"/api/auctions/{auction.id}/cancel", headers=bearer(provider)), 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_cancelling_needs_a_login(client, auction):
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/cancel", headers=anonymous_browser(client))

    assert_error(response, 401, "AUTH_REQUIRED")
    assert db_state(auction.id) == before


def test_a_cancelled_auction_cannot_be_cancelled_again(client, auction, customer, bearer):
    headers = bearer(customer)
    client.post(f"/api/auctions/{auction.id}/cancel", headers=headers)
    before = db_state(auction.id)

    assert_error(client.post(f"/api/auctions/{auction.id}/cancel", headers=headers), 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


def test_cancelling_after_the_deadline_closes_the_auction_instead(
    client, make_auction, make_bid, provider, customer, bearer, time_machine
):
    time_machine.move_to(DEADLINE - timedelta(hours=2), tick=False)
    headers = bearer(customer)
    auction = make_auction(deadline=DEADLINE)
    make_bid(provider, auction, 1500)
    time_machine.move_to(DEADLINE, tick=False)

    response = client.post(f"/api/auctions/{auction.id}/cancel", headers=headers)

    assert assert_error(response, 409, "AUCTION_CLOSED")["details"]["status"] == "completed"


# --------------------------------------------------------------------------- award


def test_the_creator_awards_any_active_bid(client, auction, make_bid, provider, rival, customer, bearer):
    chosen = make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)

    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": chosen.id}, headers=bearer(customer))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()["auction"]
    assert body["status"] == "completed"
    assert body["winning_bid"]["id"] == chosen.id
    db.session.commit()  # end the read snapshot
    assert db.session.get(Bid, chosen.id).status == "accepted"
    assert db.session.get(Bid, lowest.id).status == "rejected"


def test_only_the_creator_may_award(client, auction, make_bid, provider, admin, bearer):
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": bid.id}, headers=bearer(admin))

    assert_error(response, 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_a_withdrawn_bid_cannot_be_awarded(client, auction, make_bid, provider, customer, bearer):
    from bidbazaar import services

    bid = make_bid(provider, auction, 1500)
    services.withdraw_bid(provider, auction.id, bid.id)
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": bid.id}, headers=bearer(customer))

    assert_error(response, 409, "CONFLICT")
    assert db_state(auction.id) == before


def test_a_bid_of_another_auction_cannot_be_awarded(client, make_auction, make_bid, provider, customer, bearer):
    auction, other = make_auction(), make_auction()
    elsewhere = make_bid(provider, other, 1500)
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": elsewhere.id}, headers=bearer(customer))

    assert_error(response, 404, "NOT_FOUND")
    assert db_state(auction.id) == before


@pytest.mark.parametrize("body", [{}, {"bid_id": "1"}, {"bid_id": True}, {"bid_id": 0}])
def test_award_needs_a_bid_id(client, auction, make_bid, provider, customer, bearer, body):
    make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/award", json=body, headers=bearer(customer))

    assert "bid_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_a_cancelled_auction_cannot_be_awarded(client, auction, make_bid, provider, customer, bearer):
    from bidbazaar import services

    bid = make_bid(provider, auction, 1500)
    services.cancel_auction(customer, auction.id)
    before = db_state(auction.id)

    response = client.post(f"/api/auctions/{auction.id}/award", json={"bid_id": bid.id}, headers=bearer(customer))

    assert_error(response, 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


# --------------------------------------------------------------------------- demo data


def test_seed_demo_builds_bid_ladders_that_obey_the_rules(app, runner):
    result = runner.invoke(args=["seed-demo", "--auctions", "40"])

    assert result.exit_code == 0, result.output
    db.session.commit()  # a fresh snapshot
    decrement = app.config["BID_MIN_DECREMENT"]
    auctions = db.session.scalars(select(Auction)).all()
    assert len(auctions) == 40
    for auction in auctions:
        bids = db.session.scalars(select(Bid).where(Bid.auction_id == auction.id).order_by(Bid.id)).all()
        assert auction.created_at < auction.deadline
        assert auction.bid_count == len(bids)
        assert auction.lowest_bid == (bids[-1].amount if bids else None)
        previous = None
        for bid in bids:
            assert auction.created_at < bid.created_at < auction.deadline
            assert bid.user_id != auction.created_by
            if previous is not None:
                assert bid.amount <= previous.amount - decrement
                assert bid.user_id != previous.user_id
            else:
                assert bid.amount <= auction.budget_max
            previous = bid


def test_seed_demo_puts_auctions_only_in_leaf_categories(runner):
    runner.invoke(args=["seed-demo", "--auctions", "30"])

    db.session.commit()  # a fresh snapshot
    parents = set(db.session.scalars(select(Category.parent_id).where(Category.parent_id.is_not(None))))
    assert not set(db.session.scalars(select(Auction.category_id))) & parents


def test_a_constraint_the_checks_did_not_foresee_is_a_409_not_a_500(client, customer, bearer, monkeypatch):
    """E.g. the category deleted between the check and the insert: the foreign key refuses."""
    from bidbazaar.services import auctions

    monkeypatch.setattr(auctions, "_validate_auction_fields", lambda *args, **kwargs: None)

    response = client.post("/api/auctions", json=auction_payload(category_id=424242), headers=bearer(customer))

    assert_error(response, 409, "CONFLICT")
    assert count(Auction) == 0
