"""A bid's own latency does not grow with the mail sender running (issue 16):
`python -m bench.mail`.

Accepted bids per second with the sender off (MAIL_SEND_SECONDS=0) against the same server
with the sender on (MAIL_SEND_SECONDS=0.5) delivering to a deliberately SLOW SMTP server
(aiosmtpd, in this process, answering every message after DELAY seconds), in turns A B B A
so a drift in the machine's load falls on both alike. Goal: on / off >= 0.95.

The server is the bench's (gunicorn, the repo's gunicorn.conf.py, one worker pinned to one
core; wrk on the other), given only environment variables: MAIL_SEND_SECONDS and
MAIL_URL=smtp://127.0.0.1:<port>. The customer and the 64 providers have verified addresses
and the customer wants `new_bid` instantly, so every accepted bid writes at least one
pending outbox row (and each undercut an `outbid` row too): the sender always has work,
and with DELAY per message it never catches up while wrk runs, the worst case for sharing
the worker with the bids. Every turn bids on 1,000 auctions of its own (no turn inherits a
ladder from the one before).

    python -m bench.mail                         # SQLite -> bench/RESULTS-mail.md (+ .json)
    python -m bench.mail --db postgresql         # database bb_bench_mail (--database), dropped and created
    python -m bench.mail --smoke                 # ~1 minute; report in a temp file (.ci/bench-smoke)

Exits non-zero when the harness broke (a 5xx, no accepted bid, a traceback in the server's
log, or a turn with the sender on in which the SMTP server received nothing: the sender did
not run), not when the goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import data, load, report
from bench.server import Server, cores
from devtools.processes import free_port

#: Seconds the slow SMTP server takes to accept each message.
DELAY = 0.2
#: The sender's interval in the "on" turns.
SEND_SECONDS = "0.5"
GOAL = 0.95
#: After an "on" turn's load, how long the server may still run for its sender's first message.
SENDER_GRACE_SECONDS = 15.0
LABEL = "64 bidders spread over the turn's auctions"
MODES = ("off", "on")
OUT = Path(__file__).resolve().parent / "RESULTS-mail.md"


class SlowSMTP:
    """An aiosmtpd server on a free loopback port that takes `delay` seconds per message."""

    def __init__(self, delay: float) -> None:
        from aiosmtpd.controller import Controller  # requirements-dev.txt

        self.delay = delay
        self.received = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        await asyncio.sleep(self.delay)
        with self._lock:
            self.received += len(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Turn:
    """One server, sender off or on, and its bid run."""

    turn: int
    mode: str
    run: load.Run | None = None
    delivered: int = 0  # messages the slow SMTP server accepted while this turn's server ran
    outbox: dict[str, int] = field(default_factory=dict)  # rows by status after the turn
    tracebacks: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def accepted_per_second(self) -> float:
        return self.run.per_second("201") if self.run else 0.0


def prepare(app: Any, fx: data.Fixtures) -> None:
    """Verified addresses for the bench users, and the customer wants new_bid at once."""
    from sqlalchemy import update

    from bidbazaar.extensions import db
    from bidbazaar.mail_models import EmailMode, EmailPreference
    from bidbazaar.models import User

    with app.app_context():
        db.session.execute(update(User).where(User.username.like("bench%")).values(email_verified=True))
        db.session.add(EmailPreference(user_id=fx.customer_id, type="new_bid", mode=EmailMode.INSTANT))
        db.session.commit()


def fresh_auctions(app: Any, fx: data.Fixtures, turn: int, count: int) -> list[int]:
    """`count` new open auctions for this turn."""
    from sqlalchemy import select

    from bidbazaar.extensions import db
    from bidbazaar.models import Category, utcnow

    with app.app_context():
        now = utcnow()
        leaf = db.session.scalar(select(Category.id).where(Category.name == "Plumbing"))
        ids = [
            data._auction(db, fx.customer_id, leaf, f"Mail turn {turn}: #{i}", data.HOT_BUDGET, now).id
            for i in range(count)
        ]
        db.session.commit()
    return ids


def outbox_counts(app: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from bidbazaar.extensions import db
    from bidbazaar.mail_models import OutboundEmail

    with app.app_context():
        rows = db.session.execute(select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all()
        db.session.commit()
    return {status: n for status, n in rows}


def measure(turn: int, mode: str, url: str, app: Any, fx: data.Fixtures, smtp: SlowSMTP, args: Any) -> Turn:
    server_core, load_core = cores()
    result = Turn(turn, mode, load=os.getloadavg())
    auctions = fresh_auctions(app, fx, turn, args.spread)
    server = Server(url, server_core)
    server.env.update(
        {
            "MAIL_SEND_SECONDS": SEND_SECONDS if mode == "on" else "0",
            "MAIL_URL": smtp.url,
            "MAIL_DIR": tempfile.mkdtemp(prefix="bb-bench-mail-"),  # never the repo's instance/mail
        }
    )
    before = smtp.received
    with server:
        wrk = load.Wrk(server.url, load_core, args.duration, 0)
        result.run = wrk.bids(LABEL, auctions, fx.provider_tokens, int(data.HOT_BUDGET), args.connections)
        if mode == "on":
            # Under full load the worker gives its sender only a few messages per 10 s, so a
            # short smoke turn can end before the first one: give it time (outside the
            # measurement) to prove it runs, before the server stops.
            deadline = time.monotonic() + SENDER_GRACE_SECONDS
            while smtp.received == before and time.monotonic() < deadline:
                time.sleep(0.1)
        stderr = server.stderr_text()
    # From the server's start to its stop: a message the sender had in flight when wrk
    # ended still counts as this turn's.
    result.delivered = smtp.received - before
    result.tracebacks = stderr.count("Traceback")
    result.outbox = outbox_counts(app)
    return result


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summary(turns: list[Turn]) -> dict[str, float]:
    """Mean accepted bids/s and p99 per mode, and the ratio on / off against the goal."""
    off = [t for t in turns if t.mode == "off"]
    on = [t for t in turns if t.mode == "on"]
    off_rate, on_rate = _mean([t.accepted_per_second for t in off]), _mean([t.accepted_per_second for t in on])
    return {
        "off_accepted_per_second": off_rate,
        "on_accepted_per_second": on_rate,
        "off_p99_ms": _mean([t.run.p99_ms for t in off if t.run]),
        "on_p99_ms": _mean([t.run.p99_ms for t in on if t.run]),
        "ratio": on_rate / off_rate if off_rate else 0.0,
        "goal": GOAL,
    }


def problems(turns: list[Turn]) -> list[str]:
    """What makes the harness fail (the smoke check), not a missed goal."""
    found = []
    for t in turns:
        if t.run is None or t.run.statuses.get("201", 0) == 0 or t.run.server_errors:
            found.append(f"turn {t.turn} ({t.mode}): {t.run.statuses if t.run else 'no run'}")
        if t.tracebacks:
            found.append(f"turn {t.turn} ({t.mode}): {t.tracebacks} tracebacks in the server's log")
        if t.mode == "on" and t.delivered == 0:
            found.append(f"turn {t.turn} (on): the slow SMTP server received nothing: the sender did not run")
    return found


def render(facts: dict, turns: list[Turn], figures: dict[str, float]) -> str:
    met = "met" if figures["ratio"] >= GOAL else "MISSED"
    out = [
        "# A bid's own latency with the mail sender running (issue 16)",
        "",
        f"`{facts['command']}` at commit `{facts['commit']}`, {facts['date']}, {facts['wall_seconds']} s in all; "
        f"{facts['database']}. {facts['cores']} cores ({facts['cpu']}), Python {facts['python']}. Server: "
        "gunicorn, the repo's gunicorn.conf.py, one worker pinned to core 0; wrk on core 1. Bids: "
        f"{LABEL} ({facts['spread']:,} per turn), {facts['connections']} connections, {facts['duration']:g} s per turn, no warm-up. "
        f"Sender on: MAIL_SEND_SECONDS={SEND_SECONDS}, MAIL_URL at an aiosmtpd server that takes "
        f"{DELAY * 1000:.0f} ms per message.",
        "",
        f"**Accepted bids/s with the sender on / off: {figures['ratio']:.3f} (goal ≥ {GOAL}: {met}).** "
        f"Off: {figures['off_accepted_per_second']:,.1f}/s, p99 {figures['off_p99_ms']:.1f} ms; "
        f"on: {figures['on_accepted_per_second']:,.1f}/s, p99 {figures['on_p99_ms']:.1f} ms.",
        "",
        "| turn | sender | accepted bids/s | p50 ms | p99 ms | responses | delivered while its server ran | "
        "outbox after the turn | load average |",
        "| --: | --- | --: | --: | --: | --- | --: | --- | --- |",
    ]
    for t in turns:
        run = t.run
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted({**run.statuses, **run.codes}.items())) if run else ""
        outbox = ", ".join(f"{k}: {v}" for k, v in sorted(t.outbox.items()))
        out.append(
            f"| {t.turn} | {t.mode} | {t.accepted_per_second:,.1f} | {run.p50_ms if run else 0:.1f} | "
            f"{run.p99_ms if run else 0:.1f} | {statuses} | {t.delivered} | {outbox} | "
            f"{tuple(round(x, 2) for x in t.load)} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__)
    parser.add_argument("--db", choices=data.KINDS, default="sqlite")
    parser.add_argument(
        "--database",
        default="bb_bench_mail",
        help="PostgreSQL/MySQL database, dropped and created (default bb_bench_mail)",
    )
    parser.add_argument("--auctions", type=int, help="seed-demo size (default 1000; smoke 50)")
    parser.add_argument("--rounds", type=int, help="off/on pairs, every second one reversed (default 2: A B B A)")
    parser.add_argument("--duration", type=float, help="seconds of bidding per turn (default 10; smoke 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--spread", type=int, help="new auctions bid on per turn (default 1000; smoke 100)")
    parser.add_argument("--smoke", action="store_true", help="about a minute: proves the case works end to end")
    parser.add_argument("--out", type=Path, help=f"report (default {OUT.name}; smoke: a temp file)")
    args = parser.parse_args(argv)
    args.auctions = args.auctions or (50 if args.smoke else 1000)
    args.rounds = args.rounds or 2
    args.spread = args.spread or (100 if args.smoke else data.SPREAD_AUCTIONS)
    args.duration = args.duration or (3.0 if args.smoke else 10.0)
    workdir = Path(tempfile.mkdtemp(prefix="bb-bench-mail-"))
    args.out = args.out or (workdir / "RESULTS-mail.md" if args.smoke else OUT)
    data.PG_DATABASE = data.MY_DATABASE = args.database  # never the main bench's
    started = time.monotonic()
    facts = report.machine_facts()
    facts.update(
        command="python -m bench.mail "
        + " ".join(
            [f"--db {args.db}", f"--rounds {args.rounds}", f"--duration {args.duration:g}"]
            + (["--smoke"] if args.smoke else [])
        ),
        commit=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=data.ROOT
        ).stdout.strip(),
        connections=args.connections,
        spread=args.spread,
        duration=args.duration,
    )
    url = data.database_url(args.db, workdir)
    print(f"[mail] fresh {args.db} database, seed-demo --auctions {args.auctions}", flush=True)
    data.recreate(args.db)
    data.seed(url, args.auctions)
    app = data.make_app(url)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per connection
    fx = data.add_fixtures(app)
    prepare(app, fx)
    data.analyze(args.db)
    print(f"[mail] seeded and prepared in {time.monotonic() - started:.0f} s", flush=True)
    facts["database"] = data.describe(app)
    order = [m for n in range(args.rounds) for m in (MODES if n % 2 == 0 else MODES[::-1])]
    turns: list[Turn] = []
    try:
        with SlowSMTP(DELAY) as smtp:
            for number, mode in enumerate(order, start=1):
                print(f"[mail] turn {number}: sender {mode}", flush=True)
                turns.append(measure(number, mode, url, app, fx, smtp, args))
                print(f"[mail] turn {number}: {turns[-1].accepted_per_second:.1f} accepted/s", flush=True)
    finally:
        for path in workdir.glob("bench.db*"):
            path.unlink()
    figures = summary(turns)
    facts["wall_seconds"] = round(time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(facts, turns, figures))
    args.out.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "summary": figures, "turns": [asdict(t) for t in turns]}, indent=1, default=str)
    )
    print(f"[mail] on / off = {figures['ratio']:.3f} (goal >= {GOAL}); wrote {args.out}", flush=True)
    found = problems(turns)
    for problem in found:
        print(f"PROBLEM: {problem}", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
