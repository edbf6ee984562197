"""PyMySQL against mysqlclient on MySQL/MariaDB: `python -m bench.drivers` (issue 13).

Both drivers are measured in one sitting, on one database (`bb_profile_my`, seeded once
with the bench fixtures), by one server command; only the URL's driver changes:
`mysql+pymysql://` (pinned in requirements.txt) against `mysql+mysqldb://` (mysqlclient,
a C extension: `apt-get install libmariadb-dev pkg-config && pip install mysqlclient`,
never in requirements.txt). Two measures, as bench.profile's:

* wrk against the production server (gunicorn, gevent, one worker pinned to one core):
  the trivial ceiling, figure 1's default listing and page 200 at c=1, 16 and 64, and
  figure 3's three bid cases, each server's own ceiling beside it. The drivers take
  turns in the order A B B A (`--rounds 2`), so a drift in the machine's load falls on
  both alike.
* CPU µs per request in-process (Flask test client, no gevent, best of three), which
  hardly moves with other load on the machine: what the driver itself costs.

Every turn bids on auctions of its own, made for it (a hot one, one for 8 bidders, 1,000
for the spread case), so no turn inherits a ladder, or a provider who already holds the
lowest bid, from the turn before.

    python -m bench.drivers                       # -> bench/profiles/mysql-drivers.md (+ .json)
    python -m bench.drivers --auctions 10000 --rounds 2 --duration 8
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import data, load, report
from bench.profile import MY_PROFILE_DATABASE, OUT, cpu_per_request, seeded
from bench.server import TRIVIAL_PATH, Server, cores

DRIVERS = ("pymysql", "mysqldb")
#: The distribution behind each SQLAlchemy driver name (for its version).
DISTRIBUTIONS = {"pymysql": "PyMySQL", "mysqldb": "mysqlclient"}
LEVELS = (1, 16, 64)
TRIVIAL = "trivial JSON (bench route)"
LISTINGS = (("default listing (page 1)", "/api/auctions"), ("page=200", "/api/auctions?page=200"))
BID_CASES = ("hot auction, 64 bidders", "hot auction, 8 bidders", "64 bidders over 1,000 auctions")


@dataclass
class DriverRun:
    """One server's runs with one driver (one turn of the A B B A order)."""

    driver: str
    turn: int
    runs: list[load.Run] = field(default_factory=list)
    invariants: dict[str, bool] = field(default_factory=dict)
    tracebacks: int = 0
    lock_messages: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def url_for(driver: str) -> str:
    return f"mysql+{driver}://{data.MY_USER}@{data.MY_HOST}:{data.MY_PORT}/{data.MY_DATABASE}"


def fresh_auctions(app, fx: data.Fixtures, turn: int) -> tuple[int, int, list[int]]:
    """A hot auction, an 8-bidder one and SPREAD_AUCTIONS spread ones, new for this turn."""
    from sqlalchemy import select

    from bidbazaar.extensions import db
    from bidbazaar.models import Category, utcnow

    with app.app_context():
        now = utcnow()
        leaf = db.session.scalar(select(Category.id).where(Category.name == "Plumbing"))

        def new(title: str) -> int:
            return data._auction(db, fx.customer_id, leaf, title, data.HOT_BUDGET, now).id

        hot, hot8 = new(f"Drivers turn {turn}: hot"), new(f"Drivers turn {turn}: 8 bidders")
        spread = [new(f"Drivers turn {turn}: spread #{i}") for i in range(data.SPREAD_AUCTIONS)]
        db.session.commit()
    return hot, hot8, spread


