"""An auction's bid history, and withdrawing a bid: only its bidder, once, while the auction
is open. Every refusal also proves the database did not change."""

from __future__ import annotations

from decimal import Decimal

from helpers import assert_error, bid_url, count, fresh, offer
from helpers import bidding_state as db_state

from bidbazaar import services
from bidbazaar.models import Auction, Bid

# --------------------------------------------------------------------------- history


def test_the_bid_history_is_paginated_newest_first(client, auction, make_bid, provider, rival):
    made = [make_bid(provider if n % 2 == 0 else rival, auction, 1900 - n * 10).id for n in range(5)]

    first = client.get(f"{bid_url(auction)}?per_page=2").get_json()
    last = client.get(f"{bid_url(auction)}?per_page=2&page=3").get_json()

    assert [b["id"] for b in first["bids"]] == made[::-1][:2]
    assert [b["id"] for b in last["bids"]] == made[:1]
    assert first["pagination"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}


def test_the_bid_history_of_an_unknown_auction_is_404(client):
    assert_error(client.get("/api/auctions/424242/bids"), 404, "NOT_FOUND")


# --------------------------------------------------------------------------- withdraw


def test_a_bidder_withdraws_its_bid_and_the_row_is_kept(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)

    response = client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["bid"]["status"] == "withdrawn"
    assert fresh(Bid, bid.id).status == "withdrawn"
    assert count(Bid) == 1


def test_withdrawing_the_lowest_bid_recomputes_the_lowest(client, auction, make_bid, provider, rival, bearer):
    make_bid(provider, auction, 1500)
    lowest = make_bid(rival, auction, 1400)

    client.delete(f"{bid_url(auction)}/{lowest.id}", headers=bearer(rival))

    assert fresh(Auction, auction.id).lowest_bid == Decimal("1500.00")
    assert client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["lowest_bid"] == 1500


def test_withdrawing_the_only_bid_leaves_no_lowest(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)

    client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider))

    assert fresh(Auction, auction.id).lowest_bid is None


def test_after_withdrawing_a_provider_may_bid_higher_than_its_old_bid(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)
    headers = bearer(provider)
    client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers)

    assert client.post(bid_url(auction), json=offer(1600), headers=headers).status_code == 201


def test_nobody_withdraws_someone_elses_bid(client, auction, make_bid, provider, rival, bearer):
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(rival)), 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_the_creator_cannot_withdraw_a_providers_bid(client, auction, make_bid, provider, customer, bearer):
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(customer)), 403, "FORBIDDEN")
    assert db_state(auction.id) == before


def test_a_withdrawn_bid_cannot_be_withdrawn_again(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)
    headers = bearer(provider)
    client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=headers), 409, "CONFLICT")
    assert db_state(auction.id) == before


def test_a_bid_cannot_be_withdrawn_once_the_auction_closed(client, auction, make_bid, provider, customer, bearer):
    bid = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, bid.id)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/{bid.id}", headers=bearer(provider)), 409, "AUCTION_CLOSED")
    assert db_state(auction.id) == before


def test_withdrawing_an_unknown_bid_is_404(client, auction, provider, bearer):
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(auction)}/424242", headers=bearer(provider)), 404, "NOT_FOUND")
    assert db_state(auction.id) == before


def test_a_bid_is_withdrawn_only_through_its_own_auction(client, make_auction, make_bid, provider, bearer):
    auction, other = make_auction(), make_auction()
    bid = make_bid(provider, auction, 1500)
    before = db_state(auction.id)

    assert_error(client.delete(f"{bid_url(other)}/{bid.id}", headers=bearer(provider)), 404, "NOT_FOUND")
    assert db_state(auction.id) == before
