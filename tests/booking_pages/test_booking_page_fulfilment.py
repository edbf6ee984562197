"""After confirmation: mark done, complete, cancel, report a no-show; while an offer waits,
offer the job to another bid or stop; after the chain ended, post the job again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import db_state, fresh

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.forms import PAGE_TIMEZONE
from bidbazaar.models import Auction, User, utcnow


def test_the_provider_marks_the_work_done_through_the_form(as_user: Any, confirmed: Booking, provider: User) -> None:
    page = as_user(provider).follow(f"/bookings/{confirmed.id}/done")
    assert "Marked done" in page
    assert fresh(Booking, confirmed.id).status == "done"


def test_the_customer_cannot_mark_the_work_done(as_user: Any, confirmed: Booking, customer: User) -> None:
    user = as_user(customer)
    before = db_state()
    assert "Only the booking&#39;s provider can mark it done" in user.follow(f"/bookings/{confirmed.id}/done")
    assert db_state() == before


def test_the_customer_completes_the_booking_through_the_form(
    as_user: Any, confirmed: Booking, provider: User, customer: User
) -> None:
    services.mark_done(provider, confirmed.id)
    page = as_user(customer).follow(f"/bookings/{confirmed.id}/complete")
    assert "Completed. You can now review the provider." in page
    assert fresh(Booking, confirmed.id).status == "completed"


def test_completing_an_offer_not_yet_confirmed_is_refused_and_nothing_changes(
    as_user: Any, booking: Booking, customer: User
) -> None:
    user = as_user(customer)
    before = db_state()
    assert "A booking that is offered cannot be completed" in user.follow(f"/bookings/{booking.id}/complete")
    assert db_state() == before


def test_either_side_cancels_a_confirmed_booking_with_a_reason(
    as_user: Any, confirmed: Booking, provider: User
) -> None:
    page = as_user(provider).follow(f"/bookings/{confirmed.id}/cancel", reason="Van broke down")
    assert "Cancelled: the other side has been told." in page
    cancelled = fresh(Booking, confirmed.id)
    assert (cancelled.status, cancelled.reason, cancelled.ended_by) == ("cancelled", "Van broke down", "provider")


def test_cancelling_without_a_reason_is_refused_and_nothing_changes(
    as_user: Any, confirmed: Booking, customer: User
) -> None:
    user = as_user(customer)
    before = db_state()
    assert "Say why you cancel." in user.follow(f"/bookings/{confirmed.id}/cancel", reason="   ")
    assert db_state() == before


def test_the_customer_reports_a_no_show_with_a_note(as_user: Any, confirmed: Booking, customer: User) -> None:
    page = as_user(customer).follow(f"/bookings/{confirmed.id}/no-show", note="Nobody came on Saturday")
    assert "an admin will decide" in page
    disputed = fresh(Booking, confirmed.id)
    assert (disputed.status, disputed.no_show_note) == ("disputed", "Nobody came on Saturday")


def test_the_provider_cannot_report_a_no_show(as_user: Any, confirmed: Booking, provider: User) -> None:
    user = as_user(provider)
    before = db_state()
    assert "Only the booking&#39;s customer can report a no-show" in user.follow(f"/bookings/{confirmed.id}/no-show")
    assert db_state() == before


def test_while_an_offer_waits_the_customer_sees_the_remaining_bids(
    as_user: Any, booking: Booking, customer: User, rival: User
) -> None:
    page = as_user(customer).text(f"/bookings/{booking.id}")
    assert "Offer to this bid instead" in page
    assert "₹1,600" in page
    assert rival.username in page


def test_offering_to_another_bid_moves_the_job_and_shows_the_new_booking(
    as_user: Any, booking: Booking, customer: User, bids: dict[str, Any]
) -> None:
    response = as_user(customer).post(f"/bookings/{booking.id}/reoffer", bid_id=bids["high"].id)
    assert response.status_code == 302
    assert fresh(Booking, booking.id).status == "withdrawn"
    assert fresh(Auction, bids["auction"].id).winning_bid_id == bids["high"].id
    assert response.headers["Location"] != f"/bookings/{booking.id}"


def test_offering_to_a_bid_of_another_auction_is_refused_and_nothing_changes(
    as_user: Any, booking: Booking, customer: User, make_auction: Any, make_bid: Any, rival: User
) -> None:
    elsewhere = make_bid(rival, make_auction(), 1200)
    user = as_user(customer)
    before = db_state()
    assert "Bid not found" in user.follow(f"/bookings/{booking.id}/reoffer", bid_id=elsewhere.id)
    assert db_state() == before


def test_stopping_ends_the_chain_and_offers_to_post_the_job_again(
    as_user: Any, booking: Booking, customer: User, bids: dict[str, Any]
) -> None:
    page = as_user(customer).follow(f"/bookings/{booking.id}/cancel", reason="Fixed it myself")
    assert "Post this job again" in page
    assert fresh(Booking, booking.id).status == "withdrawn"
    assert fresh(Auction, bids["auction"].id).status == "expired"


def test_the_repost_form_is_prefilled_from_the_old_auction(
    as_user: Any, booking: Booking, customer: User, bids: dict[str, Any]
) -> None:
    services.cancel_booking(customer, booking.id, "Changed my mind")
    page = as_user(customer).text(f"/auctions/{bids['auction'].id}/repost")
    assert "Post this job again" in page
    assert 'value="Fix kitchen sink leak"' in page
    assert 'value="Mumbai, Maharashtra"' in page


def test_reposting_through_the_form_posts_a_new_auction(
    as_user: Any, booking: Booking, customer: User, bids: dict[str, Any]
) -> None:
    services.cancel_booking(customer, booking.id, "Changed my mind")
    old = fresh(Auction, bids["auction"].id)
    deadline = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M")
    response = as_user(customer).post(
        f"/auctions/{old.id}/repost",
        title=old.title,
        category_id=old.category_id,
        location=old.location,
        description=old.description,
        budget_min="1000",
        budget_max="2000",
        deadline=deadline,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != old.id
    assert fresh(Auction, new_id).title == old.title


def test_reposting_while_the_booking_is_in_play_is_refused(
    as_user: Any, confirmed: Booking, customer: User, bids: dict[str, Any]
) -> None:
    deadline = (utcnow() + timedelta(days=2)).astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M")
    old = fresh(Auction, bids["auction"].id)
    user = as_user(customer)
    before = db_state()
    response = user.post(
        f"/auctions/{old.id}/repost",
        title=old.title,
        category_id=old.category_id,
        location=old.location,
        description=old.description,
        budget_min="1000",
        budget_max="2000",
        deadline=deadline,
    )
    assert response.status_code == 400
    assert "Only an auction that ended without the job being booked can be posted again" in response.get_data(
        as_text=True
    )
    assert db_state() == before


def test_only_the_creator_may_open_the_repost_form(
    as_user: Any, booking: Booking, rival: User, bids: dict[str, Any]
) -> None:
    assert as_user(rival).get(f"/auctions/{bids['auction'].id}/repost").status_code == 403
