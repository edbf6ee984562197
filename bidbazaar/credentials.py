"""When a browser session or an API token still authenticates: the one rule every check uses.

A credential (an AuthToken row) counts while it is neither revoked nor expired and its user
is active. accounts asks this for each request (cookie or bearer) and each socket event;
realtime asks it inside a write transaction for the rooms a personal event may reach. It
sits below both because realtime serves services, which may not import accounts.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from bidbazaar.models import AuthToken, User, utcnow


def still_valid() -> list[ColumnElement[bool]]:
    """SQL conditions on an AuthToken joined to its User: not revoked, not expired, user active."""
    return [AuthToken.revoked_at.is_(None), AuthToken.expires_at > utcnow(), User.is_active.is_(True)]
