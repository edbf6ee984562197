"""Socket.IO handlers for live bidding, in the /auctions namespace (see docs/realtime.md).

Thin adapters: each handler validates its payload with the forms, calls the same query or
service function as the REST API and answers through the acknowledgement. Broadcasting
is not done here: services publish after their commit, whichever adapter called them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO, join_room, leave_room, rooms
from sqlalchemy.exc import OperationalError

from bidbazaar import accounts, queries, rate_limits, realtime, services
from bidbazaar.doors import socket_refusal
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db, log, socketio
from bidbazaar.forms import (
    BidForm,
    JoinAuctionForm,
    ProxyForm,
    SocketBidTarget,
    SocketProxyTarget,
    parse_json_form,
    validation_error,
)
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import User, utcnow

#: A client that was away longer than this many events reloads the snapshot instead.
MAX_MISSED_EVENTS = 500


@dataclass(frozen=True)
class Client:
    """Who is behind a socket: fixed at connect, re-checked on every event."""

    user_id: int | None
    credential_id: int | None


_clients: dict[str, Client] = {}
_clients_lock = threading.Lock()
_rooms_lock = threading.Lock()
#: Handler names Socket.IO itself calls; a client frame may never reach them.
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect"})
#: The answers to failures that are not a rule's refusal (the REST ones are in errors.py).
RETRY_SHORTLY = DomainError("SERVICE_UNAVAILABLE", "Please retry shortly")
INTERNAL_ERROR = DomainError("INTERNAL_ERROR", "Internal server error")
#: Sent as `session_ended` to a socket whose session or token the server ended (logout
#: elsewhere, password change, deactivation) just before dropping it, and the data of the
#: refusal when a socket tries to connect again with that ended session: the page says
#: "You were signed out" and stops reconnecting, instead of retrying for ever.
SESSION_ENDED_EVENT = "session_ended"
SESSION_ENDED = {"error": "Your session has ended; log in again", "code": "SESSION_ENDED", "details": {}}


def _current_client() -> Client:
    return _clients.get(request.sid, Client(None, None))


def _live_user(client: Client) -> User | None:
    """The socket's user if its session or token is still valid (logout ends it at once)."""
    if client.credential_id is None:
        return None
    return accounts.credential_user(client.credential_id)


def _refusal(field: str, message: str) -> dict[str, Any]:
    return socket_refusal(validation_error({field: message}))