def measure(driver: str, turn: int, app, fx: data.Fixtures, duration: float, warmup: float) -> DriverRun:
    """The server with `driver`: ceiling, listings and bids under wrk, then the invariants."""
    server_core, load_core = cores()
    result = DriverRun(driver, turn, load=os.getloadavg())
    hot, hot8, spread = fresh_auctions(app, fx, turn)
    bid_cases = (
        (BID_CASES[0], [hot], fx.provider_tokens, 64),
        (BID_CASES[1], [hot8], fx.provider_tokens[:8], 8),
        (BID_CASES[2], spread, fx.provider_tokens, 64),
    )
    with Server(url_for(driver), server_core) as server:
        wrk = load.Wrk(server.url, load_core, duration, warmup)
        for c in LEVELS:
            result.runs.append(wrk.get(TRIVIAL, TRIVIAL_PATH, c))
            result.runs += [wrk.get(label, path, c) for label, path in LISTINGS]
        for label, auctions, tokens, c in bid_cases:
            result.runs.append(wrk.bids(label, auctions, tokens, int(data.HOT_BUDGET), c))
        stderr = server.stderr_text()
    result.tracebacks = stderr.count("Traceback")
    result.lock_messages = sum(stderr.count(m) for m in ("Deadlock found", "Lock wait timeout exceeded"))
    for label, auction in ((BID_CASES[0], hot), (BID_CASES[1], hot8)):
        result.invariants[label] = bool(data.check_invariant(app, auction)["ok"])
    result.invariants[BID_CASES[2]] = all(data.check_invariant(app, a)["ok"] for a in spread[:50])
    return result


def _value(run: load.Run) -> float:
    """What a run is read by: accepted bids per second for bids, responses per second otherwise."""
    return run.per_second("201") if run.label in BID_CASES else run.rps


