"""Helpers of the watching tests: who got an ending_soon notice, standings by auction."""

from __future__ import annotations

from typing import Any

from helpers import count
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Notification


def ending_soon_count(user_id: int | None = None, auction_id: int | None = None) -> int:
    """How many ending_soon notifications are stored (for a user, an auction)."""
    where = [Notification.type == "ending_soon"]
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    if auction_id is not None:
        where.append(Notification.auction_id == auction_id)
    return count(Notification, *where)


def told(auction_id: int) -> list[int]:
    """The user ids told that the auction ends soon, one entry per notice, sorted."""
    db.session.commit()
    return sorted(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.type == "ending_soon", Notification.auction_id == auction_id
            )
        )
    )


def standings_of(body: dict[str, Any]) -> dict[int, str]:
    """{auction id: standing} of a GET /api/users/me/bids answer."""
    return {item["auction"]["id"]: item["standing"] for item in body["bids"]}
