"""Racing bids and racing closers through the real server (reliability checklist R1, R5, R8).

Each test starts `python main.py` (tests/live_server.py) on the suite's database, drives it
over HTTP with real threads, then checks the invariants in the database itself.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers import PASSWORD, ROOT, auction_payload
from live_server import LiveServer
from sqlalchemy import func, make_url, select, text, update

from bidbazaar.config import is_mysql_url
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, AuctionStatus, Bid, BidStatus, Notification, utcnow

PROVIDERS = 20
BIDS_EACH = 10
DECREMENT = Decimal("1.00")  # the server runs with the default BID_MIN_DECREMENT
REQUEST_TIMEOUT = 30
LOCKED = "database is locked"
CLEAN_REJECTIONS = {"BID_TOO_HIGH", "ALREADY_LOWEST"}


@dataclass
class Reply:
    thread: int
    amount: Decimal
    status: int
    body: dict[str, Any] | None
    text: str


# --------------------------------------------------------------------------- HTTP helpers


def sign_up(base_url: str, username: str, provider: bool) -> dict[str, str]:
    """Register and log in over HTTP; returns bearer headers."""
    account = {"username": username, "password": PASSWORD}
    profile = {**account, "email": f"{username}@example.com", "is_service_provider": provider}
    r = requests.post(f"{base_url}/api/auth/register", json=profile, timeout=REQUEST_TIMEOUT)
    assert r.status_code == 201, r.text
    r = requests.post(f"{base_url}/api/auth/login", json=account, timeout=REQUEST_TIMEOUT)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def open_auction(base_url: str, headers: dict[str, str], **fields: Any) -> int:
    r = requests.post(
        f"{base_url}/api/auctions", json=auction_payload(**fields), headers=headers, timeout=REQUEST_TIMEOUT
    )
    assert r.status_code == 201, r.text
    return r.json()["auction"]["id"]


def bid(base_url: str, headers: dict[str, str], auction_id: int, amount: Decimal) -> requests.Response:
    return requests.post(
        f"{base_url}/api/auctions/{auction_id}/bids",
        json={"amount": float(amount), "description": "Two people, own tools, done in a day."},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )


START_PRICE = Decimal(50_000)
HALF_STEP = Decimal("0.50")


def next_amount(thread: int, step: int, previous: Decimal | None, seen_lowest: Decimal) -> Decimal:
    """Undercut the lowest bid this thread has seen, like a real provider. Odd bids go
    0.50 further down: when a plain undercut of the same lowest commits first, the deeper
    one is only half the decrement below it and must be refused. Each thread's own
    amounts strictly decrease."""
    amount = seen_lowest - DECREMENT - HALF_STEP * ((thread + step) % 2)
    return amount if previous is None else min(amount, previous - HALF_STEP)


def fire_bids(targets: list[tuple[str, dict[str, str]]], auction_id: int) -> tuple[list[Reply], float]:
    """One thread per (server url, provider headers), released together by a barrier;
    each sends BIDS_EACH decreasing bids."""
    replies: list[Reply] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(targets))

    def run(thread: int, base_url: str, headers: dict[str, str]) -> None:
        previous: Decimal | None = None
        seen_lowest = START_PRICE + DECREMENT
        with requests.Session() as session:
            session.headers.update(headers)
            barrier.wait(timeout=30)
            for step in range(BIDS_EACH):
                amount = previous = next_amount(thread, step, previous, seen_lowest)
                try:
                    r = session.post(
                        f"{base_url}/api/auctions/{auction_id}/bids",
                        json={"amount": float(amount), "description": "Two people, own tools, done in a day."},
                        timeout=REQUEST_TIMEOUT,
                    )
                    body = r.json()
                except (requests.RequestException, ValueError) as exc:
                    with lock:
                        failures.append(f"thread {thread} bid {amount}: {exc!r}")
                    continue
                with lock:
                    replies.append(Reply(thread, amount, r.status_code, body, r.text))
                lowest = (body.get("auction") or {}).get("lowest_bid") or (body.get("details") or {}).get("lowest_bid")
                if lowest is not None:
                    seen_lowest = min(seen_lowest, Decimal(str(lowest)))

    threads = [threading.Thread(target=run, args=(i, url, headers)) for i, (url, headers) in enumerate(targets)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "bid threads still running after 90 s"
    assert not failures, failures
    assert len(replies) == len(targets) * BIDS_EACH
    return replies, elapsed


# --------------------------------------------------------------------------- invariants


def assert_clean_replies(replies: list[Reply]) -> None:
    """No 5xx, nothing about locks; every refusal is a documented 409 in the error shape."""
    for reply in replies:
        assert reply.status < 500, reply.text
        assert LOCKED not in reply.text.lower()
        assert reply.status in (201, 409), reply.text
        if reply.status == 409:
            assert set(reply.body) >= {"error", "code", "details"}, reply.body
            assert reply.body["code"] in CLEAN_REJECTIONS, reply.body
            if reply.body["code"] == "BID_TOO_HIGH":
                assert {"lowest_bid", "max_allowed"} <= set(reply.body["details"]), reply.body


def assert_ledger(auction_id: int, replies: list[Reply]) -> list[Bid]:
    """Checked in the database: the bids, the auction's counters and its event log agree."""
    db.session.commit()  # a fresh snapshot: the server wrote everything
    accepted = [r for r in replies if r.status == 201]
    bids = db.session.scalars(select(Bid).where(Bid.auction_id == auction_id).order_by(Bid.id)).all()

    assert len(bids) == len(accepted)
    assert {b.id for b in bids} == {r.body["bid"]["id"] for r in accepted}
    assert {(b.id, b.amount) for b in bids} == {(r.body["bid"]["id"], r.amount) for r in accepted}
    for earlier, later in itertools.pairwise(bids):
        assert later.amount <= earlier.amount - DECREMENT, (earlier.id, earlier.amount, later.id, later.amount)
        assert later.user_id != earlier.user_id, "a provider undercut its own lowest bid"
    assert all(b.status == BidStatus.ACTIVE for b in bids)

    auction = db.session.get(Auction, auction_id, populate_existing=True)
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.bid_count == len(bids)
    assert auction.lowest_bid == bids[-1].amount
    assert auction.bidder_count == len({b.user_id for b in bids})

    events = db.session.scalars(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq)
    ).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "gap or duplicate in the event seq"
    assert auction.event_seq == len(events)
    assert events[0].type == "auction_created"
    placed = [e.payload["bid"]["id"] for e in events if e.type == "bid_placed"]
    assert placed == [b.id for b in bids], "event log order differs from commit order"
    return bids


