"""A transaction the database killed: a deadlock is run again (database.retried, up to
DEADLOCK_ATTEMPTS in all), anything else and the last attempt are a clean 503 at every
bid door, and nothing of a failed attempt is left behind.

The deadlocks here are injected: a bid's transaction dies after its writes reached the
database (the bid row, the auction's counters and its event), as a deadlock at the
transaction's last statement would. One test makes the suite's own server break a real
deadlock, to show that the error it raises is the one `is_deadlock` recognises; on MySQL
one more waits on a real row lock past innodb_lock_wait_timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from helpers import (
    ack,
    assert_error,
    bid_url,
    bidding_state,
    count,
    html,
    log_in,
    mysql_error,
    offer,
    postgres_deadlock,
)
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from bidbazaar import database, services
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Bid, Category
from bidbazaar.services import bidding

DEADLOCK = "Deadlock found when trying to get lock; try restarting transaction"
LOCK_WAIT = "Lock wait timeout exceeded; try restarting transaction"


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The attempts after which `retried` paused before running the bid again: recorded
    instead of slept."""
    recorded: list[int] = []
    monkeypatch.setattr(database, "pause_before_retry", recorded.append)
    return recorded


@pytest.fixture
def dying_bids(monkeypatch: pytest.MonkeyPatch) -> Callable[[OperationalError, int], list[int]]:
    """Make the next `times` bid transactions die of `error` once their bid, the auction's
    new counters and the bid's event have been written (flushed) to the database.

    Returns the list of attempts that got that far, one entry per attempt."""

    def arm(error: OperationalError, times: int) -> list[int]:
        attempts: list[int] = []
        real_record_event = bidding.record_event

        def record_then_die(*args: Any, **kwargs: Any) -> AuctionEvent:
            event = real_record_event(*args, **kwargs)
            db.session.flush()  # the attempt's rows are in the database, uncommitted
            attempts.append(len(attempts) + 1)
            if len(attempts) <= times:
                raise error
            return event

        monkeypatch.setattr(bidding, "record_event", record_then_die)  # where a bid is logged
        return attempts

    return arm


def assert_retry_later(response: Any) -> None:
    """A JSON 503 in the one error shape that says when to come back."""
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers.get("Retry-After")


# --------------------------------------------------------------------------- retried


@pytest.mark.parametrize("deadlock", [mysql_error(1213, DEADLOCK), postgres_deadlock()], ids=["mysql", "postgresql"])
def test_a_bid_whose_transaction_deadlocks_once_is_placed_on_the_second_attempt(
    client, auction, provider, bearer, pauses, dying_bids, deadlock
):
    headers = bearer(provider)
    attempts = dying_bids(deadlock, times=1)

    response = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert response.status_code == 201, response.get_json()
    assert attempts == [1, 2] and pauses == [1]
    assert count(Bid, Bid.auction_id == auction.id) == 1
    assert services.verify_event_chain(auction.id) == {"valid": True, "events": 2}  # posted, then the bid


def test_a_bid_that_deadlocks_on_every_attempt_is_a_503_that_writes_nothing(
    client, auction, provider, bearer, pauses, dying_bids
):
    headers = bearer(provider)
    before = bidding_state(auction.id)
    attempts = dying_bids(mysql_error(1213, DEADLOCK), times=database.DEADLOCK_ATTEMPTS)

    response = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert_retry_later(response)
    assert len(attempts) == database.DEADLOCK_ATTEMPTS
    assert pauses == list(range(1, database.DEADLOCK_ATTEMPTS))  # none after the last attempt
    assert bidding_state(auction.id) == before


def test_a_socket_bid_that_deadlocks_on_every_attempt_is_acknowledged_as_retry_shortly(
    socket_client, auction, provider, pauses, dying_bids
):
    sock = socket_client(provider)
    before = bidding_state(auction.id)
    dying_bids(mysql_error(1213, DEADLOCK), times=database.DEADLOCK_ATTEMPTS)

    answer = ack(sock, "place_bid", {"auction_id": auction.id, "amount": 1500, "description": "Parts included"})

    assert answer["ok"] is False and answer["code"] == "SERVICE_UNAVAILABLE", answer
    assert bidding_state(auction.id) == before


