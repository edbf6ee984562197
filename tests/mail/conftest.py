"""Fixtures the delivery tests share (helpers are in mail_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from smtp_server import SmtpServer


@pytest.fixture
def smtp_server(app: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, and the app's MAIL_URL pointing at it."""
    server = SmtpServer().start()
    app.config["MAIL_URL"] = server.url
    app.config["MAIL_TIMEOUT_SECONDS"] = 5
    try:
        yield server
    finally:
        server.stop()
