"""The provider's offer page: the time left, Confirm and Decline through their forms, and
who may press them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers import db_state, fresh, html

from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import Auction, User, utcnow


def test_the_offer_page_shows_the_time_left_and_the_deadline_in_india_time(
    as_user: Any, booking: Booking, provider: User
) -> None:
    booking.respond_by = utcnow() + timedelta(hours=23, minutes=10, seconds=30)
    db.session.commit()
    page = as_user(provider).text(f"/bookings/{booking.id}")
    assert "Confirm within 23h 10m" in page
    assert " IST" in page


def test_confirming_through_the_form_confirms_and_flashes(as_user: Any, booking: Booking, provider: User) -> None:
    page = as_user(provider).follow(f"/bookings/{booking.id}/confirm")
    assert "Confirmed: the job is yours" in page
    assert fresh(Booking, booking.id).status == "confirmed"


def test_declining_with_a_reason_passes_the_job_to_the_next_bid(
    as_user: Any, booking: Booking, provider: User, bids: dict[str, Any]
) -> None:
    page = as_user(provider).follow(f"/bookings/{booking.id}/decline", reason="Away that week")
    assert "You declined the job" in page
    declined = fresh(Booking, booking.id)
    assert (declined.status, declined.reason) == ("declined", "Away that week")
    assert fresh(Auction, bids["auction"].id).winning_bid_id == bids["high"].id


def test_declining_without_a_reason_is_allowed(as_user: Any, booking: Booking, provider: User) -> None:
    as_user(provider).follow(f"/bookings/{booking.id}/decline")
    assert fresh(Booking, booking.id).status == "declined"


def test_the_customer_cannot_confirm_the_offer_and_nothing_changes(
    as_user: Any, booking: Booking, customer: User
) -> None:
    user = as_user(customer)
    before = db_state()
    page = user.follow(f"/bookings/{booking.id}/confirm")
    assert "Only the booking&#39;s provider can confirm it" in page
    assert db_state() == before


def test_a_stranger_gets_not_found_for_the_booking_page(as_user: Any, booking: Booking, rival: User) -> None:
    assert as_user(rival).get(f"/bookings/{booking.id}").status_code == 404


def test_a_stranger_pressing_confirm_is_told_the_booking_was_not_found_and_nothing_changes(
    as_user: Any, booking: Booking, rival: User
) -> None:
    user = as_user(rival)
    before = db_state()
    page = user.follow(f"/bookings/{booking.id}/confirm")
    assert "Booking not found" in page
    assert db_state() == before


def test_a_confirm_without_the_csrf_token_is_refused(as_user: Any, booking: Booking, provider: User) -> None:
    user = as_user(provider)
    before = db_state()
    response = user.client.post(f"/bookings/{booking.id}/confirm")
    assert response.status_code in (302, 400)
    assert db_state() == before


def test_a_late_confirm_is_refused_with_a_flash_and_the_offer_lapses(
    as_user: Any, booking: Booking, provider: User
) -> None:
    booking.respond_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = as_user(provider).follow(f"/bookings/{booking.id}/confirm")
    assert "The time to answer this offer has passed" in page
    assert fresh(Booking, booking.id).status == "lapsed"


def test_anonymous_visitors_are_sent_to_log_in(client: Any, booking: Booking) -> None:
    response = client.get(f"/bookings/{booking.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_contact_details_are_absent_before_confirmation(
    as_user: Any, booking: Booking, customer: User, provider: User
) -> None:
    provider.phone, customer.phone = "+919876543210", "+919812345678"
    db.session.commit()
    for viewer, other in ((customer, provider), (provider, customer)):
        page = as_user(viewer).text(f"/bookings/{booking.id}")
        assert other.email not in page
        assert other.phone not in page
        assert "Contact details are shared once the provider confirms" in page


def test_both_sides_see_each_others_email_and_phone_after_confirmation(
    as_user: Any, confirmed: Booking, customer: User, provider: User
) -> None:
    provider.phone, customer.phone = "+919876543210", "+919812345678"
    db.session.commit()
    for viewer, other in ((customer, provider), (provider, customer)):
        page = as_user(viewer).text(f"/bookings/{confirmed.id}")
        assert other.email in page
        assert other.phone in page


def test_the_offer_buttons_show_to_the_provider_only(
    as_user: Any, booking: Booking, customer: User, provider: User
) -> None:
    assert "Confirm the job" in as_user(provider).text(f"/bookings/{booking.id}")
    assert "Confirm the job" not in as_user(customer).text(f"/bookings/{booking.id}")


def test_an_admin_may_read_a_booking_without_its_buttons(as_user: Any, booking: Booking, admin: User) -> None:
    response = as_user(admin).get(f"/bookings/{booking.id}")
    assert response.status_code == 200
    assert "Confirm the job" not in html(response)
