"""The document's part for what follows an award (booking_routes): its operations, the
request bodies read from the forms, and the Booking, Review and reputation schemas read from
their serialisers, like the rest of the document."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from bidbazaar import forms
from bidbazaar.booking_models import Booking, BookingStatus, Party, Review
from bidbazaar.models import Auction, User
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.requests import example_deadline, form_body, query_parameters
from bidbazaar.openapi.responses import columns_properties
from bidbazaar.openapi.schemas import COUNT, ID, MESSAGE, MONEY, TIMESTAMP, Schema, nullable, obj, ref
from bidbazaar.queries.reputation import CustomerTrust, ProviderReputation

#: Every action GET /api/bookings/{id} may list.
ALL_ACTIONS = ["confirm", "decline", "done", "complete", "cancel", "no_show", "reoffer", "review"]
ROLE = {"type": "string", "enum": [Party.CUSTOMER, Party.PROVIDER]}


def booking_keys() -> tuple[str, ...]:
    """Booking.to_dict's keys, read from a blank booking (no database needed)."""
    blank = Booking(auction=Auction(title=""), customer=User(), provider=User())
    return tuple(blank.to_dict(None))


def review_keys() -> tuple[str, ...]:
    return tuple(Review(author=User()).to_dict(None))


def party_schema() -> Schema:
    """One side of a booking: email and phone only once the provider confirmed."""
    return obj(
        {"id": ID, "username": {"type": "string"}, "email": {"type": "string"}, "phone": nullable({"type": "string"})},
        ("email", "phone"),
        description="`email` and `phone` are present only once the booking was confirmed.",
    )


def reputation_schema() -> Schema:
    number = {"type": ["number", "null"]}
    kinds: dict[str, Schema] = {
        "rating": {**number, "description": "Average stars of published, visible reviews (1 decimal)."},
        "rating_count": COUNT,
        "completed": COUNT,
        "confirmation_rate": {**number, "description": "Confirmed ÷ answered or lapsed offers (0..1)."},
        "completion_rate": {**number, "description": "Completed ÷ confirmed bookings that ended (0..1)."},
        "no_shows": COUNT,
        "cancellations": COUNT,
        "member_since": TIMESTAMP,
        "verified": {"type": "boolean"},
    }
    return obj({f.name: kinds[f.name] for f in fields(ProviderReputation)})


def trust_schema() -> Schema:
    number = {"type": ["number", "null"]}
    kinds: dict[str, Schema] = {
        "award_rate": {**number, "description": "Auctions awarded ÷ auctions that closed with bids (0..1)."},
        "completed": COUNT,
        "rating": {**number, "description": "Average stars from providers' published, visible reviews."},
        "rating_count": COUNT,
        "cancellations": {**COUNT, "description": "Bookings the customer cancelled or stopped."},
        "member_since": TIMESTAMP,
    }
    return obj({f.name: kinds[f.name] for f in fields(CustomerTrust)})


def booking_schemas(bid_full: dict[str, Schema]) -> dict[str, Schema]:
    """The response and request components of the bookings API."""
    booking = columns_properties(
        Booking,
        booking_keys(),
        {
            "auction_title": {"type": "string"},
            "customer": ref("BookingParty"),
            "provider": ref("BookingParty"),
            "amount": MONEY,
            "status": {"type": "string", "enum": list(BookingStatus.ALL)},
            "seconds_to_respond": {**COUNT, "description": "0 unless offered."},
            "your_role": nullable(ROLE),
        },
    )
    review_props = columns_properties(
        Review,
        review_keys(),
        {
            "author": obj({"id": ID, "username": {"type": "string"}}),
            "author_role": ROLE,
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "hidden": {"type": "boolean"},
        },
    )
    admin_only = columns_properties(Review, ("hidden_at", "hidden_reason"))
    return {
        "BookingParty": party_schema(),
        "Booking": obj(booking, description="A party's (or an admin's) view of a booking."),
        "Review": obj(
            {**review_props, **admin_only},
            tuple(admin_only),
            description="`hidden_at` and `hidden_reason` are shown to admins only.",
        ),
        "ProviderReputation": reputation_schema(),
        "CustomerTrust": trust_schema(),
        "RemainingBid": obj(
            {**bid_full, "reputation": ref("ProviderReputation")},
            description="A bid the customer may offer the job to instead, with its provider's reputation.",
        ),
        "BookingReviewState": obj(
            {
                "window_ends_at": nullable(TIMESTAMP),
                "mine": nullable(ref("Review")),
                "theirs_published": {"type": "boolean"},
            },
            description="`window_ends_at` is null before completion; `mine` is the viewer's own review.",
        ),
        "DeclineRequest": form_body(forms.DeclineForm, example={"reason": "Booked that day"}),
        "CancelBookingRequest": form_body(forms.CancelBookingForm, example={"reason": "The tap was fixed by a friend"}),
        "NoShowRequest": form_body(forms.NoShowForm, example={"note": "Waited all afternoon"}),
        "ReofferRequest": form_body(forms.ReofferForm, example={"bid_id": 2}),
        "ReviewRequest": form_body(forms.ReviewForm, example={"rating": 5, "comment": "On time, tidy work."}),
        "ReplyRequest": form_body(forms.ReplyForm, example={"reply": "Thank you!"}),
        "NoShowDecisionRequest": form_body(forms.NoShowDecisionForm, example={"decision": "upheld"}),
        "HideReviewRequest": form_body(forms.HideReviewForm, example={"reason": "Personal details in the comment"}),
        "RepostRequest": form_body(
            forms.RepostForm,
            description="The old auction's fields, each replaced by the one given here (JSON null keeps the old "
            "value); `deadline` is required and follows the rules of a new auction.",
            example={"deadline": example_deadline()},
        ),
    }


