"""POST /api/auctions/{id}/repost: an ended job posted again, prefilled from the old one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh

from bidbazaar import services
from bidbazaar.models import Auction, utcnow


def later(days: int = 3) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


@pytest.fixture
def unfilled(offered, customer):
    """The customer stopped the chain: the auction ended unfilled."""
    services.cancel_booking(customer, offered.id, "Not needed")
    return fresh(Auction, offered.auction_id)


def test_the_job_is_posted_again_with_the_old_fields_and_a_new_deadline(api, unfilled, customer, conforms):
    deadline = utcnow() + timedelta(days=3)

    response = api("POST", f"/api/auctions/{unfilled.id}/repost", customer, {"deadline": deadline.isoformat()})

    assert response.status_code == 201, response.get_json()
    auction = response.get_json()["auction"]
    assert auction["id"] != unfilled.id and auction["status"] == "active"
    for field in ("title", "description", "category_id", "location", "requirements"):
        assert auction[field] == getattr(unfilled, field), field
    assert (auction["budget_min"], auction["budget_max"]) == (1000, 2000)
    assert auction["deadline"].startswith(deadline.strftime("%Y-%m-%dT%H:%M"))
    conforms(auction, "Auction")


def test_the_given_fields_replace_the_old_ones_and_null_keeps_them(api, unfilled, customer):
    body = {"deadline": later(), "title": "Fix the kitchen tap", "budget_max": 2500, "location": None}

    auction = api("POST", f"/api/auctions/{unfilled.id}/repost", customer, body).get_json()["auction"]

    assert (auction["title"], auction["budget_max"], auction["location"]) == (
        "Fix the kitchen tap", 2500, unfilled.location,
    )  # fmt: skip


def test_a_repost_needs_a_deadline(refused, unfilled, customer):
    body = refused("POST", f"/api/auctions/{unfilled.id}/repost", customer, {"title": "Again please"}, 400,
                   "VALIDATION_ERROR")  # fmt: skip

    assert "deadline" in body["details"]


def test_a_repost_deadline_in_the_past_is_refused(refused, unfilled, customer):
    past = (utcnow() - timedelta(hours=1)).isoformat()

    refused("POST", f"/api/auctions/{unfilled.id}/repost", customer, {"deadline": past}, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("state", ["offered", "confirmed", "done", "completed"])
def test_a_job_whose_booking_is_in_play_or_done_cannot_be_posted_again(refused, customer, state, request):
    booking = request.getfixturevalue(state)

    refused("POST", f"/api/auctions/{booking.auction_id}/repost", customer, {"deadline": later()}, 409, "CONFLICT")


def test_an_active_auction_cannot_be_posted_again(refused, auction, customer):
    refused("POST", f"/api/auctions/{auction.id}/repost", customer, {"deadline": later()}, 409, "CONFLICT")


def test_a_job_whose_confirmed_booking_was_cancelled_can_be_posted_again(api, confirmed, customer):
    services.cancel_booking(customer, confirmed.id, "Moved house")

    response = api("POST", f"/api/auctions/{confirmed.auction_id}/repost", customer, {"deadline": later()})

    assert response.status_code == 201, response.get_json()


def test_only_the_creator_posts_a_job_again(refused, unfilled, provider):
    refused("POST", f"/api/auctions/{unfilled.id}/repost", provider, {"deadline": later()}, 403, "FORBIDDEN")


def test_an_unknown_auction_cannot_be_posted_again(refused, customer):
    refused("POST", "/api/auctions/999/repost", customer, {"deadline": later()}, 404, "NOT_FOUND")


def test_an_anonymous_caller_cannot_post_a_job_again(refused, unfilled):
    refused("POST", f"/api/auctions/{unfilled.id}/repost", None, {"deadline": later()}, 401, "AUTH_REQUIRED")


def test_a_job_is_posted_again_only_once(api, unfilled, customer):
    first = api("POST", f"/api/auctions/{unfilled.id}/repost", customer, {"deadline": later()})
    assert first.status_code == 201, first.get_json()

    again = api("POST", f"/api/auctions/{unfilled.id}/repost", customer, {"deadline": later()})

    assert again.status_code == 409, again.get_json()
