"""Exactly-once bids and auctions: an Idempotency-Key's retry gets the first answer, a reuse
for another request is a conflict, and racing posts with one key create one row."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from helpers import assert_error, bid_url, count, offer
from helpers import bidding_state as db_state

from bidbazaar import services
from bidbazaar.models import Auction, Bid, IdempotencyRecord

# --------------------------------------------------------------------------- Idempotency-Key


def test_a_retried_bid_returns_the_first_answer_and_creates_nothing(client, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "bid-7f3a"}

    first = client.post(bid_url(auction), json=offer(1500), headers=headers)
    before = db_state(auction.id)
    retry = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.get_data() == first.get_data()
    assert db_state(auction.id) == before


def test_a_retry_after_the_auction_closed_still_gets_the_first_answer(client, auction, provider, bearer, clock):
    clock(-3600)
    headers = {**bearer(provider), "Idempotency-Key": "bid-late-retry"}
    first = client.post(bid_url(auction), json=offer(1500), headers=headers)
    clock(1)
    services.close_if_expired(auction.id)

    retry = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert retry.status_code == 201
    assert retry.get_data() == first.get_data()
    assert count(Bid) == 1


def test_a_key_reused_for_a_different_bid_is_a_conflict(client, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "bid-7f3a"}
    client.post(bid_url(auction), json=offer(1500), headers=headers)
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1400), headers=headers)

    assert_error(response, 409, "CONFLICT")
    assert db_state(auction.id) == before


def test_one_key_used_by_two_users_is_two_requests(client, auction, provider, rival, bearer):
    client.post(bid_url(auction), json=offer(1500), headers={**bearer(provider), "Idempotency-Key": "k1"})

    response = client.post(bid_url(auction), json=offer(1400), headers={**bearer(rival), "Idempotency-Key": "k1"})

    assert response.status_code == 201, response.get_json()
    assert count(Bid) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey"])
def test_a_malformed_idempotency_key_is_refused(client, auction, provider, bearer, key):
    before = db_state(auction.id)

    response = client.post(bid_url(auction), json=offer(1500), headers={**bearer(provider), "Idempotency-Key": key})

    assert "Idempotency-Key" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert db_state(auction.id) == before


def test_two_racing_posts_with_one_key_create_one_bid(app, auction, provider, bearer):
    headers = {**bearer(provider), "Idempotency-Key": "double-tap"}
    url = bid_url(auction)
    barrier = threading.Barrier(2)
    responses: list[Any] = [None, None]

    def post(slot: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[slot] = client.post(url, json=offer(1500), headers=headers)

    threads = [threading.Thread(target=post, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    assert responses[0].get_data() == responses[1].get_data()
    assert count(Bid) == 1
    assert count(IdempotencyRecord) == 1


def test_two_racing_auction_posts_with_one_key_create_one_auction(app, customer, bearer):
    from helpers import auction_payload

    headers = {**bearer(customer), "Idempotency-Key": "double-tap"}
    body = auction_payload()
    barrier = threading.Barrier(2)
    responses: list[Any] = [None, None]

    def post(slot: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[slot] = client.post("/api/auctions", json=body, headers=headers)

    threads = [threading.Thread(target=post, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    assert responses[0].get_data() == responses[1].get_data()
    assert count(Auction) == 1
