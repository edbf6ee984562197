"""Proxy bids: a provider's private floor on an auction, and the resolver that undercuts for
them down to it (eBay's proxy bidding, in reverse).

`set_proxy` / `cancel_proxy` are the rules behind every door; `resolve_proxies` runs inside
the transaction of each accepted *manual* bid (services.bids) and of set_proxy's own auto
bid, never after an auto bid it placed itself: no loops, at most one auto bid per proxy per
trigger. The floor never leaves this module except in the owner's view (`owner_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.forms import validation_error
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import Auction, Bid, User, utcnow
from bidbazaar.provider_models import ProxyBid
from bidbazaar.services.auctions import close_if_due, closed_error, lowest_active_bid
from bidbazaar.services.bidding import PlacedBid, accept_bid, check_bidder, check_low_amount, standing
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.values import format_inr

#: The bid text an auto bid carries, taken from the proxy row (or the owner's latest bid).
BID_TEXT_FIELDS = ("description", "estimated_duration", "notes")


@dataclass(frozen=True)
class ProxySet:
    """set_proxy's result as JSON values: the owner's view of the proxy, the auto bid it
    placed at once (None when the owner was leading) and the auction's standing after it."""

    proxy: dict[str, Any]
    bid: dict[str, Any] | None
    auction: dict[str, Any]


@retried
def set_proxy(provider: User, auction_id: int, data: dict[str, Any]) -> ProxySet:
    """Set (or change) the provider's floor on an auction; when not leading, bid at once.

    `data`: floor, confirm_low, and the auto bids' description / estimated_duration / notes
    (required without an earlier bid on this auction, else copied from the latest one).
    """
    with write_transaction(turn=("auction", auction_id)) as after_commit:
        hold_active_account(provider)
        auction = locked_auction(auction_id)
        now = utcnow()
        closed_now = close_if_due(auction, now, after_commit)
        if not closed_now:
            if not auction.is_open:
                raise closed_error(auction)
            proxy = apply_floor(provider, auction, data, now)
            placed = None
            lowest = lowest_active_bid(auction.id)
            if lowest is None or lowest.user_id != provider.id:
                placed = _bid_now(provider, auction, proxy, lowest, now, after_commit)
                resolve_proxies(auction, db.session.get(Bid, placed.bid_id), now, after_commit)
            result = ProxySet(to_jsonable(proxy.owner_dict()), placed.bid if placed else None, standing(auction))
    if closed_now:
        raise closed_error(auction)
    return result


def apply_floor(provider: User, auction: Auction, data: dict[str, Any], now: datetime) -> ProxyBid:
    """Inside a transaction holding the auction's lock: check a floor and store it (upsert).

    The floor must be one the provider could bid now (leading: at most its own lowest bid;
    else at most min(budget_max, lowest - decrement)), else BID_TOO_HIGH; below the
    low-bid threshold it needs `confirm_low` (once, here: its auto bids need none).
    """
    check_bidder(provider, auction)
    floor: Decimal = data["floor"]
    decrement: Decimal = current_app.config["BID_MIN_DECREMENT"]
    lowest = lowest_active_bid(auction.id)
    if lowest is None:
        max_allowed = auction.budget_max
    elif lowest.user_id == provider.id:
        max_allowed = lowest.amount
    else:
        max_allowed = min(auction.budget_max, lowest.amount - decrement)
    if floor > max_allowed:
        raise DomainError(
            "BID_TOO_HIGH",
            f"The floor must be at most {format_inr(max_allowed)}",
            to_jsonable({"floor": floor, "max_allowed": max_allowed}),
        )
    check_low_amount(auction, floor, bool(data.get("confirm_low")))
    text = _bid_text(provider, auction, data)
    proxy = db.session.scalar(
        select(ProxyBid)
        .where(ProxyBid.auction_id == auction.id, ProxyBid.user_id == provider.id)
        .execution_options(populate_existing=True)
    )
    if proxy is None:
        proxy = ProxyBid(auction_id=auction.id, user_id=provider.id, floor=floor, set_at=now, created_at=now, **text)
        db.session.add(proxy)
        auction.has_proxies = True
    else:
        if proxy.floor != floor or not proxy.is_active:
            # A changed (or revived) floor queues behind the proxies already set at that price.
            proxy.set_at = now
        proxy.floor = floor
        proxy.cancelled_at = None
        for name, value in text.items():
            setattr(proxy, name, value)
    proxy.updated_at = now
    db.session.flush()
    return proxy


def _bid_text(provider: User, auction: Auction, data: dict[str, Any]) -> dict[str, Any]:
    """The auto bids' text: as given, else the provider's latest bid's on this auction."""
    if data.get("description"):
        return {name: data.get(name) or None for name in BID_TEXT_FIELDS}
    latest = db.session.scalar(
        select(Bid).where(Bid.auction_id == auction.id, Bid.user_id == provider.id).order_by(Bid.id.desc()).limit(1)
    )
    if latest is None:
        raise validation_error({"description": "Describe the job you will do: you have no earlier bid to copy."})
    return {name: getattr(latest, name) for name in BID_TEXT_FIELDS}


