"""20 threads mixing manual bids with proxy sets and cancels on one auction, each in its own
app context and session (row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite); afterwards
the invariants hold: the lowest is the minimum of the active bids, no auto bid sits below
its owner's floor, nobody bid while holding the lowest bid, the event chain verifies."""

from __future__ import annotations

import random
import threading
from decimal import Decimal
from typing import Any

from proxy_helpers import TEXT
from sqlalchemy import func, select

from bidbazaar import services
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, BidStatus, User

THREADS = 20
ROUNDS = 4
#: Refusals a racing writer may meet; anything else fails the test.
EXPECTED = {"BID_TOO_HIGH", "ALREADY_LOWEST", "NOT_FOUND"}


def test_twenty_threads_of_bids_and_proxy_changes_keep_every_invariant(app, auction, make_user):
    users = [make_user(f"racer{i}", provider=True) for i in range(THREADS)]
    # Half set and cancel proxies at a fixed floor of their own, half bid by hand.
    floors = {user.id: Decimal(1300 + 17 * i) for i, user in enumerate(users) if i % 2 == 0}
    ids = [user.id for user in users]
    auction_id = auction.id
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def act(user_id: int, seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                for round_ in range(ROUNDS):
                    user = db.session.get(User, user_id)
                    try:
                        if user_id in floors:
                            if round_ % 2 == 0:
                                services.set_proxy(user, auction_id, {"floor": floors[user_id], **TEXT})
                            else:
                                services.cancel_proxy(user, auction_id)
                        else:
                            current = db.session.scalar(select(Auction.lowest_bid).where(Auction.id == auction_id))
                            amount = (current or Decimal(2001)) - rng.randint(1, 30)
                            services.place_bid(user, auction_id, {"amount": max(amount, Decimal(1250)), **TEXT})
                    except DomainError as exc:
                        if exc.code not in EXPECTED:
                            raise
                    finally:
                        db.session.rollback()
            except BaseException as exc:  # reported below, with its traceback
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(user_id, i)) for i, user_id in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures

    db.session.commit()
    current = db.session.get(Auction, auction_id, populate_existing=True)
    active_min = db.session.scalar(
        select(func.min(Bid.amount)).where(Bid.auction_id == auction_id, Bid.status == BidStatus.ACTIVE)
    )
    assert current.lowest_bid == active_min
    assert current.bid_count == db.session.scalar(select(func.count()).where(Bid.auction_id == auction_id))

    bids = db.session.scalars(select(Bid).where(Bid.auction_id == auction_id)).all()
    assert any(bid.auto for bid in bids)
    for bid in bids:
        if bid.auto:
            assert bid.amount >= floors[bid.user_id], (bid.id, bid.amount, floors[bid.user_id])

    events = db.session.scalars(
        select(AuctionEvent).where(AuctionEvent.auction_id == auction_id).order_by(AuctionEvent.seq)
    ).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    holder: tuple[Decimal, int] | None = None
    placed = 0
    for event in events:
        if event.type != "bid_placed":
            continue
        placed += 1
        bid: dict[str, Any] = event.payload["bid"]
        amount = Decimal(str(bid["amount"]))
        if holder is not None:
            assert bid["user_id"] != holder[1], f"user {bid['user_id']} undercut itself at seq {event.seq}"
            assert amount <= holder[0] - Decimal(1), f"seq {event.seq} does not undercut by the decrement"
        holder = (amount, bid["user_id"])
    assert placed == len(bids)
    assert services.verify_event_chain(auction_id)["valid"] is True
