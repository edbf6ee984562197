"""Where a request's time goes, and what a change saved: `python -m bench.profile`.

Two tools for the "then make it fast" part of issue 7, both on a small seeded database
(the costs profiled here do not grow with the catalogue; the indexes that keep it so are
measured by figure 1's size curve):

* ``py-spy``: the gunicorn worker of the production configuration, sampled by py-spy while
  wrk drives one case; writes ``bench/profiles/<db>-<case>.txt`` (the hottest frames, own
  and cumulative).
* ``cpu``: CPU microseconds per request, measured in-process with the Flask test client
  (``time.process_time``, best of three), for the checkout and, with ``--rev``, for another
  commit in a temporary git worktree against the same database. CPU time per request
  hardly moves with other load on the machine, so a before/after table holds on a busy
  2-core box where req/s swing by 2x.

    python -m bench.profile py-spy --db sqlite --case listing
    python -m bench.profile cpu --db postgresql --rev e0ba9f0
    python -m bench.profile py-spy --db mysql --case bid
    python -m bench.profile memory --connections 2000   # figure 5: where a socket's memory goes
    python -m bench.profile py-spy --db postgresql --case bid --peer drf   # the DRF peer's worker instead
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import data, load, sockets
from bench import peer as peer_bench
from bench.server import TRIVIAL_PATH, Server, cores
from devtools.processes import worker_pid

OUT = Path(__file__).resolve().parent / "profiles"
CASES = ("trivial", "health", "listing", "page200", "detail", "signed_in_detail", "bid")
PG_PROFILE_DATABASE = "bb_profile"  # never bb_bench: a full run may be using it
MY_PROFILE_DATABASE = "bb_profile_my"  # never bb_bench_my, for the same reason
MY_PEER_PROFILE_DATABASE = "bb_profile_drf"  # never bb_bench_drf


def seeded(kind: str, auctions: int, workdir: Path) -> tuple[str, data.Fixtures]:
    """A fresh small database with the bench fixtures."""
    data.PG_DATABASE = PG_PROFILE_DATABASE
    data.MY_DATABASE = MY_PROFILE_DATABASE
    url = data.database_url(kind, workdir)
    data.recreate(kind)
    data.seed(url, auctions)
    fixtures = data.add_fixtures(data.make_app(url))
    data.analyze(kind)
    return url, fixtures


def _path(case: str, fx: data.Fixtures) -> str:
    return {
        "trivial": TRIVIAL_PATH,
        "health": "/api/health",
        "listing": "/api/auctions",
        "page200": "/api/auctions?page=200",
        "detail": f"/api/auctions/{fx.detail_auction}",
    }[case]


def summarise(raw: Path, top: int = 25) -> str:
    """py-spy's raw (collapsed) stacks as two tables: own time and cumulative time."""
    own: collections.Counter[str] = collections.Counter()
    cumulative: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            cumulative[frame] += samples
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"{n / total * 100:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "cumulative time:"]
    lines += [f"{n / total * 100:5.1f}%  {frame}" for frame, n in cumulative.most_common(top * 3)]
    return "\n".join(lines) + "\n"