def _bid_now(
    provider: User, auction: Auction, proxy: ProxyBid, lowest: Bid | None, now: datetime, after_commit: AfterCommit
) -> PlacedBid:
    """A new floor of a provider that is not leading bids at once: one decrement under the
    lowest bid (at budget_max when there is none). apply_floor kept the floor at or below it."""
    if lowest is None:
        amount = auction.budget_max
    else:
        amount = min(auction.budget_max, lowest.amount - current_app.config["BID_MIN_DECREMENT"])
    return accept_bid(provider, auction, _auto_data(proxy, amount), now, after_commit, auto=True)


@retried
def cancel_proxy(provider: User, auction_id: int) -> ProxyBid:
    """Cancel the provider's floor on an auction (its bids stay). NOT_FOUND when none is active."""
    with write_transaction(turn=("auction", auction_id)):
        hold_active_account(provider)
        auction = locked_auction(auction_id)
        proxy = active_proxy(provider.id, auction.id)
        if proxy is None:
            raise not_found("Proxy bid")
        proxy.cancelled_at = utcnow()
        proxy.updated_at = proxy.cancelled_at
    return proxy


def active_proxy(user_id: int, auction_id: int) -> ProxyBid | None:
    """The user's active proxy on the auction, read afresh."""
    return db.session.scalar(
        select(ProxyBid)
        .where(ProxyBid.auction_id == auction_id, ProxyBid.user_id == user_id, ProxyBid.cancelled_at.is_(None))
        .execution_options(populate_existing=True)
    )


def cancel_on_withdrawal(auction: Auction, user_id: int, now: datetime) -> None:
    """Inside a withdrawal's transaction: withdrawing a bid cancels its bidder's proxy, so
    the system never bids again for someone who just took their price back."""
    proxy = active_proxy(user_id, auction.id)
    if proxy is not None:
        proxy.cancelled_at = now
        proxy.updated_at = now


# --------------------------------------------------------------------------- the resolver


def resolve_proxies(auction: Auction, trigger_bid: Bid, now: datetime, after_commit: AfterCommit) -> list[PlacedBid]:
    """Inside the trigger's transaction: let the proxies answer a bid, in one step.

    The proxy with the lowest floor (ties: the earlier one) ends leading at
    max(its floor, second-lowest floor - d); the runner-up bids first when that still
    undercuts the trigger; every other proxy stays silent. The trigger's own bidder never
    undercuts itself: its proxy only sets the price. Returns the auto bids placed, in order.
    """
    if not auction.has_proxies:  # the common case: nobody ever set a proxy here
        return []
    decrement: Decimal = current_app.config["BID_MIN_DECREMENT"]
    amount, leader = trigger_bid.amount, trigger_bid.user_id
    proxies = _live_proxies(auction)
    leader_proxy = next((p for p in proxies if p.user_id == leader), None)
    rivals = [p for p in proxies if p.user_id != leader and p.floor <= amount - decrement]
    if not rivals:
        return []
    contenders = sorted([*rivals, *([leader_proxy] if leader_proxy else [])], key=_order)
    first = contenders[0]
    second = contenders[1] if len(contenders) > 1 else None
    if second is None:  # a lone rival: one decrement under the trigger
        return [_auto_bid(auction, first, amount - decrement, now, after_commit)]
    price = max(first.floor, second.floor - decrement)
    placed = []
    if second is not leader_proxy:
        runner_up = max(second.floor, price + decrement)
        if runner_up <= amount - decrement:
            placed.append(_auto_bid(auction, second, runner_up, now, after_commit))
        elif first is leader_proxy:
            return []  # the leader holds the trigger's price; the runner-up cannot beat it by d
    if first is not leader_proxy or placed:
        # Never above what may be bid now: a leader's floor above its own manual bid only
        # sets the price, it cannot lift the winner's bid over the lowest.
        ceiling = (Decimal(auction.lowest_bid) if auction.lowest_bid is not None else amount) - decrement
        placed.append(_auto_bid(auction, first, min(price, ceiling), now, after_commit))
    return placed


def _order(proxy: ProxyBid) -> tuple[Decimal, datetime, int]:
    return (proxy.floor, proxy.set_at, proxy.id)


def _live_proxies(auction: Auction) -> list[ProxyBid]:
    """The auction's active proxies whose owners may bid now, by (floor, set_at, id)."""
    query = (
        select(ProxyBid)
        .join(User, User.id == ProxyBid.user_id)
        .where(
            ProxyBid.auction_id == auction.id,
            ProxyBid.cancelled_at.is_(None),
            ProxyBid.user_id != auction.created_by,
            User.is_active.is_(True),
            User.is_service_provider.is_(True),
        )
        .order_by(ProxyBid.floor, ProxyBid.set_at, ProxyBid.id)
        .execution_options(populate_existing=True)
    )
    if current_app.config["REQUIRE_PROVIDER_VERIFICATION"]:
        query = query.where(User.provider_verified.is_(True))
    if current_app.config["REQUIRE_EMAIL_VERIFICATION"]:  # as check_bidder: no auto bid either
        query = query.where(User.email_verified.is_(True))
    return list(db.session.scalars(query))


def _auto_bid(
    auction: Auction, proxy: ProxyBid, amount: Decimal, now: datetime, after_commit: AfterCommit
) -> PlacedBid:
    owner = db.session.get(User, proxy.user_id)
    return accept_bid(owner, auction, _auto_data(proxy, amount), now, after_commit, auto=True)


def _auto_data(proxy: ProxyBid, amount: Decimal) -> dict[str, Any]:
    return {"amount": amount, **{name: getattr(proxy, name) for name in BID_TEXT_FIELDS}}
