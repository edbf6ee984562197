"""Reviews through REST: writing one (double-blind), replying to one about you, an admin
hiding one; each refusal with its code and an unchanged database."""

from __future__ import annotations

from datetime import timedelta

from helpers import fresh

from bidbazaar import services
from bidbazaar.booking_models import Review
from bidbazaar.models import utcnow


def test_the_customer_reviews_a_completed_booking_and_it_stays_unpublished(api, completed, customer, conforms):
    response = api("POST", f"/api/bookings/{completed.id}/review", customer, {"rating": 4, "comment": " Tidy "})

    assert response.status_code == 201, response.get_json()
    review = response.get_json()["review"]
    assert (review["rating"], review["comment"], review["author_role"]) == (4, "Tidy", "customer")
    assert review["published_at"] is None
    conforms(review, "Review")


def test_the_second_review_publishes_both(api, completed, customer, provider):
    first = api("POST", f"/api/bookings/{completed.id}/review", customer, {"rating": 4}).get_json()["review"]

    response = api("POST", f"/api/bookings/{completed.id}/review", provider, {"rating": 5, "comment": None})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["review"]["published_at"] is not None
    assert fresh(Review, first["id"]).published_at is not None


def test_a_side_cannot_review_twice(refused, completed, customer):
    services.write_review(customer, completed.id, 3)

    refused("POST", f"/api/bookings/{completed.id}/review", customer, {"rating": 5}, 409, "REVIEW_EXISTS")


def test_a_booking_not_completed_cannot_be_reviewed(refused, confirmed, customer):
    refused("POST", f"/api/bookings/{confirmed.id}/review", customer, {"rating": 5}, 409, "BOOKING_STATE")


def test_no_review_after_the_window(refused, completed, customer, time_machine):
    time_machine.move_to(utcnow() + timedelta(days=15), tick=False)

    refused("POST", f"/api/bookings/{completed.id}/review", customer, {"rating": 5}, 409, "REVIEW_CLOSED")


def test_a_stranger_cannot_review_a_booking(refused, completed, stranger):
    refused("POST", f"/api/bookings/{completed.id}/review", stranger, {"rating": 5}, 404, "NOT_FOUND")


def both_reviewed(booking, customer, provider) -> tuple[Review, Review]:
    mine = services.write_review(customer, booking.id, 2, "Late")
    theirs = services.write_review(provider, booking.id, 5)
    return mine, theirs


def test_the_reviewed_side_replies_once_in_public(api, completed, customer, provider, conforms):
    about_provider, _ = both_reviewed(completed, customer, provider)

    response = api("POST", f"/api/reviews/{about_provider.id}/reply", provider, {"reply": "Traffic, sorry."})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review"]["reply"] == "Traffic, sorry."
    conforms(response.get_json()["review"], "Review")


def test_the_author_cannot_reply_to_its_own_review(refused, completed, customer, provider):
    about_provider, _ = both_reviewed(completed, customer, provider)

    refused("POST", f"/api/reviews/{about_provider.id}/reply", customer, {"reply": "Hm"}, 403, "FORBIDDEN")


def test_an_unpublished_review_cannot_be_answered(refused, completed, customer, provider):
    about_provider = services.write_review(customer, completed.id, 2)

    refused("POST", f"/api/reviews/{about_provider.id}/reply", provider, {"reply": "Hm"}, 409, "REVIEW_STATE")


def test_a_review_is_answered_only_once(refused, completed, customer, provider):
    about_provider, _ = both_reviewed(completed, customer, provider)
    services.reply_to_review(provider, about_provider.id, "First")

    refused("POST", f"/api/reviews/{about_provider.id}/reply", provider, {"reply": "Again"}, 409, "REVIEW_EXISTS")


def test_an_unknown_review_cannot_be_answered(refused, provider):
    refused("POST", "/api/reviews/999/reply", provider, {"reply": "Hm"}, 404, "NOT_FOUND")


def test_an_admin_hides_a_review_with_a_reason(api, completed, customer, provider, admin, conforms):
    about_provider, _ = both_reviewed(completed, customer, provider)

    response = api("POST", f"/api/admin/reviews/{about_provider.id}/hide", admin, {"reason": "Abusive"})

    assert response.status_code == 200, response.get_json()
    review = response.get_json()["review"]
    assert (review["hidden"], review["hidden_reason"]) == (True, "Abusive") and review["hidden_at"]
    conforms(review, "Review")


def test_only_an_admin_hides_a_review(refused, completed, customer, provider):
    about_provider, _ = both_reviewed(completed, customer, provider)

    refused("POST", f"/api/admin/reviews/{about_provider.id}/hide", provider, {"reason": "Mean"}, 403, "FORBIDDEN")


def test_a_hidden_review_cannot_be_hidden_again(refused, completed, customer, provider, admin):
    about_provider, _ = both_reviewed(completed, customer, provider)
    services.hide_review(admin, about_provider.id, "Abusive")

    refused("POST", f"/api/admin/reviews/{about_provider.id}/hide", admin, {"reason": "Again"}, 409, "REVIEW_STATE")


def test_an_anonymous_caller_cannot_hide_a_review(refused, completed, customer, provider):
    about_provider, _ = both_reviewed(completed, customer, provider)

    refused("POST", f"/api/admin/reviews/{about_provider.id}/hide", None, {"reason": "x"}, 401, "AUTH_REQUIRED")
