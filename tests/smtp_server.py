"""A real SMTP server for tests and the bench: aiosmtpd on 127.0.0.1 and a free port.

It keeps every message it accepted (envelope and parsed message), can be stopped and
started again on the same port (a mail server outage), refuses chosen recipients for good
(550) or for now (451), and can answer DATA slowly (a slow provider, for the bench).

    server = SmtpServer().start()
    ... MAIL_URL = server.url ...
    server.refuse("x@example.com", 550); server.stop(); server.start()
    server.wait_for(3); server.messages; server.message_ids()
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from devtools.processes import free_port


@dataclass(frozen=True)
class Received:
    """One accepted message: who the envelope named and what arrived."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any) -> str:
        code = self.server.refused.get(address.lower())
        if code is not None:
            return f"{code} {'5.1.1 mailbox unavailable' if code >= 500 else '4.2.1 try again later'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.server.data_delay:
            await asyncio.sleep(self.server.data_delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpServer:
    """A loopback SMTP server; see the module docstring."""

    def __init__(self, port: int | None = None, credentials: tuple[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.refused: dict[str, int] = {}  # address (lower case) -> 550 or 451
        self.data_delay = 0.0  # seconds before each DATA is answered
        self.credentials = credentials  # (user, password): AUTH required, over plain text
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The MAIL_URL that points at this server."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpServer:
        """Listen (again) on the same port."""
        if self._controller is None:
            auth: dict[str, Any] = {}
            if self.credentials:
                auth = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
            self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10, **auth)
            self._controller.start()
        return self

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
        return AuthResult(success=given == self.credentials)

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str, code: int = 550) -> None:
        """Answer RCPT TO for this address with `code` (5xx permanent, 4xx temporary)."""
        self.refused[address.lower()] = code

    def accept(self, address: str) -> None:
        self.refused.pop(address.lower(), None)

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, duplicates included."""
        return [str(item.message["Message-ID"]) for item in self.received()]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Poll until at least `count` messages arrived; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while len(self.received()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} messages expected, {len(self.received())} arrived")
            time.sleep(0.02)
        return self.received()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
