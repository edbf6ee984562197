"""PNG plots next to RESULTS.md (`plots/*.png`), one function per figure.

To add a figure, write a function that takes the run's results (one `DatabaseResult` per
database) and returns a matplotlib `Figure`, or None when the run has no data for it, and
decorate it with `@figure("file-name.png", "caption")`; `write_all` draws every registered
figure and RESULTS.md links each one that was written. matplotlib is imported here only
(requirements-bench.txt), with the Agg backend: no display is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from bench import peer as peer_bench
from bench import scale, sizes

if TYPE_CHECKING:
    from bench.harness import DatabaseResult

Draw = Callable[[list["DatabaseResult"]], Figure | None]


@dataclass(frozen=True)
class Plot:
    name: str
    caption: str
    draw: Draw


#: Every figure, in the order RESULTS.md lists them.
FIGURES: list[Plot] = []


def figure(name: str, caption: str) -> Callable[[Draw], Draw]:
    """Register `draw` as the plot `plots/<name>`."""

    def register(draw: Draw) -> Draw:
        FIGURES.append(Plot(name, caption, draw))
        return draw

    return register


def write_all(results: list[DatabaseResult], directory: Path) -> list[tuple[str, Path]]:
    """Draw every registered figure that has data into `directory`; (caption, path) of each."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for plot in FIGURES:
        drawn = plot.draw(results)
        if drawn is None:
            continue
        path = directory / plot.name
        drawn.savefig(path, dpi=110, bbox_inches="tight")
        written.append((plot.caption, path))
    return written


def _grid(rows: int, columns: int, title: str, width: float = 5.5, height: float = 3.6) -> tuple[Figure, list]:
    """A figure with a grid of rows by columns axes, returned as a list of rows of axes."""
    fig = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    fig.suptitle(title)
    return fig, [list(row) for row in axes]


# --------------------------------------------------------------------------- figure 1


def _size_points(result: DatabaseResult) -> list[sizes.SizePoint]:
    """The extra sizes plus the main run's own data, smallest first."""
    extra = list(result.sizes)
    main = sizes.main_point(result.auctions, result.seed_seconds, result.browse, result.ceilings)
    return sorted([*extra, main], key=lambda p: p.auctions)


