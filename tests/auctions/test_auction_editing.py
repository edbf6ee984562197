"""Editing an auction over the JSON API: only its creator, and after the first bid only the
deadline (later) and the requirements. Every refusal also proves the database did not change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import anonymous_browser, assert_error, count
from helpers import auction_state as db_state

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, utcnow

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