def report(label: str, replies: list[Reply], elapsed: float) -> None:
    codes: dict[str, int] = {}
    for r in replies:
        key = "201" if r.status == 201 else f"{r.status} {r.body['code']}"
        codes[key] = codes.get(key, 0) + 1
    print(f"\n{label}: {len(replies)} bids in {elapsed:.2f}s -> {dict(sorted(codes.items()))}")


def assert_quiet(*servers: LiveServer) -> None:
    for server in servers:
        stderr = server.stderr_text()
        assert LOCKED not in stderr.lower(), stderr[-4000:]
        assert "Traceback" not in stderr, stderr[-4000:]
        assert " 500 " not in stderr and "INTERNAL_ERROR" not in stderr, stderr[-4000:]


# --------------------------------------------------------------------------- tests


def test_racing_providers_get_a_strictly_decreasing_ladder(app: Any, database_url: str) -> None:
    """R1: 20 providers x 10 bids at one auction through one live server."""
    with LiveServer(database_url) as server:
        customer = sign_up(server.url, "asha", provider=False)
        providers = [sign_up(server.url, f"prov{i:02d}", provider=True) for i in range(PROVIDERS)]
        auction_id = open_auction(server.url, customer, budget_min=1000, budget_max=60_000)

        replies, elapsed = fire_bids([(server.url, h) for h in providers], auction_id)
        verify = requests.get(f"{server.url}/api/auctions/{auction_id}/events/verify", timeout=REQUEST_TIMEOUT)
        server.stop()

    report("one server", replies, elapsed)
    assert_clean_replies(replies)
    bids = assert_ledger(auction_id, replies)
    assert len(bids) >= 5, "too few bids accepted for the race to mean anything"
    assert sum(r.status == 409 for r in replies) > 0
    assert verify.status_code == 200 and verify.json()["valid"] is True, verify.text
    assert_quiet(server)


def test_two_server_processes_on_one_database_never_lock_up(app: Any, database_url: str) -> None:
    """R8 (and R1 across processes): two servers on one database file, bids through both."""
    with LiveServer(database_url) as first, LiveServer(database_url) as second:
        servers = [first, second]
        customer = sign_up(first.url, "asha", provider=False)
        providers = [sign_up(servers[i % 2].url, f"prov{i:02d}", provider=True) for i in range(PROVIDERS)]
        auction_id = open_auction(second.url, customer, budget_min=1000, budget_max=60_000)

        replies, elapsed = fire_bids([(servers[i % 2].url, h) for i, h in enumerate(providers)], auction_id)
        first.stop()
        second.stop()

    report("two servers", replies, elapsed)
    assert_clean_replies(replies)
    bids = assert_ledger(auction_id, replies)
    assert len(bids) >= 5
    assert_quiet(first, second)


