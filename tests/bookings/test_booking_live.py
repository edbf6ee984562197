"""Bookings through real server processes (`python main.py`, tests/live_server.py):
real python-socketio clients hear the booking notifications in their personal rooms and
`auction_updated` in the auction's room when the award passes on; and two processes
sweeping the same due lapse and auto-completion, or racing a confirm against the customer's
stop or a lapse, make each transition once (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from booking_helpers import chain, event_count, fresh_booking, make_due
from helpers import PASSWORD
from live_server import LiveServer
from socket_client import Watcher
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import BookingStatus
from bidbazaar.extensions import db
from bidbazaar.models import Category

SWEEP = {"CLOSE_SWEEP_SECONDS": "0.5", "SNIPE_WINDOW_SECONDS": "0"}


def watch(url: str, token: str | None, opened: list[Watcher]) -> Watcher:
    """A recording client (it records every room event, booking steps included)."""
    watcher = Watcher(url, token)
    opened.append(watcher)
    return watcher


def sign_up(url: str, username: str, provider: bool) -> str:
    profile = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = requests.post(f"{url}/api/auth/register", json={**profile, "is_service_provider": provider}, timeout=10)
    assert response.status_code == 201, response.text
    response = requests.post(f"{url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def post(url: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def wait_until(check: Callable[[], bool], timeout: float = 20) -> None:
    """Poll the database (a fresh snapshot each time) until `check` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.commit()
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the servers did not get there in time")


def of_type(watcher: Watcher, type_: str, count: int) -> list[dict[str, Any]]:
    """Wait for `count` personal notifications of this type."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [n for n in watcher.events["notification"] if n["type"] == type_]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{type_} x{count} not received: {watcher.events['notification']}")


@pytest.fixture
def server(app, database_url: str) -> Iterator[LiveServer]:
    with LiveServer(database_url, env=SWEEP) as live:
        yield live
        assert "Traceback" not in live.stderr_text()


@pytest.fixture
def sockets() -> Iterator[list[Watcher]]:
    opened: list[Watcher] = []
    yield opened
    for watcher in opened:
        watcher.close()


def test_real_clients_hear_the_offer_its_lapse_and_the_award_passing_on(server, sockets):
    url = server.url
    customer = sign_up(url, "live_customer", provider=False)
    first, second = sign_up(url, "live_first", provider=True), sign_up(url, "live_second", provider=True)
    category = db.session.scalar(select(Category.id).limit(1))
    auction_id = post(
        url,
        "/api/auctions",
        customer,
        {
            "title": "Repaint a 2BHK before Pongal",
            "description": "Two bedrooms, hall and kitchen, walls only; we move the furniture.",
            "category_id": category,
            "location": "Chennai, Tamil Nadu",
            "budget_min": 8000,
            "budget_max": 20000,
            "deadline": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        },
    )["auction"]["id"]
    post(url, f"/api/auctions/{auction_id}/bids", second, {"amount": 15000, "description": "Asian Paints, 3 days"})
    winning = post(url, f"/api/auctions/{auction_id}/bids", first, {"amount": 14000, "description": "2 days"})

    room, buyer = watch(url, None, sockets), watch(url, customer, sockets)
    first_socket, second_socket = watch(url, first, sockets), watch(url, second, sockets)
    assert room.call("join_auction", {"auction_id": auction_id})["ok"] is True

    post(url, f"/api/auctions/{auction_id}/award", customer, {"bid_id": winning["bid"]["id"]})
    (offered,) = of_type(first_socket, "booking_offered", 1)
    booking_id = offered["data"]["booking_id"]
    assert offered["auction_id"] == auction_id and offered["data"]["status"] == BookingStatus.OFFERED
    frames = room.wait_for("booking_offered", 1)
    assert frames[0]["booking"]["status"] == "offered" and frames[0]["bid"]["bidder"].startswith("Bidder ")
    assert "user_id" not in frames[0]["bid"] and "username" not in frames[0]["bid"]

    # The first provider stays silent past respond_by: a server's sweeper lapses the offer.
    make_due(booking_id, "respond_by")
    (lapsed,) = of_type(first_socket, "booking_lapsed", 1)
    assert lapsed["data"]["booking_id"] == booking_id
    told = of_type(buyer, "booking_lapsed", 1)[0]
    (next_offer,) = of_type(second_socket, "booking_offered", 1)
    assert told["data"]["next_booking_id"] == next_offer["data"]["booking_id"]
    (passed,) = room.wait_for("auction_updated", 1)
    assert passed["reason"] == "offer_lapsed" and passed["winning_bid"]["amount"] == 15000
    assert passed["auction"]["status"] == "completed"
    steps = [(frame["seq"], "booking_offered") for frame in room.wait_for("booking_offered", 2)]
    steps += [(frame["seq"], "booking_lapsed") for frame in room.wait_for("booking_lapsed", 1)]
    assert [name for _, name in sorted(steps)] == ["booking_offered", "booking_lapsed", "booking_offered"]


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def two_servers(app, database_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    if database_url.startswith("sqlite"):
        pytest.skip("two server processes sweeping at once: PostgreSQL (set TEST_DATABASE_URL)")
    with LiveServer(database_url, env=SWEEP) as a, LiveServer(database_url, env=SWEEP) as b:
        yield a, b
        for server in (a, b):
            assert "Traceback" not in server.stderr_text()


def test_two_processes_sweeping_lapse_and_auto_complete_each_booking_once(
    two_servers, awarded, provider, rival, third, customer
):
    lapsing = [awarded((rival, 1600), (provider, 1500)) for _ in range(3)]
    completing = [awarded((third, 1500)) for _ in range(3)]
    for deal in completing:
        services.confirm_booking(third, deal.booking.id)
        services.mark_done(third, deal.booking.id)
    for deal in lapsing:
        make_due(deal.booking.id, "respond_by")
    for deal in completing:
        make_due(deal.booking.id, "auto_complete_at")

    wait_until(lambda: all(fresh_booking(d.booking.id).status == BookingStatus.LAPSED for d in lapsing))
    wait_until(lambda: all(fresh_booking(d.booking.id).status == BookingStatus.COMPLETED for d in completing))
    time.sleep(2)  # four more sweeps in each process: a second transition would show by now
    for deal in lapsing:
        assert event_count(deal.auction.id, "booking_lapsed") == 1
        assert event_count(deal.auction.id, "auction_updated") == 1
        assert [b.status for b in chain(deal.auction.id)] == [BookingStatus.LAPSED, BookingStatus.OFFERED]
    for deal in completing:
        assert event_count(deal.auction.id, "booking_completed") == 1
        assert services.verify_event_chain(deal.auction.id)["valid"] is True


def token_of(url: str, user: Any) -> str:
    response = requests.post(
        f"{url}/api/auth/login", json={"username": user.username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def at_once(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the requests together, one thread each, released by one barrier."""
    barrier = threading.Barrier(len(calls))

    def send(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait(timeout=10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(send, call) for call in calls]]


