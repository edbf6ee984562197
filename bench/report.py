"""bench/RESULTS.md: one table per figure, each value beside its ceiling and its goal."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench import alerts as job_alerts
from bench import peer as peer_bench
from bench.load import Run

if TYPE_CHECKING:
    import argparse

    from bench.harness import DatabaseResult

TRIVIAL = "trivial JSON (bench route)"
HEALTH = "GET /api/health (SELECT 1)"
BARE_TRIVIAL = "trivial JSON, bare Flask app (same worker)"
DEFAULT_LISTING = "default listing (page 1)"
#: Issue 19: the app's trivial route against a bare Flask app's (what hooks and middleware cost).
BARE_GOAL = 0.80


def machine_facts() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "")
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_at_start": tuple(round(x, 2) for x in os.getloadavg()),
    }


def _ceiling(result: DatabaseResult, label: str, connections: int) -> Run | None:
    """The mean of the ceiling runs before and after (when both exist) at this concurrency."""
    runs = [r for r in [*result.ceilings, *result.ceilings_after] if r.label == label and r.connections == connections]
    if not runs:
        return None
    if len(runs) == 1:
        return runs[0]
    merged = Run(**{**runs[0].__dict__})
    merged.requests = sum(r.requests for r in runs)
    merged.seconds = sum(r.seconds for r in runs)
    for attr in ("p50_ms", "p90_ms", "p99_ms", "max_ms"):
        setattr(merged, attr, sum(getattr(r, attr) for r in runs) / len(runs))
    return merged


def bare_ratios(result: DatabaseResult) -> dict[int, float]:
    """Per concurrency: the app's trivial route (mean of before and after) ÷ the bare Flask app's."""
    ratios = {}
    for bare in result.bare_flask:
        ours = _ceiling(result, TRIVIAL, bare.connections)
        if ours is not None and bare.rps:
            ratios[bare.connections] = ours.rps / bare.rps
    return ratios


def _bare_goal(result: DatabaseResult) -> list[str]:
    ratios = bare_ratios(result)
    if not ratios:
        return []
    values = ", ".join(f"c={c}: {ratio:.2f}×" for c, ratio in sorted(ratios.items()))
    ok = min(ratios.values()) >= BARE_GOAL
    return [
        "",
        f"Goal (issue 19): the app's trivial route ≥ {BARE_GOAL:.2f}× a bare Flask app's on the same worker "
        f"(bench/bare_flask.py; ours is the mean of the runs before and after): {values}, {_verdict(ok)}.",
    ]


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _statuses(run: Run) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items())) or "none"


FINDINGS = Path(__file__).resolve().parent / "FINDINGS.md"


def render(facts: dict, results: list[DatabaseResult], args: argparse.Namespace) -> str:
    out = ["# Benchmark results (issues 7, 13, 19 and 20)", ""]
    if args.smoke:
        out += ["**Smoke run**: seconds-long, tiny data; proves the harness works, measures nothing.", ""]
    out += [
        f"`{facts['command']}` at commit `{facts['commit']}`, {facts['date']}, {facts['wall_seconds']} s in all.",
        "",
    ]
    if not args.smoke and FINDINGS.exists():
        # The reading of the numbers is written by hand and kept in its own file, so a
        # rerun regenerates the tables without losing it (its figures quote one run).
        out += [FINDINGS.read_text().rstrip(), ""]
    out += [
        "## Machine and method",
        "",
        f"- {facts['cores']} cores ({facts['cpu']}), Python {facts['python']}; "
        f"load average at start {facts['load_at_start']} (1/5/15 min). The machine is shared with "
        "other engineers' work: read ratios to the ceilings of the same run, not absolute numbers.",
        "- The server runs pinned to core 0 and wrk (`-t1`) to core 1 with `taskset`; everything on 127.0.0.1.",
        f"- Each GET figure: {args.warmup:g} s warm-up, then {args.duration:g} s measured; bid runs have "
        "no warm-up. Latencies are wrk's (from send to the last byte).",
        "- Ceilings, measured on the same server in the same run: a bench-only route "
        '`GET /__bench/trivial` returning `{"ok": true}` through the app\'s own hooks and '
        "middleware (no database), and `GET /api/health`, which does one `SELECT 1` and a commit. "
        "Ratios are against the trivial route, as the goals in the issue are; on full runs it is "
        "measured before and after the figures and the mean is used.",
        "- Settings: `RATELIMIT_ENABLED=false` (64 bidders from one address would hit the bid and "
        "default limits, which is their job, not what is measured), `CLOSE_SWEEP_SECONDS=0` "
        "(the sweeper would be closing the quarter of seeded auctions already past their "
        "deadline during the measurement), pbkdf2 password hashes (no request here hashes one).",
        "",
    ]
    out += _side_by_side(results)
    out += peer_bench.summary(results)
    for result in results:
        out += _database_section(result)
    out += _plots(facts)
    out += _missing()
    return "\n".join(out) + "\n"


def _database_section(result: DatabaseResult) -> list[str]:
    out = [
        f"## {result.kind}",
        "",
        f"- Data: seed-demo `--auctions` gave {result.auctions:,} auctions and {result.bid_rows:,} bids "
        f"(the bench adds 1,010 fixture auctions, one with 1,000 bids) in {result.seed_seconds:.0f} s of seeding.",
        f"- Database: {result.database or result.kind}. Server: {result.server}. Load average {tuple(round(x, 2) for x in result.load_start)} "
        f"before this database's runs, {tuple(round(x, 2) for x in result.load_end)} after.",
        f'- Server log: {result.locked_messages} "database is locked", {result.tracebacks} tracebacks'
        + "".join(f', {n} "{message}"' for message, n in result.lock_messages.items())
        + ".",
        "",
        "### Ceilings",
        "",
        "| endpoint | c | req/s | p50 ms | p99 ms | statuses |",
        "| --- | --: | --: | --: | --: | --- |",
    ]
    for tag, runs in (("", result.ceilings), ("", result.bare_flask), (" (after)", result.ceilings_after)):
        for run in runs:
            out.append(
                f"| {run.label}{tag} | {run.connections} | {run.rps:,.0f} | {_ms(run.p50_ms)} | "
                f"{_ms(run.p99_ms)} | {_statuses(run)} |"
            )
    out += _bare_goal(result)
    out += [
        "",
        "### 1. Browse: GET /api/auctions",
        "",
        "Goal: default listing ≥ 0.60× trivial with p99 ≤ 2× trivial's; page 200 ≥ 0.9× page 1. "
        "Other variants have no goal of their own; their ratio is shown. Every anonymous case repeats one "
        "URL, so it measures the anonymous page cache's hit (queries/listing_cache.py); the signed-in "
        "listing never reads that cache: it is the uncached path, the token lookup included.",
        "",
        "| case | c | req/s | trivial req/s | ratio | p50 ms | p99 ms | trivial p99 ms | p99 ratio | goal |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    page1 = {r.connections: r for r in result.browse if r.label == DEFAULT_LISTING}
    for run in result.browse:
        ceiling = _ceiling(result, TRIVIAL, run.connections)
        ratio = run.rps / ceiling.rps if ceiling and ceiling.rps else 0
        p99_ratio = run.p99_ms / ceiling.p99_ms if ceiling and ceiling.p99_ms else 0
        goal = ""
        if run.label == DEFAULT_LISTING:
            goal = f"≥ 0.60×, p99 ≤ 2×: {_verdict(ratio >= 0.60 and p99_ratio <= 2)}"
        elif run.label == "page=200" and run.connections in page1:
            vs = run.rps / page1[run.connections].rps if page1[run.connections].rps else 0
            goal = f"{vs:.2f}× page 1 (≥ 0.9×): {_verdict(vs >= 0.9)}"
        out.append(
            f"| {run.label} | {run.connections} | {run.rps:,.0f} | {ceiling.rps if ceiling else 0:,.0f} | "
            f"{ratio:.2f} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | {_ms(ceiling.p99_ms) if ceiling else '-'} | "
            f"{p99_ratio:.1f} | {goal} |"
        )
    out += _size_curve(result)
    out += [
        "",
        "### 2. Detail: GET /api/auctions/{id} (an auction with 1,000 bids)",
        "",
        "Goal: ≥ 0.5× trivial. Anonymous (everyone's detail, kept per catalogue version) and, where "
        "measured, as a signed-in provider (its own tier, built per request).",
        "",
        "| case | c | req/s | trivial req/s | ratio | p50 ms | p99 ms | goal |",
        "| --- | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for run in result.detail:
        ceiling = _ceiling(result, TRIVIAL, run.connections)
        ratio = run.rps / ceiling.rps if ceiling and ceiling.rps else 0
        out.append(
            f"| {run.label} | {run.connections} | {run.rps:,.0f} | {ceiling.rps if ceiling else 0:,.0f} | "
            f"{ratio:.2f} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | ≥ 0.5×: {_verdict(ratio >= 0.5)} |"
        )
    out += _bids_section(result)
    out += _sockets_section(result)
    out += _scale_section(result)
    out += [
        "",
        "### 7. SQL statements per request (every GET route)",
        "",
        "Counted in-process with a `before_cursor_execute` listener, as the admin (bearer token), after "
        "one warm-up request. Small: the auction with no bids and `per_page=1`; big: the auction with "
        "1,000 bids and `per_page=100`. On SQLite the count includes the `BEGIN` the app sends itself.",
        "",
        "| route | small | big | constant | statuses |",
        "| --- | --: | --: | --- | --- |",
    ]
    for q in result.queries:
        out.append(f"| `{q.route}` | {q.small} | {q.big} | {'yes' if q.constant else '**no**'} | {q.status} |")
    out.append("")
    out += job_alerts.section(result.alerts)
    out += peer_bench.section(result.peer)
    return out


def _ratio(result: DatabaseResult, run: Run | None, accepted: bool = False) -> float | None:
    """A run's req/s (accepted/s for bids) over the trivial ceiling at its concurrency."""
    if run is None:
        return None
    # Bids at c=8 have no ceiling of their own: the bids section reads them against c=64's.
    ceiling = _ceiling(result, TRIVIAL, run.connections) or _ceiling(result, TRIVIAL, 64)
    if not ceiling or not ceiling.rps:
        return None
    return (run.per_second("201") if accepted else run.rps) / ceiling.rps


