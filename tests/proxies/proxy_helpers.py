"""What the proxy tests share: setting floors and bidding through the services, and reading
back every bid row and every logged event of an auction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, User
from bidbazaar.provider_models import ProxyBid
from bidbazaar.values import utcnow

TEXT = {"description": "Two people, own tools, done in a day."}


def floor_of(user: User, auction: Auction, floor: Any, **fields: Any) -> services.ProxySet:
    """set_proxy with a floor (and the bid text, unless given)."""
    return services.set_proxy(user, auction.id, {"floor": Decimal(str(floor)), **TEXT, **fields})


def manual(user: User, auction: Auction, amount: Any, **fields: Any) -> services.PlacedBid:
    """A manual bid through place_bid."""
    return services.place_bid(user, auction.id, {"amount": Decimal(str(amount)), **TEXT, **fields})


def bid_rows(auction: Auction) -> list[tuple[Decimal, bool, int]]:
    """Every bid row of the auction in id order: (amount, auto, user_id)."""
    db.session.commit()
    rows = db.session.execute(
        select(Bid.amount, Bid.auto, Bid.user_id).where(Bid.auction_id == auction.id).order_by(Bid.id)
    )
    return [(amount, auto, user_id) for amount, auto, user_id in rows]


def placed_events(auction: Auction) -> list[tuple[Decimal, bool, int]]:
    """The auction's bid_placed events in log order: (amount, auto, user_id of the bid)."""
    db.session.commit()
    events = db.session.scalars(
        select(AuctionEvent)
        .where(AuctionEvent.auction_id == auction.id, AuctionEvent.type == "bid_placed")
        .order_by(AuctionEvent.seq)
    )
    return [(Decimal(str(e.payload["bid"]["amount"])), e.payload["auto"], e.payload["bid"]["user_id"]) for e in events]


def lowest(auction: Auction) -> Decimal:
    db.session.commit()
    return db.session.get(Auction, auction.id, populate_existing=True).lowest_bid


def plant_proxy(user: User, auction: Auction, floor: Any, **fields: Any) -> ProxyBid:
    """A proxy row stored directly (no resolution): for resolver cases set_proxy's own
    immediate bid would have settled already."""
    now = utcnow()
    proxy = ProxyBid(
        auction_id=auction.id, user_id=user.id, floor=Decimal(str(floor)), description=TEXT["description"],
        set_at=fields.pop("set_at", now), created_at=now, updated_at=now, **fields,
    )  # fmt: skip
    db.session.add(proxy)
    db.session.get(Auction, auction.id).has_proxies = True  # as set_proxy marks it
    db.session.commit()
    return proxy


def amounts(*rows: tuple[Any, bool, User]) -> list[tuple[Decimal, bool, int]]:
    """Expected rows written as (amount, auto, user)."""
    return [(Decimal(str(amount)), auto, user.id) for amount, auto, user in rows]


def state() -> dict[str, Any]:
    """helpers.db_state() without the API tokens' bookkeeping (a request stamps its token's
    last use): every other row of every table, equal means the refusal changed nothing."""
    from helpers import db_state

    return {table: rows for table, rows in db_state().items() if table != "auth_tokens"}