def acknowledged(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Turn every outcome into an acknowledgement; a bad payload never drops the socket.

    Marks the handler as a client event: only these are reachable from a client's frame.
    A frame may carry any number of arguments; an event takes at most one, its payload.
    """

    @wraps(handler)
    def wrapper(self: Any, *args: Any) -> dict[str, Any]:
        if len(args) > 1:
            return _refusal("payload", f"Send one JSON object, not {len(args)} arguments.")
        try:
            return to_jsonable({"ok": True, **handler(self, args[0] if args else None)})
        except DomainError as exc:
            db.session.rollback()
            return socket_refusal(exc)
        except OperationalError:
            db.session.rollback()
            return socket_refusal(RETRY_SHORTLY)
        except Exception:
            db.session.rollback()
            log.exception("socket handler %s failed", handler.__name__)
            return socket_refusal(INTERNAL_ERROR)

    wrapper.client_event = True  # type: ignore[attr-defined]
    return wrapper


def _join_auction_room(room: str) -> None:
    """Join, within SOCKET_MAX_ROOMS auction rooms per socket (re-joining one is free)."""
    limit = current_app.config["SOCKET_MAX_ROOMS"]
    # Counted from the server's own room table; the lock stops a burst of concurrent
    # joins from the same socket all passing the count before any of them joined.
    with _rooms_lock:
        try:
            joined = {r for r in rooms() if realtime.is_auction_room(r)}
            if room not in joined and len(joined) >= limit:
                raise DomainError(
                    "TOO_MANY_ROOMS",
                    f"This connection already watches {limit} auctions; leave one first",
                    {"limit": limit},
                )
            join_room(room)
        except (KeyError, ValueError):  # the client left before its join was handled: nobody to answer
            raise DomainError("NOT_FOUND", "This connection has closed") from None


def _payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise validation_error({"payload": "Must be a JSON object."})
    return dict(data)


class AuctionNamespace(Namespace):
    """Auction rooms (`auction:<id>`) for watchers; personal rooms (`user:<id>`, `credential:<id>`)."""

    def trigger_event(self, event: Any, sid: str, *args: Any) -> Any:
        """Dispatch a call: Socket.IO's own lifecycle calls, or a client's event.

        The server calls connect while the socket is still connecting and disconnect once
        it is leaving; a client frame named like them arrives while it is connected and is
        answered like any other name that is not a client event.
        """
        if not isinstance(event, str):
            return _refusal("event", "The event name must be a string.")
        if event in LIFECYCLE_EVENTS and self._is_lifecycle_call(event, sid):
            return super().trigger_event(event, sid, *args)
        if not getattr(getattr(self, f"on_{event}", None), "client_event", False):
            return _refusal("event", "Not an event of this namespace.")
        return super().trigger_event(event, sid, *args)

    def _is_lifecycle_call(self, event: str, sid: str) -> bool:
        manager = socketio.server.manager
        if event == "connect":
            return manager.is_pre_connected(sid, self.namespace)
        return not manager.is_connected(sid, self.namespace)

    def on_connect(self, auth: Any = None) -> None:
        if isinstance(auth, dict) and "token" in auth:
            user = accounts.user_from_socket_auth(auth)
            if user is None:
                raise ConnectionRefusedError("Invalid, expired or revoked token")
        elif current_user.is_authenticated:
            user = current_user._get_current_object()
        elif session.get("_user_id"):
            raise ConnectionRefusedError(SESSION_ENDED["error"], SESSION_ENDED)
        else:
            user = None
        credential = g.get("auth_token")
        client = Client(user.id if user else None, credential.id if user and credential else None)
        with _clients_lock:
            _clients[request.sid] = client
        if client.credential_id is not None:
            # Rooms the client cannot leave: revocation and personal events find it through them.
            join_room(realtime.user_room(client.user_id))
            join_room(realtime.credential_room(client.credential_id))

    def on_disconnect(self, reason: Any = None) -> None:
        with _clients_lock:
            _clients.pop(request.sid, None)

    @acknowledged
    def on_join_auction(self, data: Any) -> dict[str, Any]:
        fields = parse_json_form(JoinAuctionForm, body=_payload(data))
        viewer = _live_user(_current_client())
        auction = queries.auction_or_404(fields["auction_id"])
        # Join before reading: an event landing in between arrives twice (clients drop
        # seq they have seen), never zero times.
        _join_auction_room(realtime.auction_room(auction.id))
        answer: dict[str, Any] = {"auction": queries.auction_detail(auction, viewer), "server_time": utcnow()}
        since = fields.get("since_seq")
        if since is not None:
            if auction.event_seq - since > MAX_MISSED_EVENTS:
                answer.update(missed=[], gap_too_large=True)
            else:
                answer.update(missed=queries.events_since(auction, None, since, MAX_MISSED_EVENTS), gap_too_large=False)
        return answer

    @acknowledged
    def on_leave_auction(self, data: Any) -> dict[str, Any]:
        fields = parse_json_form(JoinAuctionForm, body=_payload(data))
        leave_room(realtime.auction_room(fields["auction_id"]))
        return {}

    @acknowledged
    def on_place_bid(self, data: Any) -> dict[str, Any]:
        body = _payload(data)
        target = parse_json_form(
            SocketBidTarget, body={k: body.pop(k) for k in ("auction_id", "client_bid_id") if k in body}
        )
        bidder = _live_user(_current_client())
        # As REST and the bid form: a too-high amount is named beside a refused field.
        rules = (lambda parsed: services.bid_amount_problems(bidder, target["auction_id"], parsed)) if bidder else None
        bid = parse_json_form(BidForm, body=body, rules=rules)
        if bidder is None:
            raise DomainError("AUTH_REQUIRED", "Log in to bid")
        rate_limits.charge_bid(bidder.id)  # the same per-user counter as REST and form bids
        placed = services.place_bid(bidder, target["auction_id"], bid, target.get("client_bid_id"))
        return {"bid": placed.bid, "auction": placed.auction, "replayed": placed.replayed}

    @acknowledged
    def on_set_proxy(self, data: Any) -> dict[str, Any]:
        """PUT /api/auctions/{id}/proxy over the socket: the same rule, charged as a bid."""
        body = _payload(data)
        target = parse_json_form(SocketProxyTarget, body={k: body.pop(k) for k in ("auction_id",) if k in body})
        fields = parse_json_form(ProxyForm, body=body)
        provider = _live_user(_current_client())
        if provider is None:
            raise DomainError("AUTH_REQUIRED", "Log in to bid")
        rate_limits.charge_bid(provider.id)  # a floor set while not leading bids at once
        result = services.set_proxy(provider, target["auction_id"], fields)
        return {"proxy": result.proxy, "bid": result.bid, "auction": result.auction}

    @acknowledged
    def on_cancel_proxy(self, data: Any) -> dict[str, Any]:
        """DELETE /api/auctions/{id}/proxy over the socket."""
        target = parse_json_form(SocketProxyTarget, body=_payload(data))
        provider = _live_user(_current_client())
        if provider is None:
            raise DomainError("AUTH_REQUIRED", "Log in to bid")
        services.cancel_proxy(provider, target["auction_id"])
        return {}

    @acknowledged
    def on_sync_time(self, data: Any = None) -> dict[str, Any]:
        return {"server_time": utcnow()}


def disconnect_revoked(sender: Any, user_id: int | None, token_ids: list[int] | None) -> None:
    """Logout, password change, deactivation: drop the affected sockets in every process."""
    if user_id is not None:
        realtime.publish_revocation(user_id, token_ids)


def drop_local_sockets(user_id: int, token_ids: list[int] | None) -> None:
    """This process's part of a revocation (runs here for revocations made in any process).

    The sockets are found in the server's room table, which no client event can edit. Each
    is told `session_ended` first, then dropped (one send queue per socket keeps the order).
    """
    if token_ids is None:
        revoked = [realtime.user_room(user_id)]
    else:
        revoked = [realtime.credential_room(token_id) for token_id in token_ids]
    if not revoked:
        return
    manager = socketio.server.manager
    doomed = {sid for sid, _ in manager.get_participants(realtime.NAMESPACE, revoked)}
    for sid in doomed:
        try:
            socketio.server.emit(
                SESSION_ENDED_EVENT, SESSION_ENDED, to=sid, namespace=realtime.NAMESPACE, ignore_queue=True
            )
        except Exception:
            log.exception("could not tell socket %s its session ended", sid)
        try:
            socketio.server.disconnect(sid, namespace=realtime.NAMESPACE, ignore_queue=True)
        except Exception:
            log.exception("could not disconnect socket %s", sid)


def register(socketio: SocketIO) -> None:
    """Attach the handlers to the app's SocketIO object."""
    socketio.on_namespace(AuctionNamespace(realtime.NAMESPACE))
    accounts.credentials_revoked.connect(disconnect_revoked)
    realtime.on_revocation(drop_local_sockets)
