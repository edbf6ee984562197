"""Where committed changes go out to live clients: one namespace, a room per auction and per user."""

from __future__ import annotations

from typing import Any

from app import log, socketio, to_jsonable

NAMESPACE = "/auctions"


def auction_room(auction_id: int) -> str:
    return f"auction:{auction_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def publish(event: str, payload: dict[str, Any], room: str) -> None:
    """Emit to a room; never raises (a message-queue outage must not fail a committed bid)."""
    try:
        socketio.emit(event, to_jsonable(payload), to=room, namespace=NAMESPACE)
    except Exception:
        log.exception("could not publish %s to %s", event, room)
