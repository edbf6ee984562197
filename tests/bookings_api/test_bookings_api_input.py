"""What the bookings API refuses before any rule runs: bodies of the wrong JSON type, out
of range or unknown (hypothesis draws the values), and what every /api write must pass
(JSON only, CSRF for cookie sessions); its errors are JSON like the rest of /api."""

from __future__ import annotations

import pytest
from helpers import assert_error, db_state, fresh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidbazaar.booking_models import Booking

FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# JSON has no Infinity: the client serialises it as null (a missing field), not as a wrong type.
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8)
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=4), inner, max_size=3), max_leaves=6)  # fmt: skip


def not_text(value) -> bool:
    return value is not None and not isinstance(value, str)


def not_integer(value) -> bool:
    return value is not None and (isinstance(value, bool) or not isinstance(value, int))


def not_money(value) -> bool:
    return value is not None and (isinstance(value, (bool, str, list, dict)))


#: (who calls, path under the booking or auction, field, the values of a wrong JSON type,
#: the rest of a valid body)
WRONG_TYPES = [
    ("provider", "/api/bookings/{booking}/decline", "reason", not_text, {}),
    ("customer", "/api/bookings/{booking}/cancel", "reason", not_text, {}),
    ("customer", "/api/bookings/{booking}/no-show", "note", not_text, {}),
    ("customer", "/api/bookings/{booking}/reoffer", "bid_id", not_integer, {}),
    ("customer", "/api/bookings/{booking}/review", "rating", not_integer, {}),
    ("customer", "/api/bookings/{booking}/review", "comment", not_text, {"rating": 5}),
    ("provider", "/api/reviews/1/reply", "reply", not_text, {}),
    ("admin", "/api/admin/bookings/{booking}/decision", "decision", not_text, {}),
    ("admin", "/api/admin/bookings/{booking}/decision", "note", not_text, {"decision": "upheld"}),
    ("admin", "/api/admin/reviews/1/hide", "reason", not_text, {}),
    ("customer", "/api/auctions/{auction}/repost", "deadline", not_text, {}),
    ("customer", "/api/auctions/{auction}/repost", "title", not_text, {"deadline": "2030-01-01T00:00:00Z"}),
    ("customer", "/api/auctions/{auction}/repost", "category_id", not_integer, {"deadline": "2030-01-01T00:00:00Z"}),
    ("customer", "/api/auctions/{auction}/repost", "budget_max", not_money, {"deadline": "2030-01-01T00:00:00Z"}),
]


def url(template: str, booking: Booking) -> str:
    return template.format(booking=booking.id, auction=booking.auction_id)


@pytest.mark.parametrize(
    ("who", "path", "field", "wrong", "rest"), WRONG_TYPES, ids=lambda v: getattr(v, "__name__", None)
)
@FUZZ
@given(data=st.data())
def test_a_field_of_the_wrong_json_type_is_a_validation_error_naming_it(
    api, offered, request, who, path, field, wrong, rest, data
):
    value = data.draw(JSON_VALUES.filter(wrong))
    user = request.getfixturevalue(who)
    api.login(user)
    before = db_state()

    body = assert_error(api("POST", url(path, offered), user, {**rest, field: value}), 400, "VALIDATION_ERROR")

    assert field in body["details"]
    assert db_state() == before


REQUIRED = [
    ("customer", "/api/bookings/{booking}/cancel", "reason"),
    ("customer", "/api/bookings/{booking}/reoffer", "bid_id"),
    ("customer", "/api/bookings/{booking}/review", "rating"),
    ("provider", "/api/reviews/1/reply", "reply"),
    ("admin", "/api/admin/bookings/{booking}/decision", "decision"),
    ("admin", "/api/admin/reviews/1/hide", "reason"),
    ("customer", "/api/auctions/{auction}/repost", "deadline"),
]


@pytest.mark.parametrize(("who", "path", "field"), REQUIRED)
@pytest.mark.parametrize("given_as", ["missing", "null", "blank"])
def test_a_required_field_missing_null_or_blank_is_refused(refused, offered, request, who, path, field, given_as):
    body = {} if given_as == "missing" else {field: None if given_as == "null" else "   "}

    refused("POST", url(path, offered), request.getfixturevalue(who), body, 400, "VALIDATION_ERROR")


