"""The auction page's question forms: a provider asks, the customer answers.

Each POST checks its form (CSRF, 1-1,000 characters), calls one service function and goes
back to the auction's Questions section. A refused form is shown again on the auction page
with its errors under the field (status 400): the page is rendered by the auction page's
own view (looked up by endpoint, since entry points do not import each other), which
builds the section with question_board and finds the refused form in `flask.g`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from bidbazaar import rate_limits, services
from bidbazaar.doors import apply_errors
from bidbazaar.errors import DomainError
from bidbazaar.forms import AnswerForm, QuestionForm

question_pages = Blueprint("questions", __name__)


def section(auction_id: int) -> str:
    return url_for("pages.auction", auction_id=auction_id, _anchor="questions")


def show_again(auction_id: int, form: FlaskForm, target: str | int) -> Any:
    """The auction page again, with the refused form and its errors in the Questions section."""
    g.question_form = form
    g.question_form_target = target
    body, _status = current_app.view_functions["pages.auction"](auction_id=auction_id)
    return body, 400


@question_pages.post("/auctions/<int:auction_id>/questions")
@login_required
@rate_limits.limit_questions
def ask(auction_id: int) -> Any:
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.ask_question(current_user, auction_id, form.body.data)
        except DomainError as exc:
            if exc.code != "VALIDATION_ERROR":  # not about the text: the form may not be offered any more
                flash(exc.message, "error")
                return redirect(section(auction_id))
            apply_errors(form, exc, field="body")
        else:
            flash(
                "Your question is published. The customer has been told; you will hear when it is answered.", "success"
            )
            return redirect(section(auction_id))
    return show_again(auction_id, form, "ask")


@question_pages.post("/auctions/<int:auction_id>/questions/<int:question_id>/answer")
@login_required
def answer(auction_id: int, question_id: int) -> Any:
    form = AnswerForm(prefix=f"q{question_id}")
    if form.validate_on_submit():
        try:
            services.answer_question(current_user, auction_id, question_id, form.answer.data)
        except DomainError as exc:
            if exc.code != "VALIDATION_ERROR":  # not about the text: the form may not be offered any more
                flash(exc.message, "error")
                return redirect(section(auction_id))
            apply_errors(form, exc, field="answer")
        else:
            flash("Your answer is published.", "success")
            return redirect(section(auction_id))
    return show_again(auction_id, form, question_id)