def test_a_write_blocked_past_the_sqlite_busy_timeout_is_a_clean_503(app: Any, database_url: str) -> None:
    """R8, the other half: a write that cannot get the lock in time is a retryable 503 JSON
    answer (never a 500, never the driver's message), and nothing of it is stored."""
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite's busy timeout")
    with LiveServer(database_url, env={"SQLITE_BUSY_TIMEOUT_SECONDS": "0.5", "CLOSE_SWEEP_SECONDS": "0"}) as server:
        customer = sign_up(server.url, "asha", provider=False)
        provider = sign_up(server.url, "ravi", provider=True)
        auction_id = open_auction(server.url, customer)
        holder = sqlite3.connect(str(Path(make_url(database_url).database).resolve()), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock for too long
            blocked = bid(server.url, provider, auction_id, Decimal(1500))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        retried = bid(server.url, provider, auction_id, Decimal(1500))
        server.stop()

    assert blocked.status_code == 503, blocked.text
    assert blocked.json()["code"] == "SERVICE_UNAVAILABLE"
    assert set(blocked.json()) >= {"error", "code", "details"}
    assert blocked.headers.get("Retry-After")
    assert LOCKED not in blocked.text.lower()
    assert retried.status_code == 201, retried.text
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Bid).where(Bid.auction_id == auction_id)) == 1
    assert "Traceback" not in server.stderr_text()


CLOSED_LINE = re.compile(r"Closed (\d+) auctions\.")
CLOSING_NOTES = ("auction_won", "auction_lost", "auction_closed")


def flask_command() -> list[str]:
    flask = Path(sys.executable).with_name("flask")
    return [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]


@contextmanager
def write_gate(database_url: str) -> Iterator[Callable[[list[subprocess.Popen[str]]], None]]:
    """Hold the database's write lock (SQLite), the auctions table (PostgreSQL) or every
    auction row (MySQL/MariaDB) so that processes started inside the block all queue up at
    it; they race once it is released.

    Yields a function that waits, bounded, until the given processes are queued."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = str(Path(url.database).resolve())
        holder = sqlite3.connect(path, isolation_level=None, timeout=10)
        holder.execute("BEGIN IMMEDIATE")

        def sqlite_waiting(processes: list[subprocess.Popen[str]]) -> None:
            # A closer opens the file for its first read, just before it asks for the
            # write lock; then give it a moment to reach BEGIN IMMEDIATE.
            wait_until(lambda: all(has_open(p.pid, path) for p in processes), "closers opened the database")
            time.sleep(0.5)

        try:
            yield sqlite_waiting
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return

    mysql = is_mysql_url(database_url)
    with db.engine.connect() as holder:
        if mysql:  # InnoDB: every auction row locked; plain (MVCC) reads still pass
            holder.execute(text("SELECT id FROM auctions FOR UPDATE"))
            # A row lock wait shows as the waiting statement (innodb_trx misses the waits
            # MariaDB's optimizer starts while reading the row by its primary key).
            waiting_sql = (
                "SELECT count(*) FROM information_schema.processlist"
                " WHERE db = DATABASE() AND id <> CONNECTION_ID() AND info LIKE '%FOR UPDATE'"
            )
        else:
            holder.execute(text("LOCK TABLE auctions IN EXCLUSIVE MODE"))  # plain reads still pass
            waiting_sql = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )

        def server_waiting(processes: list[subprocess.Popen[str]]) -> None:
            def queued() -> bool:
                with db.engine.connect() as probe:
                    return probe.scalar(text(waiting_sql)) >= len(processes)

            wait_until(queued, "closers queued on the auctions' locks")

        try:
            yield server_waiting
        finally:
            holder.rollback()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def has_open(pid: int, path: str) -> bool:
    """Whether the process holds `path` open (Linux /proc; elsewhere assume it after 2 s)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    if not fd_dir.exists():
        time.sleep(2)
        return True
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd) == path:
                return True
        except OSError:
            continue
    return False


@pytest.fixture
def unlink_winners(app: Any) -> Iterator[None]:
    """Completed auctions point at their winning bid; on SQLite that link makes the
    suite's final drop_all fail (DROP TABLE bids), so undo it after the test."""
    yield
    db.session.rollback()
    db.session.execute(update(Auction).values(winning_bid_id=None))
    db.session.commit()


