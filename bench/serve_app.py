"""The server under test: the repo's own app plus one bench-only route, the trivial ceiling.

gunicorn loads `bench.serve_app:app` with the repo's gunicorn.conf.py (the app comes from
wsgi.py, exactly as production gets it); without them, `python -m bench.serve_app` runs
what `python main.py` runs. `GET /__bench/trivial` answers `{"ok": true}` with no database
work, through the same middleware and hooks as every other route.
"""

from __future__ import annotations

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

if __name__ == "__main__":
    # As main.py's __main__ block does (the sweeper stays off: CLOSE_SWEEP_SECONDS=0).
    from app import db, socketio
    from seed import seed_categories

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
