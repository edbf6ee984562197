"""The JSON API of public questions, under /api: read an auction's questions, ask one,
answer one (the customer), hide one (admins).

Each view validates with a form, calls one service or query function and serialises the
result; the JSON-only and CSRF hooks of http_guards apply here as to every other write.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from bidbazaar import queries, rate_limits, services
from bidbazaar.doors import admin_required, viewer
from bidbazaar.forms import AnswerForm, QuestionForm, parse_json_form

questions_api = Blueprint("questions_api", __name__)


def shown(auction_id: int, question_id: int) -> dict[str, Any]:
    """The question as the caller now sees it (the same view as the list's)."""
    auction = queries.auction_or_404(auction_id)
    return next(q for q in queries.auction_questions(auction, viewer()) if q["id"] == question_id)


@questions_api.get("/auctions/<int:auction_id>/questions")
def list_questions(auction_id: int) -> Any:
    auction = queries.auction_or_404(auction_id)
    return jsonify({"questions": queries.auction_questions(auction, viewer())})


@questions_api.post("/auctions/<int:auction_id>/questions")
@login_required
@rate_limits.limit_questions
def ask_question(auction_id: int) -> Any:
    data = parse_json_form(QuestionForm)
    question = services.ask_question(current_user, auction_id, data["body"])
    return jsonify({"message": "Question published", "question": shown(auction_id, question.id)}), 201


@questions_api.post("/auctions/<int:auction_id>/questions/<int:question_id>/answer")
@login_required
def answer_question(auction_id: int, question_id: int) -> Any:
    data = parse_json_form(AnswerForm)
    question = services.answer_question(current_user, auction_id, question_id, data["answer"])
    return jsonify({"message": "Answer published", "question": shown(auction_id, question.id)})


@questions_api.post("/admin/questions/<int:question_id>/hide")
@admin_required
def hide_question(question_id: int) -> Any:
    question = services.hide_question(current_user, question_id)
    return jsonify({"message": "Question hidden", "question": shown(question.auction_id, question.id)})