@figure("fig1-latency-vs-size.png", "Figure 1: listing latency (p50, p99) versus catalogue size")
def latency_vs_size(results: list[DatabaseResult]) -> Figure | None:
    curves = [(r.kind, _size_points(r)) for r in results]
    curves = [(kind, points) for kind, points in curves if len(points) > 1]
    if not curves:
        return None
    levels = sorted({run.connections for _, points in curves for p in points for run in p.runs})
    fig, axes = _grid(len(curves), len(levels), "GET /api/auctions: latency versus catalogue size (flat is the goal)")
    for row, (kind, points) in zip(axes, curves, strict=True):
        for ax, c in zip(row, levels, strict=True):
            for label, _path in sizes.CASES:
                for attr, style in (("p50_ms", "-o"), ("p99_ms", "--s")):
                    xs, ys = [], []
                    for point in points:
                        run = next((r for r in point.runs if r.label == label and r.connections == c), None)
                        if run is not None:
                            xs.append(point.auctions)
                            ys.append(getattr(run, attr))
                    ax.plot(xs, ys, style, label=f"{label} {attr[:3]}")
            # Log scales: p50 and p99 differ by 10-100x under gevent, and the sizes by 100x.
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{kind}, c={c}")
            ax.set_xlabel("auctions in the catalogue")
            ax.set_ylabel("latency, ms (log)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    return fig


@figure("fig1-browse-throughput.png", "Figure 1: browse throughput per case against the trivial ceiling")
def browse_throughput(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.browse]
    if not shown:
        return None
    levels = sorted({run.connections for r in shown for run in r.browse})
    fig, axes = _grid(len(shown), len(levels), "GET /api/auctions: req/s per case (line: trivial JSON ceiling)")
    for row, result in zip(axes, shown, strict=True):
        for ax, c in zip(row, levels, strict=True):
            runs = [r for r in result.browse if r.connections == c]
            ax.barh([r.label for r in runs], [r.rps for r in runs], color="tab:blue")
            ax.invert_yaxis()
            ceiling = _trivial(result, c)
            if ceiling:
                ax.axvline(ceiling, color="tab:red", linestyle="--", label=f"trivial {ceiling:,.0f}")
                ax.axvline(0.6 * ceiling, color="tab:orange", linestyle=":", label="goal 0.60× (default)")
                ax.legend(fontsize=7, loc="lower right")
            ax.set_title(f"{result.kind}, c={c}")
            ax.set_xlabel("requests/s")
            ax.tick_params(axis="y", labelsize=7)
    return fig


def _trivial(result: DatabaseResult, connections: int) -> float:
    """The mean trivial-JSON req/s at this concurrency, before and after (as report.py does)."""
    runs = [
        r
        for r in [*result.ceilings, *result.ceilings_after]
        if r.label == sizes.TRIVIAL and r.connections == connections
    ]
    return sum(r.requests for r in runs) / sum(r.seconds for r in runs) if runs else 0.0


# --------------------------------------------------------------------------- figure 3


@figure("fig3-hot-auction-bids.png", "Figure 3: bids per second, accepted and processed, against the ceiling")
def hot_auction(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.bids]
    if not shown:
        return None
    fig, axes = _grid(1, len(shown), "POST /api/auctions/{id}/bids (line: trivial JSON at c=64)")
    for ax, result in zip(axes[0], shown, strict=True):
        labels = [f"{r.label}\n(c={r.connections})" for r in result.bids]
        ys = range(len(result.bids))
        ax.barh([y - 0.2 for y in ys], [r.per_second("201") for r in result.bids], 0.4, label="accepted (201)")
        ax.barh([y + 0.2 for y in ys], [r.rps for r in result.bids], 0.4, label="processed (all)")
        ax.set_yticks(list(ys), labels, fontsize=7)
        ax.invert_yaxis()
        ceiling = _trivial(result, 64) or _trivial(result, result.bids[0].connections)
        if ceiling:
            ax.axvline(ceiling, color="tab:red", linestyle="--", label=f"trivial {ceiling:,.0f}")
        ax.set_title(result.kind)
        ax.set_xlabel("requests/s")
        ax.legend(fontsize=7, loc="lower right")
    return fig


# --------------------------------------------------------------------------- figure 6


def _throughput(result: scale.ScaleResult, setup: str, label: str, c: int) -> float:
    run = next(
        (m.run for m in result.runs if m.setup == setup and m.run.label == label and m.run.connections == c), None
    )
    return run.rps if run else 0.0


@figure("fig6-two-processes.png", "Figure 6: the listing through nginx, one process and two")
def two_processes(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.scale is not None]
    if not shown:
        return None
    fig, axes = _grid(1, len(shown), "GET /api/auctions: one process and two behind nginx (dotted: goal 1.6× one)")
    setups = (scale.DIRECT, scale.ONE, scale.TWO)
    for ax, result in zip(axes[0], shown, strict=True):
        levels = sorted({m.run.connections for m in result.scale.runs})
        width = 0.8 / len(setups)
        for i, setup in enumerate(setups):
            xs = [n + (i - 1) * width for n in range(len(levels))]
            ax.bar(xs, [_throughput(result.scale, setup, "listing", c) for c in levels], width, label=setup)
        for n, c in enumerate(levels):
            one = _throughput(result.scale, scale.ONE, "listing", c)
            ax.hlines(scale.GOAL * one, n - 0.4, n + 0.4, colors="tab:red", linestyles=":")
        ax.set_xticks(range(len(levels)), [f"c={c}" for c in levels])
        ax.set_ylabel("listing requests/s")
        ax.set_title(result.kind)
        ax.legend(fontsize=7)
    return fig


# --------------------------------------------------------------------------- figures 4 and 5


@figure("fig4-fanout.png", "Figure 4: from a bid's 201 to its bid_placed at the watchers (p50, p99, last watcher)")
def fanout(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.sockets is not None and r.sockets.fanout]
    if not shown:
        return None
    fig, axes = _grid(1, len(shown), "Socket.IO fan-out: delay after the bid's 201 (goal: last watcher p99 < 100 ms)")
    for ax, result in zip(axes[0], shown, strict=True):
        runs = result.sockets.fanout
        labels = [run.label for run in runs]
        positions = range(len(runs))
        width = 0.2
        for offset, (attr, name) in enumerate(
            (("p50_ms", "p50"), ("p99_ms", "p99"), ("last_p50_ms", "last watcher p50"), ("last_p99_ms", "last p99"))
        ):
            ax.bar([p + (offset - 1.5) * width for p in positions], [getattr(r, attr) for r in runs], width, label=name)
        ax.axhline(100, color="tab:red", linestyle="--", label="goal: last p99 < 100 ms at 1,000")
        ax.set_xticks(list(positions), labels, fontsize=7)
        ax.set_ylabel("ms")
        ax.set_title(
            f"{result.kind} (server CPU/msg: " + ", ".join(f"{r.cpu_us_per_message:.0f}" for r in runs) + " µs)"
        )
        ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    return fig


@figure("fig5-idle-connections.png", "Figure 5: memory per idle connection and trivial JSON with 10,000 connected")
def idle_connections(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.sockets is not None and r.sockets.idle is not None]
    if not shown:
        return None
    fig, axes = _grid(1, 2, "Idle Socket.IO connections on one process")
    memory, throughput = axes[0]
    names = [r.kind for r in shown]
    memory.bar(names, [r.sockets.idle.kb_per_connection for r in shown], color="tab:blue")
    memory.axhline(50, color="tab:red", linestyle="--", label="goal ≤ 50 KB")
    memory.set_ylabel("KB of worker RSS per connection")
    memory.legend(fontsize=7)
    width = 0.35
    positions = range(len(shown))
    without = [r.sockets.idle.without_rps for r in shown]
    with_sockets = [r.sockets.idle.trivial_with.rps if r.sockets.idle.trivial_with else 0 for r in shown]
    throughput.bar([p - width / 2 for p in positions], without, width, label="trivial JSON, no sockets (mean)")
    throughput.bar([p + width / 2 for p in positions], with_sockets, width, label="with the sockets connected")
    throughput.set_xticks(list(positions), names)
    throughput.set_ylabel("requests/s (c=16)")
    throughput.legend(fontsize=7)
    return fig


# --------------------------------------------------------------------------- figure 9


@figure("fig9-beside-the-peer.png", "Figure 9: Bid Bazaar beside the Django REST Framework peer, each case and level")
def beside_the_peer(results: list[DatabaseResult]) -> Figure | None:
    shown = [r for r in results if r.peer is not None and r.peer.measured]
    if not shown:
        return None
    cases = (peer_bench.TRIVIAL, peer_bench.LISTING, peer_bench.DETAIL, peer_bench.BIDS)
    fig, axes = _grid(
        len(shown), len(cases), "Same data, same wrk scripts: req/s (bids: accepted/s), mean of two rounds"
    )
    for row, result in zip(axes, shown, strict=True):
        sides = [peer_bench.BIDBAZAAR, *peer_bench.peer_sides(result.peer)]
        levels = peer_bench.levels_of(result.peer)
        width = 0.8 / len(sides)
        for ax, case in zip(row, cases, strict=True):
            index = 1 if case == peer_bench.BIDS else 0
            for n, side in enumerate(sides):
                values = [peer_bench.side_mean(result.peer, side, case, c)[index] for c in levels]
                ax.bar([i + (n - (len(sides) - 1) / 2) * width for i in range(len(levels))], values, width, label=side)
            ax.set_xticks(list(range(len(levels))), [f"c={c}" for c in levels])
            ax.set_title(f"{result.kind}: {case}", fontsize=9)
            ax.legend(fontsize=7)
    return fig
