"""Scale-out on loopback: two gunicorn processes (gunicorn.conf.py, wsgi.py) sharing
PostgreSQL, and live events through a Redis message queue, behind nginx running the
shipped deploy/nginx.conf.

Needs PostgreSQL (TEST_DATABASE_URL: the PostgreSQL pass of .ci/run), redis-server and
nginx (.ci/install-nginx). Redis is a private redis-server on a free port: pub/sub
channels are global to a Redis server, so a shared one would mix our events with any
other run's. Waits are bounded polls; nothing sleeps to let time pass except the short
grace periods that prove an event did NOT arrive twice.
"""

from __future__ import annotations

import itertools
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as socketio_client
from conftest import PASSWORD, auction_payload
from live_server import ROOT, LiveServer, free_port, stop_process
from socket_client import Watcher
from sqlalchemy import func, make_url, select, update

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, AuctionStatus, Bid, utcnow

DECREMENT = Decimal("1.00")
TIMEOUT = 20
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server")

# nginx runs with a throwaway self-signed certificate.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def require_tools(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("scale-out needs PostgreSQL: set TEST_DATABASE_URL (the PostgreSQL pass of .ci/run does)")
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed")
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed: run .ci/install-nginx")


# --------------------------------------------------------------------------- processes


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting until {what}"
        time.sleep(0.05)


class RedisServer:
    """A private, non-persistent redis-server on a free loopback port; stop() and start()
    again keep the port, like a restarted Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, "redis-server answers", 10)
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        stop_process(self.process)


class GunicornServer(LiveServer):
    """The production command, `gunicorn -c gunicorn.conf.py wsgi:app`, on a free port."""

    def command(self) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        return [gunicorn, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}", "wsgi:app"]

    def worker_pid(self) -> int:
        """The one worker of this gunicorn master (the process that serves)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])


