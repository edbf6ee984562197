"""Several sweepers at once (each in its own thread, app context and database session: real
row locks on PostgreSQL and MariaDB, BEGIN IMMEDIATE on SQLite), as several server processes
sweep: each auction's window is claimed once and each user gets exactly one notice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from watching_helpers import told

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import utcnow
from bidbazaar.services.watching import send_ending_soon_for

SWEEPERS = 4
ROUNDS = 3


def race(app: Any, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once (released together by a barrier), one thread and app context
    each; returns each call's result or the exception it raised."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call: Callable[[], Any]) -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                results[index] = call()
            except Exception as exc:  # reported by the assertion below
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
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
    results = race(app, [services.send_ending_soon for _ in range(SWEEPERS)])
    expected = sorted([*(w.id for w in watchers), provider.id])
    assert sum(results) == len(expected) * len(soon)
    for auction in soon:
        assert told(auction.id) == expected


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_claims_racing_on_one_auction_send_once(app, provider, make_auction, attempt):
    auction = make_auction(deadline=utcnow() + timedelta(minutes=10))
    services.watch_auction(provider, auction.id)
    auction_id = auction.id
    results = race(app, [lambda: send_ending_soon_for(auction_id) for _ in range(SWEEPERS)])
    assert sorted(results) == [0] * (SWEEPERS - 1) + [1]
    assert told(auction_id) == [provider.id]
