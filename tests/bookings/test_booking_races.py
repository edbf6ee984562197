"""Two writers on one booking at the same moment, each in its own thread, app context and
database session (real row locks on PostgreSQL, BEGIN IMMEDIATE on SQLite): exactly one
wins, the other is refused with a 409 code or does nothing, and the log has one event."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from booking_helpers import chain, event_count, fresh_booking, make_due, notes
from helpers import race
from sqlalchemy import func, select, text, update

from bidbazaar import services
from bidbazaar.booking_models import BookingStatus, Review
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import Auction, User, utcnow
from bidbazaar.services.bookings import lapse_if_due

ROUNDS = 3


def as_user(user_id: int, action: Callable[[User], Any]) -> Callable[[], Any]:
    """A call that loads the user in the thread's own session and acts as them. (Pass ids
    into the calls, never the test's ORM objects: reading an expired attribute in a thread
    would use the test's session from two threads.)"""
    return lambda: action(db.session.get(User, user_id))


def codes(results: list[Any]) -> list[str | None]:
    for result in results:
        assert not isinstance(result, Exception) or isinstance(result, DomainError), repr(result)
    return [result.code if isinstance(result, DomainError) else None for result in results]


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_a_late_confirm_racing_the_sweeper_lapses_the_offer_once(app, awarded, provider, rival, attempt):
    deal = awarded((rival, 1600), (provider, 1500))
    booking_id = deal.booking.id
    make_due(booking_id, "respond_by")
    results = race(
        app,
        as_user(provider.id, lambda user: services.confirm_booking(user, booking_id)),
        lambda: lapse_if_due(booking_id),
    )
    confirm_code = codes(results[:1])[0]
    # Whoever locked first lapsed it: the confirm (BOOKING_EXPIRED) or the sweeper (True,
    # and the confirm then finds it lapsed: BOOKING_STATE).
    assert (confirm_code, results[1]) in {("BOOKING_EXPIRED", False), ("BOOKING_STATE", True)}
    assert event_count(deal.auction.id, "booking_lapsed") == 1
    assert event_count(deal.auction.id, "booking_confirmed") == 0
    assert [b.status for b in chain(deal.auction.id)] == [BookingStatus.LAPSED, BookingStatus.OFFERED]


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_confirm_racing_the_customers_stop_has_one_winner(app, awarded, provider, customer, attempt):
    deal = awarded((provider, 1500))
    booking_id = deal.booking.id
    results = race(
        app,
        as_user(provider.id, lambda user: services.confirm_booking(user, booking_id)),
        as_user(customer.id, lambda user: services.cancel_booking(user, booking_id, "Changed my plans")),
    )
    confirm_code, cancel_code = codes(results)
    status = fresh_booking(deal.booking.id).status
    if confirm_code is None:
        # Confirmed first: the customer's cancel of a confirmed booking is a cancellation.
        assert cancel_code is None and status == BookingStatus.CANCELLED
        assert event_count(deal.auction.id, "booking_confirmed") == 1
        assert event_count(deal.auction.id, "booking_cancelled") == 1
        assert event_count(deal.auction.id, "booking_withdrawn") == 0
    else:
        assert (confirm_code, cancel_code, status) == ("BOOKING_STATE", None, BookingStatus.WITHDRAWN)
        assert event_count(deal.auction.id, "booking_confirmed") == 0
        assert event_count(deal.auction.id, "booking_withdrawn") == 1


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_confirm_racing_a_decline_by_the_same_provider_moves_the_offer_once(app, awarded, provider, customer, attempt):
    deal = awarded((provider, 1500))
    booking_id = deal.booking.id
    results = race(
        app,
        as_user(provider.id, lambda user: services.confirm_booking(user, booking_id)),
        as_user(provider.id, lambda user: services.decline_booking(user, booking_id)),
    )
    assert sorted(code or "" for code in codes(results)) == ["", "BOOKING_STATE"]
    answered = event_count(deal.auction.id, "booking_confirmed") + event_count(deal.auction.id, "booking_declined")
    assert answered == 1


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_sweepers_on_one_lapse_lapse_it_once(app, awarded, provider, rival, customer, attempt):
    deal = awarded((rival, 1600), (provider, 1500))
    booking_id = deal.booking.id
    make_due(booking_id, "respond_by")
    results = race(app, lambda: lapse_if_due(booking_id), lambda: lapse_if_due(booking_id))
    assert sorted(results) == [False, True]
    assert event_count(deal.auction.id, "booking_lapsed") == 1
    assert len(chain(deal.auction.id)) == 2
    assert len(notes(customer, "booking_lapsed")) == 1
    assert len(notes(rival, "booking_offered")) == 1


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_sweeps_on_one_due_completion_complete_it_once(app, done, customer, attempt):
    make_due(done.booking.id, "auto_complete_at")
    results = race(app, services.sweep_bookings, services.sweep_bookings)
    assert sum(result.completed for result in results) == 1
    assert event_count(done.auction.id, "booking_completed") == 1


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_both_sides_reviewing_at_once_publish_both_reviews_once(app, completed, customer, provider, attempt):
    booking_id = completed.booking.id
    results = race(
        app,
        as_user(customer.id, lambda user: services.write_review(user, booking_id, 5, "Great")),
        as_user(provider.id, lambda user: services.write_review(user, booking_id, 4, "Paid on time")),
    )
    assert codes(results) == [None, None]
    db.session.commit()
    reviews = db.session.scalars(select(Review).where(Review.booking_id == booking_id)).all()
    assert len(reviews) == 2 and all(review.published_at is not None for review in reviews)
    assert len(notes(customer, "review_published")) == len(notes(provider, "review_published")) == 1


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_one_side_reviewing_twice_at_once_keeps_one_review(app, completed, customer, attempt):
    booking_id = completed.booking.id
    results = race(
        app,
        as_user(customer.id, lambda user: services.write_review(user, booking_id, 5)),
        as_user(customer.id, lambda user: services.write_review(user, booking_id, 1)),
    )
    assert sorted(code or "" for code in codes(results)) == ["", "REVIEW_EXISTS"]
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(Review)) == 1