class Nginx:
    """nginx in the foreground with a private prefix, running deploy/nginx.conf with the
    upstream ports, listen ports, certificate and SPA root swapped for loopback ones."""

    def __init__(self, upstream_ports: list[int]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bb-nginx-"))
        self.dir.chmod(0o755)  # workers drop to an unprivileged user when run as root
        self.https_port, self.http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        spa = self.dir / "spa"
        spa.mkdir()
        (spa / "index.html").write_text("<!doctype html><title>Bid Bazaar SPA</title>")
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
                *("-keyout", str(self.dir / "key.pem"), "-out", str(self.dir / "cert.pem")),
            ],
            check=True,
            capture_output=True,
        )
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        servers = iter(upstream_ports)
        site = re.sub(r"server 127\.0\.0\.1:\d+", lambda _m: f"server 127.0.0.1:{next(servers)}", site)
        site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)
        site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{self.https_port} ssl")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.http_port};")
        site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {self.dir / 'cert.pem'};", site)
        site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {self.dir / 'key.pem'};", site)
        site = site.replace("root /srv/bidbazaar/spa;", f"root {spa};")
        (self.dir / "bidbazaar.conf").write_text(site)
        temp_paths = "\n".join(
            f"    {kind}_temp_path {self.dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.dir / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {self.dir / "nginx.pid"};
error_log {self.dir / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.dir / "access.log"};
{temp_paths}
    include {self.dir / "bidbazaar.conf"};
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                return requests.get(f"{self.url}/api/health", verify=False, timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, "nginx proxies /api/health", 10)
        return self

    def stop(self) -> None:
        stop_process(self.process, signal.SIGQUIT)
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    def __init__(self, redis: RedisServer, a: GunicornServer, b: GunicornServer, nginx: Nginx) -> None:
        self.redis, self.a, self.b, self.nginx = redis, a, b, nginx

    @property
    def servers(self) -> list[GunicornServer]:
        return [self.a, self.b]


def server_env(redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "CLOSE_SWEEP_SECONDS": "0.5",
        "SNIPE_WINDOW_SECONDS": "0",
        "RATELIMIT_ENABLED": "false",
        "TRUSTED_PROXIES": "1",  # nginx in front, as in production
        "GUNICORN_ACCESSLOG": "/dev/null",
        "GUNICORN_LOGLEVEL": "warning",
        **extra,
    }


def start_cluster(database_url: str, **extra_env: str) -> Iterator[Cluster]:
    """Redis, two gunicorn processes and nginx; everything stopped afterwards."""
    redis = RedisServer().start()
    started: list[Any] = [redis]
    try:
        env = server_env(redis.url, **extra_env)
        a = GunicornServer(database_url, env=env).start()
        started.append(a)
        b = GunicornServer(database_url, env=env).start()
        started.append(b)
        nginx = Nginx([a.port, b.port]).start()
        started.append(nginx)
        yield Cluster(redis, a, b, nginx)
    finally:
        for process in reversed(started):
            process.stop()


def assert_no_tracebacks(*servers: LiveServer) -> None:
    for server in servers:
        stderr = server.stderr_text()
        assert "Traceback" not in stderr, stderr[-4000:]


# --------------------------------------------------------------------------- clients


@pytest.fixture
def watchers() -> Iterator[Callable[..., Watcher]]:
    opened: list[Watcher] = []

    def connect(url: str, token: str | None = None, transports: list[str] | None = None, **kwargs: Any) -> Watcher:
        watcher = Watcher(url, token, transports, **kwargs)
        opened.append(watcher)
        return watcher

    yield connect
    for watcher in opened:
        watcher.close()


def sign_up(base_url: str, username: str, provider: bool) -> str:
    """Register and log in over HTTP; returns a bearer token."""
    account = {"username": username, "password": PASSWORD}
    profile = {**account, "email": f"{username}@example.com", "is_service_provider": provider}
    r = requests.post(f"{base_url}/api/auth/register", json=profile, timeout=TIMEOUT, verify=False)
    assert r.status_code == 201, r.text
    r = requests.post(f"{base_url}/api/auth/login", json=account, timeout=TIMEOUT, verify=False)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_auction(base_url: str, token: str, **fields: Any) -> int:
    r = requests.post(
        f"{base_url}/api/auctions", json=auction_payload(**fields), headers=bearer(token), timeout=TIMEOUT
    )
    assert r.status_code == 201, r.text
    return r.json()["auction"]["id"]


def place_bid(base_url: str, token: str, auction_id: int, amount: Decimal, **kwargs: Any) -> requests.Response:
    return requests.post(
        f"{base_url}/api/auctions/{auction_id}/bids",
        json={"amount": float(amount), "description": "Two people, own tools, done in a day."},
        headers=bearer(token),
        timeout=TIMEOUT,
        **kwargs,
    )


def assert_bid_ledger(auction_id: int, accepted_ids: set[int], exact: bool = True) -> list[Bid]:
    """In the database: bids strictly decrease by the decrement in id order, and the
    auction's counters and event log agree with them. Every 201 is stored; with
    exact=False there may be more (a bid committed by a process killed before it answered)."""
    db.session.commit()  # a fresh snapshot
    bids = db.session.scalars(select(Bid).where(Bid.auction_id == auction_id).order_by(Bid.id)).all()
    if exact:
        assert {b.id for b in bids} == accepted_ids
    else:
        assert accepted_ids <= {b.id for b in bids}
    for earlier, later in itertools.pairwise(bids):
        assert later.amount <= earlier.amount - DECREMENT, (earlier.id, earlier.amount, later.id, later.amount)
    auction = db.session.get(Auction, auction_id, populate_existing=True)
    assert auction.bid_count == len(bids)
    assert auction.bidder_count == len({b.user_id for b in bids})
    if bids:
        assert auction.lowest_bid == bids[-1].amount
    events = db.session.scalars(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq)
    ).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "gap or duplicate in the event seq"
    assert auction.event_seq == len(events)
    assert [e.payload["bid"]["id"] for e in events if e.type == "bid_placed"] == [b.id for b in bids]
    return bids


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
    assert health == {"status": "ok", "database": "ok", "message_queue": "ok"}
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
    # Every watcher, whichever process it is on, sees every bid, in commit order.
    for watcher in (watcher_a, watcher_b):
        frames = watcher.wait_for("bid_placed", len(bids))
        assert [f["bid"]["id"] for f in frames] == [b.id for b in bids]


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