def booking_post(url: str, booking_id: int, action: str, token: str, body: dict[str, Any] | None = None) -> Any:
    return lambda: requests.post(
        f"{url}/api/bookings/{booking_id}/{action}",
        json=body or {},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )


def test_two_processes_racing_a_confirm_against_the_customers_stop_move_the_booking_once(
    two_servers, awarded, provider, customer
):
    a, b = two_servers
    provider_token, customer_token = token_of(a.url, provider), token_of(b.url, customer)
    for _ in range(3):
        deal = awarded((provider, 1500))
        confirm, stop = at_once(
            booking_post(a.url, deal.booking.id, "confirm", provider_token),
            booking_post(b.url, deal.booking.id, "cancel", customer_token, {"reason": "Found someone"}),
        )
        status = fresh_booking(deal.booking.id).status
        if confirm.status_code == 200:  # confirmed first: the customer's cancel then cancels it
            assert (stop.status_code, status) == (200, BookingStatus.CANCELLED)
            assert event_count(deal.auction.id, "booking_confirmed") == 1
            assert event_count(deal.auction.id, "booking_withdrawn") == 0
        else:
            assert (confirm.status_code, confirm.json()["code"]) == (409, "BOOKING_STATE")
            assert (stop.status_code, status) == (200, BookingStatus.WITHDRAWN)
            assert event_count(deal.auction.id, "booking_confirmed") == 0
            assert event_count(deal.auction.id, "booking_withdrawn") == 1
        assert services.verify_event_chain(deal.auction.id)["valid"] is True


def test_two_processes_racing_a_late_confirm_against_their_sweepers_lapse_the_offer_once(
    two_servers, awarded, provider, rival
):
    a, b = two_servers
    provider_token = token_of(a.url, provider)
    for _ in range(3):
        deal = awarded((rival, 1600), (provider, 1500))
        make_due(deal.booking.id, "respond_by")
        confirm = booking_post(b.url, deal.booking.id, "confirm", provider_token)()  # while both sweep
        # Whoever came first lapsed it: this confirm (BOOKING_EXPIRED) or a sweeper (BOOKING_STATE).
        assert (confirm.status_code, confirm.json()["code"]) in {(409, "BOOKING_EXPIRED"), (409, "BOOKING_STATE")}
        time.sleep(1)  # two more sweeps in each process: a second lapse would show by now
        assert event_count(deal.auction.id, "booking_lapsed") == 1
        assert event_count(deal.auction.id, "booking_confirmed") == 0
        assert [b.status for b in chain(deal.auction.id)] == [BookingStatus.LAPSED, BookingStatus.OFFERED]
