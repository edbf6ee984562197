"""The row locks every write takes, always in one order: the acting account's row (shared)
first, then auctions in id order. Two writers that need the same rows then queue instead of
deadlocking (a bid holds its account, then one auction; a deactivation updates the account,
then locks all its auctions)."""

from __future__ import annotations

from sqlalchemy import select

from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.models import Auction, User


def locked_auction(auction_id: int) -> Auction:
    """Load the auction under a row lock (PostgreSQL; SQLite holds BEGIN IMMEDIATE)."""
    auction = db.session.scalar(
        select(Auction)
        .where(Auction.id == auction_id)
        .with_for_update(of=Auction)
        .execution_options(populate_existing=True)
    )
    if auction is None:
        raise not_found("Auction")
    return auction


def lock_auctions(auction_ids: list[int]) -> list[Auction]:
    """Lock several auctions, always in id order: two writers that each need a set of
    auctions (deactivations) then wait for each other instead of deadlocking."""
    return list(
        db.session.scalars(
            select(Auction)
            .where(Auction.id.in_(sorted(set(auction_ids))))
            .order_by(Auction.id)
            .with_for_update(of=Auction)
            .execution_options(populate_existing=True)
        )
    )


def hold_active_account(user: User) -> None:
    """Inside a write: refuse a deactivated account, reading its flag afresh (the request
    may have loaded the user before a deactivation committed) and holding the row shared
    until the commit, so a deactivation in progress (which updates the row first) is
    waited for, not raced. Take it before any auction lock: deactivation locks in that order."""
    active = db.session.scalar(select(User.is_active).where(User.id == user.id).with_for_update(read=True))
    if not active:
        raise DomainError("AUTH_REQUIRED", "This account is deactivated")
