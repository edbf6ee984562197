"""The auction page's Questions section: what its viewer sees and the forms they may use.

Built for routes.render_auction (one keyword) and for question_pages, which shows a refused
form again with its errors under the field: it leaves the submitted form in `flask.g`
(`g.question_form`, with `g.question_form_target`: "ask" or a question id) before
rendering the auction page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g

from bidbazaar import queries
from bidbazaar.forms import AnswerForm, QuestionForm
from bidbazaar.models import Auction, AuctionStatus, User
from bidbazaar.provider_models import MAX_QUESTION_LENGTH


@dataclass
class QuestionBoard:
    """The section's data: the questions as `viewer` may see them and the forms it offers."""

    items: list[dict[str, Any]]
    can_ask: bool
    can_answer: bool
    ask_form: QuestionForm | None
    answer_forms: dict[int, AnswerForm] = field(default_factory=dict)
    max_length: int = MAX_QUESTION_LENGTH


def question_board(auction: Auction, viewer: User | None) -> QuestionBoard:
    """The Questions section of this auction's page for this viewer."""
    items = queries.auction_questions(auction, viewer)
    failed = g.get("question_form")
    target = g.get("question_form_target")
    can_ask = (
        viewer is not None
        and viewer.is_service_provider
        and viewer.id != auction.created_by
        and auction.status == AuctionStatus.ACTIVE
    )
    can_answer = viewer is not None and viewer.id == auction.created_by and auction.status != AuctionStatus.CANCELLED
    ask_form = None
    if can_ask:
        ask_form = failed if target == "ask" else QuestionForm(formdata=None)
    answer_forms: dict[int, AnswerForm] = {}
    if can_answer:
        for item in items:
            if not item["answered"] and not item["hidden"]:
                reuse = target == item["id"]
                answer_forms[item["id"]] = failed if reuse else AnswerForm(formdata=None, prefix=f"q{item['id']}")
    return QuestionBoard(items, can_ask, can_answer, ask_form, answer_forms)
