"""Cancelling and awarding an auction over the JSON API: who may, and which bids can win.
Every refusal also proves the database did not change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import DEADLINE, anonymous_browser, assert_error, count
from helpers import auction_state as db_state

from bidbazaar.extensions import db
from bidbazaar.models import Bid, Notification

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
