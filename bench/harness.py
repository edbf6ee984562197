"""`python -m bench`: seed, serve, load, count, report (see bench/README.md)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
import types
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import alerts as job_alerts
from bench import data, load, report, scale, sizes, sockets
from bench import peer as peer_bench
from bench.querycount import QueryCount, count_queries
from bench.server import TRIVIAL_PATH, Server, cores

CONCURRENCY = (1, 16, 64)
SMOKE_CONCURRENCY = (16,)
#: Figure 6's concurrencies (the brief: the listing at 16 and 64 connections).
SCALE_CONCURRENCY = (16, 64)
#: Figure 1's extra catalogue sizes (the main run's own data is the largest point).
SIZES = "1000,10000"
SMOKE_SIZES = "50"
#: `--db` names that stand for several databases, measured one after another in one run.
DB_GROUPS = {"both": ("sqlite", "postgresql"), "all": data.KINDS}
#: What the server's log says when MySQL/MariaDB refused a statement for a lock: deadlocks
#: are retried (database.retried) before they become a 503, lock wait timeouts are a 503.
LOCK_LOG_MESSAGES = ("Deadlock found", "Lock wait timeout exceeded")


@dataclass
class DatabaseResult:
    kind: str
    auctions: int
    bid_rows: int
    seed_seconds: float
    server: str
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ceilings: list[load.Run] = field(default_factory=list)
    ceilings_after: list[load.Run] = field(default_factory=list)
    #: Issue 19: the trivial route of a bare Flask app on the same worker (bench/bare_flask.py).
    bare_flask: list[load.Run] = field(default_factory=list)
    browse: list[load.Run] = field(default_factory=list)
    detail: list[load.Run] = field(default_factory=list)
    bids: list[load.Run] = field(default_factory=list)
    invariants: dict[str, dict] = field(default_factory=dict)
    locked_messages: int = 0
    tracebacks: int = 0
    queries: list[QueryCount] = field(default_factory=list)
    sizes: list[sizes.SizePoint] = field(default_factory=list)
    scale: scale.ScaleResult | None = None
    sockets: sockets.SocketsResult | None = None
    #: The server and driver measured, e.g. "MariaDB 10.11.6 via pymysql".
    database: str = ""
    #: MySQL/MariaDB lock refusals in the server's log, by message (LOCK_LOG_MESSAGES).
    lock_messages: dict[str, int] = field(default_factory=dict)
    #: Figure 8: job alert matching against 10,000 saved searches, POST /api/auctions beside it.
    alerts: job_alerts.AlertsResult | None = None
    #: Issue 20: the same cases beside the Django REST Framework peer, paired and rotated.
    peer: peer_bench.PeerResult | None = None


#: The listing as a signed-in provider sees it: never from the anonymous page cache, so it
#: measures the uncached path (the token lookup included) beside the cached default.
SIGNED_IN_LISTING = "default listing, signed in (uncached)"
#: The detail likewise: anonymous (everyone's, cached per catalogue version) and as a
#: signed-in provider (the bidder's own tier, built per request).
DETAIL = "auction with 1,000 bids"
SIGNED_IN_DETAIL = "auction with 1,000 bids, signed in (uncached)"


def browse_cases(fx: data.Fixtures) -> list[tuple[str, str]]:
    return [
        ("default listing (page 1)", "/api/auctions"),
        (SIGNED_IN_LISTING, "/api/auctions"),
        ("sort=budget_max", "/api/auctions?sort=budget_max"),
        ("sort=deadline", "/api/auctions?sort=deadline"),
        ("sort=lowest_bid", "/api/auctions?sort=lowest_bid"),
        ("sort=bid_count", "/api/auctions?sort=bid_count"),
        ("category with subcategories", f"/api/auctions?category={fx.parent_category}"),
        ("q=plumbing", "/api/auctions?q=plumbing"),
        ("page=200", "/api/auctions?page=200"),
    ]


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> DatabaseResult:
    url = data.database_url(kind, workdir)
    levels = SMOKE_CONCURRENCY if args.smoke else CONCURRENCY
    # Before the main seeding: on PostgreSQL and MySQL every size point recreates the database.
    curve_levels = tuple(c for c in sizes.LEVELS if c in levels)
    curve = sizes.run(kind, args.sizes, workdir, curve_levels, args.duration, args.warmup)
    print(f"[{kind}] fresh database, seed-demo --auctions {args.auctions}", flush=True)
    data.recreate(kind)
    seed_seconds = data.seed(url, args.auctions)
    app = data.make_app(url)
    fx = data.add_fixtures(app)
    with_peer = peer_for(kind, args)
    if with_peer:
        # Copied now, before any figure bids: both sides start from the same rows.
        print(f"[{kind}] the {with_peer} peer: copying the data", flush=True)
        target = peer_bench.database(kind, workdir)
        copied = peer_bench.copy(target)
    data.analyze(kind)  # (the peer's copy command analyzes its own tables)
    totals = data.counts(app)
    print(f"[{kind}] seeded in {seed_seconds:.1f} s: {totals}", flush=True)
    server_core, load_core = cores()
    result = DatabaseResult(kind, totals["auctions"], totals["bids"], seed_seconds, "", os.getloadavg())
    result.sizes = curve
    result.database = data.describe(app)
    print(f"[{kind}] counting SQL statements per GET route", flush=True)
    result.queries = count_queries(app, fx)
    print(f"[{kind}] figure 8: job alerts", flush=True)
    result.alerts = job_alerts.run(app, fx.customer_id, fx.customer_token, args.smoke)
    with Server(url, server_core) as server:
        result.server = server.kind
        wrk = load.Wrk(server.url, load_core, args.duration, args.warmup)

        def ceilings() -> list[load.Run]:
            runs = []
            for c in levels:
                runs.append(wrk.get("trivial JSON (bench route)", TRIVIAL_PATH, c))
                runs.append(wrk.get("GET /api/health (SELECT 1)", "/api/health", c))
            return runs

        print(f"[{kind}] ceilings", flush=True)
        result.ceilings = ceilings()
        with Server(url, server_core, app="bench.bare_flask:app") as bare:  # (the app's server idles meanwhile)
            bare_wrk = load.Wrk(bare.url, load_core, args.duration, args.warmup)
            result.bare_flask = [bare_wrk.get(report.BARE_TRIVIAL, TRIVIAL_PATH, c) for c in levels]
        print(f"[{kind}] browse", flush=True)
        for label, path in browse_cases(fx):
            token = fx.provider_tokens[0] if label == SIGNED_IN_LISTING else None
            for c in levels:
                result.browse.append(wrk.get(label, path, c, token))
        print(f"[{kind}] detail", flush=True)
        for label, token in ((DETAIL, None), (SIGNED_IN_DETAIL, fx.provider_tokens[0])):
            for c in levels:
                result.detail.append(wrk.get(label, f"/api/auctions/{fx.detail_auction}", c, token))
        print(f"[{kind}] bids", flush=True)
        budget = int(data.HOT_BUDGET)
        hot_cases = [
            ("hot auction, 64 bidders", [fx.hot_auction], fx.provider_tokens, 64),
            ("hot auction, 8 bidders", [fx.hot8_auction], fx.provider_tokens[:8], 8),
            ("64 bidders over 1,000 auctions", fx.spread_auctions, fx.provider_tokens, 64),
        ]
        for label, auctions, tokens, c in hot_cases:
            result.bids.append(wrk.bids(label, auctions, tokens, budget, c))
        if not args.smoke:
            print(f"[{kind}] ceilings again", flush=True)
            result.ceilings_after = ceilings()
        stderr = server.stderr_text()
    result.locked_messages = stderr.count("database is locked")
    result.tracebacks = stderr.count("Traceback")
    result.lock_messages = {message: stderr.count(message) for message in LOCK_LOG_MESSAGES}
    for label, auction_id in (("hot, 64 bidders", fx.hot_auction), ("hot, 8 bidders", fx.hot8_auction)):
        result.invariants[label] = data.check_invariant(app, auction_id)
    spread_ok = all(data.check_invariant(app, a)["ok"] for a in fx.spread_auctions[:50])
    result.invariants["spread (first 50 auctions)"] = {"ok": spread_ok}
    if with_peer:
        print(f"[{kind}] issue 20: beside the {with_peer} peer", flush=True)
        result.peer = peer_bench.run(with_peer, url, app, fx, target, copied, args, (server_core, load_core), levels)
    if args.scale_out:
        print(f"[{kind}] figure 6: two processes behind nginx", flush=True)
        scale_levels = tuple(c for c in SCALE_CONCURRENCY if c in levels) or levels
        result.scale = scale.run(url, app, fx, args, scale_levels)
    if args.sockets:
        print(f"[{kind}] figures 4 and 5: Socket.IO fan-out and idle connections", flush=True)
        result.sockets = sockets.run(url, fx, args, (server_core, load_core))
    result.load_end = os.getloadavg()
    return result


def problems(result: DatabaseResult) -> list[str]:
    """What makes the harness itself fail (the smoke check): not missed goals."""
    found = []
    for run in [*result.ceilings, *result.bare_flask, *result.browse, *result.detail]:
        if run.requests == 0 or run.unexpected or run.socket_errors:
            found.append(f"{result.kind}: {run.label} c={run.connections}: {run.statuses} errors={run.socket_errors}")
    for run in result.bids:
        if run.statuses.get("201", 0) == 0 or run.server_errors:
            found.append(f"{result.kind}: {run.label}: {run.statuses} {run.codes}")
    for label, row in result.invariants.items():
        if not row.get("ok"):
            found.append(f"{result.kind}: invariant broken on {label}: {row}")
    if result.tracebacks:
        found.append(f"{result.kind}: {result.tracebacks} tracebacks in the server's log")
    found += sizes.problems(result.kind, result.sizes)
    found += scale.problems(result.kind, result.scale)
    found += sockets.problems(result.kind, result.sockets)
    found += job_alerts.problems(result.kind, result.alerts)
    found += peer_bench.problems(result.kind, result.peer)
    return found


def peer_for(kind: str, args: argparse.Namespace) -> str | None:
    """The peer to measure beside this database: `--peer`, else the DRF peer on PostgreSQL
    and MySQL in full runs (the databases issue 20's goals are set on)."""
    chosen = args.peer or ("drf" if kind in ("postgresql", "mysql") and not args.smoke else "none")
    return None if chosen == "none" else chosen


def database_kinds(value: str) -> tuple[str, ...]:
    """`--db`: one database, a group (both, all), or a comma-separated list of them."""
    kinds: list[str] = []
    for name in value.split(","):
        if name not in data.KINDS and name not in DB_GROUPS:
            raise argparse.ArgumentTypeError(f"unknown database {name!r}: {', '.join((*data.KINDS, *DB_GROUPS))}")
        kinds += [k for k in DB_GROUPS.get(name, (name,)) if k not in kinds]
    return tuple(kinds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--auctions", type=int, default=100_000, help="seed-demo size (default 100000)")
    parser.add_argument(
        "--db",
        default="sqlite",
        help="sqlite, postgresql, mysql, both (sqlite, postgresql), all (the three), or a comma-separated "
        "list such as postgresql,mysql; default sqlite",
    )
    parser.add_argument(
        "--peer",
        choices=(*peer_bench.PEERS, "none"),
        help="measure the same cases beside a peer implementation (bench/peers/); "
        "default: drf on PostgreSQL and MySQL in full runs, none otherwise",
    )
    parser.add_argument("--smoke", action="store_true", help="seconds-long run that proves the harness works")
    parser.add_argument("--out", type=Path, help="report path (default bench/RESULTS.md; smoke: a temp file)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 8; smoke 1)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up before each GET run (default 2; smoke 0)")
    parser.add_argument(
        "--sizes",
        help=f"figure 1's extra catalogue sizes, comma-separated, or none (default {SIZES}; smoke {SMOKE_SIZES})",
    )
    parser.add_argument("--no-scale-out", dest="scale_out", action="store_false", help="skip figure 6 (nginx)")
    parser.add_argument(
        "--no-sockets", dest="sockets", action="store_false", help="skip figures 4 and 5 (Socket.IO fan-out, idle)"
    )
    parser.add_argument(
        "--rerender",
        type=Path,
        metavar="RESULTS.json",
        help="measure nothing: write the report and plots again from a run's RESULTS.json",
    )
    args = parser.parse_args(argv)
    try:
        kinds = database_kinds(args.db)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if args.rerender:
        print(f"wrote {rerender(args.rerender)}", flush=True)
        return 0
    args.sizes = sizes.parse(args.sizes if args.sizes is not None else SMOKE_SIZES if args.smoke else SIZES)
    if args.duration is None:
        args.duration = 1.0 if args.smoke else 8.0
    if args.warmup is None:
        args.warmup = 0.0 if args.smoke else 2.0
    workdir = Path(tempfile.mkdtemp(prefix="bb-bench-"))
    if args.out is None:
        args.out = workdir / "RESULTS.md" if args.smoke else Path(__file__).resolve().parent / "RESULTS.md"
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: run `bash .ci/install-bench-tools`")
    if args.scale_out and (missing := scale.available()):
        parser.error(f"figure 6: {missing}, or pass --no-scale-out")
    started = time.monotonic()
    facts = report.machine_facts()
    facts["command"] = "python -m bench " + " ".join(
        [
            f"--auctions {args.auctions}",
            f"--db {args.db}",
            *(["--smoke"] if args.smoke else []),
            # What was skipped shows in the report's first line (figures 4-6 are not rerun everywhere).
            *([f"--sizes {','.join(map(str, args.sizes)) or 'none'}"] if not args.smoke else []),
            *([] if args.sockets else ["--no-sockets"]),
            *([] if args.scale_out else ["--no-scale-out"]),
            *([f"--peer {args.peer}"] if args.peer else []),
        ]
    )
    facts["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=data.ROOT
    ).stdout.strip()
    results: list[DatabaseResult] = []
    found: list[str] = []
    try:
        for kind in kinds:
            try:
                results.append(run_database(kind, args, workdir))
            except Exception as exc:  # report what did finish; a crash is a harness problem
                found.append(f"{kind}: the run failed: {exc!r}")
            # Written after every database, so a later failure never loses an earlier result.
            facts["wall_seconds"] = round(time.monotonic() - started)
            write(args.out, facts, results, args)
    finally:
        for path in [*workdir.glob("bench.db*"), *workdir.glob("peer.db*")]:
            path.unlink()
    print(f"wrote {args.out} in {facts['wall_seconds']} s", flush=True)
    if "plots_error" in facts:
        found.append(f"plots: {facts['plots_error']}")
    found += [p for r in results for p in problems(r)]
    for problem in found:
        print(f"PROBLEM: {problem}", flush=True)
    return 1 if found else 0


def write(out: Path, facts: dict, results: list[DatabaseResult], args: argparse.Namespace) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    try:  # before the report, which links the plots it lists
        from bench import plots  # matplotlib: requirements-bench.txt

        written = plots.write_all(results, out.parent / "plots")
        facts["plots"] = [(caption, str(path.relative_to(out.parent))) for caption, path in written]
        facts.pop("plots_error", None)
    except Exception as exc:  # a broken plot must not lose the tables
        facts["plots"] = []
        facts["plots_error"] = (
            repr(exc) if not isinstance(exc, ImportError) else f"{exc}: pip install -r requirements-bench.txt"
        )
    out.write_text(report.render(facts, results, args))
    settings = {"smoke": args.smoke, "duration": args.duration, "warmup": args.warmup}
    out.with_suffix(".json").write_text(
        json.dumps(
            {"facts": facts, "settings": settings, "results": [asdict(r) for r in results]}, indent=1, default=str
        )
    )


def _rebuild(kind: Any, value: Any) -> Any:
    """The value of type `kind` that dataclasses.asdict turned into `value` (lists, dicts,
    tuples, optional fields and nested dataclasses), for rerender."""
    if value is None:
        return None
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}
        return kind(**{name: _rebuild(hints[name], v) for name, v in value.items() if name in known})
    origin, params = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return _rebuild(next(p for p in params if p is not type(None)), value)
    if origin is list:
        return [_rebuild(params[0], v) for v in value]
    if origin is dict:
        return {k: _rebuild(params[1], v) for k, v in value.items()}
    if origin is tuple:
        return tuple(value)
    return value


def rerender(saved: Path) -> Path:
    """RESULTS.md (and its plots) again from RESULTS.json: for a change to the report or to
    bench/FINDINGS.md, without measuring again."""
    stored = json.loads(saved.read_text())
    results = [_rebuild(DatabaseResult, r) for r in stored["results"]]
    defaults = {"smoke": False, "duration": 8.0, "warmup": 2.0}
    args = argparse.Namespace(**{**defaults, **stored.get("settings", {})})
    facts = {**stored["facts"], "load_at_start": tuple(stored["facts"]["load_at_start"])}
    out = saved.with_suffix(".md")
    write(out, facts, results, args)
    return out
