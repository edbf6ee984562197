"""Figure 4's ceiling: a bare Flask-SocketIO app, measured in the same run as Bid Bazaar.

The same worker (gunicorn.conf.py: gevent, simple-websocket), namespace and events as the
real app, and nothing else: `join_auction` joins a room and acks, and a POST "bid" emits
`bid_placed` to that room after answering nothing but a counter. No database, no auth, no
event log. What it costs per delivered message is what Flask-SocketIO itself costs here.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from flask import Flask, jsonify
from flask_socketio import SocketIO, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode=os.environ.get("SOCKETIO_ASYNC_MODE", "gevent"), cors_allowed_origins="*")
_bid_ids = itertools.count(1)


@app.get("/api/health")
def health() -> Any:
    return jsonify({"status": "ok"})


@app.get("/api/auctions/<int:auction_id>")
def auction(auction_id: int) -> Any:
    return jsonify({"auction": {"id": auction_id, "lowest_bid": None, "budget_max": 100_000_000}})


@app.post("/api/auctions/<int:auction_id>/bids")
def bid(auction_id: int) -> Any:
    payload = {"auction_id": auction_id, "bid": {"id": next(_bid_ids)}}
    socketio.emit("bid_placed", payload, to=f"auction:{auction_id}", namespace="/auctions")
    return jsonify({"bid": payload["bid"]}), 201


@socketio.on("join_auction", namespace="/auctions")
def join_auction(data: dict[str, Any]) -> dict[str, Any]:
    join_room(f"auction:{data['auction_id']}")
    return {"ok": True}
