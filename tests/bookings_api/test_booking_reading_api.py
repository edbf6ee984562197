"""GET /api/bookings/{id} and GET /api/bookings: what each party sees, what they may do
now, who may read at all, the list's filters, order and pagination, and its statement
count, constant in the number of bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidbazaar import services
from bidbazaar.booking_models import Booking
from bidbazaar.extensions import db
from bidbazaar.models import User, utcnow


def detail(api, booking, user):
    response = api("GET", f"/api/bookings/{booking.id}", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def with_phones(*users: User) -> None:
    for n, user in enumerate(users):
        db.session.get(User, user.id).phone = f"+9198765432{n:02d}"
    db.session.commit()


# --------------------------------------------------------------------------- one booking


def test_the_provider_sees_an_offer_with_confirm_and_decline(api, offered, provider, conforms):
    body = detail(api, offered, provider)

    assert body["booking"]["status"] == "offered" and body["booking"]["your_role"] == "provider"
    assert body["actions"] == ["confirm", "decline"]
    assert body["remaining_bids"] == []
    assert body["review"] == {"window_ends_at": None, "mine": None, "theirs_published": False}
    assert body["booking"]["seconds_to_respond"] > 0
    conforms(body["booking"], "Booking")


def test_the_customer_sees_the_bids_it_may_reoffer_to_with_their_reputation(
    api, offered, customer, rival, third, conforms
):
    body = detail(api, offered, customer)

    assert body["actions"] == ["cancel", "reoffer"]
    bids = body["remaining_bids"]
    assert [(b["user_id"], b["amount"]) for b in bids] == [(rival.id, 1800), (third.id, 1900)]
    assert bids[0]["username"] == rival.username and bids[0]["description"]
    assert bids[0]["reputation"]["completed"] == 0 and bids[0]["reputation"]["confirmation_rate"] is None
    for bid in bids:
        conforms(bid, "RemainingBid")


def test_the_remaining_bids_are_read_in_a_constant_number_of_statements(
    api, customer, provider, make_user, make_auction, make_bid, count_statements
):
    def offer_with_bids_behind(n: int) -> int:
        auction = make_auction()
        for k in range(n):
            make_bid(make_user(provider=True), auction, 1900 - k)
        bid = make_bid(provider, auction, 1500)
        services.award_auction(customer, auction.id, bid.id)
        return db.session.scalar(db.select(Booking.id).where(Booking.bid_id == bid.id))

    few, many = offer_with_bids_behind(1), offer_with_bids_behind(6)
    api.login(customer)

    assert len(api("GET", f"/api/bookings/{many}", customer).get_json()["remaining_bids"]) == 6
    assert count_statements(lambda: api("GET", f"/api/bookings/{few}", customer)) == count_statements(
        lambda: api("GET", f"/api/bookings/{many}", customer)
    )


def test_the_customer_of_a_confirmed_booking_may_complete_cancel_or_report(api, confirmed, customer):
    assert detail(api, confirmed, customer)["actions"] == ["complete", "cancel", "no_show"]


def test_the_provider_of_a_confirmed_booking_may_mark_it_done_or_cancel(api, confirmed, provider):
    assert detail(api, confirmed, provider)["actions"] == ["done", "cancel"]


def test_nobody_may_answer_an_offer_whose_time_ran_out(api, late, provider, customer):
    assert detail(api, late, provider)["actions"] == []
    assert detail(api, late, customer)["remaining_bids"] == []


def test_both_sides_may_review_a_completed_booking_within_the_window(api, completed, customer, provider, conforms):
    body = detail(api, completed, customer)

    assert body["actions"] == ["review"]
    assert body["review"]["window_ends_at"] is not None
    assert detail(api, completed, provider)["actions"] == ["review"]
    conforms(body["review"], "BookingReviewState")


def test_a_side_that_reviewed_is_not_offered_to_review_again(api, completed, customer, provider, conforms):
    services.write_review(customer, completed.id, 4, "Good")

    mine = detail(api, completed, customer)
    theirs = detail(api, completed, provider)

    assert mine["actions"] == [] and mine["review"]["mine"]["rating"] == 4
    assert mine["review"]["theirs_published"] is False
    assert theirs["actions"] == ["review"] and theirs["review"]["mine"] is None
    conforms(mine["review"], "BookingReviewState")


def test_a_side_learns_the_other_review_is_published_once_both_wrote(api, completed, customer, provider):
    services.write_review(customer, completed.id, 4, "Good")
    services.write_review(provider, completed.id, 5, None)

    assert detail(api, completed, customer)["review"]["theirs_published"] is True


def test_no_review_is_offered_after_the_window(api, completed, customer, time_machine):
    time_machine.move_to(utcnow() + timedelta(days=15), tick=False)

    assert detail(api, completed, customer)["actions"] == []


def test_an_admin_reads_any_booking_and_may_do_nothing_to_it_here(api, disputed, admin):
    body = detail(api, disputed, admin)

    assert body["booking"]["your_role"] is None and body["actions"] == []


def test_a_stranger_cannot_read_a_booking(refused, offered, stranger):
    refused("GET", f"/api/bookings/{offered.id}", stranger, None, 404, "NOT_FOUND")


def test_an_anonymous_caller_cannot_read_a_booking(refused, offered):
    refused("GET", f"/api/bookings/{offered.id}", None, None, 401, "AUTH_REQUIRED")


def test_an_unknown_booking_is_not_found(refused, provider):
    refused("GET", "/api/bookings/424242", provider, None, 404, "NOT_FOUND")


# --------------------------------------------------------------------------- privacy


@pytest.mark.parametrize("side", ["customer", "provider"])
def test_neither_side_sees_the_other_s_contact_details_before_confirmation(api, offered, side, request):
    customer, provider = request.getfixturevalue("customer"), request.getfixturevalue("provider")
    with_phones(customer, provider)
    viewer = customer if side == "customer" else provider

    body = api("GET", f"/api/bookings/{offered.id}", viewer).get_data(as_text=True)
    listed = api("GET", "/api/bookings", viewer).get_data(as_text=True)

    for text in (body, listed):
        for user in (customer, provider):
            assert user.email not in text
        assert "+9198765432" not in text


@pytest.mark.parametrize("side", ["customer", "provider"])
def test_both_sides_see_each_other_s_email_and_phone_once_confirmed(api, confirmed, side, request, conforms):
    customer, provider = request.getfixturevalue("customer"), request.getfixturevalue("provider")
    with_phones(customer, provider)
    viewer = customer if side == "customer" else provider

    booking = api("GET", f"/api/bookings/{confirmed.id}", viewer).get_json()["booking"]
    listed = api("GET", "/api/bookings", viewer).get_json()["bookings"][0]

    for view in (booking, listed):
        assert view["customer"] == {"id": customer.id, "username": "asha", "email": "asha@example.com",
                                    "phone": "+919876543200"}  # fmt: skip
        assert view["provider"]["email"] == "ravi@example.com" and view["provider"]["phone"] == "+919876543201"
    conforms(booking, "Booking")


def test_the_bidders_behind_the_offer_see_nothing_of_it(api, offered, rival):
    assert api("GET", "/api/bookings", rival).get_json()["bookings"] == []


# --------------------------------------------------------------------------- the list


@pytest.fixture
def history(customer, provider, rival, make_auction, make_bid):
    """Three bookings for the customer: provider's confirmed (oldest), rival's done, and a
    new offer to the provider (newest)."""
    bookings = []
    for bidder in (provider, rival, provider):
        auction = make_auction()
        bid = make_bid(bidder, auction, 1500)
        services.award_auction(customer, auction.id, bid.id)
        bookings.append(db.session.scalar(db.select(Booking).where(Booking.bid_id == bid.id)))
    services.confirm_booking(provider, bookings[0].id)
    services.confirm_booking(rival, bookings[1].id)
    services.mark_done(rival, bookings[1].id)
    return [b.id for b in bookings]


def listed(api, user, query=""):
    response = api("GET", f"/api/bookings{query}", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_customer_sees_the_booking_waiting_on_it_first_then_the_newest(api, history, customer, conforms):
    body = listed(api, customer)

    assert [b["id"] for b in body["bookings"]] == [history[1], history[2], history[0]]
    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 3, "pages": 1}
    for booking in body["bookings"]:
        conforms(booking, "Booking")


def test_the_provider_sees_the_offer_waiting_on_it_first(api, history, provider):
    assert [b["id"] for b in listed(api, provider)["bookings"]] == [history[2], history[0]]


def test_the_list_filters_by_status(api, history, customer):
    assert [b["id"] for b in listed(api, customer, "?status=confirmed")["bookings"]] == [history[0]]


def test_the_list_filters_by_the_viewer_s_side(api, history, customer, provider):
    assert listed(api, customer, "?role=provider")["bookings"] == []
    assert len(listed(api, provider, "?role=provider")["bookings"]) == 2


def test_the_list_is_paginated(api, history, customer):
    second = listed(api, customer, "?per_page=2&page=2")

    assert [b["id"] for b in second["bookings"]] == [history[0]]
    assert second["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}


def test_per_page_above_100_is_clamped(api, history, customer):
    assert listed(api, customer, "?per_page=5000")["pagination"]["per_page"] == 100


@pytest.mark.parametrize(
    "query", ["?status=paid", "?role=admin", "?page=0", "?per_page=-1", "?page=x", "?per_page=1.5"]
)
def test_a_bad_filter_is_a_validation_error(refused, customer, query):
    refused("GET", f"/api/bookings{query}", customer, None, 400, "VALIDATION_ERROR")


def test_an_anonymous_caller_has_no_bookings_to_list(refused):
    refused("GET", "/api/bookings", None, None, 401, "AUTH_REQUIRED")


def test_the_list_takes_as_many_statements_for_many_bookings_as_for_one(
    api, customer, provider, make_auction, make_bid, count_statements
):
    def award() -> None:
        auction = make_auction()
        services.award_auction(customer, auction.id, make_bid(provider, auction, 1500).id)

    api.login(customer)
    award()
    one = count_statements(lambda: api("GET", "/api/bookings", customer))
    for _ in range(5):
        award()
    six = count_statements(lambda: api("GET", "/api/bookings", customer))

    assert len(api("GET", "/api/bookings", customer).get_json()["bookings"]) == 6
    assert one == six
