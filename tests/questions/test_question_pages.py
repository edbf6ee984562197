"""The Questions section of the auction page: the ask form for providers, an answer form per
unanswered question for the customer, errors under the field, CSRF, and the admin's hide button."""

from __future__ import annotations

from helpers import count, db_state, html, log_in
from questions_helpers import question
from sqlalchemy import select

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.provider_models import Question


def page_of(client, auction) -> str:
    return html(client.get(f"/auctions/{auction.id}"))


def test_a_provider_sees_the_ask_form_and_asks(client, provider, customer, auction):
    token = log_in(client, provider)
    assert 'id="question-form"' in page_of(client, auction)

    response = client.post(f"/auctions/{auction.id}/questions", data={"csrf_token": token, "body": " Van parking? "})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/auctions/{auction.id}#questions")
    db.session.commit()
    [asked] = db.session.scalars(select(Question)).all()
    assert (asked.body, asked.asker_id) == ("Van parking?", provider.id)
    shown = page_of(client, auction)
    assert "You asked" in shown and "Van parking?" in shown


def test_anonymous_visitors_customers_and_the_creator_get_no_ask_form(client, make_user, customer, auction):
    assert 'id="question-form"' not in page_of(client, auction)
    log_in(client, customer)
    assert 'id="question-form"' not in page_of(client, auction)


def test_an_empty_question_is_shown_again_with_the_error_under_the_field(client, provider, auction):
    token = log_in(client, provider)
    before = db_state()

    response = client.post(f"/auctions/{auction.id}/questions", data={"csrf_token": token, "body": "   "})

    assert response.status_code == 400
    page = html(response)
    assert 'id="body-error"' in page and "This field is required." in page
    assert db_state() == before


def test_a_question_over_1000_characters_is_refused_and_kept_in_the_box(client, provider, auction):
    token = log_in(client, provider)
    text = "z" * 1001

    response = client.post(f"/auctions/{auction.id}/questions", data={"csrf_token": token, "body": text})

    assert response.status_code == 400
    page = html(response)
    assert "Field must be between 1 and 1000 characters long." in page
    assert text in page
    assert count(Question) == 0


def test_a_question_without_the_csrf_token_is_refused(client, provider, auction):
    log_in(client, provider)
    before = db_state()

    response = client.post(f"/auctions/{auction.id}/questions", data={"body": "No token?"})

    assert response.status_code in (400, 403)
    assert db_state() == before


def test_a_refused_rule_is_flashed_back_on_the_page(client, make_user, auction):
    customer_two = make_user()
    token = log_in(client, customer_two)

    response = client.post(
        f"/auctions/{auction.id}/questions",
        data={"csrf_token": token, "body": "I'm no provider"},
        follow_redirects=True,
    )

    assert "Only service providers can ask questions" in html(response)
    assert count(Question) == 0


def test_the_customer_answers_from_the_page(client, customer, provider, rival, auction, asked):
    token = log_in(client, customer)
    assert f'name="q{asked.id}-answer"' in page_of(client, auction)

    response = client.post(
        f"/auctions/{auction.id}/questions/{asked.id}/answer",
        data={"csrf_token": token, f"q{asked.id}-answer": "Yes, slot B12"},
    )

    assert response.status_code == 302
    assert question(asked.id).answer == "Yes, slot B12"
    page = page_of(client, auction)
    assert "Yes, slot B12" in page and f'name="q{asked.id}-answer"' not in page


def test_an_empty_answer_is_shown_again_under_its_question(client, customer, auction, asked):
    token = log_in(client, customer)
    before = db_state()

    response = client.post(
        f"/auctions/{auction.id}/questions/{asked.id}/answer", data={"csrf_token": token, f"q{asked.id}-answer": ""}
    )

    assert response.status_code == 400
    assert f'id="q{asked.id}-answer-error"' in html(response)
    assert db_state() == before


def test_a_provider_cannot_answer_from_the_page(client, provider, auction, asked):
    token = log_in(client, provider)
    assert f'name="q{asked.id}-answer"' not in page_of(client, auction)
    before = db_state()

    response = client.post(
        f"/auctions/{auction.id}/questions/{asked.id}/answer",
        data={"csrf_token": token, f"q{asked.id}-answer": "I answer myself"},
        follow_redirects=True,
    )

    assert "Only the auction&#39;s creator can answer" in html(response)
    assert db_state() == before


def test_the_admin_hides_a_question_from_the_console(client, admin, auction, asked):
    token = log_in(client, admin)
    console = html(client.get(f"/admin/auctions/{auction.id}"))
    assert "Is parking available for a van?" in console and "Hide from the public" in console

    response = client.post(
        f"/admin/questions/{asked.id}/hide",
        data={"csrf_token": token, "next": f"/admin/auctions/{auction.id}#questions"},
    )

    assert response.status_code == 302
    assert question(asked.id).hidden_by == admin.id
    assert "Is parking available for a van?" not in page_of(client.application.test_client(), auction)


def test_a_non_admin_cannot_use_the_consoles_hide(client, customer, auction, asked):
    token = log_in(client, customer)

    response = client.post(f"/admin/questions/{asked.id}/hide", data={"csrf_token": token})

    assert response.status_code == 403
    assert question(asked.id).hidden_at is None


def test_a_hidden_question_is_marked_for_the_customer(client, admin, customer, auction, asked):
    services.hide_question(admin, asked.id)
    log_in(client, customer)

    page = page_of(client, auction)

    assert "hidden by an administrator" in page
    assert f'name="q{asked.id}-answer"' not in page
