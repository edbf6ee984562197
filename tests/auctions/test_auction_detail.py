"""One auction's detail over the JSON API: its latest bids, server time, the creator's public
profile and the winning bid once it closed."""

from __future__ import annotations

from datetime import timedelta

from helpers import DEADLINE, assert_error

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