def _per_level(values: list[float | None], digits: int = 2) -> str:
    return " / ".join("-" if v is None else f"{v:.{digits}f}" for v in values) or "-"


def _side_by_side(results: list[DatabaseResult]) -> list[str]:
    """Figures 1-3 and 7 for every database of this run in one table: each ratio is against
    the trivial ceiling of its own server in this same run, so the columns compare."""
    if len(results) < 2:
        return []
    levels = sorted({r.connections for result in results for r in result.browse})
    at = "c=" + "/".join(map(str, levels))
    names = [f"{r.kind} ({r.database})" if r.database else r.kind for r in results]
    out = [
        "## Side by side: figures 1-3 and 7, every database of this run",
        "",
        "Generated from the tables below. Ratios are against the trivial route on the same server "
        f"in the same run; several values are {at}.",
        "",
        "| figure | value | " + " | ".join(names) + " |",
        "| --- | --- |" + " --- |" * len(results),
    ]

    def row(figure: str, value: str, cell) -> None:
        out.append(f"| {figure} | {value} | " + " | ".join(cell(r) for r in results) + " |")

    def find(runs: list[Run], label: str, c: int) -> Run | None:
        return next((r for r in runs if r.label == label and r.connections == c), None)

    def ratio_rows(figure: str, runs_of: Callable[[DatabaseResult], list[Run]]) -> None:
        """A row per case of these runs: its ratio to trivial at each level."""
        for label in dict.fromkeys(run.label for result in results for run in runs_of(result)):
            row(
                figure,
                f"{label}: ratio, {at}",
                lambda r, lb=label: _per_level([_ratio(r, find(runs_of(r), lb, c)) for c in levels]),
            )

    def browse(result: DatabaseResult, label: str, c: int) -> Run | None:
        return find(result.browse, label, c)

    ratio_rows("1 browse", lambda r: r.browse)

    def p99(result: DatabaseResult, c: int) -> float | None:
        run, ceiling = browse(result, DEFAULT_LISTING, c), _ceiling(result, TRIVIAL, c)
        return run.p99_ms / ceiling.p99_ms if run and ceiling and ceiling.p99_ms else None

    row("1 browse", f"default listing: p99 over trivial's, {at}", lambda r: _per_level([p99(r, c) for c in levels], 1))

    def deep(result: DatabaseResult, c: int) -> float | None:
        first, deep = browse(result, DEFAULT_LISTING, c), browse(result, "page=200", c)
        return deep.rps / first.rps if first and deep and first.rps else None

    row("1 browse", f"page 200 over page 1, {at}", lambda r: _per_level([deep(r, c) for c in levels]))
    row(
        "1 browse",
        "trivial ceiling req/s, " + at,
        lambda r: " / ".join(f"{c.rps:,.0f}" if (c := _ceiling(r, TRIVIAL, level)) else "-" for level in levels),
    )
    if any(r.bare_flask for r in results):
        row(
            "ceilings",
            f"trivial ÷ bare Flask app's trivial, {at}",
            lambda r: _per_level([bare_ratios(r).get(c) for c in levels]),
        )
    row(
        "ceilings",
        f"GET /api/health (SELECT 1): ratio, {at}",
        lambda r: _per_level([_ratio(r, _ceiling(r, HEALTH, c)) if _ceiling(r, HEALTH, c) else None for c in levels]),
    )
    row("1 browse", "seeding (s)", lambda r: f"{r.seed_seconds:.0f}")
    ratio_rows("2 detail", lambda r: r.detail)

    def bid(result: DatabaseResult, label: str) -> Run | None:
        return next((r for r in result.bids if r.label == label), None)

    for label in dict.fromkeys(r.label for result in results for r in result.bids):
        row(
            "3 bids",
            f"{label}: accepted/s (ratio)",
            lambda r, lb=label: (
                f"{run.per_second('201'):,.0f} ({_per_level([_ratio(r, run, accepted=True)])})"
                if (run := bid(r, lb))
                else "-"
            ),
        )

    def versus(result: DatabaseResult, a: str, b: str) -> str:
        first, second = bid(result, a), bid(result, b)
        if not first or not second or not second.per_second("201"):
            return "-"
        return f"{first.per_second('201') / second.per_second('201'):.2f}×"

    row(
        "3 bids",
        "hot over spread (goal ≥ 0.8×)",
        lambda r: versus(r, "hot auction, 64 bidders", "64 bidders over 1,000 auctions"),
    )
    row(
        "3 bids",
        "64 bidders over 8 (goal ≥ 0.9×)",
        lambda r: versus(r, "hot auction, 64 bidders", "hot auction, 8 bidders"),
    )
    row(
        "3 bids",
        "5xx; lock messages in the log",
        lambda r: f"{sum(x.server_errors for x in r.bids)}; {r.locked_messages + sum(r.lock_messages.values())}",
    )
    row(
        "3 bids",
        "invariants hold",
        lambda r: _verdict(all(v.get("ok") for v in r.invariants.values())) if r.invariants else "-",
    )
    row(
        "7 queries",
        "GET routes with a constant count",
        lambda r: f"{sum(q.constant for q in r.queries)} of {len(r.queries)}",
    )
    out += ["", "Statements per GET route (small / big), side by side:", ""]
    out += ["| route | " + " | ".join(r.kind for r in results) + " |", "| --- |" + " --: |" * len(results)]
    for route in dict.fromkeys(q.route for result in results for q in result.queries):
        cells = []
        for result in results:
            q = next((x for x in result.queries if x.route == route), None)
            cells.append("-" if q is None else f"{q.small} / {q.big}" + ("" if q.constant else " **not constant**"))
        out.append(f"| `{route}` | " + " | ".join(cells) + " |")
    out.append("")
    return out


