"""The JSON API of what follows an award, under /api: a user's bookings, the transitions
each side (and an admin) may make, reviews and replies, and posting an ended job again.

Each view validates with a form, calls one service or query function and serialises the
result. Errors are JSON like the rest of /api (errors.is_api_request decides by the path);
the JSON-only and CSRF hooks of http_guards apply to every write here as to the others.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.booking_models import Booking
from bidbazaar.doors import admin_required
from bidbazaar.forms import (
    BookingSearchForm,
    CancelBookingForm,
    DeclineForm,
    HideReviewForm,
    NoShowDecisionForm,
    NoShowForm,
    ReofferForm,
    ReplyForm,
    RepostForm,
    ReviewForm,
    parse_json_form,
    parse_query,
)

bookings_api = Blueprint("bookings_api", __name__)


def answer(message: str, booking: Booking) -> Any:
    """A transition's 200: what happened and the booking as the caller now sees it."""
    return jsonify({"message": message, "booking": booking.to_dict(current_user)})


# --------------------------------------------------------------------------- reading


@bookings_api.get("/bookings")
@login_required
def list_bookings() -> Any:
    query = parse_query(BookingSearchForm, request.args)
    page = queries.bookings_of(
        current_user, query["status"] or None, query["role"] or None, query["page"] or 1,
        queries.page_size(query["per_page"], 20),
    )  # fmt: skip
    return jsonify({"bookings": [b.to_dict(current_user) for b in page.items], "pagination": page.pagination})


@bookings_api.get("/bookings/<int:booking_id>")
@login_required
def get_booking(booking_id: int) -> Any:
    return jsonify(queries.booking_detail(booking_id, current_user))


# --------------------------------------------------------------------------- the provider


@bookings_api.post("/bookings/<int:booking_id>/confirm")
@login_required
def confirm_booking(booking_id: int) -> Any:
    return answer("Booking confirmed", services.confirm_booking(current_user, booking_id))


@bookings_api.post("/bookings/<int:booking_id>/decline")
@login_required
def decline_booking(booking_id: int) -> Any:
    data = parse_json_form(DeclineForm)
    return answer("Offer declined", services.decline_booking(current_user, booking_id, data["reason"] or None))


@bookings_api.post("/bookings/<int:booking_id>/done")
@login_required
def mark_done(booking_id: int) -> Any:
    return answer("Marked done", services.mark_done(current_user, booking_id))


# --------------------------------------------------------------------------- the customer


@bookings_api.post("/bookings/<int:booking_id>/complete")
@login_required
def complete_booking(booking_id: int) -> Any:
    return answer("Booking completed", services.complete_booking(current_user, booking_id))


@bookings_api.post("/bookings/<int:booking_id>/no-show")
@login_required
def report_no_show(booking_id: int) -> Any:
    data = parse_json_form(NoShowForm)
    return answer("No-show reported", services.report_no_show(current_user, booking_id, data["note"] or None))


@bookings_api.post("/bookings/<int:booking_id>/reoffer")
@login_required
def reoffer_booking(booking_id: int) -> Any:
    data = parse_json_form(ReofferForm)
    return answer("Offered to another bid", services.reoffer_booking(current_user, booking_id, data["bid_id"]))


@bookings_api.post("/auctions/<int:auction_id>/repost")
@login_required
def repost_auction(auction_id: int) -> Any:
    # A field not given, or given as JSON null, keeps the old auction's value.
    changes = {k: v for k, v in parse_json_form(RepostForm).items() if v is not None}
    posted = services.repost_auction(current_user, auction_id, changes)
    return jsonify({"message": "Auction posted again", "auction": posted.auction}), 201


# --------------------------------------------------------------------------- either side


@bookings_api.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel_booking(booking_id: int) -> Any:
    data = parse_json_form(CancelBookingForm)
    return answer("Booking cancelled", services.cancel_booking(current_user, booking_id, data["reason"]))


@bookings_api.post("/bookings/<int:booking_id>/review")
@login_required
def write_review(booking_id: int) -> Any:
    data = parse_json_form(ReviewForm)
    review = services.write_review(current_user, booking_id, data["rating"], data["comment"] or None)
    return jsonify({"message": "Review saved", "review": review.to_dict(current_user)}), 201


@bookings_api.post("/reviews/<int:review_id>/reply")
@login_required
def reply_to_review(review_id: int) -> Any:
    data = parse_json_form(ReplyForm)
    review = services.reply_to_review(current_user, review_id, data["reply"])
    return jsonify({"message": "Reply published", "review": review.to_dict(current_user)})


# --------------------------------------------------------------------------- admins


@bookings_api.post("/admin/bookings/<int:booking_id>/decision")
@admin_required
def decide_no_show(booking_id: int) -> Any:
    data = parse_json_form(NoShowDecisionForm)
    booking = services.decide_no_show(current_user, booking_id, data["decision"] == "upheld", data["note"] or None)
    return answer("No-show report decided", booking)


@bookings_api.post("/admin/reviews/<int:review_id>/hide")
@admin_required
def hide_review(review_id: int) -> Any:
    data = parse_json_form(HideReviewForm)
    review = services.hide_review(current_user, review_id, data["reason"])
    return jsonify({"message": "Review hidden", "review": review.to_dict(current_user)})
