"""Scale-out on loopback: two gunicorn processes (gunicorn.conf.py, wsgi.py) sharing
PostgreSQL or MySQL/MariaDB, and live events through a Redis message queue, behind nginx
running the shipped deploy/nginx.conf.

Needs PostgreSQL or MySQL/MariaDB (TEST_DATABASE_URL: .ci/run's passes on them),
redis-server and nginx (.ci/install-nginx); the cluster is tests/cluster.py. Redis is a private redis-server
on a free port: pub/sub channels are global to a Redis server, so a shared one would mix
our events with any other run's. Waits are bounded polls; nothing sleeps to let time pass
except the short grace periods that prove an event did NOT arrive twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import socketio as socketio_client
from cluster import (
    DECREMENT,
    TIMEOUT,
    Cluster,
    assert_bid_ledger,
    assert_no_tracebacks,
    bearer,
    open_auction,
    place_bid,
    require_tools,
    sign_up,
    start_cluster,
)
from sqlalchemy import func, select, update

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, AuctionStatus, utcnow

# nginx runs with a throwaway self-signed certificate.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def bidding_race(targets: list[tuple[str, str]], auction_id: int, bids_each: int) -> tuple[list[int], list[str]]:
    """One thread per (url, token), released together; each undercuts the lowest bid it
    has seen. Returns the accepted bid ids and any answer that is not 201/409."""
    accepted: list[int] = []
    unexpected: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(targets))

    def run(thread: int, url: str, token: str) -> None:
        seen_lowest = Decimal(2001)
        with requests.Session() as session:
            session.headers.update(bearer(token))
            barrier.wait(timeout=30)
            for step in range(bids_each):
                amount = seen_lowest - DECREMENT - Decimal("0.50") * ((thread + step) % 2)
                try:
                    r = session.post(
                        f"{url}/api/auctions/{auction_id}/bids",
                        json={"amount": float(amount), "description": "Two people, own tools, done in a day."},
                        timeout=TIMEOUT,
                    )
                except requests.RequestException as exc:
                    with lock:
                        unexpected.append(f"{thread}: {exc!r}")
                    continue
                body = r.json()
                with lock:
                    if r.status_code == 201:
                        accepted.append(body["bid"]["id"])
                    elif r.status_code != 409 or body["code"] not in ("BID_TOO_HIGH", "ALREADY_LOWEST"):
                        unexpected.append(f"{thread}: {r.status_code} {r.text}")
                lowest = (body.get("auction") or {}).get("lowest_bid") or (body.get("details") or {}).get("lowest_bid")
                if lowest is not None:
                    seen_lowest = min(seen_lowest, Decimal(str(lowest)))

    threads = [threading.Thread(target=run, args=(i, url, token)) for i, (url, token) in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "bid threads still running after 120 s"
    return accepted, unexpected


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def cluster(database_url: str, _schema: None) -> Iterator[Cluster]:
    require_tools(database_url)
    yield from start_cluster(database_url)


@pytest.fixture
def fresh(app: Any, cluster: Cluster) -> Iterator[Cluster]:
    """The `app` fixture empties the tables; the cluster keeps running between tests."""
    yield cluster
    db.session.rollback()
    db.session.execute(update(Auction).values(winning_bid_id=None))
    db.session.commit()
    assert_no_tracebacks(*cluster.servers)


def test_nginx_serves_the_spa_api_and_socket_io_on_one_origin(fresh: Cluster, watchers) -> None:
    nginx = fresh.nginx.url
    spa = requests.get(f"{nginx}/auctions/42", verify=False, timeout=TIMEOUT)  # a client-side route
    assert spa.status_code == 200 and "Bid Bazaar SPA" in spa.text
    assert requests.get(f"{nginx}/api/categories", verify=False, timeout=TIMEOUT).status_code == 200
    health = requests.get(f"{nginx}/api/health", verify=False, timeout=TIMEOUT).json()
    assert health == {"status": "ok", "database": "ok", "message_queue": "ok", "mail": "file"}
    plain = requests.get(f"http://127.0.0.1:{fresh.nginx.http_port}/api/health", allow_redirects=False, timeout=5)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # WebSocket upgrade and long-polling (several requests per session: sticky) through nginx,
    # from a page of this very origin: behind nginx the app sees https and the public host.
    # (websocket-client sends Origin: https://<host:port> by itself; requests sends none.)
    for transports, headers in ((["websocket"], None), (["polling"], {"Origin": nginx})):
        watcher = watchers(nginx, transports=transports, headers=headers)
        assert watcher.call("sync_time", {})["ok"] is True
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        watchers(nginx, transports=["polling"], headers={"Origin": "https://evil.example"})


def test_a_watcher_on_process_a_sees_a_bid_placed_through_process_b(fresh: Cluster, watchers) -> None:
    a, b = fresh.a.url, fresh.b.url
    customer = sign_up(a, "asha", provider=False)
    provider = sign_up(b, "ravi", provider=True)
    auction_id = open_auction(a, customer)
    watcher = watchers(a)
    watcher.join(auction_id)

    placed = place_bid(b, provider, auction_id, Decimal(1900))

    assert placed.status_code == 201, placed.text
    frames = watcher.wait_for("bid_placed", 1)
    assert frames[0]["bid"]["id"] == placed.json()["bid"]["id"]


def test_twenty_bidders_over_both_processes_keep_the_bid_ladder(fresh: Cluster, watchers) -> None:
    servers = [fresh.a.url, fresh.b.url]
    customer = sign_up(servers[0], "asha", provider=False)
    tokens = [sign_up(servers[i % 2], f"prov{i:02d}", provider=True) for i in range(20)]
    auction_id = open_auction(servers[1], customer)
    watcher_a, watcher_b = watchers(servers[0]), watchers(servers[1])
    watcher_a.join(auction_id)
    watcher_b.join(auction_id)

    accepted, unexpected = bidding_race([(servers[i % 2], t) for i, t in enumerate(tokens)], auction_id, 5)

    assert not unexpected, unexpected
    assert len(accepted) >= 5, "too few bids accepted for the race to mean anything"
    bids = assert_bid_ledger(auction_id, set(accepted))
    logged = db.session.execute(
        select(AuctionEvent.seq, AuctionEvent.payload)
        .where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == "bid_placed")
        .order_by(AuctionEvent.seq)
    ).all()
    # Every watcher, whichever process it is on, sees every bid with its seq in the event
    # log (which assert_bid_ledger matched to the commit order). Not necessarily in that
    # order on arrival: each process publishes after its own commit, so two commits in a
    # row from the two processes can reach Redis the other way round (seen on MariaDB,
    # whose InnoDB can hand the row lock on before the committer's log flush returns).
    for watcher in (watcher_a, watcher_b):
        frames = watcher.wait_for("bid_placed", len(bids))
        assert sorted((f["seq"], f["bid"]["id"]) for f in frames) == [(seq, p["bid"]["id"]) for seq, p in logged]


def test_both_sweepers_close_an_auction_once_and_announce_it_once(fresh: Cluster, watchers) -> None:
    a, b = fresh.a.url, fresh.b.url
    customer = sign_up(a, "asha", provider=False)
    provider = sign_up(b, "ravi", provider=True)
    auction_ids = [open_auction(a, customer) for _ in range(3)]
    for auction_id in auction_ids:
        assert place_bid(b, provider, auction_id, Decimal(1500)).status_code == 201
    watcher_a, watcher_b = watchers(a), watchers(b)
    for auction_id in auction_ids:
        watcher_a.join(auction_id)
        watcher_b.join(auction_id)

    # Time travel instead of waiting: both sweepers (every 0.5 s) now race for them.
    db.session.execute(
        update(Auction).where(Auction.id.in_(auction_ids)).values(deadline=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    for watcher in (watcher_a, watcher_b):
        watcher.wait_for("auction_closed", len(auction_ids))
    time.sleep(2)  # four more sweeps in each process: a second close would show by now
    for watcher in (watcher_a, watcher_b):
        closed = [frame["auction_id"] for frame in watcher.events["auction_closed"]]
        assert sorted(closed) == sorted(auction_ids), watcher.events["auction_closed"]
    db.session.commit()
    for auction_id in auction_ids:
        assert db.session.get(Auction, auction_id, populate_existing=True).status != AuctionStatus.ACTIVE
        count = db.session.scalar(
            select(func.count())
            .select_from(AuctionEvent)
            .where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == "auction_closed")
        )
        assert count == 1


def test_a_personal_notification_reaches_a_user_connected_to_the_other_process(fresh: Cluster, watchers) -> None:
    a, b = fresh.a.url, fresh.b.url
    customer = sign_up(a, "asha", provider=False)
    provider = sign_up(b, "ravi", provider=True)
    auction_id = open_auction(a, customer)
    customer_socket = watchers(a, customer)

    assert place_bid(b, provider, auction_id, Decimal(1800)).status_code == 201

    notes = customer_socket.wait_for("notification", 1)
    assert notes[0]["type"] == "new_bid" and notes[0]["auction_id"] == auction_id, notes


def test_logging_out_through_process_b_disconnects_the_socket_on_process_a(fresh: Cluster, watchers) -> None:
    a, b = fresh.a.url, fresh.b.url
    token = sign_up(b, "ravi", provider=True)
    other = sign_up(b, "meera", provider=True)
    doomed = watchers(a, token)
    bystander = watchers(a, other)

    r = requests.post(f"{b}/api/auth/logout", headers=bearer(token), timeout=TIMEOUT)

    assert r.status_code == 200, r.text
    assert doomed.disconnected.wait(TIMEOUT), "the logged-out user's socket on the other process is still open"
    assert bystander.client.connected and bystander.call("sync_time", {})["ok"] is True