def _bids_section(result: DatabaseResult) -> list[str]:
    out = [
        "",
        "### 3. Hot auction: POST /api/auctions/{id}/bids with bearer tokens",
        "",
        "wrk's Lua sends each request as the next of N providers (round robin) offering 1 less than "
        "the last amount it sent for that auction; a bid that lost the race is a 409 `BID_TOO_HIGH` "
        "after the same locked transaction. *Accepted* = 201s; *processed* = every response. "
        "Goals: accepted ≥ 0.60× trivial (c=64) with p99 ≤ 3× trivial's; hot ≥ 0.8× spread over "
        '1,000 auctions; 64 bidders ≥ 0.9× of 8; zero 5xx; zero "database is locked"; invariant holds.',
        "",
        "| case | c | accepted/s | processed/s | trivial req/s | accepted ratio | p50 ms | p99 ms | "
        "trivial p99 ms | responses |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for run in result.bids:
        ceiling = _ceiling(result, TRIVIAL, run.connections) or _ceiling(result, TRIVIAL, 64)
        ceiling = ceiling or next(iter(result.ceilings), None)
        ratio = run.per_second("201") / ceiling.rps if ceiling and ceiling.rps else 0
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(run.codes.items()))
        out.append(
            f"| {run.label} | {run.connections} | {run.per_second('201'):,.0f} | {run.rps:,.0f} | "
            f"{ceiling.rps if ceiling else 0:,.0f} | {ratio:.2f} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | "
            f"{_ms(ceiling.p99_ms) if ceiling else '-'} | {_statuses(run)}{'; ' + codes if codes else ''} |"
        )
    by_label = {r.label: r for r in result.bids}
    hot, hot8 = by_label.get("hot auction, 64 bidders"), by_label.get("hot auction, 8 bidders")
    spread = by_label.get("64 bidders over 1,000 auctions")
    ceiling = _ceiling(result, TRIVIAL, 64) or next(iter(result.ceilings), None)
    out += ["", "| goal | value | verdict |", "| --- | --- | --- |"]
    if hot and ceiling:
        ratio = hot.per_second("201") / ceiling.rps
        p99 = hot.p99_ms / ceiling.p99_ms if ceiling.p99_ms else 0
        out.append(
            f"| accepted ≥ 0.60× trivial, p99 ≤ 3× | {ratio:.2f}×, p99 {p99:.1f}× | {_verdict(ratio >= 0.6 and p99 <= 3)} |"
        )
    if hot and spread:
        vs = hot.per_second("201") / spread.per_second("201") if spread.per_second("201") else 0
        out.append(f"| hot ≥ 0.8× spread (accepted/s) | {vs:.2f}× | {_verdict(vs >= 0.8)} |")
    if hot and hot8:
        vs = hot.per_second("201") / hot8.per_second("201") if hot8.per_second("201") else 0
        out.append(f"| 64 bidders ≥ 0.9× of 8 (accepted/s) | {vs:.2f}× | {_verdict(vs >= 0.9)} |")
    errors5 = sum(r.server_errors for r in result.bids)
    out.append(f"| zero 5xx | {errors5} | {_verdict(errors5 == 0)} |")
    out.append(
        f'| zero "database is locked" | {result.locked_messages} in the log | {_verdict(result.locked_messages == 0)} |'
    )
    for label, row in result.invariants.items():
        shown = {k: v for k, v in row.items() if k != "ok"}
        out.append(f"| invariant: {label} | {shown or ''} | {_verdict(bool(row.get('ok')))} |")
    return out


