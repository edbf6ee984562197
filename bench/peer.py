"""Issue 20: Bid Bazaar beside the implementation a Python team would otherwise build.

The peer is a conventional Django REST Framework project (bench/peers/drf/, its README says
how it is written) serving the same four endpoints from the same data: after seed-demo and
the fixtures, its `copy_from_bidbazaar` command copies Bid Bazaar's users, categories,
auctions and bids into its own tables (PostgreSQL: schema `drf` of the bench database;
MySQL/MariaDB: database `bb_bench_drf`; SQLite: a file of its own) and proves the copy
with a checksum over every auction's fields and bid counts on both sides.

Then, on the server core, Bid Bazaar and the peer under gunicorn's sync worker and under
gthread (what a Django team runs in production) take the same wrk scripts in turn: for
each case and concurrency, round 1 in the order Bid Bazaar, sync, gthread and round 2 in
the reverse order, so drift in the machine's load falls on every side alike. Each bid run
gets a fresh hot auction on each side (a row per peer worker: they share the peer's
database), and the invariant is checked in SQL on both sides afterwards. CPU per request
is the server's own (gunicorn master and worker, from /proc) over the measured run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from bench import data, load
from bench.server import TRIVIAL_PATH, Server

if TYPE_CHECKING:
    import argparse

    from flask import Flask

PEERS = ("drf",)
PEER_DIR = data.ROOT / "bench" / "peers" / "drf"
PG_SCHEMA = "drf"
MY_DATABASE = "bb_bench_drf"
BIDBAZAAR = "Bid Bazaar"
#: gunicorn's default worker, and the one a Django team runs in production (threads overlap
#: the database round trips; Django's connections are per thread).
WORKERS = {
    "DRF (sync)": ["--worker-class", "sync"],
    "DRF (gthread, 4 threads)": ["--worker-class", "gthread", "--threads", "4"],
}
ROUNDS = 2
LISTING = "default listing (page 1)"
DETAIL = "detail, 50 of 1,000 bids"
TRIVIAL = "trivial JSON (bench route)"
BIDS = "hot auction, accepted bids"


@dataclass
class Measured:
    """One wrk run against one side, with the server's CPU over it."""

    side: str
    round: int
    cpu_seconds: float
    run: load.Run


@dataclass
class PeerResult:
    peer: str
    where: str
    copy_seconds: float
    auctions: int
    bids: int
    checksum_bidbazaar: str
    checksum_peer: str
    measured: list[Measured] = field(default_factory=list)
    invariants: dict[str, dict] = field(default_factory=dict)
    #: Per side: tracebacks, "database is locked", lock waits and deadlocks in the server's log.
    log_problems: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class PeerDatabase:
    """Where the peer's tables live for one bench database, and how to reach them."""

    kind: str
    django_url: str
    sqlalchemy_url: str
    source: str
    env: dict[str, str]
    where: str
    table_prefix: str = ""


def database(kind: str, workdir: Path, mysql_database: str = MY_DATABASE) -> PeerDatabase:
    """The peer's database beside Bid Bazaar's bench database of this kind (PostgreSQL: the
    database data.PG_DATABASE names at the time of the call)."""
    if kind == "sqlite":
        path = workdir / "peer.db"
        url = f"sqlite:///{path}"
        return PeerDatabase(kind, url, url, str(workdir / "bench.db"), {}, f"SQLite file {path.name}")
    if kind == "mysql":
        base = f"{data.MY_USER}@{data.MY_HOST}:{data.MY_PORT}/{mysql_database}"
        return PeerDatabase(
            kind, f"mysql://{base}", f"mysql+pymysql://{base}", data.MY_DATABASE, {}, f"database `{mysql_database}`"
        )
    base = f"{data.PG_USER}@{data.PG_HOST}:5432/{data.PG_DATABASE}"
    return PeerDatabase(
        kind,
        f"postgresql://{base}",
        f"postgresql+psycopg://{base}",
        "public",
        {"PEER_PG_SCHEMA": PG_SCHEMA},
        f"schema `{PG_SCHEMA}` of `{data.PG_DATABASE}`",
        table_prefix=f"{PG_SCHEMA}.",
    )


