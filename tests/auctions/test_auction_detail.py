"""One auction's detail over the JSON API: its latest bids, server time, the creator's public
profile and the winning bid once it closed."""

from __future__ import annotations

from datetime import timedelta

from helpers import DEADLINE, assert_error, recorded_statements

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


# --------------------------------------------------------------------------- the cached bid list


def test_the_bid_list_is_read_once_per_event_seq(client, auction, make_bid, provider, make_user, bearer):
    make_bid(provider, auction, 1500)
    signed_in = bearer(make_user("watcher"))  # a signed-in detail is never the anonymous one
    client.get(f"/api/auctions/{auction.id}", headers=signed_in)

    with recorded_statements() as statements:
        again = client.get(f"/api/auctions/{auction.id}", headers=signed_in).get_json()["auction"]

    assert [b["amount"] for b in again["bids"]] == [1500]
    assert not any("FROM bids" in statement for statement in statements)


def test_a_bid_placed_after_a_read_shows_in_the_next_detail(client, auction, make_bid, provider, rival):
    make_bid(provider, auction, 1500)
    client.get(f"/api/auctions/{auction.id}")

    make_bid(rival, auction, 1400)

    assert [b["amount"] for b in client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["bids"]] == [
        1400,
        1500,
    ]


def test_a_withdrawal_after_a_read_shows_in_the_next_detail(client, auction, make_bid, provider, bearer):
    bid = make_bid(provider, auction, 1500)
    client.get(f"/api/auctions/{auction.id}")

    withdrawn = client.delete(f"/api/auctions/{auction.id}/bids/{bid.id}", headers=bearer(provider))

    assert withdrawn.status_code == 200
    assert client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["bids"][0]["status"] == "withdrawn"


def test_each_viewer_sees_its_own_tier_after_an_anonymous_read_filled_the_cache(
    client, auction, make_bid, provider, rival, customer, bearer
):
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    anonymous = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["bids"]

    mine = client.get(f"/api/auctions/{auction.id}", headers=bearer(provider)).get_json()["auction"]["bids"]
    creators = client.get(f"/api/auctions/{auction.id}", headers=bearer(customer)).get_json()["auction"]["bids"]
    after = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["bids"]

    assert [("username" in b, b["is_mine"]) for b in mine] == [(False, False), (True, True)]
    assert all("username" in b and "reputation" in b for b in creators)
    assert after == anonymous and not any("username" in b or "reputation" in b for b in after)
