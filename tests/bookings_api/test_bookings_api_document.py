"""The bookings API's part of the OpenAPI document against the code it describes: request
bodies from the forms, the Booking and Review schemas from their serialisers, the actions."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from bidbazaar import forms, openapi
from bidbazaar.booking_models import BookingStatus
from bidbazaar.openapi import bookings as documented
from bidbazaar.queries.bookings import ACTIONS

BODIES = {
    "DeclineRequest": forms.DeclineForm,
    "CancelBookingRequest": forms.CancelBookingForm,
    "NoShowRequest": forms.NoShowForm,
    "ReofferRequest": forms.ReofferForm,
    "ReviewRequest": forms.ReviewForm,
    "ReplyRequest": forms.ReplyForm,
    "NoShowDecisionRequest": forms.NoShowDecisionForm,
    "HideReviewRequest": forms.HideReviewForm,
    "RepostRequest": forms.RepostForm,
}


@pytest.fixture(scope="module")
def schemas():
    return openapi.build_document()["components"]["schemas"]


@pytest.mark.parametrize("component", sorted(BODIES))
def test_each_request_body_names_its_form_s_fields_and_required_ones(app, schemas, component):
    with app.test_request_context():
        form = BODIES[component](formdata=MultiDict(), meta={"csrf": False})
    schema = schemas[component]

    assert list(schema["properties"]) == list(form._fields)
    assert schema.get("required", []) == [n for n, f in form._fields.items() if forms.is_required(f.validators)]


def test_the_booking_schema_names_exactly_the_serialiser_s_keys(schemas):
    assert list(schemas["Booking"]["properties"]) == list(documented.booking_keys())
    assert schemas["Booking"]["properties"]["status"]["enum"] == list(BookingStatus.ALL)


def test_the_review_schema_names_the_serialiser_s_keys_and_the_admin_s_extras(schemas):
    keys = list(documented.review_keys())
    assert list(schemas["Review"]["properties"]) == [*keys, "hidden_at", "hidden_reason"]
    assert schemas["Review"]["required"] == keys


def test_every_action_a_booking_may_offer_is_documented():
    offered = {action for actions in ACTIONS.values() for action in actions} | {"review"}

    assert offered == set(documented.ALL_ACTIONS)


def test_the_list_filters_offer_every_booking_state():
    params = {p["name"]: p for p in openapi.query_parameters(forms.BookingSearchForm)}

    assert params["status"]["schema"]["enum"] == ["", *BookingStatus.ALL]
    assert params["role"]["schema"]["enum"] == ["", "customer", "provider"]