def _peer_env(target: PeerDatabase) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "FLASK_"))}
    env.update(target.env)
    env.update({"PEER_DATABASE_URL": target.django_url, "DJANGO_SETTINGS_MODULE": "peer_site.settings"})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _manage(target: PeerDatabase, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PEER_DIR,
        env=_peer_env(target),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def copy(target: PeerDatabase) -> tuple[dict, float]:
    """A fresh peer database holding exactly Bid Bazaar's rows; the copy's report and seconds."""
    name = target.django_url.rsplit("/", 1)[1]  # the database (MySQL: the peer's own)
    if target.kind == "sqlite":
        Path(target.django_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    elif target.kind == "mysql":
        data.mysql_statements(
            f"DROP DATABASE IF EXISTS `{name}`",
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        )
    else:
        statement = f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; CREATE SCHEMA {PG_SCHEMA}"
        subprocess.run(
            ["psql", "-q", "-h", data.PG_HOST, "-U", data.PG_USER, "-d", name, "-c", statement],
            check=True,
        )
    started = time.monotonic()
    _manage(target, "migrate", "--noinput")
    providers = ",".join(f"benchprovider{i}" for i in range(1, data.BIDDERS + 1))
    out = _manage(target, "copy_from_bidbazaar", "--source", target.source, "--token-users", providers)
    report = json.loads(out.strip().splitlines()[-1])
    return report, time.monotonic() - started


class PeerServer(Server):
    """The peer under gunicorn, one worker, pinned like Bid Bazaar's server."""

    def __init__(self, target: PeerDatabase, core: str | None, worker: list[str]) -> None:
        super().__init__(target.django_url, core)
        self.env = _peer_env(target)
        self.cwd = PEER_DIR
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.command = [str(gunicorn), "--workers", "1", *worker, "--bind", f"127.0.0.1:{self.port}"]
        # An access log line per request to stdout (a file here), as Bid Bazaar's gunicorn.conf.py writes.
        self.command += ["--access-logfile", "-", "--no-control-socket", "peer_site.wsgi:application"]
        self.kind = f"gunicorn {' '.join(worker)}, 1 worker"


PEER_INVARIANT_SQL = """
WITH ladder AS (
    SELECT amount, LAG(amount) OVER (ORDER BY id) AS previous
    FROM {bid} WHERE auction_id = :auction AND status = 'active'
)
SELECT
    (SELECT COUNT(*) FROM ladder WHERE previous IS NOT NULL AND amount > previous - :decrement) AS not_lower,
    (SELECT COUNT(*) FROM {bid} WHERE auction_id = :auction) AS bids,
    (SELECT MIN(amount) FROM {bid} WHERE auction_id = :auction AND status = 'active') AS lowest,
    a.bid_count, a.lowest_bid
FROM {auction} a WHERE a.id = :auction
"""


def check_peer_invariant(target: PeerDatabase, auction_ids: list[int]) -> dict[int, dict]:
    """The peer's side of the hot-auction invariant, in SQL like Bid Bazaar's (it keeps no
    event log, so there is no event count to compare)."""
    from sqlalchemy import create_engine, text

    sql = text(
        PEER_INVARIANT_SQL.format(bid=f"{target.table_prefix}peer_bid", auction=f"{target.table_prefix}peer_auction")
    )
    engine = create_engine(target.sqlalchemy_url)
    found = {}
    try:
        with engine.connect() as connection:
            for auction_id in auction_ids:
                row = dict(connection.execute(sql, {"auction": auction_id, "decrement": 1}).mappings().one())
                lowest = Decimal(str(row["lowest"])) if row["lowest"] is not None else None
                stored = Decimal(str(row["lowest_bid"])) if row["lowest_bid"] is not None else None
                row["ok"] = row["not_lower"] == 0 and row["bids"] == row["bid_count"] and lowest == stored
                found[auction_id] = row
    finally:
        engine.dispose()
    return found


def _log_problems(text: str) -> dict[str, int]:
    messages = ("Traceback", "database is locked", "Deadlock found", "Lock wait timeout exceeded")
    return {message: text.count(message) for message in messages}


def run(
    name: str,
    url: str,
    app: Flask,
    fx: data.Fixtures,
    target: PeerDatabase,
    copied: tuple[dict, float],
    args: argparse.Namespace,
    cores: tuple[str | None, str | None],
    levels: tuple[int, ...],
) -> PeerResult:
    """The paired, rotated runs of every case at every level, then the invariants."""
    report, seconds = copied
    result = PeerResult(
        peer=name,
        where=target.where,
        copy_seconds=round(seconds, 1),
        auctions=report["auctions"],
        bids=report["bids"],
        checksum_bidbazaar=report["checksum_bidbazaar"],
        checksum_peer=report["checksum_peer"],
    )
    server_core, load_core = cores
    servers: list[tuple[str, Server, list[str]]] = []
    used: dict[str, list[int]] = {BIDBAZAAR: [], name: []}  # the hot auctions bid on, per database
    try:
        bidbazaar = Server(url, server_core).start()
        servers.append((BIDBAZAAR, bidbazaar, fx.provider_tokens))
        for label, worker in WORKERS.items():
            servers.append((label, PeerServer(target, server_core, worker).start(), report["tokens"]))
        gets = [(TRIVIAL, TRIVIAL_PATH), (LISTING, "/api/auctions"), (DETAIL, f"/api/auctions/{fx.detail_auction}")]
        hot = iter(fx.peer_hot_auctions)
        for c in levels:
            for label, path in gets:
                for rnd in range(1, ROUNDS + 1):
                    for side, server, _ in servers if rnd % 2 else reversed(servers):
                        wrk = load.Wrk(server.url, load_core, args.duration, args.warmup)
                        before = server.cpu_seconds()
                        measured = wrk.get(label, path, c)
                        result.measured.append(Measured(side, rnd, server.cpu_seconds() - before, measured))
            for rnd in range(1, ROUNDS + 1):
                # The two peer workers share one database: each needs a fresh row of its own,
                # or the second would start its ladder above the first one's lowest bid.
                rows = [next(hot) for _ in WORKERS]
                auctions = {BIDBAZAAR: rows[0], **dict(zip(WORKERS, rows, strict=True))}
                used[BIDBAZAAR].append(rows[0])
                used[name] += rows
                for side, server, tokens in servers if rnd % 2 else reversed(servers):
                    wrk = load.Wrk(server.url, load_core, args.duration, args.warmup)
                    before = server.cpu_seconds()
                    measured = wrk.bids(BIDS, [auctions[side]], tokens, int(data.HOT_BUDGET), c)
                    result.measured.append(Measured(side, rnd, server.cpu_seconds() - before, measured))
    finally:
        for side, server, _ in servers:
            server.stop()
            result.log_problems[side] = _log_problems(server.stderr_text())
    for auction_id in used[BIDBAZAAR]:
        row = data.check_invariant(app, auction_id)
        result.invariants[f"{BIDBAZAAR}, auction {auction_id}"] = row
    for auction_id, row in check_peer_invariant(target, used[name]).items():
        result.invariants[f"{name}, auction {auction_id}"] = row
    return result


def problems(kind: str, result: PeerResult | None) -> list[str]:
    """What makes the harness fail: a wrong copy, an error response, a broken ladder."""
    if result is None:
        return []
    found = []
    if result.checksum_bidbazaar != result.checksum_peer:
        found.append(f"{kind}: the peer's copy differs from Bid Bazaar's data (checksums)")
    for m in result.measured:
        run = m.run
        if run.label == BIDS:
            if run.statuses.get("201", 0) == 0 or run.server_errors:
                found.append(f"{kind}: {m.side} {run.label} c={run.connections}: {run.statuses} {run.codes}")
        elif run.requests == 0 or run.unexpected or run.socket_errors:
            found.append(f"{kind}: {m.side} {run.label} c={run.connections}: {run.statuses}")
    for label, row in result.invariants.items():
        if not row.get("ok"):
            found.append(f"{kind}: invariant broken on {label}: {row}")
    for side, counts in result.log_problems.items():
        if counts.get("Traceback"):
            found.append(f"{kind}: {counts['Traceback']} tracebacks in {side}'s log")
    return found


# --------------------------------------------------------------------------- the report


def side_mean(result: PeerResult, side: str, label: str, c: int) -> tuple[float, float, float]:
    """(req/s, accepted/s, CPU µs per request) over both rounds of one side's case."""
    runs = [m for m in result.measured if m.side == side and m.run.label == label and m.run.connections == c]
    if not runs:
        return 0.0, 0.0, 0.0
    requests = sum(m.run.requests for m in runs)
    seconds = sum(m.run.seconds for m in runs)
    accepted = sum(m.run.statuses.get("201", 0) for m in runs)
    cpu = sum(m.cpu_seconds for m in runs)
    return requests / seconds, accepted / seconds, 1e6 * cpu / requests if requests else 0.0


def levels_of(result: PeerResult) -> list[int]:
    return sorted({m.run.connections for m in result.measured})


def peer_sides(result: PeerResult) -> list[str]:
    return [side for side in WORKERS if any(m.side == side for m in result.measured)]


def figures(result: PeerResult) -> dict[str, dict[int, dict[str, float]]]:
    """Per figure and level: Bid Bazaar ÷ the stronger peer worker, both sides' own ratio to
    their trivial route, and CPU per request (for bids: per accepted bid, and the ratio)."""
    out: dict[str, dict[int, dict[str, float]]] = {}
    for label in (LISTING, DETAIL, BIDS):
        out[label] = {}
        for c in levels_of(result):
            ours = side_mean(result, BIDBAZAAR, label, c)
            our_trivial = side_mean(result, BIDBAZAAR, TRIVIAL, c)[0]
            index = 1 if label == BIDS else 0
            best = max(peer_sides(result), key=lambda side: side_mean(result, side, label, c)[index])
            theirs = side_mean(result, best, label, c)
            their_trivial = side_mean(result, best, TRIVIAL, c)[0]
            out[label][c] = {
                "ours": ours[index],
                "peer": theirs[index],
                "ratio": ours[index] / theirs[index] if theirs[index] else 0.0,
                "ours_vs_trivial": ours[index] / our_trivial if our_trivial else 0.0,
                "peer_vs_trivial": theirs[index] / their_trivial if their_trivial else 0.0,
                "ours_cpu_us": ours[2],
                "peer_cpu_us": theirs[2],
                "cpu_ratio": ours[2] / theirs[2] if theirs[2] else 0.0,
                "peer_worker": list(WORKERS).index(best),
            }
    return out


GOALS = (
    (LISTING, "default listing, Bid Bazaar ÷ peer", 3.0),
    (DETAIL, "detail, 50 of 1,000 bids, Bid Bazaar ÷ peer", 3.0),
    (BIDS, "hot auction, accepted bids/s at 64 bidders, Bid Bazaar ÷ peer", 2.0),
)


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2f}×" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}×"


def goal_cells(result: PeerResult) -> list[tuple[str, str]]:
    """(goal, verdict with values) for the side-by-side goals table."""
    table = figures(result)
    cells = []
    for label, text, goal in GOALS:
        rows = table[label]
        if label == BIDS:
            values = [rows[64]["ratio"]] if 64 in rows else [r["ratio"] for r in rows.values()]
        else:
            values = [r["ratio"] for r in rows.values()]
        verdict = "met" if min(values) >= goal else "**missed**"
        cells.append((f"{text} ≥ {goal:g}×", f"{verdict}: {_span(values)}"))
    cpu = [r["cpu_ratio"] for r in table[BIDS].values()]
    at_one = table[BIDS].get(1, {}).get("cpu_ratio", min(cpu))
    cells.append(
        (
            "CPU per accepted bid ≤ 0.5× the peer's",
            f"{'met' if at_one <= 0.5 else '**missed**'}: {at_one:.2f}× at c=1 ({_span(cpu)} over all levels)",
        )
    )
    return cells


def section(result: PeerResult | None) -> list[str]:
    if result is None:
        return []
    sides = [BIDBAZAAR, *peer_sides(result)]
    out = [
        "",
        f"### 9. Beside the {result.peer.upper()} peer (issue 20)",
        "",
        f"The peer's tables: {result.where}; copied from Bid Bazaar's in {result.copy_seconds:g} s "
        f"({result.auctions:,} auctions, {result.bids:,} bids), checksum "
        + (
            f"`{result.checksum_peer[:12]}` on both sides."
            if result.checksum_peer == result.checksum_bidbazaar
            else "**different** on the two sides."
        ),
        f"Each side measured twice per case (round 1 in the order {', '.join(sides)}; round 2 reversed); "
        "req/s is the mean over both rounds. Bids: accepted bids/s on a fresh hot auction per side and round. "
        "CPU µs: the server's processes (user + system, /proc) per request; for bids per request too "
        "(at c=1 every request is an accepted bid).",
        "",
        "| case | c | "
        + " | ".join(f"{side} req/s" for side in sides)
        + " | "
        + " | ".join(f"{side} CPU µs" for side in sides)
        + " |",
        "| --- | --: |" + " --: |" * (2 * len(sides)),
    ]
    for c in levels_of(result):
        for label in (TRIVIAL, LISTING, DETAIL, BIDS):
            index = 1 if label == BIDS else 0
            values = [side_mean(result, side, label, c) for side in sides]
            out.append(
                f"| {label} | {c} | "
                + " | ".join(f"{v[index]:,.0f}" for v in values)
                + " | "
                + " | ".join(f"{v[2]:,.0f}" for v in values)
                + " |"
            )
    out += [
        "",
        "Bid Bazaar ÷ peer (the peer's stronger worker class at each case), and each side's ratio to its own "
        "trivial route:",
        "",
        "| figure | c | Bid Bazaar ÷ peer | Bid Bazaar ÷ its trivial | peer ÷ its trivial | "
        "peer worker | CPU µs per request, ours ÷ peer's |",
        "| --- | --: | --: | --: | --: | --- | --: |",
    ]
    for label, rows in figures(result).items():
        for c, row in rows.items():
            out.append(
                f"| {label} | {c} | {row['ratio']:.2f}× | {row['ours_vs_trivial']:.2f}× | "
                f"{row['peer_vs_trivial']:.2f}× | {list(WORKERS)[int(row['peer_worker'])]} | {row['cpu_ratio']:.2f}× |"
            )
    out += ["", "| check | value |", "| --- | --- |"]
    for label, row in result.invariants.items():
        extra = f" ({row.get('bids', 0):,} bids)" if "bids" in row else ""
        out.append(f"| invariant, {label} | {'holds' if row.get('ok') else '**broken**'}{extra} |")
    for side, counts in result.log_problems.items():
        found = ", ".join(f'{n} "{message}"' for message, n in counts.items() if n) or "nothing"
        out.append(f"| {side}'s log | {found} |")
    return [*out, ""]


def summary(results: list) -> list[str]:
    """The goals of issue 20 for every database that ran the peer, side by side."""
    with_peer = [r for r in results if getattr(r, "peer", None) is not None]
    if not with_peer:
        return []
    out = [
        "### Beside the Django REST Framework peer (issue 20)",
        "",
        "| goal | " + " | ".join(r.kind for r in with_peer) + " |",
        "| --- |" + " --- |" * len(with_peer),
    ]
    cells = [dict(goal_cells(r.peer)) for r in with_peer]
    for goal in cells[0]:
        out.append(f"| {goal} | " + " | ".join(c.get(goal, "") for c in cells) + " |")
    out += ["", "Per case, level and worker class: section 9 of each database below.", ""]
    return out