def _size_curve(result: DatabaseResult) -> list[str]:
    """Figure 1 by catalogue size: the extra sizes, then this run's own data."""
    from bench import sizes

    main = sizes.main_point(result.auctions, result.seed_seconds, result.browse, result.ceilings)
    points = sorted([*result.sizes, main], key=lambda p: p.auctions)
    out = [
        "",
        "#### Figure 1 by catalogue size",
        "",
    ]
    if len(points) < 2:
        return [*out, "Not measured in this run (`--sizes none`).", ""]
    out += [
        "Goal: latency flat from 1,000 to 100,000 auctions. Each size is measured on its own server "
        "minutes apart, and on a shared machine raw latency moves with the load, so the verdict reads "
        "*cost*: trivial req/s over listing req/s on the same server (a listing request's price in "
        f"trivial requests); flat = the cost at the largest size ≤ {sizes.COST_FLAT}× the smallest's, per "
        "case and concurrency. Raw p50 and p99 against the smallest size are shown beside it. "
        "Each smaller size is a database of its own (`seed-demo --auctions N`, no fixtures) served and "
        "loaded like the main run, with its own trivial ceiling; the largest is this run's data "
        "(figure 1's runs, fixtures included). Below 2,000 auctions page 200 is past the last page "
        "(10 per page): an empty answer, shown but not compared; page 200's baseline is the "
        "smallest catalogue that has a page 200.",
        "",
        "| auctions | case | c | req/s | trivial req/s | ratio | p50 ms | p99 ms | p50 vs smallest | "
        "p99 vs smallest | cost vs smallest | goal |",
        "| --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for label, _path in sizes.CASES:
        for c in sorted({r.connections for p in points for r in p.runs}):
            rows = [(p, next((r for r in p.runs if r.label == label and r.connections == c), None)) for p in points]
            rows = [(p, r) for p, r in rows if r is not None]
            if not rows:
                continue
            # A catalogue smaller than the page asked for answers an empty page: a different
            # request, so it is shown but not the baseline the larger sizes are compared with.
            comparable = [(p, r) for p, r in rows if p.auctions >= _first_item(label)]
            if not comparable:
                continue
            first = comparable[0][1]
            first_ratio = 0.0
            for point, run in rows:
                ceiling = next((r for r in point.runs if r.label == sizes.TRIVIAL and r.connections == c), None)
                ratio = run.rps / ceiling.rps if ceiling and ceiling.rps else 0
                if point.auctions < _first_item(label):
                    out.append(
                        f"| {point.auctions:,} | {label} | {c} | {run.rps:,.0f} | "
                        f"{ceiling.rps if ceiling else 0:,.0f} | {ratio:.2f} | {_ms(run.p50_ms)} | "
                        f"{_ms(run.p99_ms)} | - | - | - | past the last page: not compared |"
                    )
                    continue
                first_ratio = first_ratio or ratio
                cost = first_ratio / ratio if ratio else 0
                p50 = run.p50_ms / first.p50_ms if first.p50_ms else 0
                p99 = run.p99_ms / first.p99_ms if first.p99_ms else 0
                goal = ""
                if point is comparable[-1][0] and len(comparable) > 1:
                    goal = f"flat: {_verdict(0 < cost <= sizes.COST_FLAT)}"
                out.append(
                    f"| {point.auctions:,} | {label} | {c} | {run.rps:,.0f} | {ceiling.rps if ceiling else 0:,.0f} | "
                    f"{ratio:.2f} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | {p50:.2f}× | {p99:.2f}× | {cost:.2f}× | "
                    f"{goal} |"
                )
    return out


def _first_item(label: str) -> int:
    """How many auctions a size-curve case needs for its page to hold any (10 per page)."""
    page = int(label.split("page=")[1]) if "page=" in label else 1
    return (page - 1) * 10 + 1


def _sockets_section(result: DatabaseResult) -> list[str]:
    """Figures 4 and 5: Socket.IO fan-out and idle connections (bench/sockets.py)."""
    from bench import sockets

    if result.sockets is None:
        return ["", "### 4. Fan-out and 5. Connections", "", "Not measured in this run (`--no-sockets`).", ""]
    return sockets.report_lines(result.sockets)


def _scale_section(result: DatabaseResult) -> list[str]:
    """Figure 6: one process and two behind nginx (bench/scale.py)."""
    from bench import scale

    fig = result.scale
    out = ["", "### 6. Two processes behind nginx: GET /api/auctions and the hot auction", ""]
    if fig is None:
        return [*out, "Not measured in this run (`--no-scale-out`).", ""]
    out += [
        f"Goal: the listing through nginx with two processes ≥ {scale.GOAL}× one process behind the same "
        "nginx; the bid invariant holds across processes. Each process is `gunicorn -c gunicorn.conf.py "
        "--workers 1` with `SOCKETIO_MESSAGE_QUEUE` on a private redis-server and `TRUSTED_PROXIES=1`; "
        "nginx runs deploy/nginx.conf (one worker, plain HTTP on loopback, `/__bench/` proxied too) with "
        "its `ip_hash` replaced by round robin: from 127.0.0.1 alone ip_hash would send every request to "
        "one process. *Direct* is the same process without nginx, for reference. "
        f"Pinning: {fig.pinning}. With one process nginx and wrk have the other core to themselves; "
        "with two they share both cores with the processes, so the ratio understates two processes on "
        "cores of their own: the CPU column shows who used what (100 % = one core).",
        "",
        "| setup | case | c | req/s | trivial req/s (same setup) | ratio | p50 ms | p99 ms | "
        "requests per process | CPU % A / B / nginx / wrk | vs one process | goal |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --- | --- | --: | --- |",
    ]

    def find(setup: str, label: str, c: int) -> scale.Measured | None:
        return next((m for m in fig.runs if m.setup == setup and m.run.label == label and m.run.connections == c), None)

    def cpu(m: scale.Measured) -> str:
        return " / ".join(str(m.cpu.get(k, "-")) for k in ("gunicorn A", "gunicorn B", "nginx", "wrk"))

    for m in fig.runs:
        run = m.run
        trivial = find(m.setup, "trivial JSON (bench route)", run.connections)
        ratio = run.rps / trivial.run.rps if trivial and trivial.run.rps and trivial is not m else None
        one = find(scale.ONE, run.label, run.connections)
        vs = run.rps / one.run.rps if one and one.run.rps and m.setup == scale.TWO else None
        goal = ""
        if vs is not None and run.label == "listing":
            goal = f"≥ {scale.GOAL}×: {_verdict(vs >= scale.GOAL)}"
        shares = ", ".join(f":{port} {n:,}" for port, n in sorted(m.upstreams.items())) or "-"
        out.append(
            f"| {m.setup} | {run.label} | {run.connections} | {run.rps:,.0f} | "
            f"{f'{trivial.run.rps:,.0f}' if trivial else '-'} | {f'{ratio:.2f}' if ratio else '-'} | "
            f"{_ms(run.p50_ms)} | {_ms(run.p99_ms)} | {shares} | {cpu(m)} | {f'{vs:.2f}×' if vs else '-'} | {goal} |"
        )
    for c in sorted({m.run.connections for m in fig.runs}):
        one, two = find(scale.ONE, "listing", c), find(scale.TWO, "listing", c)
        if one and two and one.cpu.get("gunicorn A"):
            app_one = one.cpu["gunicorn A"]
            app_two = two.cpu.get("gunicorn A", 0) + two.cpu.get("gunicorn B", 0)
            out.append("")
            out.append(
                f"- c={c}: the app got {app_two}% CPU with two processes against {app_one}% with one "
                f"({app_two / app_one:.2f}×), while nginx and wrk took {two.cpu.get('nginx', 0)}% + "
                f"{two.cpu.get('wrk', 0)}% of the same 200 %."
            )
    if fig.bids:
        run = fig.bids.run
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(run.codes.items()))
        shares = ", ".join(f":{port} {n:,}" for port, n in sorted(fig.bids.upstreams.items())) or "-"
        shown = {k: v for k, v in fig.invariant.items() if k != "ok"}
        out += [
            "",
            f"Bids through nginx across both processes: {run.label}, c={run.connections}, a fresh auction.",
            "",
            "| accepted/s | processed/s | p50 ms | p99 ms | responses | requests per process | CPU % A / B / nginx / wrk |",
            "| --: | --: | --: | --: | --- | --- | --- |",
            f"| {run.per_second('201'):,.0f} | {run.rps:,.0f} | {_ms(run.p50_ms)} | {_ms(run.p99_ms)} | "
            f"{_statuses(run)}{'; ' + codes if codes else ''} | {shares} | {cpu(fig.bids)} |",
            "",
            "| goal | value | verdict |",
            "| --- | --- | --- |",
            f"| invariant across processes | {shown} | {_verdict(bool(fig.invariant.get('ok')))} |",
            f"| zero 5xx | {run.server_errors} | {_verdict(run.server_errors == 0)} |",
            f'| zero "database is locked" | {fig.locked_messages} in the logs | {_verdict(fig.locked_messages == 0)} |',
            f"| no tracebacks, no nginx errors | {fig.tracebacks} tracebacks, {len(fig.nginx_errors)} nginx errors | "
            f"{_verdict(fig.tracebacks == 0 and not fig.nginx_errors)} |",
        ]
    out.append("")
    return out


def _plots(facts: dict) -> list[str]:
    """Links to the PNGs written next to this report (bench/plots.py)."""
    out = ["## Plots", ""]
    if facts.get("plots_error"):
        out.append(f"The plots failed: `{facts['plots_error']}`.")
    for caption, path in facts.get("plots", []):
        out += [f"**{caption}** (`{path}`)", "", f"![{caption}]({path})", ""]
    return out


def _missing() -> list[str]:
    return [
        "## Profiles",
        "",
        "`python -m bench.profile py-spy` writes `profiles/<db>-<case>.txt`: the worker's hottest frames "
        "(own and cumulative) under wrk, on a 2,000-auction database; `python -m bench.profile cpu --rev REV` "
        "puts CPU per request of this checkout beside another commit's; `python -m bench.profile memory` "
        "writes `profiles/<db>-idle-memory.txt` (worker RSS, tracemalloc and greenlets per idle socket). "
        "All are read in the findings above.",
        "",
    ]
