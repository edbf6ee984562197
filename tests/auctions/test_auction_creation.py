"""Creating an auction over the JSON API: who may, each field's bounds and types, the deadline's
rules, Idempotency-Key; and the demo data and the database's own constraints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import DEADLINE, anonymous_browser, assert_error, auction_payload, count
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid, Category, utcnow

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
