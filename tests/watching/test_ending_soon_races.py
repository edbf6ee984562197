"""Several sweepers at once (each in its own thread, app context and database session: real
row locks on PostgreSQL and MariaDB, BEGIN IMMEDIATE on SQLite), as several server processes
sweep: each auction's window is claimed once and each user gets exactly one notice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from helpers import race
from watching_helpers import told

from bidbazaar import services
from bidbazaar.models import utcnow
from bidbazaar.services.watching import send_ending_soon_for

SWEEPERS = 4
ROUNDS = 3


def swept(app: Any, calls: list[Callable[[], Any]]) -> list[Any]:
    """The sweepers' results, run at once; none of them may fail."""
    results = race(app, *calls, timeout=60)
    assert not any(isinstance(result, Exception) for result in results), results
    return results


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_sweepers_racing_tell_each_user_once(app, provider, rival, make_user, make_auction, make_bid, attempt):
    soon = [make_auction(deadline=utcnow() + timedelta(minutes=10)) for _ in range(3)]
    watchers = [make_user(f"watcher{i}") for i in range(3)]
    for auction in soon:
        for watcher in watchers:
            services.watch_auction(watcher, auction.id)
        services.watch_auction(provider, auction.id)  # watcher and outbid bidder: one notice
        make_bid(provider, auction, 1500)
        make_bid(rival, auction, 1400)
    results = swept(app, [services.send_ending_soon for _ in range(SWEEPERS)])
    expected = sorted([*(w.id for w in watchers), provider.id])
    assert sum(results) == len(expected) * len(soon)
    for auction in soon:
        assert told(auction.id) == expected


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_claims_racing_on_one_auction_send_once(app, provider, make_auction, attempt):
    auction = make_auction(deadline=utcnow() + timedelta(minutes=10))
    services.watch_auction(provider, auction.id)
    auction_id = auction.id
    results = swept(app, [lambda: send_ending_soon_for(auction_id) for _ in range(SWEEPERS)])
    assert sorted(results) == [0] * (SWEEPERS - 1) + [1]
    assert told(auction_id) == [provider.id]
