"""One name and one payload per auction event, live or replayed (issue 17, defect 2).

A room frame is its log entry as an anonymous watcher replays it: the event name is the
entry's `type`, the body its `payload` plus `auction_id`, `seq` and `server_time`. These
tests capture the live frames of a whole auction life (bids, a proxy's auto bid, an edit,
an anti-sniping extension, a withdrawal, a question answered then hidden, the award and the
booking chain, a cancellation, an expiry, a repost) and compare them with the replay of the
same seqs over `join_auction {since_seq}` and GET /events, and with the document's schema.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from helpers import NS, ack
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from bidbazaar import openapi, services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import Bid
from bidbazaar.openapi.events import EVENT_TYPES
from bidbazaar.services.auctions import lowest_active_bid

ENVELOPE = ("auction_id", "seq", "server_time")
DOCUMENT = openapi.build_document()


def live_frames(sock: Any) -> list[tuple[str, dict[str, Any]]]:
    """The room events a test client received, in order (personal notifications left out)."""
    return [(f["name"], f["args"][0]) for f in sock.get_received(NS) if f["name"] != "notification"]


@functools.cache
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for one component of the served document (built once per component, not per frame)."""
    registry = Registry().with_resource("urn:doc", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012))
    schema = {"$ref": f"urn:doc#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, registry=registry)


def current_booking(auction_id: int) -> Booking:
    """The auction's latest booking round."""
    return db.session.scalars(
        select(Booking).where(Booking.auction_id == auction_id).order_by(Booking.round.desc()).limit(1)
    ).one()


@pytest.fixture
def whole_life(app, socket_client, make_auction, make_bid, customer, provider, rival, admin, time_machine):
    """Run three auctions through every kind of change while an anonymous socket watches."""
    watcher = socket_client()
    main, cancelled, expiring = make_auction(), make_auction(), make_auction()
    for one in (main, cancelled, expiring):
        assert ack(watcher, "join_auction", {"auction_id": one.id})["ok"] is True

    first = make_bid(provider, main, 1800)
    services.set_proxy(rival, main.id, {"floor": Decimal("1500"), "description": "Proxy on"})
    services.update_auction(customer, main.id, {"requirements": "Bring a ladder."})
    question = services.ask_question(provider, main.id, "Is there parking for a van?")
    services.answer_question(customer, main.id, question.id, "Yes, slot B12.")
    services.hide_question(admin, question.id)
    services.withdraw_bid(provider, main.id, first.id)
    time_machine.move_to(main.deadline - timedelta(seconds=30), tick=False)
    make_bid(provider, main, 1600)  # in the snipe window: extended; the proxy answers 1599
    lowest = lowest_active_bid(main.id)
    services.award_auction(customer, main.id, lowest.id)
    services.decline_booking(rival, current_booking(main.id).id, "Booked that day")
    next_offer = current_booking(main.id)
    services.confirm_booking(provider, next_offer.id)
    services.mark_done(provider, next_offer.id)
    services.complete_booking(customer, next_offer.id)

    services.cancel_auction(customer, cancelled.id)
    time_machine.move_to(expiring.deadline + timedelta(seconds=1), tick=False)
    assert services.close_if_expired(expiring.id) is True
    services.repost_auction(customer, expiring.id, {"deadline": expiring.deadline + timedelta(days=3)})
    return watcher, (main.id, cancelled.id, expiring.id)


def test_every_live_frame_is_its_replayed_entry_with_the_same_name_and_payload(socket_client, whole_life):
    watcher, auction_ids = whole_life
    frames = live_frames(watcher)
    replayer = socket_client()
    for auction_id in auction_ids:
        missed = ack(replayer, "join_auction", {"auction_id": auction_id, "since_seq": 0})["missed"]
        by_seq = {entry["seq"]: entry for entry in missed}
        live = [(name, frame) for name, frame in frames if frame["auction_id"] == auction_id]
        # Every entry after auction_created (logged before anyone could join) went out live.
        assert sorted(frame["seq"] for _, frame in live) == sorted(by_seq)[1:]
        for name, frame in live:
            entry = by_seq[frame["seq"]]
            assert name == entry["type"]
            assert {k: v for k, v in frame.items() if k not in ENVELOPE} == entry["payload"]


def test_the_scenario_covers_the_event_kinds_a_watcher_meets(whole_life):
    watcher, _ = whole_life
    names = {name for name, _ in live_frames(watcher)}
    assert names >= {
        "bid_placed",
        "bid_withdrawn",
        "auction_updated",
        "auction_extended",
        "question_answered",
        "question_hidden",
        "auction_awarded",
        "booking_offered",
        "booking_declined",
        "booking_confirmed",
        "booking_done",
        "booking_completed",
        "auction_cancelled",
        "auction_closed",
        "auction_reposted",
    }
    assert names <= set(EVENT_TYPES)


def test_a_replayed_bid_carries_the_deadline_and_auction_id_the_live_one_does(whole_life, client):
    _, (auction_id, _, _) = whole_life
    events = client.get(f"/api/auctions/{auction_id}/events?per_page=100").get_json()["events"]
    bids = [event for event in events if event["type"] == "bid_placed"]
    assert bids and all(event["auction_id"] == auction_id for event in bids)
    assert all("deadline" in event["payload"] and "is_mine" in event["payload"]["bid"] for event in bids)


def test_room_bid_frames_are_the_public_view_with_is_mine_false(whole_life):
    watcher, _ = whole_life
    bids = [frame["bid"] for name, frame in live_frames(watcher) if name == "bid_placed"]
    assert bids and all(bid["is_mine"] is False for bid in bids)
    assert not any({"user_id", "username", "description", "notes"} & set(bid) for bid in bids)


def test_every_replayed_entry_matches_the_documented_schema_of_its_type(whole_life, client, customer, bearer):
    _, auction_ids = whole_life
    validator = schema_validator("AuctionEvent")
    for auction_id in auction_ids:
        for headers in ({}, bearer(customer)):  # the public view and the creator's
            events = client.get(f"/api/auctions/{auction_id}/events?per_page=100", headers=headers).get_json()
            for event in events["events"]:
                validator.validate(event)


def test_every_live_frame_matches_the_documented_payload_of_its_name(whole_life):
    watcher, _ = whole_life
    for name, frame in live_frames(watcher):
        body = {k: v for k, v in frame.items() if k not in ENVELOPE}
        schema_validator(openapi.events.payload_name(name)).validate(body)
        assert isinstance(frame["seq"], int) and frame["server_time"].endswith("Z")


def test_a_proxy_auto_bid_is_flagged_auto_in_its_frame_and_in_the_database(whole_life):
    watcher, _ = whole_life
    auto = [frame for name, frame in live_frames(watcher) if name == "bid_placed" and frame["auto"]]
    assert auto and all(frame["bid"]["auto"] is True for frame in auto)
    assert db.session.get(Bid, auto[0]["bid"]["id"]).auto is True
