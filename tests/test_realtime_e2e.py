"""End to end: `python main.py` as a real server, driven over REST and real python-socketio clients.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set. Waits are bounded polls
for events the server must send; nothing here sleeps to let time pass except the one
short auction deadline that the test is about.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import socketio as socketio_client
from live_server import LiveServer
from socket_client import Watcher
from sqlalchemy import select, update

from bidbazaar.extensions import db
from bidbazaar.models import AuctionEvent

NS = "/auctions"
PASSWORD = "password123"
DEADLINE_SECONDS = 8


class Api:
    def __init__(self, url: str) -> None:
        self.url = url

    def register_and_login(self, username: str, provider: bool) -> str:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        response = requests.post(f"{self.url}/api/auth/register", json={**body, "is_service_provider": provider})
        assert response.status_code == 201, response.text
        response = requests.post(f"{self.url}/api/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def post(self, path: str, token: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def get(self, path: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}{path}", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def server(app, database_url):
    env = {"CLOSE_SWEEP_SECONDS": "0.5", "SNIPE_WINDOW_SECONDS": "0"}
    with LiveServer(database_url, env=env) as live:
        yield live
        assert "Traceback" not in live.stderr_text()


@pytest.fixture
def watchers():
    opened: list[Watcher] = []
    yield opened
    for watcher in opened:
        watcher.close()


def test_live_bidding_from_first_bid_to_award_and_audit(server, watchers):
    api = Api(server.url)
    customer = api.register_and_login("e2e_customer", provider=False)
    providers = [api.register_and_login(f"e2e_provider{i}", provider=True) for i in range(3)]
    category = api.get("/api/categories?flat=true")["categories"][0]["id"]
    deadline = datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS)
    created = api.post(
        "/api/auctions",
        customer,
        {
            "title": "Deep cleaning before Diwali",
            "description": "Full-home deep cleaning for a 2BHK in Pune, kitchen included.",
            "category_id": category,
            "location": "Pune, Maharashtra",
            "budget_min": 2000,
            "budget_max": 5000,
            "deadline": deadline.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    auction_id = created.json()["auction"]["id"]

    def connect(token: str | None = None) -> Watcher:
        watcher = Watcher(server.url, token)
        watchers.append(watcher)
        return watcher

    watcher = connect()
    creator_socket = connect(customer)
    sockets = [connect(token) for token in providers]
    for sock in [watcher, creator_socket, *sockets]:
        assert sock.call("join_auction", {"auction_id": auction_id})["ok"] is True
    latecomer = connect()
    last_seen = latecomer.call("join_auction", {"auction_id": auction_id})["auction"]["last_seq"]

    def socket_bid(index: int, amount: int) -> None:
        answer = sockets[index].call(
            "place_bid", {"auction_id": auction_id, "amount": amount, "description": f"Offer {amount}"}
        )
        assert answer["ok"] is True, answer

    def rest_bid(index: int, amount: int) -> None:
        response = api.post(
            f"/api/auctions/{auction_id}/bids", providers[index], {"amount": amount, "description": "x"}
        )
        assert response.status_code == 201, response.text

    socket_bid(0, 4800)
    rest_bid(1, 4500)
    latecomer.close()  # drops while the next two bids land
    socket_bid(2, 4200)
    rest_bid(0, 3900.5)

    placed = watcher.wait_for("bid_placed", 4, timeout=15)
    assert [e["lowest_bid"] for e in placed] == [4800, 4500, 4200, 3900.5]
    assert [e["seq"] for e in placed] == sorted(e["seq"] for e in placed)
    assert all("user_id" not in e["bid"] and "description" not in e["bid"] for e in placed)

    outbid = [n for n in sockets[0].wait_for("notification", 1, timeout=15) if n["type"] == "outbid"]
    assert outbid and outbid[0]["auction_id"] == auction_id
    assert [n["type"] for n in creator_socket.wait_for("notification", 4, timeout=15)].count("new_bid") == 4

    rejoined = connect()
    answer = rejoined.call("join_auction", {"auction_id": auction_id, "since_seq": last_seen})
    # The two bids placed while it was away, plus any that landed before it dropped.
    missed_bids = [e for e in answer["missed"] if e["type"] == "bid_placed"]
    assert [e["payload"]["lowest_bid"] for e in missed_bids][-2:] == [4200, 3900.5]
    assert [e["seq"] for e in answer["missed"]] == list(range(last_seen + 1, last_seen + 1 + len(answer["missed"])))

    closing_budget = DEADLINE_SECONDS + 10
    for sock in [watcher, creator_socket, *sockets]:
        closed = sock.wait_for("auction_closed", 1, timeout=closing_budget)
        assert len(closed) == 1
        assert closed[0]["status"] == "completed" and closed[0]["winning_bid"]["amount"] == 3900.5
    won = [n for n in sockets[0].wait_for("notification", 2, timeout=15) if n["type"] == "auction_won"]
    assert len(won) == 1
    assert api.get(f"/api/auctions/{auction_id}")["auction"]["status"] == "completed"

    assert api.get(f"/api/auctions/{auction_id}/events/verify")["valid"] is True
    event = db.session.scalar(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == "bid_placed").limit(1)
    )
    db.session.execute(
        update(AuctionEvent).where(AuctionEvent.id == event.id).values(payload={**event.payload, "lowest_bid": 1})
    )
    db.session.commit()
    report = api.get(f"/api/auctions/{auction_id}/events/verify")
    assert report["valid"] is False and report["broken_seq"] == event.seq


def test_a_handshake_from_a_foreign_origin_is_refused(server):
    client = socketio_client.Client(reconnection=False)
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect(server.url, namespaces=[NS], headers={"Origin": "https://evil.example"}, wait_timeout=5)
    allowed = socketio_client.Client(reconnection=False)
    allowed.connect(server.url, namespaces=[NS], headers={"Origin": "http://localhost:5173"}, wait_timeout=5)
    allowed.disconnect()


def test_a_browser_cookie_session_can_watch_and_bid(server, watchers):
    api = Api(server.url)
    api.register_and_login("cookie_customer", provider=False)
    customer = api.register_and_login("cookie_customer2", provider=False)
    created = api.post(
        "/api/auctions",
        customer,
        {
            "title": "Fix a leaking tap",
            "description": "Bathroom tap leaks constantly; replace the washer or the tap.",
            "category_id": api.get("/api/categories?flat=true")["categories"][0]["id"],
            "location": "Chennai, Tamil Nadu",
            "budget_min": 200,
            "budget_max": 800,
            "deadline": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        },
    )
    auction_id = created.json()["auction"]["id"]
    api.register_and_login("cookie_provider", provider=True)
    browser = requests.Session()
    login = browser.post(f"{server.url}/api/auth/login", json={"username": "cookie_provider", "password": PASSWORD})
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    sock = Watcher(server.url, headers={"Cookie": cookie})
    watchers.append(sock)
    assert login.status_code == 200
    assert sock.call("join_auction", {"auction_id": auction_id})["ok"] is True
    answer = sock.call("place_bid", {"auction_id": auction_id, "amount": 650, "description": "Washer + labour"})
    assert answer["ok"] is True, answer
    assert sock.wait_for("bid_placed", 1, timeout=15)[0]["lowest_bid"] == 650


def test_a_real_socket_that_sends_a_disconnect_event_is_still_dropped_at_logout(server, watchers):
    token = Api(server.url).register_and_login("e2e_leaver", provider=True)
    sock = Watcher(server.url, token)
    watchers.append(sock)
    # The raw frame 42<id>/auctions,["disconnect"]: an event, not a disconnect packet.
    assert sock.client.call("disconnect", namespace=NS, timeout=10)["code"] == "VALIDATION_ERROR"

    response = requests.post(f"{server.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert response.status_code == 200, response.text
    assert sock.disconnected.wait(20), "the socket outlived its revoked token"


def test_a_real_socket_gets_an_answer_to_every_call_with_extra_arguments(server, watchers):
    sock = Watcher(server.url)
    watchers.append(sock)
    calls = [("join_auction", ({"auction_id": 1}, {"x": 1})), ("sync_time", (1, 2, 3)), ("place_bid", (None, None))]
    answers = [sock.client.call(event, args, namespace=NS, timeout=5) for event, args in calls]
    assert [answer["code"] for answer in answers] == ["VALIDATION_ERROR"] * 3, answers
