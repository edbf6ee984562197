"""The one view of a proxy bid: its owner's (nobody else ever sees a floor)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, User
from bidbazaar.provider_models import ProxyBid


def my_proxy(auction: Auction, viewer: User | None) -> dict[str, Any] | None:
    """The viewer's active proxy on the auction as its owner sees it; None for anyone else
    (anonymous, the customer, an admin, a provider without one): one statement at most."""
    if viewer is None or not viewer.is_service_provider or viewer.id == auction.created_by:
        return None
    proxy = db.session.scalar(
        select(ProxyBid).where(
            ProxyBid.auction_id == auction.id, ProxyBid.user_id == viewer.id, ProxyBid.cancelled_at.is_(None)
        )
    )
    return proxy.owner_dict() if proxy is not None else None