@FUZZ
@given(rating=st.integers().filter(lambda n: not 1 <= n <= 5))
def test_a_rating_outside_one_to_five_is_refused(refused, completed, customer, rating):
    refused("POST", f"/api/bookings/{completed.id}/review", customer, {"rating": rating}, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("who", "path", "field", "longest"),
    [
        ("provider", "/api/bookings/{booking}/decline", "reason", 500),
        ("customer", "/api/bookings/{booking}/cancel", "reason", 500),
        ("customer", "/api/bookings/{booking}/no-show", "note", 2000),
        ("provider", "/api/reviews/1/reply", "reply", 2000),
        ("admin", "/api/admin/reviews/1/hide", "reason", 500),
    ],
)
def test_text_past_its_limit_is_refused(refused, offered, request, who, path, field, longest):
    body = {field: "x" * (longest + 1)}

    refused("POST", url(path, offered), request.getfixturevalue(who), body, 400, "VALIDATION_ERROR")


def test_a_review_comment_past_2000_characters_is_refused(refused, completed, customer):
    body = {"rating": 5, "comment": "x" * 2001}

    refused("POST", f"/api/bookings/{completed.id}/review", customer, body, 400, "VALIDATION_ERROR")


def test_a_decision_other_than_upheld_or_rejected_is_refused(refused, disputed, admin):
    refused("POST", f"/api/admin/bookings/{disputed.id}/decision", admin, {"decision": "maybe"}, 400,
            "VALIDATION_ERROR")  # fmt: skip


def test_a_field_the_form_does_not_have_is_refused(refused, offered, customer):
    body = {"reason": "Changed plans", "status": "completed"}

    refused("POST", f"/api/bookings/{offered.id}/cancel", customer, body, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("raw", ["[]", '"text"', "{", "null"])
def test_a_body_that_is_not_a_json_object_is_refused(api, offered, customer, raw):
    api.login(customer)
    before = db_state()

    response = api("POST", f"/api/bookings/{offered.id}/cancel", customer, data=raw, content_type="application/json")

    assert response.status_code == 400 and response.get_json()["code"] in ("VALIDATION_ERROR", "INVALID_JSON")
    assert db_state() == before


# --------------------------------------------------------------------------- the /api guards


def test_a_cookie_session_write_without_the_csrf_header_is_refused(client, session_login, offered, provider):
    session_login(provider)
    before = db_state()

    response = client.post(f"/api/bookings/{offered.id}/confirm")

    assert_error(response, 403, "CSRF_FAILED")
    assert db_state() == before


def test_a_cookie_session_write_with_the_csrf_header_goes_through(client, session_login, offered, provider):
    headers = session_login(provider)

    response = client.post(f"/api/bookings/{offered.id}/confirm", headers=headers)

    assert response.status_code == 200, response.get_json()
    assert fresh(Booking, offered.id).status == "confirmed"


def test_a_bearer_token_needs_no_csrf_header(api, offered, provider):
    assert api("POST", f"/api/bookings/{offered.id}/confirm", provider).status_code == 200


def test_a_form_encoded_body_is_refused_as_not_json(api, offered, customer):
    api.login(customer)
    before = db_state()

    response = api("POST", f"/api/bookings/{offered.id}/cancel", customer, data={"reason": "Changed plans"})

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert db_state() == before


def test_an_unknown_path_under_the_bookings_api_is_a_json_404(api, offered, customer):
    assert_error(api("POST", f"/api/bookings/{offered.id}/teleport", customer, {}), 404, "NOT_FOUND")


def test_a_method_the_path_does_not_have_is_a_json_405(api, offered, customer):
    response = api("GET", f"/api/bookings/{offered.id}/confirm", customer)

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["Allow"]


def test_an_id_past_the_integer_range_is_a_json_404(api, customer):
    assert_error(api("GET", f"/api/bookings/{10**30}", customer), 404, "NOT_FOUND")
