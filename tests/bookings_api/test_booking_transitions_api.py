"""Each booking transition through REST with bearer tokens: its answer, and each refusal
(wrong actor, wrong state, too late, anonymous) with its code and an unchanged database."""

from __future__ import annotations

import pytest
from helpers import fresh

from bidbazaar.booking_models import Booking, BookingStatus
from bidbazaar.models import Auction


def test_the_provider_confirms_an_offer(api, offered, provider):
    response = api("POST", f"/api/bookings/{offered.id}/confirm", provider)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Booking confirmed"
    assert body["booking"]["status"] == "confirmed" and body["booking"]["your_role"] == "provider"
    assert fresh(Booking, offered.id).status == BookingStatus.CONFIRMED


def test_the_provider_declines_with_a_reason_and_the_offer_passes_to_the_next_bid(api, offered, provider, rival):
    response = api("POST", f"/api/bookings/{offered.id}/decline", provider, {"reason": "Booked that day"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "declined"
    assert response.get_json()["booking"]["reason"] == "Booked that day"
    following = fresh(Booking, offered.id + 1)
    assert (following.provider_id, following.round, following.status) == (rival.id, 2, "offered")


def test_the_provider_declines_without_a_body(api, offered, provider):
    response = api("POST", f"/api/bookings/{offered.id}/decline", provider)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["reason"] is None


def test_the_provider_marks_a_confirmed_booking_done(api, confirmed, provider):
    response = api("POST", f"/api/bookings/{confirmed.id}/done", provider)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "done"
    assert response.get_json()["booking"]["auto_complete_at"] is not None


def test_the_customer_completes_a_booking_marked_done(api, done, customer):
    response = api("POST", f"/api/bookings/{done.id}/complete", customer)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "completed"


def test_either_side_cancels_a_confirmed_booking_with_a_reason(api, confirmed, customer):
    response = api("POST", f"/api/bookings/{confirmed.id}/cancel", customer, {"reason": "Fixed it myself"})

    assert response.status_code == 200, response.get_json()
    booking = response.get_json()["booking"]
    assert (booking["status"], booking["ended_by"], booking["reason"]) == ("cancelled", "customer", "Fixed it myself")


def test_the_customer_cancelling_a_waiting_offer_ends_the_auction_unfilled(api, offered, customer):
    response = api("POST", f"/api/bookings/{offered.id}/cancel", customer, {"reason": "Not needed any more"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "withdrawn"
    auction = fresh(Auction, offered.auction_id)
    assert (auction.status, auction.winning_bid_id) == ("expired", None)


def test_the_customer_reports_a_no_show_with_a_note(api, confirmed, customer):
    response = api("POST", f"/api/bookings/{confirmed.id}/no-show", customer, {"note": "Waited all day"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "disputed"
    assert fresh(Booking, confirmed.id).no_show_note == "Waited all day"


def test_the_customer_offers_the_job_to_another_remaining_bid(api, offered, customer, third, bid_of):
    bid_id = bid_of(third, offered)

    response = api("POST", f"/api/bookings/{offered.id}/reoffer", customer, {"bid_id": bid_id})

    assert response.status_code == 200, response.get_json()
    booking = response.get_json()["booking"]
    assert (booking["bid_id"], booking["status"], booking["round"]) == (bid_id, "offered", 2)
    assert fresh(Booking, offered.id).status == "withdrawn"


def test_an_admin_upholds_a_no_show(api, disputed, admin):
    response = api("POST", f"/api/admin/bookings/{disputed.id}/decision", admin, {"decision": "upheld", "note": "ok"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "no_show"
    assert response.get_json()["booking"]["decision"] == "upheld"


def test_an_admin_rejects_a_no_show_and_the_booking_completes(api, disputed, admin):
    response = api("POST", f"/api/admin/bookings/{disputed.id}/decision", admin, {"decision": "rejected"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["booking"]["status"] == "completed"


# --------------------------------------------------------------------------- refusals

PROVIDER_ACTIONS = [("confirm", None), ("decline", {}), ("done", None)]
CUSTOMER_ACTIONS = [("complete", None), ("no-show", {}), ("reoffer", {"bid_id": 1})]


@pytest.mark.parametrize(("action", "body"), PROVIDER_ACTIONS)
def test_the_customer_cannot_do_what_only_the_provider_may(refused, confirmed, customer, action, body):
    refused("POST", f"/api/bookings/{confirmed.id}/{action}", customer, body, 403, "FORBIDDEN")


@pytest.mark.parametrize(("action", "body"), CUSTOMER_ACTIONS)
def test_the_provider_cannot_do_what_only_the_customer_may(refused, offered, provider, action, body):
    refused("POST", f"/api/bookings/{offered.id}/{action}", provider, body, 403, "FORBIDDEN")


@pytest.mark.parametrize(("action", "body"), [*PROVIDER_ACTIONS, *CUSTOMER_ACTIONS, ("cancel", {"reason": "Because"})])
def test_a_stranger_is_told_the_booking_does_not_exist(refused, offered, stranger, action, body):
    refused("POST", f"/api/bookings/{offered.id}/{action}", stranger, body, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("action", "body"),
    [*PROVIDER_ACTIONS, *CUSTOMER_ACTIONS, ("cancel", {"reason": "Because"}), ("review", {"rating": 5})],
)
def test_an_anonymous_caller_must_log_in(refused, offered, action, body):
    refused("POST", f"/api/bookings/{offered.id}/{action}", None, body, 401, "AUTH_REQUIRED")


@pytest.mark.parametrize(("action", "body"), [("confirm", None), ("decline", {})])
def test_the_provider_cannot_answer_an_offer_twice(refused, confirmed, provider, action, body):
    refused("POST", f"/api/bookings/{confirmed.id}/{action}", provider, body, 409, "BOOKING_STATE")


def test_the_provider_cannot_mark_an_offer_done_before_confirming(refused, offered, provider):
    refused("POST", f"/api/bookings/{offered.id}/done", provider, None, 409, "BOOKING_STATE")


@pytest.mark.parametrize(("action", "body"), [("complete", None), ("no-show", {})])
def test_the_customer_cannot_complete_or_report_a_waiting_offer(refused, offered, customer, action, body):
    refused("POST", f"/api/bookings/{offered.id}/{action}", customer, body, 409, "BOOKING_STATE")


def test_the_customer_cannot_reoffer_a_confirmed_booking(refused, confirmed, customer):
    refused("POST", f"/api/bookings/{confirmed.id}/reoffer", customer, {"bid_id": 1}, 409, "BOOKING_STATE")


def test_the_provider_cannot_cancel_an_offer_instead_of_declining_it(refused, offered, provider):
    refused("POST", f"/api/bookings/{offered.id}/cancel", provider, {"reason": "Busy"}, 409, "BOOKING_STATE")


def test_a_completed_booking_cannot_be_cancelled(refused, completed, provider):
    refused("POST", f"/api/bookings/{completed.id}/cancel", provider, {"reason": "Late"}, 409, "BOOKING_STATE")


def test_the_customer_cannot_reoffer_to_a_bid_already_offered(refused, offered, customer):
    refused("POST", f"/api/bookings/{offered.id}/reoffer", customer, {"bid_id": offered.bid_id}, 409, "CONFLICT")


def test_the_customer_cannot_reoffer_to_a_bid_of_another_auction(refused, offered, customer):
    refused("POST", f"/api/bookings/{offered.id}/reoffer", customer, {"bid_id": 999}, 404, "NOT_FOUND")


def test_a_late_confirmation_is_refused_as_expired_and_the_offer_lapses(api, late, provider):
    response = api("POST", f"/api/bookings/{late.id}/confirm", provider)

    body = response.get_json()
    assert (response.status_code, body["code"]) == (409, "BOOKING_EXPIRED"), body
    assert "respond_by" in body["details"]
    # The late answer lapsed the offer (the sweeper's work, done once by whoever came first).
    assert fresh(Booking, late.id).status == BookingStatus.LAPSED


def test_a_late_decline_is_refused_as_expired(api, late, provider):
    response = api("POST", f"/api/bookings/{late.id}/decline", provider, {})

    assert (response.status_code, response.get_json()["code"]) == (409, "BOOKING_EXPIRED")


def test_an_unknown_booking_is_not_found(refused, provider):
    refused("POST", "/api/bookings/999/confirm", provider, None, 404, "NOT_FOUND")


def test_only_an_admin_decides_a_no_show(refused, disputed, customer):
    refused("POST", f"/api/admin/bookings/{disputed.id}/decision", customer, {"decision": "upheld"}, 403, "FORBIDDEN")


def test_an_admin_cannot_decide_a_booking_nobody_reported(refused, confirmed, admin):
    refused("POST", f"/api/admin/bookings/{confirmed.id}/decision", admin, {"decision": "upheld"}, 409, "BOOKING_STATE")
