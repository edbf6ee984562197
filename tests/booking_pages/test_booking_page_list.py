"""My bookings (both sides, what waits on me first, a status filter), the nav link, and the
phone number on the profile form."""

from __future__ import annotations

import re
from typing import Any

from helpers import fresh

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import User


def row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-booking-id="(\d+)"', page)]


def awarded(customer: User, provider: User, make_auction: Any, make_bid: Any, title: str) -> Booking:
    job = make_auction(title=title)
    bid = make_bid(provider, job, 1500)
    services.award_auction(customer, job.id, bid.id)
    return db.session.query(Booking).filter_by(bid_id=bid.id).one()


def test_my_bookings_needs_a_login(client: Any, app: Any) -> None:
    response = client.get("/bookings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_both_sides_see_the_booking_with_the_other_side_amount_and_status(
    as_user: Any, booking: Booking, customer: User, provider: User
) -> None:
    as_customer = as_user(customer).text("/bookings")
    assert "Provider <a" in as_customer and ">ravi</a>" in as_customer
    assert "₹1,500" in as_customer
    assert "Offered, waiting for the provider" in as_customer
    as_provider = as_user(provider).text("/bookings")
    assert "Customer <a" in as_provider and ">asha</a>" in as_provider
    assert "Confirm or decline" in as_provider


def test_offers_to_answer_come_before_bookings_under_way(
    as_user: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    older = awarded(customer, provider, make_auction, make_bid, "Fix the front door")
    newer = awarded(customer, provider, make_auction, make_bid, "Fix the back door")
    services.confirm_booking(provider, newer.id)
    assert row_ids(as_user(provider).text("/bookings")) == [older.id, newer.id]


def test_work_marked_done_comes_first_for_the_customer(
    as_user: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    done = awarded(customer, provider, make_auction, make_bid, "Fix the front door")
    waiting = awarded(customer, provider, make_auction, make_bid, "Fix the back door")
    services.confirm_booking(provider, done.id)
    services.mark_done(provider, done.id)
    assert row_ids(as_user(customer).text("/bookings")) == [done.id, waiting.id]


def test_ended_bookings_come_last(
    as_user: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    ended = awarded(customer, provider, make_auction, make_bid, "Fix the back door")
    services.cancel_booking(customer, ended.id, "Not needed")
    under_way = awarded(customer, provider, make_auction, make_bid, "Fix the front door")
    services.confirm_booking(provider, under_way.id)
    assert row_ids(as_user(customer).text("/bookings")) == [under_way.id, ended.id]


def test_the_status_filter_shows_only_that_status(
    as_user: Any, customer: User, provider: User, make_auction: Any, make_bid: Any
) -> None:
    offered = awarded(customer, provider, make_auction, make_bid, "Fix the front door")
    confirmed = awarded(customer, provider, make_auction, make_bid, "Fix the back door")
    services.confirm_booking(provider, confirmed.id)
    user = as_user(customer)
    assert row_ids(user.text("/bookings?status=confirmed")) == [confirmed.id]
    assert row_ids(user.text("/bookings?status=offered")) == [offered.id]


def test_an_unknown_status_filter_shows_all_bookings(as_user: Any, booking: Booking, customer: User) -> None:
    response = as_user(customer).get("/bookings?status=bogus")
    assert response.status_code == 200
    assert row_ids(response.get_data(as_text=True)) == [booking.id]


def test_someone_with_no_bookings_is_told_so(as_user: Any, rival: User) -> None:
    assert "No bookings yet" in as_user(rival).text("/bookings")


def test_the_nav_links_to_my_bookings(as_user: Any, customer: User) -> None:
    assert 'id="bookings-link"' in as_user(customer).text("/")


def test_the_profile_form_saves_an_indian_mobile_number(as_user: Any, customer: User) -> None:
    user = as_user(customer)
    page = user.follow("/profile", email=customer.email, phone="98765 43210")
    assert "Profile saved." in page
    assert fresh(User, customer.id).phone == "+919876543210"


def test_the_profile_form_refuses_a_number_that_is_not_an_indian_mobile(as_user: Any, customer: User) -> None:
    response = as_user(customer).post("/profile", email=customer.email, phone="12345")
    assert response.status_code == 400
    assert fresh(User, customer.id).phone is None
