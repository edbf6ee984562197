"""Log lines: each carries the request id; JSON in production (LOG_FORMAT=json), UTC always.

Fields passed with `extra=` (accounts.audit() passes event, user_id, ip, request_id) become
JSON keys; a field whose name looks like a credential is never written out.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_app_context

#: What every LogRecord has anyway: not copied into the JSON as extra fields.
STANDARD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
SECRET_FIELD = re.compile(r"pass(word)?|token|secret|authorization|cookie|csrf", re.IGNORECASE)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamp every record with the request id of the request that logged it ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = (g.get("request_id") if has_app_context() else None) or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in STANDARD_FIELDS or key in entry or key.startswith("_"):
                continue
            entry[key] = "[redacted]" if SECRET_FIELD.search(key) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    converter = time.gmtime  # UTC, like the JSON lines

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record arrives (gunicorn and pytest swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def make_handler(fmt: str) -> logging.Handler:
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.bidbazaar = True  # type: ignore[attr-defined]
    return handler


def init_app(app: Flask) -> None:
    """One handler on the root logger, replacing the one an earlier app of this process set.

    Under pytest (TESTING) the log capture owns the root logger: nothing is installed.
    """
    if app.testing:
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "bidbazaar", False)]:
        root.removeHandler(handler)
    root.addHandler(make_handler(app.config["LOG_FORMAT"]))
    root.setLevel(app.config["LOG_LEVEL"])
