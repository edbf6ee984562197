"""Bid privacy: the creator and admins see everything, a bidder sees its own bids in full,
everyone else sees amount, status, time and a stable pseudonym, in every view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bidbazaar import realtime, services

PUBLIC_KEYS = {"id", "auction_id", "amount", "status", "created_at", "bidder", "auto", "is_mine"}
SECRET_KEYS = {"user_id", "username", "description", "notes", "estimated_duration"}


@pytest.fixture
def bidding(auction, make_bid, provider, rival):
    """ravi bids 1900, meena 1800, ravi again 1700: ravi is Bidder 1, meena Bidder 2."""
    first = make_bid(provider, auction, 1900, notes="Can start Monday", estimated_duration="2 hours")
    second = make_bid(rival, auction, 1800, notes="Own tools")
    third = make_bid(provider, auction, 1700)
    return first, second, third


def detail_bids(client: Any, auction: Any, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = client.get(f"/api/auctions/{auction.id}", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["auction"]["bids"]


def list_bids(client: Any, auction: Any, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = client.get(f"/api/auctions/{auction.id}/bids", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["bids"]


def event_bids(client: Any, auction: Any, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = client.get(f"/api/auctions/{auction.id}/events", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    found = []
    for event in response.get_json()["events"]:
        found += [event["payload"][k] for k in ("bid", "winning_bid") if isinstance(event["payload"].get(k), dict)]
    return found


VIEWS = [detail_bids, list_bids, event_bids]


def assert_public(bid: dict[str, Any]) -> None:
    assert set(bid) <= PUBLIC_KEYS, bid
    assert not set(bid) & SECRET_KEYS, bid
    assert bid["is_mine"] is False
    assert bid["bidder"].startswith("Bidder ")


def assert_full(bid: dict[str, Any]) -> None:
    assert set(bid) >= PUBLIC_KEYS | SECRET_KEYS, bid


@pytest.mark.parametrize("view", VIEWS)
def test_the_creator_sees_every_field_of_every_bid(client, auction, bidding, customer, bearer, view):
    bids = view(client, auction, bearer(customer))

    assert len(bids) == 3
    for bid in bids:
        assert_full(bid)
        assert bid["is_mine"] is False
    assert {(b["user_id"], b["username"]) for b in bids} == {
        (bidding[0].user_id, "ravi"),
        (bidding[1].user_id, "meena"),
    }


@pytest.mark.parametrize("view", VIEWS)
def test_an_admin_sees_every_field_of_every_bid(client, auction, bidding, admin, bearer, view):
    bids = view(client, auction, bearer(admin))

    assert len(bids) == 3
    for bid in bids:
        assert_full(bid)
    assert {b["username"] for b in bids} == {"ravi", "meena"}


@pytest.mark.parametrize("view", VIEWS)
def test_a_bidder_sees_its_own_bids_in_full_and_the_others_redacted(client, auction, bidding, provider, bearer, view):
    bids = view(client, auction, bearer(provider))

    mine = [b for b in bids if b["is_mine"]]
    theirs = [b for b in bids if not b["is_mine"]]
    assert {b["id"] for b in mine} == {bidding[0].id, bidding[2].id}
    for bid in mine:
        assert_full(bid)
        assert bid["username"] == "ravi"
    assert [b["id"] for b in theirs] == [bidding[1].id]
    assert_public(theirs[0])


@pytest.mark.parametrize("view", VIEWS)
def test_another_user_sees_only_amount_status_time_and_pseudonym(client, auction, bidding, make_user, bearer, view):
    bids = view(client, auction, bearer(make_user()))

    assert len(bids) == 3
    for bid in bids:
        assert_public(bid)


@pytest.mark.parametrize("view", VIEWS)
def test_an_anonymous_visitor_sees_only_amount_status_time_and_pseudonym(client, auction, bidding, view):
    bids = view(client, auction)

    assert len(bids) == 3
    for bid in bids:
        assert_public(bid)


@pytest.mark.parametrize("view", VIEWS)
def test_pseudonyms_follow_the_order_of_first_bid_and_stay_stable(client, auction, bidding, view):
    by_id = {b["id"]: b["bidder"] for b in view(client, auction)}

    assert by_id == {bidding[0].id: "Bidder 1", bidding[1].id: "Bidder 2", bidding[2].id: "Bidder 1"}


def test_pseudonyms_are_per_auction(client, make_auction, make_bid, provider, rival):
    first, second = make_auction(), make_auction()
    make_bid(provider, first, 1900)
    make_bid(rival, first, 1800)
    make_bid(rival, second, 1900)

    assert [b["bidder"] for b in detail_bids(client, second)] == ["Bidder 1"]


def test_the_winning_bid_is_redacted_for_everyone_else(client, auction, bidding, time_machine):
    time_machine.move_to(auction.deadline + timedelta(seconds=1), tick=False)

    winning = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]["winning_bid"]

    assert winning["id"] == bidding[2].id
    assert_public(winning)


def test_the_winning_bid_is_in_full_for_the_creator(client, auction, bidding, customer, bearer, time_machine):
    time_machine.move_to(auction.deadline - timedelta(days=1), tick=False)
    headers = bearer(customer)
    time_machine.move_to(auction.deadline + timedelta(seconds=1), tick=False)

    winning = client.get(f"/api/auctions/{auction.id}", headers=headers).get_json()["auction"]["winning_bid"]

    assert_full(winning)
    assert winning["username"] == "ravi"


def test_the_closing_event_hides_the_winner_from_others(client, auction, bidding, time_machine):
    time_machine.move_to(auction.deadline + timedelta(seconds=1), tick=False)
    services.close_if_expired(auction.id)

    events = client.get(f"/api/auctions/{auction.id}/events").get_json()["events"]
    closed = next(e for e in events if e["type"] == "auction_closed")

    assert_public(closed["payload"]["winning_bid"])


def test_live_bid_events_to_the_auction_room_carry_only_the_public_view(auction, provider, make_bid, monkeypatch):
    sent: list[tuple[str, dict[str, Any], str]] = []
    monkeypatch.setattr(realtime, "publish", lambda event, payload, room: sent.append((event, payload, room)))

    make_bid(provider, auction, 1500, notes="Secret note")

    room_frames = [payload for event, payload, room in sent if room == realtime.auction_room(auction.id)]
    bid_frames = [p["bid"] for p in room_frames if "bid" in p]
    assert bid_frames
    for bid in bid_frames:
        assert not set(bid) & SECRET_KEYS, bid


def test_a_public_profile_has_no_email(client, provider):
    response = client.get(f"/api/users/{provider.id}")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["username"] == "ravi"
    assert "email" not in response.get_json()["user"]
