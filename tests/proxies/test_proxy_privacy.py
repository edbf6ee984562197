"""The floor is its owner's alone: not in the detail of the creator, a rival, an anonymous
visitor or an admin, not in the event log (public or full), the room frames or anyone
else's notifications. Checked on keys (no `floor`, no `my_proxy` value) and on the amount."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import NS, ack
from proxy_helpers import TEXT, floor_of, manual

from bidbazaar.extensions import db
from bidbazaar.models import AuctionEvent, Notification

FLOOR = "1537.13"  # an amount no auto bid lands on in these tests


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def assert_no_floor(value: Any) -> None:
    assert "floor" not in keys_of(value)
    assert FLOOR not in json.dumps(value), "the floor amount leaked"


@pytest.fixture
def proxied(auction, provider, rival):
    """provider holds a floor of FLOOR and has auto-bid once; rival bid by hand twice."""
    manual(rival, auction, 1900)
    floor_of(provider, auction, FLOOR)  # bids 1899 at once
    manual(rival, auction, 1800)  # provider's proxy answers 1799
    return auction


def test_the_owner_sees_its_floor_in_the_detail(client, proxied, provider, bearer):
    detail = client.get(f"/api/auctions/{proxied.id}", headers=bearer(provider)).get_json()["auction"]
    assert str(detail["my_proxy"]["floor"]) == FLOOR


@pytest.mark.parametrize("who", ["customer", "rival", "admin", None])
def test_nobody_else_sees_the_floor_in_the_detail(client, proxied, bearer, request, who):
    headers = bearer(request.getfixturevalue(who)) if who else {}
    detail = client.get(f"/api/auctions/{proxied.id}", headers=headers).get_json()["auction"]
    assert detail["my_proxy"] is None
    assert_no_floor(detail)


@pytest.mark.parametrize("who", ["customer", "rival", "admin", "provider", None])
def test_the_event_log_never_carries_the_floor(client, proxied, bearer, request, who):
    headers = bearer(request.getfixturevalue(who)) if who else {}
    events = client.get(f"/api/auctions/{proxied.id}/events", headers=headers).get_json()["events"]
    assert any(e["type"] == "bid_placed" for e in events)
    assert_no_floor(events)


def test_the_stored_events_never_carry_the_floor(proxied):
    db.session.commit()
    payloads = [e.payload for e in db.session.query(AuctionEvent).filter_by(auction_id=proxied.id)]
    assert any(p.get("auto") is True for p in payloads)
    assert_no_floor(payloads)


def test_notifications_of_others_never_carry_the_floor(proxied, customer, rival):
    db.session.commit()
    for user in (customer, rival):
        notes = db.session.query(Notification).filter_by(user_id=user.id).all()
        assert notes
        assert_no_floor([{"message": n.message, "data": n.data} for n in notes])


def test_room_frames_carry_auto_but_never_the_floor(socket_client, auction, provider, rival, customer):
    watcher = socket_client()
    ack(watcher, "join_auction", {"auction_id": auction.id})
    creator = socket_client(customer)
    competitor = socket_client(rival)
    manual(rival, auction, 1900)
    floor_of(provider, auction, FLOOR)
    manual(rival, auction, 1800)
    frames = [m["args"][0] for m in watcher.get_received(NS)]
    placed = [f for f in frames if "bid" in f]
    assert [f["bid"]["auto"] for f in placed] == [False, True, False, True]
    assert_no_floor(frames)
    assert_no_floor([m["args"] for m in creator.get_received(NS)])
    assert_no_floor([m["args"] for m in competitor.get_received(NS)])


def test_the_auction_page_shows_the_floor_to_its_owner_only(client, proxied, provider, rival):
    from helpers import html, log_in

    log_in(client, rival)
    page = html(client.get(f"/auctions/{proxied.id}"))
    assert "1,537.13" not in page and "Your auto-bid floor" not in page


def test_another_providers_floor_shows_only_through_its_auto_bids(client, auction, provider, rival, bearer):
    floor_of(provider, auction, 1700, **TEXT)  # bids 2000
    floor_of(rival, auction, 1800)  # rival bids 1999; provider answers max(1700, 1799) = 1799
    manual(rival, auction, 1750)  # provider answers 1749
    detail = client.get(f"/api/auctions/{auction.id}", headers=bearer(rival)).get_json()["auction"]
    assert detail["my_proxy"]["floor"] == 1800  # the rival's own floor, and nobody else's
    assert "floor" not in keys_of({k: v for k, v in detail.items() if k != "my_proxy"})
    assert [b["amount"] for b in detail["bids"]][:2] == [1749, 1750]