def _trivial(result: DriverRun, c: int) -> load.Run | None:
    return next((r for r in result.runs if r.label == TRIVIAL and r.connections == c), None)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def render(facts: dict, results: list[DriverRun], cpu: dict[str, dict[str, int]]) -> str:
    """The markdown report: per turn, then the means side by side, then CPU per request."""
    out = [
        "# PyMySQL against mysqlclient (issue 13)",
        "",
        f"`{facts['command']}` at commit `{facts['commit']}`, {facts['date']}, {facts['wall_seconds']} s in all; "
        f"{facts['database']}; {facts['versions']}; {facts['auctions']:,} auctions (seed-demo) plus the "
        f"bench fixtures. {facts['cores']} cores ({facts['cpu']}), Python {facts['python']}, load average "
        f"at start {facts['load_at_start']}. Server: gunicorn, the repo's gunicorn.conf.py (gevent), one "
        "worker pinned to core 0; wrk on core 1. Each GET run: "
        f"{facts['warmup']:g} s warm-up, {facts['duration']:g} s measured; bids: no warm-up.",
        "",
        "## wrk, per turn",
        "",
        "| turn | driver | case | c | req/s (bids: accepted/s) | trivial req/s | ratio | p50 ms | p99 ms | "
        "responses | load average |",
        "| --: | --- | --- | --: | --: | --: | --: | --: | --: | --- | --- |",
    ]
    for result in results:
        for run in result.runs:
            ceiling = _trivial(result, run.connections) or _trivial(result, 64)
            ratio = _value(run) / ceiling.rps if ceiling and ceiling.rps else 0
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted({**run.statuses, **run.codes}.items()))
            out.append(
                f"| {result.turn} | {result.driver} | {run.label} | {run.connections} | {_value(run):,.0f} | "
                f"{ceiling.rps if ceiling else 0:,.0f} | {ratio:.2f} | {run.p50_ms:.1f} | {run.p99_ms:.1f} | "
                f"{statuses} | {tuple(round(x, 2) for x in result.load)} |"
            )
    out += [
        "",
        "## wrk, the means of the turns side by side",
        "",
        "| case | c | PyMySQL | mysqlclient | mysqlclient / PyMySQL | PyMySQL ratio to trivial | "
        "mysqlclient ratio to trivial | PyMySQL p99 ms | mysqlclient p99 ms |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    keys = list(dict.fromkeys((r.label, r.connections) for result in results for r in result.runs))
    for label, c in keys:
        per: dict[str, dict[str, float]] = {}
        for driver in DRIVERS:
            runs = [
                (res, r)
                for res in results
                if res.driver == driver
                for r in res.runs
                if r.label == label and r.connections == c
            ]
            ratios = []
            for res, r in runs:
                ceiling = _trivial(res, r.connections) or _trivial(res, 64)
                ratios.append(_value(r) / ceiling.rps if ceiling and ceiling.rps else 0)
            per[driver] = {
                "value": _mean([_value(r) for _, r in runs]),
                "ratio": _mean(ratios),
                "p99": _mean([r.p99_ms for _, r in runs]),
            }
        a, b = per["pymysql"], per["mysqldb"]
        out.append(
            f"| {label} | {c} | {a['value']:,.0f} | {b['value']:,.0f} | "
            f"{b['value'] / a['value'] if a['value'] else 0:.2f}× | {a['ratio']:.2f} | {b['ratio']:.2f} | "
            f"{a['p99']:.1f} | {b['p99']:.1f} |"
        )
    broken = [f"{r.driver} turn {r.turn}: {k}" for r in results for k, ok in r.invariants.items() if not ok]
    errors = sum(run.server_errors for r in results for run in r.runs)
    out += [
        "",
        f"Invariants after every turn: {'all hold' if not broken else 'BROKEN: ' + ', '.join(broken)}. "
        f"5xx: {errors}. Tracebacks: {sum(r.tracebacks for r in results)}. Deadlock / lock wait messages: "
        f"{sum(r.lock_messages for r in results)}.",
        "",
        "## CPU µs per request, in-process (Flask test client, best of 3)",
        "",
        "| case | PyMySQL µs | mysqlclient µs | mysqlclient / PyMySQL |",
        "| --- | --: | --: | --: |",
    ]
    if cpu:
        for case in cpu["pymysql"]:
            a, b = cpu["pymysql"][case], cpu["mysqldb"][case]
            out.append(f"| {case} | {a} | {b} | {b / a if a else 0:.2f} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drivers", description=__doc__)
    parser.add_argument("--auctions", type=int, default=10_000, help="seed-demo size (default 10000)")
    parser.add_argument("--rounds", type=int, default=2, help="A B turns, the second reversed (default 2)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per GET run (default 2)")
    parser.add_argument("--requests", type=int, default=300, help="CPU: requests per case and repeat")
    parser.add_argument("--out", type=Path, default=OUT / "mysql-drivers.md")
    args = parser.parse_args(argv)
    missing = [DISTRIBUTIONS[d] for d in DRIVERS if not _installed(DISTRIBUTIONS[d])]
    if missing:
        parser.error(f"not installed: {', '.join(missing)} (mysqlclient: see this module's docstring)")
    started = time.monotonic()
    facts = report.machine_facts()
    facts.update(
        command="python -m bench.drivers " + " ".join(f"--{k} {v}" for k, v in vars(args).items() if k != "out"),
        commit=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=data.ROOT
        ).stdout.strip(),
        auctions=args.auctions,
        duration=args.duration,
        warmup=args.warmup,
        versions=", ".join(f"{DISTRIBUTIONS[d]} {importlib.metadata.version(DISTRIBUTIONS[d])}" for d in DRIVERS),
    )
    print(f"seeding {MY_PROFILE_DATABASE} with {args.auctions} auctions", flush=True)
    _, fx = seeded("mysql", args.auctions, Path(tempfile.mkdtemp(prefix="bb-drivers-")))
    app = data.make_app(url_for("pymysql"))
    facts["database"] = data.describe(app)
    order = [d for n in range(args.rounds) for d in (DRIVERS if n % 2 == 0 else DRIVERS[::-1])]
    cpu: dict[str, dict[str, int]] = {}
    for run, driver in enumerate(order[: len(DRIVERS)]):
        print(f"CPU per request: {driver}", flush=True)
        cpu[driver] = cpu_per_request(data.ROOT, url_for(driver), fx, args.requests, run)
    results = []
    for turn, driver in enumerate(order, start=1):
        print(f"turn {turn}: {driver}", flush=True)
        results.append(measure(driver, turn, app, fx, args.duration, args.warmup))
    facts["wall_seconds"] = round(time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(facts, results, cpu))
    args.out.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "cpu": cpu, "results": [asdict(r) for r in results]}, indent=1, default=str)
    )
    print(f"wrote {args.out}", flush=True)
    return 0


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
