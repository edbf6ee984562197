"""Figure 1's size curve: the listing's latency and throughput at smaller catalogues.

Each extra size is its own fresh database seeded with `seed-demo --auctions N` (no
fixtures: the listing needs none) and its own server, pinned and loaded exactly as the
main run's (server on one core, wrk on the other), with the trivial ceiling measured on
that same server. The main run's own data is the largest point; its runs come from
figure 1, so they are not repeated here. PostgreSQL has only `bb_bench` and MySQL only
`bb_bench_my`, so the sizes run before the main run's seeding, each recreating it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench import data, load
from bench.server import TRIVIAL_PATH, Server, cores

#: The figure 1 cases on the curve: (label in figure 1, path).
CASES = (("default listing (page 1)", "/api/auctions"), ("page=200", "/api/auctions?page=200"))
TRIVIAL = "trivial JSON (bench route)"
#: The concurrencies of the curve (the full run measures figure 1 at these and at 64).
LEVELS = (1, 16)
#: "Flat": at the largest size, the cost of a listing request in trivial requests (trivial
#: req/s over listing req/s, on the same server) at most 1.25× the smallest size's. Raw
#: latencies of servers run minutes apart on a shared machine move with its load; the
#: same server's ceiling moves with them.
COST_FLAT = 1.25


@dataclass
class SizePoint:
    """The curve's runs at one catalogue size (seed-demo's N; the database holds N auctions)."""

    auctions: int
    seed_seconds: float
    runs: list[load.Run] = field(default_factory=list)


def parse(text: str) -> list[int]:
    """`--sizes 1000,10000` -> [1000, 10000]; an empty string or `none` -> []."""
    if text.strip().lower() in ("", "none"):
        return []
    return sorted({int(x.replace("_", "")) for x in text.split(",") if x.strip()})


def run(
    kind: str, sizes: list[int], workdir: Path, levels: tuple[int, ...], duration: float, warmup: float
) -> list[SizePoint]:
    """Seed, serve and measure each size in turn; every database is gone afterwards."""
    server_core, load_core = cores()
    points = []
    for size in sizes:
        db_file = workdir / f"size-{size}.db"
        url = f"sqlite:///{db_file}" if kind == "sqlite" else data.database_url(kind, workdir)
        print(f"[{kind}] size curve: seed-demo --auctions {size}", flush=True)
        data.recreate(kind)
        point = SizePoint(size, data.seed(url, size))
        data.analyze(kind)
        try:
            with Server(url, server_core) as server:
                wrk = load.Wrk(server.url, load_core, duration, warmup)
                for c in levels:
                    point.runs.append(wrk.get(TRIVIAL, TRIVIAL_PATH, c))
                    point.runs += [wrk.get(label, path, c) for label, path in CASES]
        finally:
            for path in workdir.glob(f"{db_file.name}*"):
                path.unlink()
        points.append(point)
    return points


def main_point(auctions: int, seed_seconds: float, browse: list[load.Run], ceilings: list[load.Run]) -> SizePoint:
    """The main run's own data as a point of the curve (from figure 1 and its ceilings)."""
    wanted = {label for label, _ in CASES}
    runs = [r for r in ceilings if r.label == TRIVIAL and r.connections in LEVELS]
    runs += [r for r in browse if r.label in wanted and r.connections in LEVELS]
    return SizePoint(auctions, seed_seconds, runs)


def problems(kind: str, points: list[SizePoint]) -> list[str]:
    """What makes the harness fail on the curve (not a missed goal)."""
    return [
        f"{kind}: size {p.auctions}: {r.label} c={r.connections}: {r.statuses} errors={r.socket_errors}"
        for p in points
        for r in p.runs
        if r.requests == 0 or r.unexpected or r.socket_errors
    ]