@pytest.mark.usefixtures("unlink_winners")
def test_three_cron_closers_close_each_auction_exactly_once(app: Any, database_url: str) -> None:
    """R5: `flask --app app close-expired` in 3 processes at once against expired auctions."""
    with LiveServer(database_url, env={"CLOSE_SWEEP_SECONDS": "0"}) as server:
        customer = sign_up(server.url, "asha", provider=False)
        providers = [sign_up(server.url, f"prov{i}", provider=True) for i in range(3)]
        with_bids = [open_auction(server.url, customer) for _ in range(6)]
        without_bids = [open_auction(server.url, customer) for _ in range(2)]
        for auction_id in with_bids:
            for amount, headers in zip((1900, 1800, 1700), providers, strict=True):
                assert bid(server.url, headers, auction_id, Decimal(amount)).status_code == 201
        server.stop()
    assert_quiet(server)

    # Time travel instead of sleeping: every deadline is now in the past.
    all_ids = with_bids + without_bids
    db.session.execute(update(Auction).where(Auction.id.in_(all_ids)).values(deadline=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    # MySQL: a closer must outwait the slowest one's start-up (PostgreSQL has no timeout).
    env = {**server.env, "FLASK_APP": "app", "LOCK_WAIT_TIMEOUT_SECONDS": "60"}
    env.pop("PORT")
    with write_gate(database_url) as all_waiting:
        # The three closers start, find the due auctions, and queue on the held write
        # lock; released together, they race for every auction.
        closers = [
            subprocess.Popen(
                [*flask_command(), "--app", "app", "close-expired"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        all_waiting(closers)
    outputs = [closer.communicate(timeout=60) for closer in closers]
    for closer, (out, err) in zip(closers, outputs, strict=True):
        assert closer.returncode == 0, err
        assert LOCKED not in (out + err).lower(), err
    closed_counts = [int(CLOSED_LINE.search(out).group(1)) for out, _ in outputs]
    print(f"\nclose-expired x3 closed {closed_counts} auctions")
    assert sum(closed_counts) == len(all_ids), closed_counts

    db.session.commit()
    for auction_id in all_ids:
        auction = db.session.get(Auction, auction_id, populate_existing=True)
        closes = db.session.scalar(
            select(func.count())
            .select_from(AuctionEvent)
            .where(AuctionEvent.auction_id == auction_id, AuctionEvent.type == "auction_closed")
        )
        assert closes == 1, f"auction {auction_id} closed {closes} times"
        notes = db.session.execute(
            select(Notification.type, func.count())
            .where(Notification.auction_id == auction_id, Notification.type.in_(CLOSING_NOTES))
            .group_by(Notification.type)
        ).all()
        if auction_id in with_bids:
            assert auction.status == AuctionStatus.COMPLETED
            winner = db.session.get(Bid, auction.winning_bid_id, populate_existing=True)
            assert winner.amount == Decimal(1700) and winner.status == BidStatus.ACCEPTED
            assert dict(notes) == {"auction_won": 1, "auction_lost": 2, "auction_closed": 1}
        else:
            assert auction.status == AuctionStatus.EXPIRED
            assert dict(notes) == {"auction_closed": 1}


# --------------------------------------------------------------------------- local turns


def _enter_turn(key: Any, release: threading.Event) -> tuple[threading.Thread, threading.Event]:
    """A thread that takes the turn for `key` and keeps it until `release` is set."""
    from bidbazaar.database import local_turn

    entered = threading.Event()

    def hold() -> None:
        with local_turn(key):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    return thread, entered


def _released() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_a_second_request_for_the_same_auction_waits_for_the_first_turn() -> None:
    release = threading.Event()
    first, first_in = _enter_turn(("auction", 1), release)
    assert first_in.wait(5)

    second, second_in = _enter_turn(("auction", 1), _released())

    assert not second_in.wait(0.2)  # bounded wait for what must not happen yet
    release.set()
    assert second_in.wait(5)
    first.join(5)
    second.join(5)


def test_requests_for_different_auctions_do_not_wait_for_each_other() -> None:
    release = threading.Event()
    first, first_in = _enter_turn(("auction", 1), release)
    assert first_in.wait(5)

    other, other_in = _enter_turn(("auction", 2), _released())

    assert other_in.wait(5)
    release.set()
    first.join(5)
    other.join(5)


def test_a_finished_turn_leaves_no_entry_behind() -> None:
    from bidbazaar import database

    with database.local_turn(("auction", 99)):
        assert ("auction", 99) in database._turns
    gc.collect()

    assert ("auction", 99) not in database._turns
