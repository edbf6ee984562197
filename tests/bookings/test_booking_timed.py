"""The timed transitions, each exactly once: an unanswered offer lapses, "done" completes
by itself unless disputed, reviews publish when the window ends; and double-blind reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from booking_helpers import event_count, events, fresh_booking, make_due, notes
from helpers import db_state
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.booking_models import BookingStatus, Party, Review
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.services.sweeps import Swept


def refused(code: str, call: Callable[[], Any]) -> None:
    before = db_state()
    with pytest.raises(DomainError) as raised:
        call()
    assert raised.value.code == code, raised.value
    assert db_state() == before


def reviews_of(booking_id: int) -> dict[str, Review]:
    db.session.commit()
    found = db.session.scalars(
        select(Review).where(Review.booking_id == booking_id).execution_options(populate_existing=True)
    )
    return {review.author_role: review for review in found}


def test_an_offer_not_yet_due_is_left_alone(awarded, provider):
    deal = awarded((provider, 1500))
    assert services.sweep_bookings() == Swept()
    assert fresh_booking(deal.booking.id).status == BookingStatus.OFFERED


def test_the_sweeper_lapses_an_unanswered_offer_once(awarded, provider, customer):
    deal = awarded((provider, 1500))
    make_due(deal.booking.id, "respond_by")
    assert services.sweep_bookings().lapsed == 1
    assert services.sweep_bookings().lapsed == 0
    assert fresh_booking(deal.booking.id).status == BookingStatus.LAPSED
    assert event_count(deal.auction.id, "booking_lapsed") == 1
    assert len(notes(provider, "booking_lapsed")) == len(notes(customer, "booking_lapsed")) == 1


def test_done_work_completes_by_itself_after_the_waiting_days(done, provider, customer):
    make_due(done.booking.id, "auto_complete_at")
    assert services.sweep_bookings().completed == 1
    assert services.sweep_bookings().completed == 0
    booking = fresh_booking(done.booking.id)
    assert booking.status == BookingStatus.COMPLETED
    assert event_count(done.auction.id, "booking_completed") == 1
    assert events_by(done.auction.id, "booking_completed") == [Party.SYSTEM]
    assert len(notes(provider, "booking_completed")) == len(notes(customer, "booking_completed")) == 1


def events_by(auction_id: int, type_: str) -> list[str]:
    return [event.payload["by"] for event in events(auction_id, type_)]


def test_done_work_the_customer_disputed_never_completes_by_itself(done, customer):
    services.report_no_show(customer, done.booking.id, "Left half-way")
    make_due(done.booking.id, "auto_complete_at")
    assert services.sweep_bookings().completed == 0
    assert fresh_booking(done.booking.id).status == BookingStatus.DISPUTED


# --------------------------------------------------------------------------- reviews


def test_a_lone_review_stays_unpublished_until_the_other_side_writes(completed, customer, provider):
    services.write_review(customer, completed.booking.id, 5, "Spotless")
    assert reviews_of(completed.booking.id)["customer"].published_at is None
    services.write_review(provider, completed.booking.id, 4)
    published = reviews_of(completed.booking.id)
    assert published["customer"].published_at is not None
    assert published["customer"].published_at == published["provider"].published_at
    (note,) = notes(provider, "review_published")
    assert note.data["rating"] == 5
    assert len(notes(customer, "review_published")) == 1


def test_a_lone_review_is_published_when_the_window_ends_and_only_once(completed, customer, provider):
    services.write_review(customer, completed.booking.id, 3)
    assert services.sweep_bookings().reviews_published == 0
    make_due(completed.booking.id, "completed_at", seconds=15 * 86400)
    assert services.sweep_bookings().reviews_published == 1
    assert services.sweep_bookings().reviews_published == 0
    assert reviews_of(completed.booking.id)["customer"].published_at is not None
    assert len(notes(provider, "review_published")) == 1


def test_a_review_after_the_window_is_closed(completed, customer):
    make_due(completed.booking.id, "completed_at", seconds=15 * 86400)
    refused("REVIEW_CLOSED", lambda: services.write_review(customer, completed.booking.id, 5))


def test_a_second_review_by_the_same_side_is_refused(completed, customer):
    services.write_review(customer, completed.booking.id, 5)
    refused("REVIEW_EXISTS", lambda: services.write_review(customer, completed.booking.id, 1))


def test_a_booking_not_completed_cannot_be_reviewed(confirmed, customer):
    refused("BOOKING_STATE", lambda: services.write_review(customer, confirmed.booking.id, 5))


def test_a_stranger_cannot_review_a_booking(completed, rival):
    refused("NOT_FOUND", lambda: services.write_review(rival, completed.booking.id, 5))


@pytest.mark.parametrize("rating", [0, 6, 4.5, True, "5"])
def test_a_rating_outside_one_to_five_whole_stars_is_a_validation_error(completed, customer, rating):
    refused("VALIDATION_ERROR", lambda: services.write_review(customer, completed.booking.id, rating))


def test_a_comment_over_two_thousand_characters_is_a_validation_error(completed, customer):
    with pytest.raises(DomainError) as raised:
        services.write_review(customer, completed.booking.id, 5, "x" * 2001)
    assert raised.value.details == {"comment": "At most 2000 characters."}


def test_the_reviewed_side_replies_once_to_a_published_review(completed, customer, provider):
    services.write_review(customer, completed.booking.id, 2, "Late")
    services.write_review(provider, completed.booking.id, 5)
    review = reviews_of(completed.booking.id)["customer"]
    services.reply_to_review(provider, review.id, "Traffic on the Western Express Highway")
    assert reviews_of(completed.booking.id)["customer"].reply.startswith("Traffic")
    refused("REVIEW_EXISTS", lambda: services.reply_to_review(provider, review.id, "again"))


def test_an_unpublished_review_cannot_be_answered(completed, customer, provider):
    review = services.write_review(customer, completed.booking.id, 2)
    refused("REVIEW_STATE", lambda: services.reply_to_review(provider, review.id, "Not fair"))


def test_only_the_reviewed_side_replies(completed, customer, provider):
    review = services.write_review(customer, completed.booking.id, 2)
    services.write_review(provider, completed.booking.id, 5)
    refused("FORBIDDEN", lambda: services.reply_to_review(customer, review.id, "me too"))


def test_an_admin_hides_a_review_with_a_reason_and_it_is_kept(completed, customer, admin):
    review = services.write_review(customer, completed.booking.id, 1, "abusive words")
    services.hide_review(admin, review.id, "Abusive language")
    kept = reviews_of(completed.booking.id)["customer"]
    assert (kept.hidden_by, kept.hidden_reason) == (admin.id, "Abusive language")
    refused("REVIEW_STATE", lambda: services.hide_review(admin, review.id, "again"))


def test_hiding_a_review_needs_a_reason(completed, customer, admin):
    review = services.write_review(customer, completed.booking.id, 1)
    refused("VALIDATION_ERROR", lambda: services.hide_review(admin, review.id, " "))


def test_only_an_admin_hides_a_review(completed, customer, provider):
    review = services.write_review(customer, completed.booking.id, 1)
    refused("FORBIDDEN", lambda: services.hide_review(provider, review.id, "I dislike it"))


def test_the_sweep_bookings_command_runs_one_sweep_and_says_what_it_did(runner, awarded, provider, rival):
    deal = awarded((rival, 1600), (provider, 1500))
    make_due(deal.booking.id, "respond_by")

    first = runner.invoke(args=["sweep-bookings"])
    again = runner.invoke(args=["sweep-bookings"])

    assert first.output.strip() == "Offers lapsed: 1; bookings completed: 0; reviews published: 0."
    assert again.output.strip() == "Offers lapsed: 0; bookings completed: 0; reviews published: 0."
    assert fresh_booking(deal.booking.id).status == BookingStatus.LAPSED
