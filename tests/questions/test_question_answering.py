"""Answering (the customer, once, late but not after a cancellation) and hiding (admins):
who is told, what the room hears with its log seq, what a reconnecting client replays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import ack, assert_error, db_state
from questions_helpers import (
    answer_api,
    answer_url,
    assert_documented,
    events_of,
    frames,
    notes_of,
    question,
    watch,
)

from bidbazaar import services
from bidbazaar.errors import DomainError

ANSWER = "Yes, in the basement, slot B12."


def test_the_customer_answers_and_gets_the_question_back(client, bearer, customer, auction, asked):
    response = answer_api(client, bearer(customer), auction, asked.id, f"  {ANSWER} ")

    body = assert_documented("post", "/api/auctions/{auction_id}/questions/{question_id}/answer", response)
    assert body["question"]["answer"] == ANSWER and body["question"]["answered"] is True
    stored = question(asked.id)
    assert (stored.answer, stored.answered_at is not None) == (ANSWER, True)


def test_the_asker_and_the_watchers_are_told_but_not_the_customer_twice(
    customer, provider, rival, make_user, auction, asked
):
    onlooker = make_user()
    for user in (rival, onlooker, provider, customer):
        watch(user, auction)

    services.answer_question(customer, auction.id, asked.id, "Yes. WhatsApp me at wa.me/919876543210")

    for user in (provider, rival, onlooker):
        [note] = notes_of(user, "question_answered")
        assert note.data == {
            "question_id": asked.id,
            "question": "Is parking available for a van?",
            "answer": "Yes. WhatsApp me at [contact hidden]",
        }
        assert "9876543210" not in note.message
    assert notes_of(customer, "question_answered") == []


def test_the_room_hears_question_answered_with_the_logs_seq_and_no_asker(
    socket_client, customer, provider, auction, asked
):
    watcher = socket_client()
    assert ack(watcher, "join_auction", {"auction_id": auction.id})["ok"]

    services.answer_question(customer, auction.id, asked.id, "Mail me: me@example.com")

    [frame] = frames(watcher, "question_answered")
    [logged] = events_of(auction, "question_answered")
    assert frame["seq"] == logged.seq
    assert frame["auction_id"] == auction.id
    assert frame["question"]["answer"] == "Mail me: [contact hidden]"
    assert set(frame["question"]) == {"id", "auction_id", "body", "answer", "answered", "created_at", "answered_at"}
    for text in (str(frame), str(logged.payload)):
        assert provider.username not in text and "asker" not in text
    assert services.verify_event_chain(auction.id)["valid"]


def test_a_reconnecting_client_replays_the_answer_by_since_seq(socket_client, customer, auction, asked):
    before = auction.event_seq
    services.answer_question(customer, auction.id, asked.id, ANSWER)

    answer = ack(socket_client(), "join_auction", {"auction_id": auction.id, "since_seq": before})

    [missed] = answer["missed"]
    assert missed["type"] == "question_answered"
    assert missed["payload"]["question"]["answer"] == ANSWER
    assert missed["seq"] == before + 1


def test_the_public_event_log_shows_the_masked_answer_without_the_asker(client, customer, provider, auction, ask):
    asked = ask(provider, "Call 98 76 54 32 10?")
    services.answer_question(customer, auction.id, asked.id, "No, write to a@b.in")

    events = client.get(f"/api/auctions/{auction.id}/events").get_json()["events"]

    [logged] = [e for e in events if e["type"] == "question_answered"]
    assert logged["payload"]["question"]["body"] == "Call [contact hidden]?"
    assert logged["payload"]["question"]["answer"] == "No, write to [contact hidden]"
    assert provider.username not in str(events)
    assert not {"asker", "asker_id", "user_id", "username"} & set(logged["payload"]["question"])


def test_only_the_creator_may_answer(client, bearer, provider, rival, admin, auction, asked):
    for user in (provider, rival, admin):
        headers = bearer(user)
        before = db_state()
        assert_error(answer_api(client, headers, auction, asked.id, ANSWER), 403, "FORBIDDEN")
        assert db_state() == before


def test_an_anonymous_visitor_cannot_answer(client, auction, asked):
    before = db_state()

    assert_error(answer_api(client, {}, auction, asked.id, ANSWER), 401, "AUTH_REQUIRED")
    assert db_state() == before


def test_a_second_answer_is_refused_and_the_first_stands(client, bearer, customer, auction, asked):
    headers = bearer(customer)
    assert answer_api(client, headers, auction, asked.id, ANSWER).status_code == 200
    before = db_state()

    body = assert_error(answer_api(client, headers, auction, asked.id, "Changed my mind"), 409, "CONFLICT")

    assert body["details"]["question_id"] == asked.id
    assert db_state() == before


def test_another_auctions_question_id_is_404(client, bearer, customer, provider, make_auction, auction, asked):
    mine = make_auction(customer, title="Paint the balcony railing")
    headers = bearer(customer)
    before = db_state()

    assert_error(answer_api(client, headers, mine, asked.id, ANSWER), 404, "NOT_FOUND")
    assert_error(answer_api(client, headers, auction, 999_999, ANSWER), 404, "NOT_FOUND")
    assert db_state() == before


def test_a_customer_cannot_answer_a_question_on_someone_elses_auction(
    client, bearer, make_user, make_auction, provider, asked
):
    other = make_user()
    theirs = make_auction(other, title="Another customer's job")
    headers = bearer(other)
    before = db_state()

    # Their own auction in the path, another auction's question: not found, not answered.
    assert_error(answer_api(client, headers, theirs, asked.id, ANSWER), 404, "NOT_FOUND")
    assert db_state() == before


@pytest.mark.parametrize("text", ["", "  ", "y" * 1001, None, 7, False, ["Yes"], {"a": 1}], ids=str)
def test_bad_answers_are_a_400_that_changes_nothing(client, bearer, customer, auction, asked, text):
    headers = bearer(customer)
    before = db_state()

    body = assert_error(answer_api(client, headers, auction, asked.id, text), 400, "VALIDATION_ERROR")

    assert "answer" in body["details"]
    assert db_state() == before


def test_the_customer_may_answer_after_the_auction_closed(customer, auction, asked, frozen):
    frozen.shift(timedelta(days=2))
    services.close_if_expired(auction.id)

    services.answer_question(customer, auction.id, asked.id, ANSWER)

    assert question(asked.id).answer == ANSWER


def test_a_cancelled_auctions_questions_cannot_be_answered(client, bearer, customer, auction, asked):
    services.cancel_auction(customer, auction.id)
    headers = bearer(customer)
    before = db_state()

    assert_error(answer_api(client, headers, auction, asked.id, ANSWER), 409, "AUCTION_CLOSED")
    assert db_state() == before


# --------------------------------------------------------------------------- hiding


def hide_url(question_id: int) -> str:
    return f"/api/admin/questions/{question_id}/hide"


def test_an_admin_hides_a_question(client, bearer, admin, auction, asked):
    response = client.post(hide_url(asked.id), headers=bearer(admin))

    body = assert_documented("post", "/api/admin/questions/{question_id}/hide", response)
    assert body["question"]["hidden"] is True
    stored = question(asked.id)
    assert stored.hidden_at is not None and stored.hidden_by == admin.id


@pytest.mark.parametrize("who", ["provider", "customer", "rival"])
def test_nobody_but_an_admin_may_hide(client, bearer, request, auction, asked, who):
    headers = bearer(request.getfixturevalue(who))
    before = db_state()

    assert_error(client.post(hide_url(asked.id), headers=headers), 403, "FORBIDDEN")
    assert db_state() == before


def test_the_hide_service_refuses_a_non_admin_itself(customer, asked):
    with pytest.raises(DomainError) as caught:
        services.hide_question(customer, asked.id)

    assert caught.value.code == "FORBIDDEN"
    assert question(asked.id).hidden_at is None


def test_hiding_twice_or_an_unknown_question_is_refused(client, bearer, admin, asked):
    headers = bearer(admin)
    assert client.post(hide_url(asked.id), headers=headers).status_code == 200
    before = db_state()

    assert_error(client.post(hide_url(asked.id), headers=headers), 409, "CONFLICT")
    assert_error(client.post(hide_url(999_999), headers=headers), 404, "NOT_FOUND")
    assert db_state() == before


def test_a_hidden_question_cannot_be_answered(client, bearer, admin, customer, auction, asked):
    services.hide_question(admin, asked.id)
    headers = bearer(customer)
    before = db_state()

    assert_error(answer_api(client, headers, auction, asked.id, ANSWER), 409, "CONFLICT")
    assert db_state() == before


def test_hiding_an_answered_question_tells_the_room_to_drop_it(socket_client, admin, customer, auction, asked):
    services.answer_question(customer, auction.id, asked.id, ANSWER)
    watcher = socket_client()
    assert ack(watcher, "join_auction", {"auction_id": auction.id})["ok"]

    services.hide_question(admin, asked.id)

    [frame] = frames(watcher, "question_hidden")
    [logged] = events_of(auction, "question_hidden")
    assert (frame["question_id"], frame["seq"]) == (asked.id, logged.seq)
    assert logged.payload == {"question_id": asked.id}


def test_hiding_an_unanswered_question_logs_nothing(admin, auction, asked):
    before = events_of(auction, "question_hidden") + events_of(auction, "question_answered")

    services.hide_question(admin, asked.id)

    assert before == [] and events_of(auction, "question_hidden") == []


def test_the_answer_url_has_no_put_or_get(client, bearer, customer, auction, asked):
    assert client.get(answer_url(auction, asked.id), headers=bearer(customer)).status_code == 405
