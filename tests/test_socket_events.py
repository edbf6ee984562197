"""Socket.IO handlers in /auctions, driven with Flask-SocketIO's test client."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from helpers import NS, PASSWORD, ack, count
from sqlalchemy import update

from bidbazaar import accounts
from bidbazaar.config import Config
from bidbazaar.extensions import db
from bidbazaar.models import AuthToken, Bid, utcnow


@pytest.fixture
def token_for(app):
    def _token(user):
        response = app.test_client().post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        return response.get_json()["access_token"]

    return _token


def received(sock, name):
    return [frame["args"][0] for frame in sock.get_received(NS) if frame["name"] == name]


def test_anonymous_watcher_gets_the_same_snapshot_as_the_rest_api(socket_client, client, auction):
    watcher = socket_client()
    answer = ack(watcher, "join_auction", {"auction_id": auction.id})
    assert answer["ok"] is True
    rest = client.get(f"/api/auctions/{auction.id}").get_json()["auction"]
    assert {k: v for k, v in answer["auction"].items() if k not in ("server_time", "seconds_remaining")} == {
        k: v for k, v in rest.items() if k not in ("server_time", "seconds_remaining")
    }
    assert "server_time" in answer


def test_joining_an_unknown_auction_answers_not_found(socket_client):
    answer = ack(socket_client(), "join_auction", {"auction_id": 999_999})
    assert answer["ok"] is False and answer["code"] == "NOT_FOUND"


def test_a_bad_token_is_refused_at_connect(socket_client):
    sock = socket_client(auth={"token": "not-a-token"})
    assert not sock.is_connected(NS)


def test_a_revoked_token_is_refused_at_connect(socket_client, client, provider, token_for):
    token = token_for(provider)
    client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert not socket_client(auth={"token": token}).is_connected(NS)


def test_a_provider_bids_over_the_socket_with_a_token(socket_client, auction, provider, token_for):
    sock = socket_client(auth={"token": token_for(provider)})
    answer = ack(
        sock, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "Two hours, parts included"}
    )
    assert answer["ok"] is True, answer
    assert answer["bid"]["amount"] == 1500 and answer["bid"]["is_mine"] is True
    assert count(Bid) == 1


def test_a_provider_bids_over_the_socket_with_the_login_cookie(socket_client, client, auction, provider, session_login):
    session_login(provider)
    sock = socket_client(flask_client=client)
    answer = ack(sock, "place_bid", {"auction_id": auction.id, "amount": "1500", "description": "x"})
    assert answer["code"] == "VALIDATION_ERROR" and "amount" in answer["details"]
    answer = ack(sock, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "x"})
    assert answer["ok"] is True, answer


def test_anonymous_sockets_cannot_bid(socket_client, auction):
    answer = ack(socket_client(), "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "x"})
    assert answer["code"] == "AUTH_REQUIRED"
    assert count(Bid) == 0


def test_socket_bids_follow_the_same_rules_as_rest(socket_client, auction, customer, provider, rival, token_for):
    customer_sock = socket_client(auth={"token": token_for(customer)})
    assert ack(customer_sock, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "x"})["code"] == (
        "NOT_A_PROVIDER"
    )
    ack(
        socket_client(auth={"token": token_for(provider)}),
        "place_bid",
        {"auction_id": auction.id, "amount": 1500, "description": "x"},
    )
    answer = ack(
        socket_client(auth={"token": token_for(rival)}),
        "place_bid",
        {"auction_id": auction.id, "amount": 1499.5, "description": "x"},
    )
    assert answer["code"] == "BID_TOO_HIGH"
    assert answer["details"]["lowest_bid"] == 1500 and answer["details"]["max_allowed"] == 1499
    assert count(Bid) == 1


def test_resending_a_client_bid_id_answers_with_the_first_result(socket_client, auction, provider, token_for):
    sock = socket_client(auth={"token": token_for(provider)})
    frame = {"auction_id": auction.id, "amount": 1500, "description": "x", "client_bid_id": "tap-1"}
    first = ack(sock, "place_bid", frame)
    second = ack(sock, "place_bid", frame)
    assert first["bid"] == second["bid"] and second["replayed"] is True
    assert count(Bid) == 1


def test_watchers_receive_public_bids_and_the_creator_a_full_notification(
    socket_client, auction, customer, provider, rival, token_for, bearer, client
):
    watcher = socket_client()
    ack(watcher, "join_auction", {"auction_id": auction.id})
    creator = socket_client(auth={"token": token_for(customer)})
    first = socket_client(auth={"token": token_for(provider)})
    ack(first, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "secret plan", "notes": "n"})
    # The second bid comes over REST: the same service emits the same events.
    response = client.post(
        f"/api/auctions/{auction.id}/bids", json={"amount": 1400, "description": "other"}, headers=bearer(rival)
    )
    assert response.status_code == 201

    placed = received(watcher, "bid_placed")
    assert [e["lowest_bid"] for e in placed] == [1500, 1400]
    assert [e["bid_count"] for e in placed] == [1, 2]
    assert placed[0]["seq"] < placed[1]["seq"]
    for event in placed:
        assert {"auction_id", "bid", "lowest_bid", "bid_count", "deadline", "seq", "server_time"} <= set(event)
        assert not {"user_id", "username", "description", "notes"} & set(event["bid"])
    assert [e["bid"]["bidder"] for e in placed] == ["Bidder 1", "Bidder 2"]

    notes = received(creator, "notification")
    assert [n["type"] for n in notes] == ["new_bid", "new_bid"]
    assert notes[0]["data"]["bid"]["description"] == "secret plan"
    assert notes[0]["data"]["bid"]["username"] == provider.username

    outbid = [n for n in received(first, "notification") if n["type"] == "outbid"]
    assert len(outbid) == 1 and outbid[0]["auction_id"] == auction.id


def test_rejoining_with_since_seq_returns_exactly_the_missed_events(socket_client, auction, provider, rival, make_bid):
    watcher = socket_client()
    seen = ack(watcher, "join_auction", {"auction_id": auction.id})["auction"]["last_seq"]
    make_bid(provider, auction, 1500)
    make_bid(rival, auction, 1400)
    answer = ack(watcher, "join_auction", {"auction_id": auction.id, "since_seq": seen})
    assert [e["type"] for e in answer["missed"]] == ["bid_placed", "bid_placed"]
    assert [e["seq"] for e in answer["missed"]] == [seen + 1, seen + 2]
    assert all("user_id" not in e["payload"]["bid"] for e in answer["missed"])


def test_sync_time_answers_the_server_clock(socket_client):
    answer = ack(socket_client(), "sync_time", {})
    assert answer["ok"] is True and answer["server_time"].endswith("Z")


def test_leave_auction_stops_room_events(socket_client, auction, provider, make_bid):
    watcher = socket_client()
    ack(watcher, "join_auction", {"auction_id": auction.id})
    assert ack(watcher, "leave_auction", {"auction_id": auction.id}) == {"ok": True}
    make_bid(provider, auction, 1500)
    assert received(watcher, "bid_placed") == []


def test_logging_out_disconnects_that_sessions_socket(socket_client, client, provider, session_login):
    csrf = session_login(provider)
    sock = socket_client(flask_client=client)
    assert sock.is_connected(NS)
    client.post("/api/auth/logout", headers=csrf)
    assert not sock.is_connected(NS)


def test_a_closed_auction_event_reaches_the_room_once(socket_client, auction, provider, make_bid, time_machine):
    from bidbazaar import services

    make_bid(provider, auction, 1500)
    watcher = socket_client(auth=None)
    ack(watcher, "join_auction", {"auction_id": auction.id})
    time_machine.move_to(auction.deadline)
    assert services.close_if_expired(auction.id) is True
    assert services.close_if_expired(auction.id) is False
    closed = received(watcher, "auction_closed")
    assert len(closed) == 1
    assert closed[0]["status"] == "completed" and closed[0]["winning_bid"]["amount"] == 1500


MALFORMED = [
    None,
    1,
    "x",
    [],
    [1, 2],
    True,
    {},
    {"auction_id": None},
    {"auction_id": "1"},
    {"auction_id": True},
    {"auction_id": -5},
    {"auction_id": 1.5},
    {"auction_id": [1]},
    {"auction_id": {"a": 1}},
    {"auction_id": 10**30},
    {"auction_id": 1, "since_seq": "x"},
    {"auction_id": 1, "amount": "NaN", "description": "x"},
    {"auction_id": 1, "amount": 1e308, "description": "x"},
    {"auction_id": 1, "amount": False, "description": "x"},
    {"auction_id": 1, "amount": 10, "description": ["x"]},
    {"auction_id": 1, "amount": 10, "description": "x", "client_bid_id": 7},
    {"auction_id": 1, "amount": 10, "description": "x", "status": "accepted"},
]


def _random_payload(rng: random.Random):
    scalars = [None, True, 0, -1, 2**70, 3.25, Decimal("1.005"), "", "abc", "\u0000", "9" * 500]
    if rng.random() < 0.3:
        return rng.choice([*scalars, [], [rng.choice(scalars)]])
    keys = ["auction_id", "amount", "description", "since_seq", "client_bid_id", "notes", "x"]
    return {rng.choice(keys): rng.choice([*scalars, [1], {"a": 1}]) for _ in range(rng.randint(0, 5))}


def test_malformed_payloads_get_a_clean_answer_and_keep_the_socket(socket_client, auction, provider, token_for):
    sock = socket_client(auth={"token": token_for(provider)})
    rng = random.Random(1234)
    payloads = MALFORMED + [_random_payload(rng) for _ in range(200)]
    for event in ("join_auction", "leave_auction", "place_bid", "sync_time"):
        for payload in payloads:
            if isinstance(payload, Decimal):
                continue
            try:
                answer = ack(sock, event, payload)
            except TypeError:  # the test client itself cannot encode this payload
                continue
            assert isinstance(answer, dict) and "ok" in answer, (event, payload, answer)
            if not answer["ok"]:
                assert answer["code"] in {"VALIDATION_ERROR", "NOT_FOUND", "AUCTION_CLOSED", "BID_TOO_HIGH"}, (
                    event,
                    payload,
                    answer,
                )
    assert sock.is_connected(NS)
    assert ack(sock, "join_auction", {"auction_id": auction.id})["ok"] is True
    assert count(Bid) == 0  # nothing malformed was ever accepted


# --------------------------------------------------------------------------- trust edges (issue 11)


def unknown_event_answer(answer):
    return answer["ok"] is False and answer["code"] == "VALIDATION_ERROR" and "event" in answer["details"]


@pytest.mark.parametrize("lifecycle", ["disconnect", "connect"])
def test_a_client_event_named_like_a_lifecycle_call_is_answered_as_unknown(
    socket_client, provider, token_for, lifecycle
):
    sock = socket_client(auth={"token": token_for(provider)})
    assert unknown_event_answer(ack(sock, lifecycle, {"token": token_for(provider)}))
    assert unknown_event_answer(ack(sock, lifecycle, None))


def test_a_socket_that_sent_a_disconnect_event_is_still_dropped_when_its_token_is_revoked(
    socket_client, client, provider, token_for
):
    token = token_for(provider)
    sock = socket_client(auth={"token": token})
    ack(sock, "disconnect", "client namespace disconnect")
    client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert not sock.is_connected(NS)


def test_a_client_sent_connect_event_cannot_authenticate_an_anonymous_socket(
    socket_client, auction, provider, token_for
):
    sock = socket_client()
    with sock.app.app_context():  # Flask-SocketIO reads a connect call's second argument as its auth
        sock.emit("connect", {}, {"token": token_for(provider)}, namespace=NS, callback=True)
    answer = ack(sock, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "x"})
    assert answer["code"] == "AUTH_REQUIRED"
    assert count(Bid) == 0


def test_notifications_skip_a_socket_whose_token_was_revoked_before_its_disconnect_arrived(
    socket_client, auction, customer, provider, token_for, make_bid
):
    revoked_token, live_token = token_for(customer), token_for(customer)
    revoked, live = socket_client(auth={"token": revoked_token}), socket_client(auth={"token": live_token})
    # As if the revocation was committed by another process whose message never got here.
    digest = accounts.token_digest(revoked_token)
    db.session.execute(update(AuthToken).where(AuthToken.token_hash == digest).values(revoked_at=utcnow()))
    db.session.commit()

    make_bid(provider, auction, 1500, notes="secret")

    assert received(revoked, "notification") == []
    assert [n["type"] for n in received(live, "notification")] == ["new_bid"]


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("join_auction", [{"auction_id": 1}, {"x": 1}]),
        ("sync_time", [1, 2, 3]),
        ("place_bid", [None, None]),
        ("leave_auction", [{"auction_id": 1}, None]),
    ],
)
def test_an_event_with_extra_arguments_is_answered_with_a_validation_error(
    socket_client, provider, token_for, event, args
):
    sock = socket_client(auth={"token": token_for(provider)})
    with sock.app.app_context():
        answer = sock.emit(event, *args, namespace=NS, callback=True)
    assert answer["ok"] is False and answer["code"] == "VALIDATION_ERROR" and "payload" in answer["details"], answer
    assert set(answer) == {"ok", "error", "code", "details"}


def test_sync_time_without_a_payload_still_answers(socket_client):
    sock = socket_client()
    with sock.app.app_context():
        answer = sock.emit("sync_time", namespace=NS, callback=True)
    assert answer["ok"] is True


@pytest.mark.parametrize("event", ["no_such_event", "event", "trigger_event", "_is_lifecycle_call", "", 7])
def test_an_unknown_event_name_is_answered_with_a_validation_error(socket_client, event):
    assert unknown_event_answer(ack(socket_client(), event, {}))


# --------------------------------------------------------------------------- rooms per socket


@pytest.fixture
def three_auctions(make_auction):
    return [make_auction(title=f"Fix kitchen sink leak {n}") for n in range(3)]


def test_joining_past_the_room_cap_is_refused_with_a_clear_error(app, socket_client, three_auctions):
    app.config["SOCKET_MAX_ROOMS"] = 2
    sock = socket_client()
    first, second, third = (a.id for a in three_auctions)
    assert ack(sock, "join_auction", {"auction_id": first})["ok"] is True
    assert ack(sock, "join_auction", {"auction_id": second})["ok"] is True

    answer = ack(sock, "join_auction", {"auction_id": third})

    assert answer["ok"] is False and answer["code"] == "TOO_MANY_ROOMS", answer
    assert answer["details"] == {"limit": 2} and "2 auctions" in answer["error"]


def test_leaving_an_auction_frees_a_place_under_the_room_cap(app, socket_client, three_auctions):
    app.config["SOCKET_MAX_ROOMS"] = 2
    sock = socket_client()
    first, second, third = (a.id for a in three_auctions)
    ack(sock, "join_auction", {"auction_id": first})
    ack(sock, "join_auction", {"auction_id": second})
    ack(sock, "leave_auction", {"auction_id": first})
    assert ack(sock, "join_auction", {"auction_id": third})["ok"] is True


def test_rejoining_an_auction_already_joined_does_not_count_twice(app, socket_client, three_auctions):
    app.config["SOCKET_MAX_ROOMS"] = 2
    sock = socket_client()
    first, second, _ = (a.id for a in three_auctions)
    ack(sock, "join_auction", {"auction_id": first})
    ack(sock, "join_auction", {"auction_id": second})
    assert ack(sock, "join_auction", {"auction_id": first, "since_seq": 0})["ok"] is True


def test_the_personal_rooms_do_not_count_against_the_room_cap(app, socket_client, three_auctions, provider, token_for):
    app.config["SOCKET_MAX_ROOMS"] = 1
    sock = socket_client(auth={"token": token_for(provider)})
    assert ack(sock, "join_auction", {"auction_id": three_auctions[0].id})["ok"] is True


def test_the_room_cap_is_read_from_the_environment_with_a_default_of_fifty(monkeypatch):
    monkeypatch.delenv("SOCKET_MAX_ROOMS", raising=False)
    assert Config().SOCKET_MAX_ROOMS == 50
    monkeypatch.setenv("SOCKET_MAX_ROOMS", "7")
    assert Config().SOCKET_MAX_ROOMS == 7
