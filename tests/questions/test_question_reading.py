"""Reading an auction's questions: answered first then newest, hidden ones out of public
view, contact details masked for everyone but the customer (and the asker's own words),
and the asker named to nobody."""

from __future__ import annotations

import json
from datetime import timedelta

from helpers import assert_error
from questions_helpers import assert_documented, questions_url

from bidbazaar import services

PATH = "/api/auctions/{auction_id}/questions"
CONTACT = "Call 98765 43210 or mail ravi.k@example.com, see www.ravi-plumbing.in"
MASKED = "Call [contact hidden] or mail [contact hidden], see [contact hidden]"


def listed(client, auction, headers=None):
    response = client.get(questions_url(auction), headers=headers or {})
    return assert_documented("get", PATH, response)["questions"]


def test_anyone_reads_an_empty_list(client, auction):
    assert listed(client, auction) == []


def test_an_unknown_auction_is_404(client):
    assert_error(client.get(questions_url(999_999)), 404, "NOT_FOUND")


def test_answered_questions_come_first_then_the_newest(client, customer, provider, rival, auction, ask, frozen):
    first = ask(provider, "First question?")
    frozen.shift(timedelta(minutes=1))
    second = ask(rival, "Second question?")
    frozen.shift(timedelta(minutes=1))
    third = ask(provider, "Third question?")
    frozen.shift(timedelta(minutes=1))
    fourth = ask(rival, "Fourth question?")
    services.answer_question(customer, auction.id, first.id, "Answer one")
    services.answer_question(customer, auction.id, third.id, "Answer three")

    order = [q["id"] for q in listed(client, auction)]

    assert order == [third.id, first.id, fourth.id, second.id]


def test_the_public_sees_contact_details_masked(client, customer, provider, auction, ask):
    asked = ask(provider, CONTACT)
    services.answer_question(customer, auction.id, asked.id, "Sure, mine is +91-99887-76655")

    [shown] = listed(client, auction)

    assert shown["body"] == MASKED
    assert shown["answer"] == "Sure, mine is [contact hidden]"
    assert (shown["mine"], shown["hidden"]) == (False, False)


def test_the_customer_sees_the_original_text(client, bearer, customer, provider, auction, ask):
    asked = ask(provider, CONTACT)
    services.answer_question(customer, auction.id, asked.id, "Mine is +91-99887-76655")

    [shown] = listed(client, auction, bearer(customer))

    assert (shown["body"], shown["answer"]) == (CONTACT, "Mine is +91-99887-76655")


def test_the_asker_sees_their_own_words_but_the_masked_answer(client, bearer, customer, provider, rival, auction, ask):
    ask(provider, CONTACT)
    services.answer_question(customer, auction.id, ask(rival, "Mail me at x@y.com?").id, "Mine: c@d.com")

    mine = {q["body"]: q for q in listed(client, auction, bearer(provider))}

    assert mine[CONTACT]["mine"] is True
    assert mine["Mail me at [contact hidden]?"]["mine"] is False
    assert mine["Mail me at [contact hidden]?"]["answer"] == "Mine: [contact hidden]"


def test_other_providers_see_the_masked_text(client, bearer, provider, rival, auction, ask):
    ask(provider, CONTACT)

    [shown] = listed(client, auction, bearer(rival))

    assert shown["body"] == MASKED and shown["mine"] is False


def test_no_view_names_the_asker(client, bearer, customer, provider, rival, admin, auction, ask):
    asked = ask(provider, "Is the building lift working?")
    services.answer_question(customer, auction.id, asked.id, "Yes")

    for headers in ({}, bearer(rival), bearer(customer), bearer(admin)):
        text = json.dumps(listed(client, auction, headers))
        assert provider.username not in text and provider.email not in text
        assert '"asker' not in text and '"user_id"' not in text


def test_a_hidden_question_leaves_the_public_views(client, bearer, admin, customer, provider, rival, auction, ask):
    hidden = ask(provider, "Pay me outside the site?")
    kept = ask(rival, "How many taps?")
    services.hide_question(admin, hidden.id)

    for headers in ({}, bearer(rival)):
        assert [q["id"] for q in listed(client, auction, headers)] == [kept.id]
    for user in (customer, provider, admin):
        shown = {q["id"]: q["hidden"] for q in listed(client, auction, bearer(user))}
        assert shown == {hidden.id: True, kept.id: False}


def test_the_auction_page_shows_the_questions_without_the_asker(client, customer, provider, auction, ask):
    asked = ask(provider, CONTACT)
    services.answer_question(customer, auction.id, asked.id, "Come after 5 pm")

    page = client.get(f"/auctions/{auction.id}").get_data(as_text=True)

    assert "A provider asked" in page and MASKED in page and "Come after 5 pm" in page
    assert "98765" not in page and provider.username not in page


def test_reading_the_list_takes_a_constant_number_of_statements(app, client, provider, rival, auction, ask):
    from sqlalchemy import event

    from bidbazaar.extensions import db

    def statements() -> int:
        seen: list[str] = []

        def record(*args):
            seen.append(args[2])

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(questions_url(auction)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    ask(provider, "One?")
    few = statements()
    for n in range(10):
        ask(rival if n % 2 else provider, f"More {n}?")

    assert statements() == few