def py_spy(
    kind: str, case: str, url: str, fx: data.Fixtures, seconds: float, peer: tuple[str, Server, list[str]] | None = None
) -> Path:
    """The worker's hottest frames while wrk drives `case`: Bid Bazaar's worker, or with
    `peer` (name, its server not yet started, its tokens) the peer's."""
    OUT.mkdir(exist_ok=True)
    server_core, load_core = cores()
    name, server, tokens = peer if peer else ("", Server(url, server_core), fx.provider_tokens)
    if peer:
        server.core = server_core
    prefix = f"{kind}-{name}-" if name else f"{kind}-"
    with server:
        assert server.process is not None
        worker = worker_pid(server.process.pid)
        wrk = load.Wrk(server.url, load_core, seconds, 1.0)
        raw = OUT / f"{prefix}{case}.raw"
        duration = str(int(seconds + wrk.warmup) + 1)
        spy = subprocess.Popen(
            ["py-spy", "record", "-p", str(worker), "-d", duration, "-r", "250", "-f", "raw", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # py-spy attaches before the load starts
        if case == "bid":
            run = wrk.bids("hot auction", [fx.hot_auction], tokens, int(data.HOT_BUDGET), 64)
        else:
            run = wrk.get(case, _path(case, fx), 16)
        spy.wait(timeout=120)
    header = f"{kind} {name + ' ' if name else ''}{case}: {run.requests / run.seconds:.0f} req/s at c={run.connections}, p99 {run.p99_ms} ms\n"
    text = OUT / f"{prefix}{case}.txt"
    text.write_text(header + summarise(raw))
    raw.unlink()
    return text


def memory(kind: str, url: str, connections: int) -> Path:
    """Where an idle Socket.IO connection's memory goes: worker RSS per connection beside
    tracemalloc's Python allocations per connection (by line) and the greenlets alive."""
    OUT.mkdir(exist_ok=True)
    server_core, load_core = cores()
    os.environ.update({"PYTHONTRACEMALLOC": "1", "BENCH_TRACEMALLOC": "1"})
    try:
        server = Server(url, server_core)
    finally:
        del os.environ["PYTHONTRACEMALLOC"], os.environ["BENCH_TRACEMALLOC"]
    memory_url = server.url + TRIVIAL_PATH.replace("trivial", "memory")
    with server:
        assert server.process is not None
        worker = worker_pid(server.process.pid)
        _get_json(memory_url + "?mark=1")
        rss_before = sockets.rss_kb(worker)
        crowd = sockets.Watchers([server.url], connections, None, load_core, sockets.IDLE_PER_PROCESS)
        try:
            connected = crowd.wait_ready()["connected"]
            time.sleep(3.0)
            rss_after = sockets.rss_kb(worker)
            grown = _get_json(memory_url)
        finally:
            crowd.kill()
    per = max(connected, 1)
    lines = [
        f"{kind}: {connected:,} idle Socket.IO connections on one worker (tracemalloc on, which adds to RSS)",
        f"worker RSS: {rss_before:,} -> {rss_after:,} KB = {(rss_after - rss_before) / per:.1f} KB per connection",
        f"Python allocations (tracemalloc): {grown['traced_bytes'] / 1024:,.0f} KB "
        f"= {grown['traced_bytes'] / 1024 / per:.1f} KB per connection",
        "",
        "grown since before connecting, by line (KB, objects, where):",
        *(f"{size / 1024:8.1f} {count:7d}  {where}" for size, count, where in grown["top"]),
        "",
        "greenlets alive, by task (the rest of a connection's memory is outside Python's",
        "allocator: each greenlet's saved C stack, and per-socket buffers):",
        *(f"{count:7d}  {task}" for task, count in grown["greenlets"]),
    ]
    path = OUT / f"{kind}-idle-memory.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


CPU_SCRIPT = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.update(json.loads(sys.argv[1]))
from app import create_app
try:
    from bidbazaar.config import Config
except ImportError:  # --rev before the bidbazaar package (issue 12): config.py was top-level
    from config import Config
from flask import jsonify
app = create_app(Config())
app.add_url_rule("/__bench/trivial", "bench_trivial", lambda: jsonify({"ok": True}))
client = app.test_client()
spec = json.loads(sys.argv[2])
results = {}
for case, request in spec["cases"].items():
    if case == "bid":
        tokens, auctions, amount, salt = request["tokens"], request["auctions"], request["start"], request["salt"]
        counter = iter(range(10**9))
        def call():
            global amount
            n = next(counter)
            amount -= 1
            return client.post(f"/api/auctions/{auctions[n % len(auctions)]}/bids",
                        json={"amount": amount, "description": "bench bid"},
                        headers={"Authorization": "Bearer " + tokens[(n + salt) % len(tokens)]})
    elif isinstance(request, dict):  # a signed-in GET
        call = lambda request=request: client.get(request["path"], headers={"Authorization": "Bearer " + request["token"]})
    else:
        call = lambda request=request: client.get(request)
    statuses = {call().status_code for _ in range(20)}
    if statuses - {200, 201}:
        raise SystemExit(f"{case}: answered {statuses}")
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(spec["requests"]):
            call()
        best = min(best, (time.process_time() - started) / spec["requests"] * 1e6)
    results[case] = round(best)
print(json.dumps(results))
"""


def cpu_per_request(code: Path, url: str, fx: data.Fixtures, requests: int, run: int) -> dict[str, int]:
    """CPU µs per request for each case, with the code checked out at `code`; `run` numbers
    the runs on one database, so a later run's bids undercut an earlier run's and never
    come from the provider who already holds the lowest bid."""
    spec = {
        "requests": requests,
        "cases": {
            **{case: _path(case, fx) for case in CASES if case not in ("bid", "signed_in_detail")},
            # A provider who bid on it: its own tier, built per request (no cache).
            "signed_in_detail": {"path": _path("detail", fx), "token": fx.provider_tokens[0]},
            # Spread over 1,000 auctions: every bid is accepted (no lost races to count).
            "bid": {
                "tokens": fx.provider_tokens,
                "auctions": fx.spread_auctions,
                "start": int(data.HOT_BUDGET) - 1 - run * 1_000_000,
                "salt": run,
            },
        },
    }
    env = {**data.BENCH_ENV, "DATABASE_URL": url, "LISTING_TOTAL_TTL_SECONDS": "5"}
    done = subprocess.run(
        [sys.executable, "-c", CPU_SCRIPT, json.dumps(env), json.dumps(spec)],
        cwd=code,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {code} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu(kind: str, url: str, fx: data.Fixtures, rev: str | None, requests: int) -> str:
    """A markdown table: CPU µs per request now (and at `rev`), side by side."""
    columns = {"this checkout": cpu_per_request(data.ROOT, url, fx, requests, run=0)}
    if rev:
        with tempfile.TemporaryDirectory(prefix="bb-rev-") as tree:
            subprocess.run(["git", "worktree", "add", "--detach", tree, rev], cwd=data.ROOT, check=True)
            try:
                columns[rev] = cpu_per_request(Path(tree), url, fx, requests, run=1)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=data.ROOT, check=False)
        columns = {rev: columns[rev], "this checkout": columns["this checkout"]}
    names = list(columns)
    lines = [f"| case ({kind}) | " + " | ".join(f"{n} µs" for n in names) + (" | after / before |" if rev else " |")]
    lines.append("| --- | " + " | ".join("--:" for _ in names) + (" | --: |" if rev else " |"))
    for case in CASES:
        row = [str(columns[n][case]) for n in names]
        ratio = f" | {columns['this checkout'][case] / columns[rev][case]:.2f}" if rev else ""
        lines.append(f"| {case} | " + " | ".join(row) + ratio + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("tool", choices=("py-spy", "cpu", "memory"))
    parser.add_argument("--db", choices=data.KINDS, default="sqlite")
    parser.add_argument("--case", choices=(*CASES, "all"), default="all", help="py-spy: what to drive")
    parser.add_argument("--auctions", type=int, default=2000, help="seed-demo size (default 2000)")
    parser.add_argument("--seconds", type=float, default=8.0, help="py-spy: seconds of load per case")
    parser.add_argument("--rev", help="cpu: also measure this commit, in a temporary worktree")
    parser.add_argument("--requests", type=int, default=300, help="cpu: requests per case and repeat")
    parser.add_argument("--connections", type=int, default=2000, help="memory: idle sockets to open")
    parser.add_argument(
        "--peer", choices=peer_bench.PEERS, help="py-spy: profile this peer's worker (sync) on a copy of the data"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bb-profile-"))
    try:
        url, fx = seeded(args.db, args.auctions, workdir)
        if args.tool == "cpu":
            print(cpu(args.db, url, fx, args.rev, args.requests), end="")
            return 0
        if args.tool == "memory":
            print(f"wrote {memory(args.db, url, args.connections)}", flush=True)
            return 0
        peer = None
        if args.peer:
            target = peer_bench.database(args.db, workdir, mysql_database=MY_PEER_PROFILE_DATABASE)
            report, _ = peer_bench.copy(target)
            worker = next(iter(peer_bench.WORKERS.values()))
            peer = (args.peer, peer_bench.PeerServer(target, None, worker), report["tokens"])
        for case in CASES if args.case == "all" else (args.case,):
            print(f"wrote {py_spy(args.db, case, url, fx, args.seconds, peer)}", flush=True)
    finally:
        for path in [*workdir.glob("bench.db*"), *workdir.glob("peer.db*")]:
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
