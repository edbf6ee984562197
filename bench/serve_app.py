"""The server under test: the repo's own app plus one bench-only route, the trivial ceiling.

gunicorn loads `bench.serve_app:app` with the repo's gunicorn.conf.py (the app comes from
wsgi.py, exactly as production gets it); without them, `python -m bench.serve_app` runs
what `python main.py` runs. `GET /__bench/trivial` answers `{"ok": true}` with no database
work, through the same middleware and hooks as every other route.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if (ROOT / "wsgi.py").exists():
    from wsgi import app
else:
    from main import app

from flask import jsonify  # noqa: E402

from bench.server import TRIVIAL_PATH  # noqa: E402


def trivial():
    return jsonify({"ok": True})


app.add_url_rule(TRIVIAL_PATH, "bench_trivial", trivial)


def memory_profile():  # pragma: no cover - bench only
    """BENCH_TRACEMALLOC=1 (with PYTHONTRACEMALLOC): `?mark=1` remembers a snapshot; a
    plain call answers what was allocated since, by line, and the live greenlets by task."""
    import collections
    import gc
    import tracemalloc

    import greenlet
    from flask import request

    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    if request.args.get("mark"):
        app.config["BENCH_MEMORY_MARK"] = snapshot
        return jsonify({"marked": True})
    grown = snapshot.compare_to(app.config["BENCH_MEMORY_MARK"], "lineno")
    tasks = collections.Counter()
    for item in gc.get_objects():
        if isinstance(item, greenlet.greenlet):
            run = getattr(item, "_run", None) or getattr(item, "run", None)
            tasks[getattr(run, "__qualname__", type(run).__name__)] += 1
    return jsonify(
        {
            "traced_bytes": sum(stat.size_diff for stat in grown),
            "top": [[stat.size_diff, stat.count_diff, str(stat.traceback)] for stat in grown[:25]],
            "greenlets": tasks.most_common(10),
        }
    )


if os.environ.get("BENCH_TRACEMALLOC"):
    app.add_url_rule(TRIVIAL_PATH.replace("trivial", "memory"), "bench_memory", memory_profile)

if __name__ == "__main__":
    # As main.py's __main__ block does (the sweeper stays off: CLOSE_SWEEP_SECONDS=0).
    from bidbazaar.extensions import db, socketio
    from bidbazaar.seed import seed_categories

    with app.app_context():
        db.create_all()
        seed_categories()
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        debug=False,
        use_reloader=False,
        allow_unsafe_werkzeug=True,
    )
