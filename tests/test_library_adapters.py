"""The app's only uses of libraries' private APIs, each behind one small adapter: these tests
fail loudly when an upgrade renames or reroutes what the adapter relies on.

- rate_limits.trust_new_storage sets Flask-Limiter's `Limiter._storage_dead` (no public way
  to say "this new storage is healthy").
- realtime.RevocationRelay overrides python-socketio's `PubSubManager._handle_emit` (no
  public server-to-server message; the library's issue #1436 asks for one).
"""

from __future__ import annotations

import inspect
import logging
from types import SimpleNamespace
from typing import Any

import pytest
import socketio
from flask import Flask
from flask_limiter import Limiter
from limits.storage import MemoryStorage

from bidbazaar import rate_limits, realtime

# --------------------------------------------------------------------------- Flask-Limiter


def limiter_with_fallback() -> Limiter:
    limiter = Limiter(key_func=lambda: "k", in_memory_fallback_enabled=True, storage_uri="memory://")
    limiter.init_app(Flask("adapter-test"))
    return limiter


def test_flask_limiter_still_keeps_the_dead_storage_flag_on_the_instance() -> None:
    limiter = limiter_with_fallback()

    assert vars(limiter).get("_storage_dead") is False, "Flask-Limiter renamed or moved _storage_dead"


def test_the_flag_still_decides_between_the_storage_and_the_in_memory_fallback() -> None:
    limiter = limiter_with_fallback()
    healthy = limiter.limiter  # the public property every charge goes through

    limiter._storage_dead = True  # what Flask-Limiter itself sets when the storage fails
    assert limiter.limiter is not healthy, "setting _storage_dead no longer switches to the fallback"
    assert isinstance(limiter.limiter.storage, MemoryStorage)

    rate_limits.trust_new_storage(limiter)
    assert limiter.limiter is healthy


# --------------------------------------------------------------------------- python-socketio


class LoopbackRelay(realtime.RevocationRelay):
    """A RevocationRelay over an in-memory queue: `_publish` and `_listen` are the two methods
    python-socketio asks a pub/sub backend to implement."""

    def __init__(self, inbox: list[dict[str, Any]] | None = None) -> None:
        super().__init__(channel="adapter-test", logger=logging.getLogger("adapter-test"))
        self.server = SimpleNamespace(logger=logging.getLogger("adapter-test"))
        self.inbox = inbox or []
        self.published: list[dict[str, Any]] = []

    def _publish(self, data: dict[str, Any]) -> None:
        self.published.append(data)

    def _listen(self) -> Any:
        yield from self.inbox


@pytest.fixture
def revocations(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(realtime, "_run_revocation_handlers", seen.append)
    return seen


def revoke(relay: LoopbackRelay) -> None:
    relay.emit(realtime.REVOKED_EVENT, {"user_id": 7, "token_ids": [3]}, namespace=realtime.CONTROL_NAMESPACE)


def test_python_socketio_still_has_handle_emit_taking_one_message() -> None:
    method = getattr(socketio.PubSubManager, "_handle_emit", None)

    assert method is not None, "python-socketio renamed PubSubManager._handle_emit"
    assert list(inspect.signature(method).parameters) == ["self", "message"]


def test_a_revocation_reaches_this_process_hooks_and_is_published_for_the_others(revocations: list[Any]) -> None:
    relay = LoopbackRelay()

    revoke(relay)

    assert revocations == [{"user_id": 7, "token_ids": [3]}], "emit no longer hands its message to _handle_emit"
    assert [m["namespace"] for m in relay.published] == [realtime.CONTROL_NAMESPACE]


def test_another_process_revocation_reaches_the_hooks_through_the_listener(revocations: list[Any]) -> None:
    sender = LoopbackRelay()
    revoke(sender)
    revocations.clear()
    receiver = LoopbackRelay(inbox=sender.published)

    receiver._thread()  # the listener loop; it returns when _listen runs dry

    assert revocations == [{"user_id": 7, "token_ids": [3]}], "the listener no longer calls _handle_emit"


def test_room_events_still_go_to_python_socketio_delivery(
    monkeypatch: pytest.MonkeyPatch, revocations: list[Any]
) -> None:
    delivered: list[tuple[Any, ...]] = []
    monkeypatch.setattr(socketio.Manager, "emit", lambda self, event, data, **kw: delivered.append((event, data)))
    relay = LoopbackRelay()

    relay.emit("bid_placed", {"seq": 1}, namespace=realtime.NAMESPACE, to="auction:1")

    assert delivered == [("bid_placed", {"seq": 1})] and revocations == []
