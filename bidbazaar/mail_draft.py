"""What a composer of an email decides, and the site's absolute links (docs/email.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app


@dataclass
class Draft:
    """The subject, the template pair and its context, and for a non-essential email the
    one-click unsubscribe URL (RFC 8058)."""

    subject: str
    template: str  # "email/<name>": renders <name>.txt and <name>.html
    context: dict[str, Any] = field(default_factory=dict)
    unsubscribe_url: str | None = None


def site_url(path: str) -> str:
    """An absolute link on this site: BASE_URL, never the request's Host header."""
    return current_app.config["BASE_URL"] + path
