"""An auction's public questions as one viewer may see them, in one statement.

Nobody is ever told who asked (not even the customer: "A provider asked"). Everyone sees
contact details masked, except:
- the auction's creator and admins, who see every question as written, hidden ones too
  (marked `hidden`), so they can answer and moderate;
- the asker, who sees their own questions as written (their own words hold no secret from
  them), hidden ones too, marked `hidden`; the customer's answer stays masked for them.
Answered questions come first, then the newest.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, or_, select

from bidbazaar.extensions import db
from bidbazaar.masking import mask_contacts
from bidbazaar.models import Auction, User
from bidbazaar.provider_models import Question


def auction_questions(auction: Auction, viewer: User | None) -> list[dict[str, Any]]:
    """GET /api/auctions/{id}/questions and the auction page's Questions section."""
    manages = auction.can_manage(viewer)
    stmt = select(Question).where(Question.auction_id == auction.id)
    if not manages:
        visible = Question.hidden_at.is_(None)
        if viewer is not None:
            visible = or_(visible, Question.asker_id == viewer.id)
        stmt = stmt.where(visible)
    answered_first = case((Question.answered_at.is_(None), 1), else_=0)
    questions = db.session.scalars(stmt.order_by(answered_first, Question.id.desc())).all()
    return [question_view(q, viewer, manages) for q in questions]


def question_view(question: Question, viewer: User | None, manages: bool) -> dict[str, Any]:
    """One question for this viewer (`manages`: the creator or an admin)."""
    mine = viewer is not None and question.asker_id == viewer.id
    return {
        "id": question.id,
        "auction_id": question.auction_id,
        "body": question.body if manages or mine else mask_contacts(question.body),
        "answer": (None if question.answer is None else question.answer if manages else mask_contacts(question.answer)),
        "answered": question.answer is not None,
        "created_at": question.created_at,
        "answered_at": question.answered_at,
        "hidden": question.hidden_at is not None,
        "mine": mine,
    }
