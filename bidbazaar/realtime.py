"""Where committed changes go out to live clients: one namespace, a room per auction and per user.

With SOCKETIO_MESSAGE_QUEUE set, every emit also goes through the queue (Redis) to the
other server processes, which deliver it to their own clients. The same queue carries
one server-to-server message that no client ever sees: "these credentials were revoked",
so that each process drops the affected sockets it holds (logout works everywhere).

Every authenticated socket is in two rooms the client cannot leave: its user's room and
its credential's room. Revocation finds sockets through them (the server's own room
table), and personal events go only to the rooms of credentials that are still valid.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import socketio as socketio_server
from sqlalchemy import select

from bidbazaar import credentials
from bidbazaar.extensions import db, log, socketio
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import AuthToken, User

NAMESPACE = "/auctions"
#: A namespace no client can join (nothing is registered on it): server-to-server only.
CONTROL_NAMESPACE = "/_bidbazaar_control"
REVOKED_EVENT = "credentials_revoked"
#: The health check must stay cheap: a dead Redis answers within this many seconds.
HEALTH_TIMEOUT_SECONDS = 0.5
_AUCTION_PREFIX = "auction:"
_USER_PREFIX = "user:"

_revocation_handlers: list[Callable[[int, list[int] | None], None]] = []


def auction_room(auction_id: int) -> str:
    return f"{_AUCTION_PREFIX}{auction_id}"


def is_auction_room(room: str) -> bool:
    return room.startswith(_AUCTION_PREFIX)


def user_room(user_id: int) -> str:
    """Every socket of a user (revocation drops them); personal events go to personal_rooms_of()."""
    return f"{_USER_PREFIX}{user_id}"


def credential_room(credential_id: int) -> str:
    """The sockets opened with one session or API token."""
    return f"credential:{credential_id}"


def personal_rooms_of(user_ids: list[int]) -> dict[int, list[str]]:
    """The rooms reaching each user's sockets whose credential is still valid, in one query.

    A write reads them inside its own transaction (services.notifications, before the
    commit): after the commit the connection is back in the pool, and checking one out
    again (with PostgreSQL's pre-ping) cost more than the bid's own statements.
    """
    rooms: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    rows = db.session.execute(
        select(AuthToken.user_id, AuthToken.id)
        .join(User, AuthToken.user_id == User.id)
        .where(AuthToken.user_id.in_(user_ids), *credentials.still_valid())
    )
    for user_id, credential_id in rows:
        rooms[user_id].append(credential_room(credential_id))
    return rooms


def publish(event: str, payload: dict[str, Any], room: str | list[str]) -> None:
    """Emit to a room, or to a list of rooms (personal_rooms_of()); never raises (a message-queue
    outage must not fail a committed bid). An empty list sends nothing: to emit it would
    mean "everyone"."""
    try:
        if room:
            socketio.emit(event, to_jsonable(payload), to=room, namespace=NAMESPACE)
    except Exception:
        log.exception("could not publish %s to %s", event, room)


# --------------------------------------------------------------------------- revocation


def on_revocation(handler: Callable[[int, list[int] | None], None]) -> None:
    """Run `handler(user_id, token_ids)` in every process when credentials are revoked."""
    if handler not in _revocation_handlers:
        _revocation_handlers.append(handler)


def _run_revocation_handlers(message: dict[str, Any]) -> None:
    for handler in _revocation_handlers:
        try:
            handler(int(message["user_id"]), message.get("token_ids"))
        except Exception:
            log.exception("revocation handler failed")


def publish_revocation(user_id: int, token_ids: list[int] | None) -> None:
    """Tell every process (this one first, at once) to drop the sockets of these credentials.

    Never raises: with the queue down the local sockets still go, and every socket event
    re-checks its credential anyway, so a remote socket can no longer act.
    """
    message = {"user_id": user_id, "token_ids": token_ids}
    manager = getattr(socketio.server, "manager", None)
    if not isinstance(manager, RevocationRelay):
        _run_revocation_handlers(message)
        return
    try:
        manager.emit(REVOKED_EVENT, message, namespace=CONTROL_NAMESPACE)
    except Exception:
        log.exception("could not publish a revocation for user %s", user_id)


class RevocationRelay(socketio_server.PubSubManager):
    """A message-queue manager that turns the control event into a local hook call.

    PubSubManager.emit hands each message to `_handle_emit` in this process and publishes
    it; every other process's listener hands it to its own `_handle_emit`. That method is
    private: python-socketio has no public server-to-server message (its issue #1436 asks
    for one), so this class is the app's only dependency on it, and
    tests/test_library_adapters.py fails if an upgrade renames or reroutes it.
    """

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("namespace") == CONTROL_NAMESPACE:
            if message.get("event") == REVOKED_EVENT and message.get("data"):
                _run_revocation_handlers(message["data"][0])
            return
        super()._handle_emit(message)


class RedisRelay(RevocationRelay, socketio_server.RedisManager):
    pass


class KombuRelay(RevocationRelay, socketio_server.KombuManager):
    pass


def client_manager(url: str | None, channel: str = "flask-socketio") -> socketio_server.Manager:
    """The Socket.IO client manager: local only, or shared through the message queue at `url`.

    Redis and AMQP (kombu) URLs are supported, as Flask-SocketIO would choose them.
    """
    if not url:
        return socketio_server.Manager()
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A connect timeout, so an unreachable host cannot hang a request that publishes.
        return RedisRelay(url, channel=channel, redis_options={"socket_connect_timeout": 2})
    return KombuRelay(url, channel=channel)


# --------------------------------------------------------------------------- health


def message_queue_status(url: str | None) -> str:
    """`not_configured`, `ok` or `down`, answered within HEALTH_TIMEOUT_SECONDS."""
    if not url:
        return "not_configured"
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=HEALTH_TIMEOUT_SECONDS, socket_timeout=HEALTH_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            parsed = urlparse(url)
            with socket.create_connection(
                (parsed.hostname or "localhost", parsed.port or 5672), HEALTH_TIMEOUT_SECONDS
            ):
                pass
    except Exception:
        return "down"
    return "ok"