def test_a_cascade_waits_for_a_deactivation_in_progress_and_skips_its_provider(
    app, awarded, provider, rival, third, database_url
):
    """The deactivation has updated the next provider's row but not committed yet (as it
    does before it scans that account's bookings): the cascade must not offer them the job
    on the strength of the old flag, which the deactivation would then never settle."""
    deal = awarded((third, 1700), (rival, 1600), (provider, 1500))
    booking_id, rival_id = deal.booking.id, rival.id
    make_due(booking_id, "respond_by")
    deactivating = db.engine.connect()
    transaction = deactivating.begin()
    deactivating.execute(update(User).where(User.id == rival_id).values(is_active=False))
    try:
        results: list[Any] = []
        sweeper = threading.Thread(target=lambda: results.extend(race(app, lambda: lapse_if_due(booking_id))))
        sweeper.start()
        if database_url.startswith("postgresql"):
            waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
            deadline = time.monotonic() + 10
            while deactivating.execute(text(waiting)).scalar() == 0:
                assert time.monotonic() < deadline, "the sweeper never waited for the provider's row"
                time.sleep(0.01)
        transaction.commit()
    finally:
        deactivating.close()
    sweeper.join(timeout=30)
    assert results == [True]
    assert [b.provider_id for b in chain(deal.auction.id)] == [provider.id, third.id]


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_reposts_at_once_post_the_job_again_once(app, awarded, provider, customer, attempt):
    deal = awarded((provider, 1500))
    services.decline_booking(provider, deal.booking.id)
    auction_id = deal.auction.id
    again = {"deadline": utcnow() + timedelta(days=2)}
    results = race(
        app,
        as_user(customer.id, lambda user: services.repost_auction(user, auction_id, again)),
        as_user(customer.id, lambda user: services.repost_auction(user, auction_id, again)),
    )
    assert sorted(code or "" for code in codes(results)) == ["", "CONFLICT"]
    assert event_count(auction_id, "auction_reposted") == 1
    assert db.session.scalar(select(func.count()).select_from(Auction)) == 2