def booking_operations() -> dict[str, Operation]:
    """The documented endpoints of booking_routes, keyed by Flask endpoint name."""
    message = {"message": MESSAGE}
    moved = {**message, "booking": ref("Booking")}
    states = ("FORBIDDEN", "BOOKING_STATE")
    detail = {
        "booking": ref("Booking"),
        "actions": {"type": "array", "items": {"enum": ALL_ACTIONS}, "uniqueItems": True},
        "remaining_bids": {"type": "array", "items": ref("RemainingBid")},
        "review": ref("BookingReviewState"),
    }

    def transition(name: str, path: str, summary: str, body: str | None = None, codes=states, **kw: Any) -> tuple:
        return f"bookings_api.{name}", Operation(
            "post", f"/api/bookings/{{booking_id}}/{path}", "bookings", summary, (200, "Done", moved),
            body=body, codes=codes, **kw,
        )  # fmt: skip

    return dict(
        [
            ("bookings_api.list_bookings", Operation(
                "get", "/api/bookings", "bookings", "Your bookings, as customer or provider",
                (200, "A page of bookings", {"bookings": {"type": "array", "items": ref("Booking")},
                                             "pagination": ref("Pagination")}),
                query=query_parameters(forms.BookingSearchForm),
                description="What waits on you comes first (an offer to answer as provider, a job marked done "
                "to complete as customer), then the newest. `per_page` above 100 is clamped to 100.",
            )),
            ("bookings_api.get_booking", Operation(
                "get", "/api/bookings/{booking_id}", "bookings", "One of your bookings, and what you may do now",
                (200, "The booking", detail),
                description="Contact details of the other side appear only once the provider confirmed. Someone "
                "with no part in the booking (and not an admin) gets 404.",
            )),
            transition("confirm_booking", "confirm", "Take the job (the provider, before respond_by)",
                       codes=(*states, "BOOKING_EXPIRED")),
            transition("decline_booking", "decline", "Turn the job down (the provider): it passes to the next bid",
                       "DeclineRequest", codes=(*states, "BOOKING_EXPIRED"), body_required=False),
            transition("mark_done", "done", "Say the work is done (the provider)"),
            transition("complete_booking", "complete", "Say the job was done (the customer)"),
            transition("cancel_booking", "cancel", "Call the booking off, saying why (either side)",
                       "CancelBookingRequest",
                       description="The customer cancelling a waiting offer stops the chain: the auction ends "
                       "unfilled. A provider declines an offer instead (409 BOOKING_STATE here)."),
            transition("report_no_show", "no-show", "Report that the provider never came (the customer)",
                       "NoShowRequest", body_required=False),
            transition("reoffer_booking", "reoffer", "Offer the job to another remaining bid instead (the customer)",
                       "ReofferRequest", codes=(*states, "CONFLICT"),
                       description="Answers the new booking."),
            ("bookings_api.write_review", Operation(
                "post", "/api/bookings/{booking_id}/review", "reviews", "Review the other side of a completed booking",
                (201, "Saved; published once both sides wrote or the window ended",
                 {**message, "review": ref("Review")}),
                body="ReviewRequest", codes=("BOOKING_STATE", "REVIEW_EXISTS", "REVIEW_CLOSED"),
            )),
            ("bookings_api.reply_to_review", Operation(
                "post", "/api/reviews/{review_id}/reply", "reviews", "Answer a published review of you, once",
                (200, "Published", {**message, "review": ref("Review")}),
                body="ReplyRequest", codes=("FORBIDDEN", "REVIEW_STATE", "REVIEW_EXISTS"),
            )),
            ("bookings_api.repost_auction", Operation(
                "post", "/api/auctions/{auction_id}/repost", "auctions",
                "Post an ended job again, prefilled from the old auction (its creator)",
                (201, "Posted", {**message, "auction": ref("Auction")}),
                body="RepostRequest", codes=("FORBIDDEN", "CONFLICT"),
                description="Allowed once the auction expired, ended unfilled or was cancelled, or its booking was "
                "cancelled or ended in an upheld no-show; 409 CONFLICT while a booking is in play.",
            )),
            ("bookings_api.decide_no_show", Operation(
                "post", "/api/admin/bookings/{booking_id}/decision", "bookings", "Decide a no-show report (admins)",
                (200, "Decided", moved), body="NoShowDecisionRequest", codes=states,
                description="`upheld` counts against the provider; `rejected` completes the booking.",
            )),
            ("bookings_api.hide_review", Operation(
                "post", "/api/admin/reviews/{review_id}/hide", "reviews", "Hide a review, saying why (admins)",
                (200, "Hidden (kept, not deleted)", {**message, "review": ref("Review")}),
                body="HideReviewRequest", codes=("FORBIDDEN", "REVIEW_STATE"),
            )),
        ]
    )  # fmt: skip
