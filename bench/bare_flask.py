"""The trivial route's own ceiling: a bare Flask app on the same worker, measured in the same run.

gunicorn serves it with the repo's gunicorn.conf.py (gevent), like Bid Bazaar, and it answers
`GET /__bench/trivial` with the same `{"ok": true}`, with nothing else: no Flask-SocketIO or
Engine.IO wrapper, no login manager, CSRF, CORS, security headers, request id or access-log
hook. Bid Bazaar's trivial route ÷ this one is what its hooks and middleware cost (issue 19:
at least 0.80 of it).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from bench.server import TRIVIAL_PATH

app = Flask(__name__)


@app.get(TRIVIAL_PATH)
def trivial() -> Any:
    return jsonify({"ok": True})


@app.get("/api/health")
def health() -> Any:  # what Server.start polls
    return jsonify({"status": "ok"})
