"""The anonymous auction detail served from memory: no database on a hit, never older than
the last write to the auction, its bids, its category or its creator, and its clock always
read afresh (queries.details.anonymous_detail over queries/listing_cache.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import DEADLINE, recorded_statements

from bidbazaar.extensions import db
from bidbazaar.models import Category, User


def detail(client: Any, auction_id: int, **headers: str) -> dict[str, Any]:
    response = client.get(f"/api/auctions/{auction_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["auction"]


def test_a_repeated_anonymous_detail_reads_no_database(client, auction, make_bid, provider):
    make_bid(provider, auction, 1500)
    first = detail(client, auction.id)

    with recorded_statements() as statements:
        again = detail(client, auction.id)

    assert statements == []
    assert again["bids"] == first["bids"] and again["lowest_bid"] == 1500


def test_a_bid_shows_in_the_next_anonymous_detail(client, auction, make_bid, provider, rival):
    make_bid(provider, auction, 1500)
    detail(client, auction.id)

    make_bid(rival, auction, 1400)

    again = detail(client, auction.id)
    assert [b["amount"] for b in again["bids"]] == [1400, 1500]
    assert again["lowest_bid"] == 1400 and again["bid_count"] == 2


def test_a_category_rename_shows_in_the_next_anonymous_detail(client, auction):
    detail(client, auction.id)

    db.session.get(Category, auction.category_id).name = "Pipes and taps"
    db.session.commit()

    assert detail(client, auction.id)["category_name"] == "Pipes and taps"


def test_a_change_to_the_creators_public_profile_shows_in_the_next_anonymous_detail(client, auction, customer):
    detail(client, auction.id)

    db.session.get(User, customer.id).username = "asha_renamed"
    db.session.commit()

    assert detail(client, auction.id)["creator"]["username"] == "asha_renamed"


def test_the_clock_moves_on_a_cached_detail(client, make_auction, time_machine):
    time_machine.move_to(DEADLINE - timedelta(hours=2), tick=False)
    auction = make_auction(deadline=DEADLINE)
    detail(client, auction.id)
    time_machine.move_to(DEADLINE - timedelta(seconds=90), tick=False)

    with recorded_statements() as statements:
        later = detail(client, auction.id)

    assert statements == []
    assert later["server_time"] == "2030-06-01T11:58:30.000Z" and later["seconds_remaining"] == 90


def test_a_cached_open_auction_past_its_deadline_is_read_again_and_closed(
    client, make_auction, make_bid, provider, time_machine
):
    time_machine.move_to(DEADLINE - timedelta(hours=2), tick=False)
    auction = make_auction(deadline=DEADLINE)
    make_bid(provider, auction, 1500)
    assert detail(client, auction.id)["status"] == "active"
    time_machine.move_to(DEADLINE + timedelta(seconds=1), tick=False)

    closed = detail(client, auction.id)

    assert closed["status"] == "completed" and closed["winning_bid"]["amount"] == 1500
    assert closed["seconds_remaining"] == 0


def test_a_signed_in_viewer_never_gets_the_anonymous_detail(client, auction, make_bid, provider, bearer):
    make_bid(provider, auction, 1500)
    anonymous = detail(client, auction.id)

    own = detail(client, auction.id, **bearer(provider))

    assert anonymous["bids"][0]["is_mine"] is False and anonymous["my_standing"] is None
    assert own["bids"][0]["is_mine"] is True and own["my_standing"] == "leading"
