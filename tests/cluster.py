"""A production-shaped cluster on loopback for the scale-out and fault tests: a private
Redis, two gunicorn processes (gunicorn.conf.py, wsgi.py) on one database, and nginx
running the shipped deploy/nginx.conf in front; plus the HTTP client steps that drive it
and the check of a bid ledger in the database.

Needs a database server that two processes can share, PostgreSQL or MySQL/MariaDB
(TEST_DATABASE_URL: the PostgreSQL and MariaDB passes of .ci/run), redis-server and nginx
(.ci/install-nginx). Waits are bounded polls.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers import PASSWORD, auction_payload
from live_server import GunicornServer, LiveServer
from sqlalchemy import make_url, select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid
from devtools.processes import (
    NGINX,
    REDIS_SERVER,
    ROOT,
    PrivateRedis,
    free_port,
    nginx_main_config,
    nginx_prefix,
    start_nginx,
    stop_nginx,
    wait_until,
)

DECREMENT = Decimal("1.00")
TIMEOUT = 20
#: The databases a cluster can share (SQLite is one file on one machine: not scale-out).
SERVER_DATABASES = ("postgresql", "mysql", "mariadb")


def require_tools(database_url: str) -> None:
    """Skip unless a shared database server (PostgreSQL, MySQL or MariaDB), redis-server
    and nginx are all here."""
    if make_url(database_url).get_backend_name() not in SERVER_DATABASES:
        pytest.skip("scale-out needs PostgreSQL, MySQL or MariaDB: set TEST_DATABASE_URL (.ci/run's passes on them do)")
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed")
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed: run .ci/install-nginx")


# --------------------------------------------------------------------------- processes


class Nginx:
    """nginx in the foreground with a private prefix, running deploy/nginx.conf with the
    upstream ports, listen ports, certificate and SPA root swapped for loopback ones."""

    def __init__(self, upstream_ports: list[int]) -> None:
        self.dir = nginx_prefix("bb-nginx-")
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
        # 1024 (nginx's usual default): the tests open a few dozen connections at most.
        main = nginx_main_config(
            self.dir,
            self.dir / "bidbazaar.conf",
            worker_connections=1024,
            http_directives=f"access_log {self.dir / 'access.log'};",
        )
        (self.dir / "nginx.conf").write_text(main)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        try:
            self.process = start_nginx(self.dir)
        except RuntimeError as exc:
            raise AssertionError(str(exc)) from exc

        def up() -> bool:
            try:
                return requests.get(f"{self.url}/api/health", verify=False, timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, "nginx proxies /api/health", 10)
        return self

    def stop(self) -> None:
        stop_nginx(self.process, self.dir)


class Cluster:
    """The running pieces: Redis, gunicorn processes A and B, and nginx in front."""

    def __init__(self, redis: PrivateRedis, a: GunicornServer, b: GunicornServer, nginx: Nginx) -> None:
        self.redis, self.a, self.b, self.nginx = redis, a, b, nginx

    @property
    def servers(self) -> list[GunicornServer]:
        return [self.a, self.b]


def server_env(redis_url: str, **extra: str) -> dict[str, str]:
    """Both processes' settings: the message queue, a fast sweeper, nginx trusted as proxy."""
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
    redis = PrivateRedis().start()
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
    """No server logged a traceback."""
    for server in servers:
        stderr = server.stderr_text()
        assert "Traceback" not in stderr, stderr[-4000:]


# --------------------------------------------------------------------------- clients


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
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}


def open_auction(base_url: str, token: str, **fields: Any) -> int:
    """Create an auction over HTTP (auction_payload with `fields`); returns its id."""
    r = requests.post(
        f"{base_url}/api/auctions", json=auction_payload(**fields), headers=bearer(token), timeout=TIMEOUT
    )
    assert r.status_code == 201, r.text
    return r.json()["auction"]["id"]


def place_bid(base_url: str, token: str, auction_id: int, amount: Decimal, **kwargs: Any) -> requests.Response:
    """POST one bid over HTTP; returns the answer, whatever it is."""
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