def test_a_page_bid_that_deadlocks_on_every_attempt_gets_a_503_page(client, auction, provider, pauses, dying_bids):
    token = log_in(client, provider)
    before = bidding_state(auction.id)
    dying_bids(mysql_error(1213, DEADLOCK), times=database.DEADLOCK_ATTEMPTS)

    response = client.post(
        f"/auctions/{auction.id}/bids", data={"csrf_token": token, "amount": "1500", "description": "Full fix"}
    )

    assert response.status_code == 503
    assert response.headers.get("Retry-After")
    assert "retry shortly" in html(response)
    assert bidding_state(auction.id) == before


@pytest.mark.parametrize(
    "error",
    [mysql_error(1205, LOCK_WAIT), mysql_error(2013, "Lost connection to MySQL server during query")],
    ids=["lock-wait-timeout", "lost-connection"],
)
def test_a_bid_that_fails_of_anything_but_a_deadlock_is_not_run_again(
    client, auction, provider, bearer, pauses, dying_bids, error
):
    headers = bearer(provider)
    before = bidding_state(auction.id)
    attempts = dying_bids(error, times=database.DEADLOCK_ATTEMPTS)

    response = client.post(bid_url(auction), json=offer(1500), headers=headers)

    assert_retry_later(response)
    assert attempts == [1] and pauses == []
    assert bidding_state(auction.id) == before


# --------------------------------------------------------------------------- the real server


def test_is_deadlock_recognises_the_error_of_a_transaction_the_server_killed(app, database_url):
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite has no row locks: its writers queue for the one database lock and never deadlock")
    first, second = db.session.scalars(select(Category.id).order_by(Category.id).limit(2)).all()
    db.session.commit()
    engine = db.engine
    barrier = threading.Barrier(2, timeout=10)
    killed: list[DBAPIError] = []
    failures: list[BaseException] = []
    lock = text("SELECT id FROM categories WHERE id = :id FOR UPDATE")

    def lock_both(mine: int, theirs: int) -> None:
        # Each side holds one row and then asks for the other's: a cycle the server must break.
        with engine.connect() as connection:
            try:
                connection.execute(lock, {"id": mine})
                barrier.wait()
                connection.execute(lock, {"id": theirs})
            except DBAPIError as exc:
                killed.append(exc)
            except BaseException as exc:  # a broken barrier: reported below, not swallowed
                failures.append(exc)
            finally:
                connection.rollback()  # the loser's rollback lets the winner through

    threads = [threading.Thread(target=lock_both, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads), "no side of the deadlock finished"
    assert not failures, failures
    assert len(killed) == 1, killed
    assert database.is_deadlock(killed[0]), killed[0].orig


@pytest.fixture
def one_second_lock_wait(config: Any) -> None:
    """InnoDB gives up a row lock wait after 1 s (set before the app, which sets it per connection)."""
    config.LOCK_WAIT_TIMEOUT_SECONDS = 1


def test_on_mysql_a_bid_waiting_on_a_row_lock_past_the_timeout_is_a_clean_503(
    one_second_lock_wait, client, auction, provider, bearer, pauses
):
    if not database.is_mysql(db.engine):
        pytest.skip(
            "InnoDB's lock wait timeout (PostgreSQL waits for the lock; SQLite's busy timeout: test_concurrency)"
        )
    headers = bearer(provider)
    before = bidding_state(auction.id)

    with db.engine.connect() as holder:  # another request holds the auction's row for too long
        holder.execute(select(Auction.id).where(Auction.id == auction.id).with_for_update())
        try:
            response = client.post(bid_url(auction), json=offer(1500), headers=headers)
        finally:
            holder.rollback()

    assert_retry_later(response)
    assert "lock wait" not in response.get_data(as_text=True).lower()
    assert pauses == []  # a lock wait timeout is not retried
    assert bidding_state(auction.id) == before
