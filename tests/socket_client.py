"""A recording python-socketio client for tests that drive a real server over Socket.IO."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import requests
import socketio as socketio_client
from helpers import NS

from bidbazaar.openapi.events import EVENT_TYPES

TIMEOUT = 20.0


class Watcher:
    """A python-socketio client recording every event it receives, in order."""

    EVENTS = (*EVENT_TYPES, "notification")  # every room event, named after its log entry

    def __init__(
        self,
        url: str,
        token: str | None = None,
        transports: list[str] | None = None,
        reconnection: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.disconnected = threading.Event()
        self.connects = 0
        self._changed = threading.Condition()
        http = requests.Session()
        http.verify, http.trust_env = False, False  # REQUESTS_CA_BUNDLE would override verify
        self.client = socketio_client.Client(
            reconnection=reconnection,
            reconnection_delay=0.2,
            reconnection_delay_max=1,
            ssl_verify=False,
            http_session=http,
        )
        self.client.on("connect", self._count_connect, namespace=NS)
        for name in self.EVENTS:
            self.client.on(name, self._recorder(name), namespace=NS)
        self.client.on("disconnect", self.disconnected.set, namespace=NS)
        self.client.connect(
            url,
            namespaces=[NS],
            auth={"token": token} if token else None,
            transports=transports or ["websocket"],
            headers=headers or {},
            wait_timeout=10,
        )

    def _count_connect(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def wait_connects(self, count: int, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.connects < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"only {self.connects} of {count} connects"
                self._changed.wait(remaining)

    def seqs(self, name: str = "bid_placed") -> list[int]:
        with self._changed:
            return [frame["seq"] for frame in self.events[name]]

    def _recorder(self, name: str) -> Callable[[dict[str, Any]], None]:
        def record(payload: dict[str, Any]) -> None:
            with self._changed:
                self.events[name].append(payload)
                self._changed.notify_all()

        return record

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.client.call(event, data, namespace=NS, timeout=10)

    def join(self, auction_id: int, since_seq: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"auction_id": auction_id}
        if since_seq is not None:
            body["since_seq"] = since_seq
        answer = self.call("join_auction", body)
        assert answer["ok"] is True, answer
        return answer

    def wait_for(self, name: str, count: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.events[name]) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"only {len(self.events[name])} of {count} {name} events arrived"
                self._changed.wait(remaining)
            return list(self.events[name])

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()
