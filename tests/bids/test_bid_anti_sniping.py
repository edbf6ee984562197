"""Anti-sniping: a bid in the final window moves the deadline, up to a maximum, and is announced."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import assert_error, bid_url, fresh, offer
from helpers import bidding_state as db_state
from sqlalchemy import select

from bidbazaar import realtime
from bidbazaar.extensions import db
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, AuctionEvent

# --------------------------------------------------------------------------- anti-sniping


def test_a_bid_in_the_final_window_moves_the_deadline_to_now_plus_the_window(auction, make_bid, provider, clock):
    original = auction.deadline
    clock(-60)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original + timedelta(seconds=60)


def test_the_extension_is_announced_with_the_new_deadline(client, auction, provider, bearer, clock):
    headers = bearer(provider)
    new_deadline = auction.deadline + timedelta(seconds=90)
    clock(-30)

    response = client.post(bid_url(auction), json=offer(1500), headers=headers)

    db.session.commit()  # a fresh snapshot
    extended = db.session.scalars(select(AuctionEvent).where(AuctionEvent.type == "auction_extended")).one()
    assert fresh(Auction, auction.id).deadline == new_deadline
    assert response.get_json()["auction"]["deadline"] == extended.payload["deadline"]
    assert (
        extended.payload["deadline"]
        == new_deadline.strftime("%Y-%m-%dT%H:%M:%S.") + f"{new_deadline.microsecond // 1000:03d}Z"
    )


def test_the_live_bid_event_carries_the_extended_deadline(auction, make_bid, provider, clock, monkeypatch):
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(realtime, "publish", lambda event, payload, room: sent.append((event, payload)))
    new_deadline = to_jsonable(auction.deadline + timedelta(seconds=60))
    clock(-60)

    make_bid(provider, auction, 1500)

    frames = {event: to_jsonable(payload) for event, payload in sent}
    assert frames["bid_placed"]["deadline"] == new_deadline
    assert frames["auction_extended"]["auction"]["deadline"] == new_deadline


def test_a_rejected_bid_publishes_nothing(client, auction, make_bid, provider, rival, bearer, monkeypatch):
    make_bid(provider, auction, 1500)
    sent: list[str] = []
    monkeypatch.setattr(realtime, "publish", lambda event, payload, room: sent.append(event))

    client.post(bid_url(auction), json=offer(1500), headers=bearer(rival))

    assert sent == []


def test_a_bid_before_the_final_window_moves_nothing(auction, make_bid, provider, clock):
    original = auction.deadline
    clock(-121)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original


def test_extensions_stop_at_the_scheduled_deadline_plus_the_maximum(
    app, auction, make_bid, provider, rival, time_machine
):
    app.config["SNIPE_MAX_EXTENSION_SECONDS"] = 300
    cap = auction.scheduled_deadline + timedelta(seconds=300)
    amount, bidders = 1900, [provider, rival]
    for turn in range(10):
        current = fresh(Auction, auction.id).deadline
        time_machine.move_to(current - timedelta(seconds=1), tick=False)
        make_bid(bidders[turn % 2], auction, amount - turn * 10)

    assert fresh(Auction, auction.id).deadline == cap


def test_a_small_maximum_caps_the_very_first_extension(app, auction, make_bid, provider, clock):
    app.config["SNIPE_MAX_EXTENSION_SECONDS"] = 30
    clock(-60)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == auction.scheduled_deadline + timedelta(seconds=30)


def test_a_window_of_zero_turns_anti_sniping_off(app, auction, make_bid, provider, clock):
    app.config["SNIPE_WINDOW_SECONDS"] = 0
    original = auction.deadline
    clock(-1)

    make_bid(provider, auction, 1500)

    assert fresh(Auction, auction.id).deadline == original


def test_a_rejected_bid_in_the_final_window_moves_nothing(client, auction, make_bid, provider, rival, bearer, clock):
    headers = bearer(rival)
    make_bid(provider, auction, 1500)
    original = fresh(Auction, auction.id).deadline
    clock(-10)
    before = db_state(auction.id)

    assert_error(client.post(bid_url(auction), json=offer(1500), headers=headers), 409, "BID_TOO_HIGH")
    assert fresh(Auction, auction.id).deadline == original
    assert db_state(auction.id) == before
