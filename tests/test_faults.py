"""Faults on loopback (reliability checklist R6, R7, R9, R10, R12): Redis stopped and
restarted, a server process SIGKILLed, PostgreSQL restarted, each during a bidding load.

Every service that the test breaks is private to it: its own redis-server on a free port,
and for R7 its own PostgreSQL cluster (initdb + pg_ctl in a temp dir), never the machine's
shared ones. Loops are bounded in count and time.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from cluster import (
    TIMEOUT,
    Cluster,
    assert_bid_ledger,
    bearer,
    open_auction,
    place_bid,
    require_tools,
    sign_up,
    start_cluster,
)
from live_server import GunicornServer
from sqlalchemy import create_engine, select, text

from bidbazaar.extensions import db
from bidbazaar.models import Auction, Bid
from devtools.processes import free_port, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture
def cluster(app: Any, database_url: str) -> Iterator[Cluster]:
    """A cluster of its own per test: these tests break it."""
    require_tools(database_url)
    yield from start_cluster(database_url)


def health(url: str) -> tuple[int, dict[str, Any]]:
    r = requests.get(f"{url}/api/health", timeout=5)
    return r.status_code, r.json()


# --------------------------------------------------------------------------- R9, R10


def test_redis_down_bids_still_stored_health_degraded_and_the_gap_is_recovered(cluster: Cluster, watchers) -> None:
    a, b = cluster.a.url, cluster.b.url
    customer = sign_up(a, "asha", provider=False)
    providers = [sign_up(b, f"prov{i}", provider=True) for i in range(4)]
    auction_id = open_auction(a, customer)
    watcher = watchers(a)  # lives on process A; bids below go through B
    watcher.join(auction_id)
    accepted: set[int] = set()
    amount = Decimal(2000)

    def bid_through(url: str, n: int) -> int:
        nonlocal amount
        amount -= 10
        r = place_bid(url, providers[n % len(providers)], auction_id, amount)
        assert r.status_code == 201, r.text
        accepted.add(r.json()["bid"]["id"])
        return r.json()["bid"]["id"]

    bid_through(b, 0)
    watcher.wait_for("bid_placed", 1)

    cluster.redis.stop()
    for url in (a, b):
        status, body = health(url)
        assert (status, body["status"], body["message_queue"], body["database"]) == (200, "degraded", "down", "ok")
    for n in range(1, 7):  # the load goes on through both processes
        bid_through(b if n % 2 else a, n)
    # Process A's own bids still reach its clients; B's cannot cross without Redis.
    wait_until(lambda: len(watcher.seqs()) >= 4, "A's own bids reach A's watcher")
    assert len(watcher.seqs()) == 4, watcher.seqs()

    cluster.redis.start()
    for url in (a, b):
        wait_until(lambda url=url: health(url)[1]["status"] == "ok", "health is ok again")
    # Events resume across processes once B's and A's listeners have resubscribed
    # (python-socketio retries with backoff: 1 s, 2 s, 4 s ...).
    deadline = time.monotonic() + 30
    for n in itertools.count(7):  # each bid from the next provider: nobody undercuts itself
        latest = bid_through(b, n)
        time.sleep(0.5)
        if any(f["bid"]["id"] == latest for f in watcher.events["bid_placed"]):
            break
        assert time.monotonic() < deadline, "bids through B never reached A's watcher after Redis came back"

    # The watcher notices the gap in seq and recovers it with join_auction {since_seq}.
    seen = sorted(set(watcher.seqs()))
    first_gap = next(s for s, t in itertools.pairwise(seen) if t != s + 1)
    answer = watcher.join(auction_id, since_seq=first_gap)
    recovered = {event["seq"] for event in answer["missed"]}
    last_seq = answer["auction"]["last_seq"]
    assert set(range(first_gap + 1, last_seq + 1)) <= recovered | set(seen)
    assert not answer["gap_too_large"]
    assert_bid_ledger(auction_id, accepted)
    assert len(accepted) >= 8


def test_redis_down_at_start_the_app_starts_serves_and_says_degraded(app: Any, database_url: str) -> None:
    """R11: no crash loop when the message queue is not there yet."""
    require_tools(database_url)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = {"SOCKETIO_MESSAGE_QUEUE": nowhere, "RATELIMIT_ENABLED": "false", "GUNICORN_ACCESSLOG": "/dev/null"}
    with GunicornServer(database_url, env=env) as server:
        status, body = health(server.url)
        customer = sign_up(server.url, "asha", provider=False)
        provider = sign_up(server.url, "ravi", provider=True)
        auction_id = open_auction(server.url, customer)
        placed = place_bid(server.url, provider, auction_id, Decimal(1500))
        assert server.running

    assert (status, body) == (200, {"status": "degraded", "database": "ok", "message_queue": "down", "mail": "file"})
    assert placed.status_code == 201, placed.text
    assert_bid_ledger(auction_id, {placed.json()["bid"]["id"]})


# --------------------------------------------------------------------------- R6, R12


@dataclass
class Answer:
    server: str
    at: float
    status: int | None
    bid_id: int | None


def test_a_sigkilled_process_leaves_no_partial_rows_and_the_other_keeps_serving(cluster: Cluster, watchers) -> None:
    a, b = cluster.a.url, cluster.b.url
    customer = sign_up(a, "asha", provider=False)
    tokens = [sign_up(b, f"prov{i:02d}", provider=True) for i in range(10)]
    auction_id = open_auction(b, customer)
    # A client through nginx (ip_hash sends all of loopback to one process) that reconnects.
    roaming = watchers(cluster.nginx.url, reconnection=True)
    roaming.join(auction_id)
    victim = cluster.a if upstream_of_nginx(cluster) == cluster.a.port else cluster.b
    survivor = cluster.b if victim is cluster.a else cluster.a

    answers: list[Answer] = []
    lock = threading.Lock()
    stop = threading.Event()
    killed_at: list[float] = []

    def load(thread: int) -> None:
        server = (a, b)[thread % 2]
        seen_lowest = Decimal(2001)
        with requests.Session() as session:
            session.headers.update(bearer(tokens[thread]))
            for step in range(40):
                if stop.is_set():
                    return
                amount = seen_lowest - 1 - Decimal("0.50") * ((thread + step) % 2)
                try:
                    r = session.post(
                        f"{server}/api/auctions/{auction_id}/bids",
                        json={"amount": float(amount), "description": "Two people, own tools, done in a day."},
                        timeout=TIMEOUT,
                    )
                except requests.RequestException:
                    with lock:
                        answers.append(Answer(server, time.monotonic(), None, None))
                    time.sleep(0.1)
                    continue
                body = r.json()
                with lock:
                    answers.append(Answer(server, time.monotonic(), r.status_code, (body.get("bid") or {}).get("id")))
                lowest = (body.get("auction") or {}).get("lowest_bid") or (body.get("details") or {}).get("lowest_bid")
                if lowest is not None:
                    seen_lowest = min(seen_lowest, Decimal(str(lowest)))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    wait_until(lambda: sum(x.status == 201 for x in answers) >= 10, "the load is under way")
    os.kill(victim.worker_pid(), signal.SIGKILL)  # gunicorn's master starts a new worker
    killed_at.append(time.monotonic())
    for t in threads:
        t.join(timeout=120)
    stop.set()
    assert not any(t.is_alive() for t in threads)

    from_survivor = [x for x in answers if x.server == survivor.url]
    assert all(x.status in (201, 409) for x in from_survivor), [x for x in from_survivor if x.status not in (201, 409)]
    assert any(x.status == 201 and x.at > killed_at[0] for x in from_survivor), "the survivor stopped taking bids"
    assert all(x.status in (None, 201, 409, 502, 503) for x in answers)
    # No partial rows: every bid is whole, counters and event log agree (a bid committed
    # just before the kill may have lost its answer: it is stored, with its event).
    accepted = {x.bid_id for x in answers if x.status == 201 and x.bid_id is not None}
    assert_bid_ledger(auction_id, accepted, exact=False)

    # The client through nginx was cut off with the killed process, reconnected through
    # nginx, and resyncs everything it missed with since_seq.
    roaming.wait_connects(2)
    seen = set(roaming.seqs())
    answer = roaming.join(auction_id, since_seq=0)
    assert {e["seq"] for e in answer["missed"]} | seen >= set(range(1, answer["auction"]["last_seq"] + 1))
    db.session.commit()
    assert db.session.scalar(select(Auction.bid_count).where(Auction.id == auction_id)) == len(
        db.session.scalars(select(Bid.id).where(Bid.auction_id == auction_id)).all()
    )


def upstream_of_nginx(cluster: Cluster) -> int:
    """The gunicorn port that nginx's worker is connected to (ip_hash: one for all of loopback).

    Read from /proc: the worker's socket inodes, matched against established TCP connections."""
    assert cluster.nginx.process is not None
    master = cluster.nginx.process.pid
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    inodes = set()
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd) if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = {cluster.a.port, cluster.b.port}
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port, state, inode = int(fields[2].split(":")[1], 16), fields[3], fields[9]
        if state == "01" and remote_port in ports and inode in inodes:
            found.add(remote_port)
    assert len(found) == 1, f"expected nginx on one upstream, found connections to {found}"
    return found.pop()


