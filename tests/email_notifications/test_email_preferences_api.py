"""GET and PUT /api/users/me/email-preferences: every type with its default merged in, partial
changes, and every bad input a 400 that changes nothing."""

from __future__ import annotations

import pytest
from helpers import assert_error, db_state
from notify_mail_helpers import preferences

from bidbazaar.mail_models import EMAIL_TYPES

URL = "/api/users/me/email-preferences"
DEFAULTS = {type_: default for type_, (_, _, default) in EMAIL_TYPES.items()}


def test_a_new_user_reads_every_type_at_its_default(api, buyer):
    response = api("GET", URL, buyer)

    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "priya@example.com" and body["email_verified"] is True
    assert body["preferences"] == DEFAULTS
    assert body["preferences"]["outbid"] == "instant" and body["preferences"]["new_bid"] == "digest"
    assert [t["type"] for t in body["types"]] == list(EMAIL_TYPES)
    assert body["types"][0] == {
        "type": "outbid",
        "label": "You were outbid",
        "group": "Bidding",
        "default": "instant",
        "mode": "instant",
    }


def test_an_unverified_user_is_told_the_address_is_not_verified(api, customer):
    assert api("GET", URL, customer).get_json()["email_verified"] is False


def test_a_put_changes_only_the_types_it_names(api, buyer):
    response = api("PUT", URL, buyer, json={"preferences": {"new_bid": "instant", "outbid": "off"}})

    assert response.status_code == 200
    assert response.get_json()["preferences"] == {**DEFAULTS, "new_bid": "instant", "outbid": "off"}
    assert api("GET", URL, buyer).get_json()["preferences"] == {**DEFAULTS, "new_bid": "instant", "outbid": "off"}
    assert preferences() == [(buyer.id, "new_bid", "instant"), (buyer.id, "outbid", "off")]


def test_a_second_put_replaces_the_first_choice(api, buyer):
    api("PUT", URL, buyer, json={"preferences": {"outbid": "off"}})

    response = api("PUT", URL, buyer, json={"preferences": {"outbid": "digest"}})

    assert response.get_json()["preferences"]["outbid"] == "digest"
    assert preferences() == [(buyer.id, "outbid", "digest")]


def test_one_users_choice_does_not_touch_another_users(api, buyer, seller):
    api("PUT", URL, buyer, json={"preferences": {"outbid": "off"}})

    assert api("GET", URL, seller).get_json()["preferences"] == DEFAULTS


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"preferences": {"no_such_type": "off"}}, "no_such_type"),
        ({"preferences": {"outbid": "weekly"}}, "outbid"),
        ({"preferences": {"outbid": None}}, "outbid"),
        ({"preferences": {"outbid": 1}}, "outbid"),
        ({"preferences": {"outbid": ["off"]}}, "outbid"),
        ({"preferences": {"outbid": "off", "nope": "off"}}, "nope"),
        ({"preferences": {"outbid": HUGE}}, "outbid"),
        ({"preferences": {HUGE: "off"}}, HUGE[:60] + "…"),
        ({"preferences": []}, "preferences"),
        ({"preferences": "outbid=off"}, "preferences"),
        ({"preferences": {}}, "preferences"),
        ({}, "preferences"),
        ({"preferences": {"outbid": "off"}, "email": "x@example.com"}, "email"),
    ],
    ids=[
        "unknown-type",
        "unknown-mode",
        "null-mode",
        "number-mode",
        "list-mode",
        "one-bad-among-good",
        "huge-mode",
        "huge-type",
        "list",
        "string",
        "empty-object",
        "missing",
        "extra-field",
    ],
)
def test_bad_input_is_a_400_naming_it_and_changes_nothing(api, buyer, body, named):
    api.login(buyer)
    before = db_state()

    response = api("PUT", URL, buyer, json=body)

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert named in details
    assert all(len(key) <= 61 for key in details)  # a huge key is never echoed whole
    assert db_state() == before


@pytest.mark.parametrize("raw", ["[]", '"off"', "42", "null"], ids=["array", "string", "number", "null"])
def test_a_body_that_is_not_an_object_is_a_400_and_changes_nothing(api, buyer, raw):
    api.login(buyer)
    before = db_state()

    response = api("PUT", URL, buyer, data=raw, content_type="application/json")

    assert_error(response, 400, "VALIDATION_ERROR")
    assert db_state() == before


def test_malformed_json_is_a_400_and_changes_nothing(api, buyer):
    api.login(buyer)
    before = db_state()

    response = api("PUT", URL, buyer, data="{preferences:", content_type="application/json")

    assert_error(response, 400, "INVALID_JSON")
    assert db_state() == before


def test_anonymous_callers_are_asked_to_log_in(client):
    assert_error(client.get(URL), 401, "AUTH_REQUIRED")
    assert_error(client.put(URL, json={"preferences": {"outbid": "off"}}), 401, "AUTH_REQUIRED")


def test_a_cookie_session_put_needs_the_csrf_header(client, session_login, buyer):
    token = session_login(buyer)
    body = {"preferences": {"outbid": "off"}}

    assert_error(client.put(URL, json=body), 403, "CSRF_FAILED")
    assert preferences() == []
    assert client.put(URL, json=body, headers=token).status_code == 200
    assert preferences() == [(buyer.id, "outbid", "off")]


def test_the_answer_matches_the_documented_schema(api, buyer):
    from jsonschema import Draft202012Validator

    from bidbazaar import openapi

    document = openapi.build_document()
    schema = {**document, "$ref": "#/components/schemas/EmailPreferences"}

    Draft202012Validator(schema).validate(api("GET", URL, buyer).get_json())
