"""Figures 4 and 5 of issue 7: Socket.IO fan-out and idle connections.

Figure 4 (fan-out): watchers join one auction's room on `/auctions`; a bidder places bids
over REST; each watcher stamps `bid_placed` on arrival with `time.monotonic()` (one
system-wide clock on Linux, so the driver processes and the bidder agree) and the delay
is counted from the bid's 201 reaching the bidder. Server CPU per delivered message is
the gunicorn worker's utime+stime over the bids on the watched auction, minus the same
number of bids, equally spaced, on an auction nobody watches (same sockets connected),
divided by the messages delivered. Figure 5 (connections): idle sockets connected to
`/auctions` and answering pings; the worker's RSS delta per connection, its CPU while
they idle, and trivial-JSON throughput with and without them.

The driver is a lean Engine.IO v4 / Socket.IO v5 client written here on asyncio
(`python -m bench.sockets watch ...`, several processes pinned to the load core), not
python-socketio's AsyncClient: that one needs aiohttp, which is not a dependency, and it
spends ~10x the client CPU per message, so at 1,000 watchers on one core the driver,
not the server, would set the time to the last watcher. The lean client speaks the real
protocol: the WebSocket upgrade, Engine.IO open, `40/auctions,` connect, `join_auction`
with an acknowledgement, and `3` for every `2` ping.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from bench import load
from bench.data import ROOT
from bench.server import TRIVIAL_PATH, Server, pinned
from devtools.processes import REDIS_SERVER, PrivateRedis, worker_pid

if TYPE_CHECKING:
    from bench.data import Fixtures

NAMESPACE = "/auctions"
EVENT_PREFIX = b"42/auctions,"
CLIENT = (
    "lean asyncio Engine.IO v4 / Socket.IO v5 client (bench/sockets.py): WebSocket transport, "
    "`40/auctions,` connect, `join_auction` with ack, pings answered"
)
CLOCK = "time.monotonic() (CLOCK_MONOTONIC, system-wide on Linux)"
#: Clients per driver process; every process is pinned to the load core.
PER_PROCESS = 500
IDLE_PER_PROCESS = 5000
CONNECT_BATCH = 100
CONNECT_TIMEOUT = 30.0


# --------------------------------------------------------------------------- the client


class Connection(asyncio.Protocol):
    """One Socket.IO client over a raw WebSocket: just enough protocol to be honest, and cheap.

    Arrivals are stamped when the bytes reach `data_received` and parsed only at the end,
    so the driver's per-message work between arrival and stamp is a few microseconds.
    """

    def __init__(self, host: str, auction: int | None) -> None:
        self.host = host
        self.auction = auction
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.closed = False
        self.pings = 0
        self.arrivals: list[tuple[float, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(f"connection lost: {exc!r}")

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))

    def send(self, text: bytes) -> None:
        """A masked text frame. The all-zero masking key leaves the payload as it is: the
        server must accept any key, and the bench needs no protection from proxies."""
        n = len(text)
        header = bytes((0x81, 0x80 | n)) if n < 126 else bytes((0x81, 0xFE)) + n.to_bytes(2, "big")
        assert self.transport is not None
        self.transport.write(header + b"\0\0\0\0" + text)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self._fail(bytes(buf[:200]).decode(errors="replace"))
                assert self.transport is not None
                self.transport.close()
                return
            del buf[: end + 4]
            self.upgraded = True
        while len(buf) >= 2:
            size, offset = buf[1] & 0x7F, 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, offset = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, offset = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < offset + size:
                return
            opcode = buf[0] & 0x0F
            payload = bytes(buf[offset : offset + size])
            del buf[: offset + size]
            if opcode == 1:
                self._message(payload, now)
            elif opcode == 9:  # WebSocket ping: pong with the same payload
                assert self.transport is not None
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            elif opcode == 8:
                self.closed = True
                assert self.transport is not None
                self.transport.close()

    def _message(self, text: bytes, now: float) -> None:
        if text == b"2":  # Engine.IO ping
            self.pings += 1
            self.send(b"3")
        elif text.startswith(EVENT_PREFIX):
            self.arrivals.append((now, text))
        elif text.startswith(b"0{"):  # Engine.IO open: connect to the namespace, anonymously
            self.send(b"40" + NAMESPACE.encode() + b",")
        elif text.startswith(b"40" + NAMESPACE.encode()):
            if self.auction is None:
                self.ready.set_result(None)
            else:
                join = json.dumps(["join_auction", {"auction_id": self.auction}], separators=(",", ":"))
                self.send(b"42" + NAMESPACE.encode() + b",1" + join.encode())
        elif text.startswith(b"43" + NAMESPACE.encode() + b",1"):
            answer = json.loads(text[len(NAMESPACE) + 4 :])
            if answer and answer[0].get("ok"):
                self.ready.set_result(None)
            else:
                self._fail(f"join_auction refused: {answer}")
        elif text.startswith(b"44" + NAMESPACE.encode()):
            self._fail(f"connect refused: {text[:200]!r}")
        elif text == b"1":
            self.closed = True

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()


def raise_nofile() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit: one descriptor per socket, thousands of them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _open(target: tuple[str, int], auction: int | None) -> Connection:
    loop = asyncio.get_running_loop()
    host, port = target
    _, conn = await asyncio.wait_for(
        loop.create_connection(lambda: Connection(f"{host}:{port}", auction), host, port), CONNECT_TIMEOUT
    )
    try:
        await asyncio.wait_for(conn.ready, CONNECT_TIMEOUT)
    except BaseException:
        conn.close()
        raise
    return conn


async def _watch(targets: list[tuple[str, int]], count: int, auction: int | None, batch: int) -> None:
    """The driver process: connect in batches (no connect storm), report, wait, report again."""
    raise_nofile()
    started = time.monotonic()
    conns: list[Connection] = []
    errors: list[str] = []
    for start in range(0, count, batch):
        opened = await asyncio.gather(
            *(_open(targets[i % len(targets)], auction) for i in range(start, min(count, start + batch))),
            return_exceptions=True,
        )
        for item in opened:
            if isinstance(item, Connection):
                conns.append(item)
            elif len(errors) < 5:
                errors.append(repr(item))
    ready = {"connected": len(conns), "failed": count - len(conns), "seconds": time.monotonic() - started}
    print("READY " + json.dumps({**ready, "errors": errors}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    arrivals: dict[str, list[float]] = {}
    for conn in conns:
        for stamp, text in conn.arrivals:
            name, payload = json.loads(text[len(EVENT_PREFIX) :])[:2]
            if name == "bid_placed":
                arrivals.setdefault(str(payload["bid"]["id"]), []).append(stamp)
    alive = sum(not c.closed for c in conns)
    pings = sum(c.pings for c in conns)
    for conn in conns:
        conn.close()
    print("RESULT " + json.dumps({**ready, "alive": alive, "pings": pings, "arrivals": arrivals}), flush=True)


class Watchers:
    """Driver processes on the load core, `per_process` clients each, split over targets."""

    def __init__(self, urls: list[str], count: int, auction: int | None, core: str | None, per_process: int) -> None:
        self._log = tempfile.NamedTemporaryFile(prefix="bb-bench-watchers-", suffix=".log", delete=False)  # noqa: SIM115
        targets = ",".join(urlparse(u).netloc for u in urls)
        self.procs: list[subprocess.Popen[str]] = []
        for start in range(0, count, per_process):
            n = min(per_process, count - start)
            command = [sys.executable, "-m", "bench.sockets", "watch", targets, str(n), "--batch", str(CONNECT_BATCH)]
            if auction is not None:
                command += ["--auction", str(auction)]
            self.procs.append(
                subprocess.Popen(
                    pinned(command, core),
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self._log,
                    text=True,
                )
            )
        self.ready: dict[str, Any] = {"connected": 0, "failed": 0, "seconds": 0.0, "errors": []}

    def _line(self, proc: subprocess.Popen[str], tag: str) -> dict[str, Any]:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(tag + " "):
                return json.loads(line[len(tag) + 1 :])
        raise RuntimeError(f"a driver process exited ({proc.wait()}): {Path(self._log.name).read_text()[-2000:]}")

    def wait_ready(self) -> dict[str, Any]:
        for proc in self.procs:
            row = self._line(proc, "READY")
            self.ready["connected"] += row["connected"]
            self.ready["failed"] += row["failed"]
            self.ready["seconds"] = max(self.ready["seconds"], row["seconds"])
            self.ready["errors"] += row["errors"][: 5 - len(self.ready["errors"])]
        return self.ready

    def stop(self) -> dict[str, Any]:
        """Every arrival by bid id, the sockets still open, the pings answered."""
        merged: dict[str, Any] = {"alive": 0, "pings": 0, "arrivals": {}}
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write("STOP\n")
            proc.stdin.flush()
        for proc in self.procs:
            row = self._line(proc, "RESULT")
            merged["alive"] += row["alive"]
            merged["pings"] += row["pings"]
            for bid, stamps in row["arrivals"].items():
                merged["arrivals"].setdefault(bid, []).extend(stamps)
            proc.wait(timeout=30)
        return merged

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)


# --------------------------------------------------------------------------- /proc readings


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, from /proc/<pid>/stat."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- the bidder


class Bidder:
    """Bids over REST on one auction, each 1 below the last, by the providers in turn."""

    def __init__(self, base_url: str, tokens: list[str], auction: int) -> None:
        parsed = urlparse(base_url)
        self.http = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.tokens = tokens
        self.auction = auction
        self.count = 0
        status, body = self._request("GET", f"/api/auctions/{auction}", None, {})
        if status != 200:
            raise RuntimeError(f"GET /api/auctions/{auction}: {status} {body}")
        row = body.get("auction", body)
        self.amount = int(float(row.get("lowest_bid") or row["budget_max"]))

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
        for attempt in range(3):
            try:
                self.http.request(method, path, body=body, headers=headers)
                response = self.http.getresponse()
                return response.status, json.loads(response.read() or b"null")
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                # Seen rarely right after a connect storm of thousands of sockets: try again
                # on a new connection rather than lose the whole case.
                self.http.close()
                if attempt == 2:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def bid(self) -> tuple[float, float, str]:
        """(sent, 201 received, bid id), both times by time.monotonic()."""
        self.amount -= 1
        token = self.tokens[self.count % len(self.tokens)]
        self.count += 1
        body = json.dumps({"amount": self.amount, "description": "bench bid"}).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        sent = time.monotonic()
        status, answer = self._request("POST", f"/api/auctions/{self.auction}/bids", body, headers)
        received = time.monotonic()
        if status != 201:
            raise RuntimeError(f"bid on auction {self.auction}: {status} {answer}")
        return sent, received, str(answer["bid"]["id"])

    def close(self) -> None:
        self.http.close()


# --------------------------------------------------------------------------- figure 4


@dataclass
class FanoutRun:
    label: str
    servers: int
    watchers: int
    joined: int
    bids: int
    spacing_s: float
    delivered: int = 0
    expected: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    last_p50_ms: float = 0.0
    last_p99_ms: float = 0.0
    last_max_ms: float = 0.0
    last_from_sent_p50_ms: float = 0.0
    last_from_sent_p99_ms: float = 0.0
    bid_p50_ms: float = 0.0
    cpu_watched_s: float = 0.0
    cpu_baseline_s: float = 0.0
    cpu_us_per_message: float = 0.0
    driver_us_per_message: float = 0.0
    connect_seconds: float = 0.0
    alive_at_end: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def delivery_pct(self) -> float:
        return 100.0 * self.delivered / self.expected if self.expected else 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _bid_phase(bidder: Bidder, bids: int, spacing: float, settle: float) -> list[tuple[float, float, str]]:
    sent = []
    for _ in range(bids):
        sent.append(bidder.bid())
        time.sleep(spacing)
    time.sleep(settle)  # the last deliveries; the baseline phase waits as long
    return sent


def fanout(
    servers: list[Server],
    fx: Fixtures,
    auctions: tuple[int, int],
    watchers: int,
    bids: int,
    load_core: str | None,
    label: str | None = None,
) -> FanoutRun:
    """`watchers` split over `servers` (already started) join `auctions[0]`; bids on
    `auctions[1]` (nobody watching) first, then as many on `auctions[0]`."""
    watched, unwatched = auctions
    spacing = max(0.15, watchers * 1e-4)
    label = label or f"{watchers:,} watchers, {len(servers)} process{'es' if len(servers) > 1 else ''}"
    run = FanoutRun(label, len(servers), watchers, 0, bids, spacing)
    print(f"[sockets] fan-out: {label}", flush=True)
    workers = [worker_pid(s.process.pid) for s in servers if s.process is not None]
    crowd = Watchers([s.url for s in servers], watchers, watched, load_core, PER_PROCESS)
    affinity = os.sched_getaffinity(0)
    try:
        ready = crowd.wait_ready()
        run.joined, run.connect_seconds, run.errors = ready["connected"], ready["seconds"], ready["errors"]
        if run.joined == 0:
            raise RuntimeError(f"no watcher joined: {run.errors}")
        time.sleep(1.0)
        if load_core is not None:  # the bidder stamps 201s on the load core, as the watchers do
            os.sched_setaffinity(0, {int(load_core)})
        settle = 1.0 + watchers * 2e-4
        baseline = Bidder(servers[0].url, fx.provider_tokens, unwatched)
        before = cpu_seconds(workers)
        _bid_phase(baseline, bids, spacing, settle)
        run.cpu_baseline_s = cpu_seconds(workers) - before
        baseline.close()
        bidder = Bidder(servers[0].url, fx.provider_tokens, watched)
        before, driver_before = cpu_seconds(workers), cpu_seconds(crowd.pids())
        sent = _bid_phase(bidder, bids, spacing, settle)
        run.cpu_watched_s = cpu_seconds(workers) - before
        driver_s = cpu_seconds(crowd.pids()) - driver_before
        bidder.close()
        os.sched_setaffinity(0, affinity)
        result = crowd.stop()
    finally:
        os.sched_setaffinity(0, affinity)
        crowd.kill()
    run.alive_at_end = result["alive"]
    delays: list[float] = []
    lasts: list[float] = []
    lasts_from_sent: list[float] = []
    for posted, received, bid in sent:
        stamps = result["arrivals"].get(bid, [])
        run.delivered += len(stamps)
        if stamps:
            delays += [(t - received) * 1000 for t in stamps]
            lasts.append((max(stamps) - received) * 1000)
            lasts_from_sent.append((max(stamps) - posted) * 1000)
    run.expected = run.joined * bids
    run.p50_ms, run.p99_ms = _percentile(delays, 50), _percentile(delays, 99)
    run.last_p50_ms, run.last_p99_ms = _percentile(lasts, 50), _percentile(lasts, 99)
    run.last_max_ms = max(lasts, default=0.0)
    run.last_from_sent_p50_ms = _percentile(lasts_from_sent, 50)
    run.last_from_sent_p99_ms = _percentile(lasts_from_sent, 99)
    run.bid_p50_ms = statistics.median((r - s) * 1000 for s, r, _ in sent) if sent else 0.0
    if run.delivered:
        run.cpu_us_per_message = (run.cpu_watched_s - run.cpu_baseline_s) / run.delivered * 1e6
        run.driver_us_per_message = driver_s / run.delivered * 1e6
    return run


# --------------------------------------------------------------------------- figure 5


@dataclass
class IdleRun:
    asked: int
    connected: int = 0
    alive_at_end: int = 0
    connect_seconds: float = 0.0
    worker_connections: int = 0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    kb_per_connection: float = 0.0
    idle_seconds: float = 0.0
    idle_cpu_pct_without: float = 0.0
    idle_cpu_pct: float = 0.0
    pings_answered: int = 0
    trivial_without: load.Run | None = None
    trivial_with: load.Run | None = None
    trivial_after: load.Run | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def without_rps(self) -> float:
        """Trivial JSON with no sockets: the mean of before connecting and after they closed,
        so one noisy run on this shared machine does not make the ratio."""
        runs = [r.rps for r in (self.trivial_without, self.trivial_after) if r is not None]
        return sum(runs) / len(runs) if runs else 0.0

    @property
    def throughput_ratio(self) -> float:
        if self.trivial_with and self.without_rps:
            return self.trivial_with.rps / self.without_rps
        return 0.0


def idle(server: Server, count: int, seconds: float, wrk: load.Wrk, load_core: str | None) -> IdleRun:
    """`count` idle sockets on one server process: memory, idle CPU, trivial JSON beside them."""
    print(f"[sockets] {count:,} idle connections", flush=True)
    run = IdleRun(count, worker_connections=int(server.env.get("GUNICORN_WORKER_CONNECTIONS", "10000")))
    assert server.process is not None
    worker = worker_pid(server.process.pid)
    run.trivial_without = wrk.get("trivial JSON, no sockets", TRIVIAL_PATH, 16)
    time.sleep(1.0)
    before = cpu_seconds([worker])
    time.sleep(seconds)
    run.idle_cpu_pct_without = (cpu_seconds([worker]) - before) / seconds * 100
    run.rss_before_kb = rss_kb(worker)
    crowd = Watchers([server.url], count, None, load_core, IDLE_PER_PROCESS)
    try:
        ready = crowd.wait_ready()
        run.connected, run.connect_seconds, run.errors = ready["connected"], ready["seconds"], ready["errors"]
        time.sleep(3.0)  # the last handshakes' garbage, before reading RSS
        run.rss_after_kb = rss_kb(worker)
        run.kb_per_connection = (run.rss_after_kb - run.rss_before_kb) / run.connected if run.connected else 0.0
        before = cpu_seconds([worker])
        time.sleep(seconds)
        run.idle_seconds = seconds
        run.idle_cpu_pct = (cpu_seconds([worker]) - before) / seconds * 100
        run.trivial_with = wrk.get(f"trivial JSON, {run.connected:,} sockets", TRIVIAL_PATH, 16)
        result = crowd.stop()
        run.alive_at_end, run.pings_answered = result["alive"], result["pings"]
    finally:
        crowd.kill()
    time.sleep(2.0)  # the server notices the closed sockets
    run.trivial_after = wrk.get("trivial JSON, sockets closed", TRIVIAL_PATH, 16)
    return run


# --------------------------------------------------------------------------- the figures together


@dataclass
class SocketsResult:
    client: str = CLIENT
    clock: str = CLOCK
    fanout: list[FanoutRun] = field(default_factory=list)
    #: Figure 4's ceiling: the same watchers and bids on a bare Flask-SocketIO app.
    ceiling: FanoutRun | None = None
    idle: IdleRun | None = None
    notes: list[str] = field(default_factory=list)
    tracebacks: int = 0
    failures: list[str] = field(default_factory=list)


def run(
    database_url: str, fx: Fixtures, args: argparse.Namespace, cores: tuple[str | None, str | None]
) -> SocketsResult:
    """Figures 4 and 5 on fresh servers of their own (the HTTP figures' server is stopped).

    A case that fails is recorded in `failures` (a harness problem) and the others still run.
    """
    raise_nofile()  # inherited by the servers and the drivers
    server_core, load_core = cores
    result = SocketsResult()
    small, big, bids, idle_count, idle_seconds = (20, 40, 5, 100, 1.0) if args.smoke else (1000, 4000, 40, 10_000, 15.0)
    # Auctions nobody else bids on from here on: two per case (watched, unwatched).
    spare = list(reversed(fx.spread_auctions))

    def attempt(what: str, case: Callable[[], None]) -> None:
        try:
            case()
        except Exception as exc:  # keep the other cases' figures
            where = "".join(traceback.format_exception(exc, limit=-3)).strip().replace("\n", " ")
            result.failures.append(f"{what}: {where}"[:2000])

    def ceiling_case() -> None:
        with Server(database_url, server_core, app="bench.bare_socketio:app") as bare:
            result.ceiling = fanout(
                [bare], fx, (1, 2), small, bids, load_core, label=f"bare Flask-SocketIO app, {small:,} watchers"
            )

    attempt("fan-out ceiling (bare app)", ceiling_case)
    server = Server(database_url, server_core)
    # 10,000 sockets plus wrk's 16 connections: above the config's 10,000 default, which
    # would hold wrk's connections back until a socket closes.
    server.env["GUNICORN_WORKER_CONNECTIONS"] = str(idle_count + 1000)
    with server:
        wrk = load.Wrk(server.url, load_core, args.duration, args.warmup)

        def idle_case() -> None:
            result.idle = idle(server, idle_count, idle_seconds, wrk, load_core)

        attempt("idle connections", idle_case)  # first: the RSS of a fresh worker
        for n, count in enumerate((small, big)):
            pair = (spare[2 * n], spare[2 * n + 1])
            attempt(
                f"fan-out {count}",
                lambda c=count, a=pair: result.fanout.append(fanout([server], fx, a, c, bids, load_core)),
            )
    result.tracebacks += server.stderr_text().count("Traceback")
    if REDIS_SERVER is None:
        result.notes.append("Two processes through Redis not measured: redis-server is not installed.")
        return result
    with PrivateRedis() as redis:
        pair = [Server(database_url, server_core), Server(database_url, server_core)]
        for server in pair:
            server.env["SOCKETIO_MESSAGE_QUEUE"] = redis.url
        try:
            for server in pair:
                server.start()
            attempt(
                f"fan-out {big}, two processes",
                lambda: result.fanout.append(fanout(pair, fx, (spare[4], spare[5]), big, bids, load_core)),
            )
        finally:
            for server in pair:
                server.stop()
                result.tracebacks += server.stderr_text().count("Traceback")
    result.notes.append(
        "Two processes: both gunicorn processes pinned to the server core (the machine has two cores, "
        "the other is the driver's), SOCKETIO_MESSAGE_QUEUE on a private redis-server (as figure 6's), "
        "watchers alternating between them, bids to the first. One process: no message queue."
    )
    return result


def problems(kind: str, result: SocketsResult | None) -> list[str]:
    """What makes the harness fail: a driver that could not connect or heard nothing (not a missed goal)."""
    if result is None:
        return []
    found = []
    for run in result.fanout:
        if run.joined == 0 or run.delivered == 0:
            found.append(f"{kind}: fan-out {run.label}: {run.joined} joined, {run.delivered} delivered {run.errors}")
    if result.idle is not None and result.idle.connected == 0:
        found.append(f"{kind}: no idle connection held {result.idle.errors}")
    if result.tracebacks:
        found.append(f"{kind}: {result.tracebacks} tracebacks in the Socket.IO servers' logs")
    found += [f"{kind}: figures 4/5: {failure}" for failure in result.failures]
    return found


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report_lines(result: SocketsResult | None) -> list[str]:
    """Sections 4 and 5 of RESULTS.md for one database."""
    if result is None:
        return []
    out = [
        "",
        "### 4. Fan-out: a REST bid's `bid_placed` at every watcher of its room",
        "",
        f"Driver: {result.client}; several driver processes pinned to the load core. Clock: {result.clock}. "
        "Each watcher's delay runs from the bid's 201 reaching the bidder (on the load core) to the "
        "frame reaching the watcher: negative when the message beat the 201 (the app emits after "
        "the commit, before the response is written). *Last* is the slowest watcher of each bid. "
        "Server CPU per message: the gunicorn worker's utime+stime (/proc) over the bids on the "
        "watched auction, minus the same number of bids, spaced alike, on an auction nobody watches "
        "(the same sockets connected), divided by the messages delivered. The ceiling, measured "
        "first on the same core: the same watchers and bids on `bench/bare_socketio.py`, a bare "
        "Flask-SocketIO app on the same worker (a room join and an emit, nothing else). Goals: 100 % delivery; "
        "≤ 40 µs server CPU per delivered message (the issue's bare Flask-SocketIO figure); last "
        "watcher p99 < 100 ms at 1,000; two processes through Redis p99 ≤ 0.75× one process at 4,000.",
        "",
        "| case | joined | bids, spacing | delivered | p50 ms | p99 ms | last p50 ms | last p99 ms | "
        "last max ms | last p99 from POST sent ms | POST p50 ms | server CPU µs/msg | driver CPU µs/msg |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for run in [*([result.ceiling] if result.ceiling else []), *result.fanout]:
        out.append(
            f"| {run.label} | {run.joined:,} | {run.bids}, {run.spacing_s * 1000:.0f} ms | "
            f"{run.delivered:,} ({run.delivery_pct:.2f} %) | {run.p50_ms:.1f} | {run.p99_ms:.1f} | "
            f"{run.last_p50_ms:.1f} | {run.last_p99_ms:.1f} | {run.last_max_ms:.1f} | "
            f"{run.last_from_sent_p99_ms:.1f} | {run.bid_p50_ms:.1f} | {run.cpu_us_per_message:.1f} | "
            f"{run.driver_us_per_message:.1f} |"
        )
    one = [r for r in result.fanout if r.servers == 1]
    at_1k = next((r for r in one if r.watchers == 1000), one[0] if one else None)
    big_one = next((r for r in one if r.watchers == max(x.watchers for x in one)), None) if one else None
    two = next((r for r in result.fanout if r.servers == 2), None)
    out += ["", "| goal | ceiling | value | verdict |", "| --- | --- | --- | --- |"]
    if result.fanout:
        worst = min(result.fanout, key=lambda r: r.delivery_pct)
        out.append(
            f"| 100 % delivery, every case | 100 % | {worst.delivery_pct:.2f} % ({worst.label}) | "
            f"{_verdict(all(r.delivered == r.expected for r in result.fanout))} |"
        )
    bare = result.ceiling
    if at_1k:
        cpu_ceiling = f"bare app {bare.cpu_us_per_message:.1f} µs, this run" if bare else "bare app ~40 µs (issue 7)"
        last_ceiling = f"bare app {bare.last_p99_ms:.1f} ms, this run" if bare else "bare app ~40 ms (issue 7)"
        out.append(
            f"| ≤ 40 µs server CPU per message ({at_1k.label}) | {cpu_ceiling} | "
            f"{at_1k.cpu_us_per_message:.1f} µs | {_verdict(0 < at_1k.cpu_us_per_message <= 40)} |"
        )
        out.append(
            f"| last watcher p99 < 100 ms ({at_1k.label}) | {last_ceiling} | "
            f"{at_1k.last_p99_ms:.1f} ms | {_verdict(at_1k.last_p99_ms < 100)} |"
        )
    if two and big_one:
        ratio = two.p99_ms / big_one.p99_ms if big_one.p99_ms > 0 else 0.0
        out.append(
            f"| two processes p99 ≤ 0.75× one ({two.watchers:,} watchers) | one process p99 "
            f"{big_one.p99_ms:.1f} ms | {two.p99_ms:.1f} ms = {ratio:.2f}× (last watcher: "
            f"{two.last_p99_ms:.1f} vs {big_one.last_p99_ms:.1f} ms) | {_verdict(0 < ratio <= 0.75)} |"
        )
    out += ["", *(f"- {note}" for note in result.notes)]
    out += [f"- **Failed**: {failure}" for failure in result.failures]
    run = result.idle
    if run is None:
        return out
    without, with_, after = run.trivial_without, run.trivial_with, run.trivial_after
    out += [
        "",
        f"### 5. Connections: {run.asked:,} idle Socket.IO connections on one process",
        "",
        f"Driver: the same lean client, connected to `/auctions` and answering pings; {run.connected:,} "
        f"connected in {run.connect_seconds:.1f} s, {run.alive_at_end:,} still open at the end, "
        f"{run.pings_answered:,} pings answered. The server ran with GUNICORN_WORKER_CONNECTIONS="
        f"{run.worker_connections:,} (the config's 10,000 leaves no room for wrk beside 10,000 sockets). "
        "Memory: the worker's VmRSS after connecting (and 3 s to settle) minus before, per connection. "
        f"Idle CPU: the worker's utime+stime over {run.idle_seconds:g} s. Throughput: "
        "`GET /__bench/trivial`, wrk c=16, with every socket connected against the mean of before "
        "connecting and after they closed. "
        "Goals: ≤ 50 KB per connection; idle CPU ≤ 5 %; trivial JSON with them ≥ 0.9× without.",
        "",
        "| goal | ceiling | value | verdict |",
        "| --- | --- | --- | --- |",
        f"| ≤ 50 KB per connection | - | {run.kb_per_connection:.1f} KB ({run.rss_before_kb / 1024:.0f} → "
        f"{run.rss_after_kb / 1024:.0f} MiB) | {_verdict(0 < run.kb_per_connection <= 50)} |",
        f"| idle CPU ≤ 5 % | {run.idle_cpu_pct_without:.1f} % with no sockets | {run.idle_cpu_pct:.1f} % | "
        f"{_verdict(run.idle_cpu_pct <= 5)} |",
    ]
    if without and with_:
        out.append(
            f"| trivial JSON ≥ 0.9× without (c=16) | {run.without_rps:,.0f} req/s (before {without.rps:,.0f}, "
            f"p99 {without.p99_ms:.1f} ms; after {after.rps if after else 0:,.0f}) | "
            f"{with_.rps:,.0f} req/s = {run.throughput_ratio:.2f}×, p99 {with_.p99_ms:.1f} ms | "
            f"{_verdict(run.throughput_ratio >= 0.9)} |"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sockets", description="a driver process (internal)")
    sub = parser.add_subparsers(dest="command", required=True)
    watch = sub.add_parser("watch", help="hold N Socket.IO clients until a line on stdin")
    watch.add_argument("targets", help="host:port[,host:port...]; clients alternate between them")
    watch.add_argument("count", type=int)
    watch.add_argument("--auction", type=int, help="join this auction's room (else stay idle)")
    watch.add_argument("--batch", type=int, default=CONNECT_BATCH)
    args = parser.parse_args(argv)
    targets = [(t.rsplit(":", 1)[0], int(t.rsplit(":", 1)[1])) for t in args.targets.split(",")]
    asyncio.run(_watch(targets, args.count, args.auction, args.batch))


if __name__ == "__main__":
    main()