# --------------------------------------------------------------------------- R7


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port (as the postgres OS user when root)."""

    def __init__(self) -> None:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        self.bin = Path(candidates[-1]).parent if candidates else None
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bb-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *args], capture_output=True, text=True, check=check, timeout=60)

    def init(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )
        return self

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    if pg.bin is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) to run a private cluster")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses root")
    try:
        yield pg.init()
    finally:
        pg.destroy()


def test_postgres_restart_gives_503_with_retry_after_and_recovers_without_an_app_restart(
    private_postgres: PrivatePostgres,
) -> None:
    from app import create_app
    from bidbazaar.config import TestConfig
    from bidbazaar.seed import seed_categories

    pg = private_postgres
    schema_app = create_app(TestConfig(pg.url))
    with schema_app.app_context():
        db.create_all()
        seed_categories()
        db.engine.dispose()

    with GunicornServer(pg.url, env={"RATELIMIT_ENABLED": "false", "CLOSE_SWEEP_SECONDS": "1"}) as server:
        customer = sign_up(server.url, "asha", provider=False)
        providers = [sign_up(server.url, f"prov{i}", provider=True) for i in range(2)]
        with schema_app.app_context():
            auction_id = open_auction(server.url, customer)

        answers: list[requests.Response] = []
        failures: list[str] = []
        stop = threading.Event()

        def load() -> None:
            amount = Decimal(2000)
            for n in range(2000):  # bounded; stopped long before
                if stop.is_set():
                    return
                try:
                    r = place_bid(server.url, providers[n % 2], auction_id, amount - 1)
                except requests.RequestException as exc:
                    failures.append(f"the server stopped answering: {exc!r}")
                    return
                answers.append(r)
                if r.status_code == 201:
                    amount -= 1
                time.sleep(0.02)

        loader = threading.Thread(target=load)
        loader.start()
        wait_until(lambda: sum(r.status_code == 201 for r in answers) >= 5, "bids are flowing")
        pg.stop()
        outage_health = health(server.url)
        wait_until(lambda: any(r.status_code == 503 for r in answers), "a bid meets the outage")
        time.sleep(1)
        pg.start()
        before_recovery = len(answers)
        wait_until(
            lambda: sum(r.status_code == 201 for r in answers[before_recovery:]) >= 5, "bids are accepted again", 30
        )
        stop.set()
        loader.join(timeout=30)
        assert not loader.is_alive()
        recovered_health = health(server.url)
        stderr = server.stderr_text()

    assert not failures, failures
    assert outage_health[0] == 503 and outage_health[1]["database"] == "down", outage_health
    assert recovered_health == (
        200,
        {"status": "ok", "database": "ok", "message_queue": "not_configured", "mail": "file"},
    )
    statuses = {r.status_code for r in answers}
    assert statuses <= {201, 409, 503}, statuses
    for r in answers:
        if r.status_code == 503:
            assert r.json()["code"] == "SERVICE_UNAVAILABLE", r.text
            assert r.headers.get("Retry-After"), r.headers
            assert "Traceback" not in r.text and "psycopg" not in r.text.lower()
    assert "unhandled error" not in stderr, stderr[-4000:]  # no request became a 500
    accepted = {r.json()["bid"]["id"] for r in answers if r.status_code == 201}
    engine = create_engine(pg.url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            stored = set(conn.scalars(text("SELECT id FROM bids WHERE auction_id = :a"), {"a": auction_id}))
    finally:
        engine.dispose()
    assert accepted <= stored, f"bids answered 201 but not stored: {accepted - stored}"
