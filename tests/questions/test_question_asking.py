"""Asking a public question: who may ask, on which auction, what text; every refusal
changes nothing; the customer is told; one rate-limit budget per user for every door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import assert_error, count, db_state, log_in
from questions_helpers import ask_api, assert_documented, notes_of, question, questions_url

from bidbazaar import services
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.provider_models import MAX_QUESTION_LENGTH, Question


def test_a_provider_asks_and_gets_201_with_the_question_as_they_see_it(client, bearer, provider, auction):
    response = ask_api(client, bearer(provider), auction, "  Is parking available?  ")

    body = assert_documented("post", "/api/auctions/{auction_id}/questions", response)
    assert response.status_code == 201
    assert body["question"]["body"] == "Is parking available?"
    assert body["question"]["mine"] is True and body["question"]["answered"] is False
    assert question(body["question"]["id"]).body == "Is parking available?"


def test_the_customer_is_notified_with_the_masked_text(provider, customer, auction):
    asked = services.ask_question(provider, auction.id, "Call me on 98765 43210 about it")

    [note] = notes_of(customer, "question_asked")
    assert note.auction_id == auction.id
    assert note.data == {"question_id": asked.id, "body": "Call me on [contact hidden] about it"}
    assert "98765" not in note.message and provider.username not in note.message


def test_a_question_of_exactly_1000_characters_after_trimming_is_accepted(client, bearer, provider, auction):
    text = "ä" * MAX_QUESTION_LENGTH

    response = ask_api(client, bearer(provider), auction, f"\n {text} \t")

    assert response.status_code == 201
    assert question(response.get_json()["question"]["id"]).body == text


def test_any_unicode_is_kept_as_written(client, bearer, provider, auction):
    text = "क्या आप रविवार को आ सकते हैं? 🙏 ¿Sí?"

    response = ask_api(client, bearer(provider), auction, text)

    assert question(response.get_json()["question"]["id"]).body == text


def test_an_anonymous_visitor_cannot_ask(client, auction):
    before = db_state()

    assert_error(ask_api(client, {}, auction), 401, "AUTH_REQUIRED")
    assert db_state() == before


def test_a_customer_cannot_ask(client, bearer, make_user, auction):
    headers = bearer(make_user())
    before = db_state()

    assert_error(ask_api(client, headers, auction), 403, "NOT_A_PROVIDER")
    assert db_state() == before


def test_the_creator_cannot_ask_on_their_own_auction(client, bearer, make_user, make_auction):
    provider_customer = make_user(provider=True)
    own = make_auction(provider_customer)
    headers = bearer(provider_customer)
    before = db_state()

    assert_error(ask_api(client, headers, own), 403, "FORBIDDEN")
    assert db_state() == before


def test_a_cancelled_auction_takes_no_questions(client, bearer, provider, customer, auction):
    services.cancel_auction(customer, auction.id)
    headers = bearer(provider)
    before = db_state()

    body = assert_error(ask_api(client, headers, auction), 409, "AUCTION_CLOSED")
    assert body["details"] == {"status": "cancelled"}
    assert db_state() == before


def test_a_question_after_the_deadline_closes_the_auction_and_is_refused(client, bearer, provider, auction, frozen):
    headers = bearer(provider)
    frozen.shift(timedelta(days=2))

    assert_error(ask_api(client, headers, auction), 409, "AUCTION_CLOSED")
    assert count(Question) == 0
    assert services.verify_event_chain(auction.id)["valid"]


def test_an_unknown_auction_is_404(client, bearer, provider):
    headers = bearer(provider)
    before = db_state()

    assert_error(ask_api(client, headers, 999_999), 404, "NOT_FOUND")
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("   \n\t ", "This field is required."),
        ("x" * (MAX_QUESTION_LENGTH + 1), None),
        (None, "This field is required."),
        (5, "Must be a string."),
        (True, "Must be a string."),
        (["Is parking available?"], "Must be a string."),
        ({"text": "hi"}, "Must be a string."),
    ],
    ids=["empty", "blank", "too-long", "null", "number", "boolean", "list", "object"],
)
def test_bad_text_is_a_400_that_changes_nothing(client, bearer, provider, auction, body, message):
    headers = bearer(provider)
    before = db_state()

    error = assert_error(ask_api(client, headers, auction, body), 400, "VALIDATION_ERROR")

    assert "body" in error["details"]
    if message:
        assert error["details"]["body"] == message
    assert db_state() == before


def test_unknown_fields_and_a_missing_body_are_refused(client, bearer, provider, auction):
    headers = bearer(provider)
    before = db_state()

    unknown = client.post(questions_url(auction), json={"body": "Hi there", "asker_id": 1}, headers=headers)
    missing = client.post(questions_url(auction), json={}, headers=headers)

    assert assert_error(unknown, 400, "VALIDATION_ERROR")["details"] == {"asker_id": "This field cannot be set."}
    assert "body" in assert_error(missing, 400, "VALIDATION_ERROR")["details"]
    assert db_state() == before


def test_the_service_refuses_non_string_text_itself(provider, auction):
    """The socket or the CLI could call it without a form: the rule checks the type too."""
    with pytest.raises(DomainError) as caught:
        services.ask_question(provider, auction.id, 42)

    assert caught.value.code == "VALIDATION_ERROR"
    assert count(Question) == 0


def test_a_deactivated_provider_cannot_ask(provider, auction):
    provider.is_active = False
    db.session.commit()

    with pytest.raises(DomainError) as caught:
        services.ask_question(provider, auction.id, "Still there?")

    assert caught.value.code == "AUTH_REQUIRED"
    assert count(Question) == 0


# --------------------------------------------------------------------------- the rate limit


@pytest.fixture
def config(config):
    """Limits on here (TestConfig turns them off for the suite)."""
    config.RATELIMIT_ENABLED = True
    return config


def test_the_sixth_question_in_a_minute_is_429_and_changes_nothing(client, bearer, provider, auction):
    headers = bearer(provider)
    for n in range(5):
        assert ask_api(client, headers, auction, f"Question number {n}?").status_code == 201
    before = db_state()

    response = ask_api(client, headers, auction, "One too many?")

    body = assert_error(response, 429, "RATE_LIMITED")
    assert body["details"]["limit"] == "5 per 1 minute"
    assert response.headers["Retry-After"]
    assert db_state() == before


def test_the_minute_window_passes_and_the_day_limit_of_30_holds(client, bearer, provider, auction, frozen):
    headers = bearer(provider)
    for n in range(30):
        if n and n % 5 == 0:
            frozen.shift(timedelta(minutes=1, seconds=1))
        assert ask_api(client, headers, auction, f"Question {n}?").status_code == 201, n
    frozen.shift(timedelta(minutes=1, seconds=1))

    body = assert_error(ask_api(client, headers, auction, "Thirty-first?"), 429, "RATE_LIMITED")

    assert body["details"]["limit"] == "30 per 1 day"
    assert count(Question) == 30


def test_the_page_form_and_the_api_spend_one_budget(app, client, bearer, provider, auction):
    headers = bearer(provider)
    for n in range(3):
        assert ask_api(client, headers, auction, f"API question {n}?").status_code == 201
    browser = app.test_client()
    token = log_in(browser, provider)
    for n in range(2):
        page = browser.post(f"/auctions/{auction.id}/questions", data={"csrf_token": token, "body": f"Page {n}?"})
        assert page.status_code == 302, n

    refused = browser.post(f"/auctions/{auction.id}/questions", data={"csrf_token": token, "body": "Sixth?"})

    assert refused.status_code == 429
    assert_error(ask_api(client, headers, auction, "Seventh?"), 429, "RATE_LIMITED")
    assert count(Question) == 5


def test_each_user_has_their_own_budget(client, bearer, provider, rival, auction):
    mine, theirs = bearer(provider), bearer(rival)
    for n in range(5):
        assert ask_api(client, mine, auction, f"Mine {n}?").status_code == 201

    assert ask_api(client, theirs, auction, "Mine too?").status_code == 201
