"""The document's part for public questions (question_routes): the Question schema read from
the query's view, the ask and answer bodies read from the forms, and the operations."""

from __future__ import annotations

from typing import Any

from bidbazaar import forms
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.requests import form_body
from bidbazaar.openapi.schemas import ID, MESSAGE, TIMESTAMP, Schema, nullable, obj, ref
from bidbazaar.provider_models import MAX_QUESTION_LENGTH

TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_LENGTH}

EXAMPLE_QUESTION: dict[str, Any] = {
    "id": 3,
    "auction_id": 7,
    "body": "Is parking available for a van? Call me on [contact hidden]",
    "answer": "Yes, in the basement, slot B12.",
    "answered": True,
    "created_at": "2026-11-27T09:15:00.000Z",
    "answered_at": "2026-11-27T10:02:00.000Z",
    "hidden": False,
    "mine": False,
}


def question_schemas() -> dict[str, Schema]:
    """The Question component and the two request bodies."""
    question = obj(
        {
            "id": ID,
            "auction_id": ID,
            "body": {"type": "string", "description": "Contact details masked, except for the customer and the asker."},
            "answer": nullable({"type": "string", "description": "Masked, except for the customer."}),
            "answered": {"type": "boolean"},
            "created_at": TIMESTAMP,
            "answered_at": nullable(TIMESTAMP),
            "hidden": {
                "type": "boolean",
                "description": "Hidden by an admin: shown only to the customer, admins and the asker.",
            },
            "mine": {"type": "boolean", "description": "The viewer asked it. The asker is never named."},
        },
        description="A public question and its answer. Emails, Indian phone numbers and URLs read "
        '"[contact hidden]" for everyone but the auction\'s customer (and admins); the asker sees their own '
        "question as written.",
        examples=[EXAMPLE_QUESTION],
    )
    return {
        "Question": question,
        "QuestionRequest": form_body(forms.QuestionForm, example={"body": "Is parking available for a van?"}),
        "AnswerRequest": form_body(forms.AnswerForm, example={"answer": "Yes, in the basement, slot B12."}),
    }


def question_operations() -> dict[str, Operation]:
    """The documented endpoints of question_routes, keyed by Flask endpoint name."""
    one = {"message": MESSAGE, "question": ref("Question")}
    return {
        "questions_api.list_questions": Operation(
            "get", "/api/auctions/{auction_id}/questions", "auctions", "An auction's public questions",
            (200, "Answered first, then the newest", {"questions": {"type": "array", "items": ref("Question")}}),
            auth="public",
            description="Anyone may read them; nobody is told who asked. Hidden questions appear only for the "
            "customer, admins and their asker (`hidden: true`).",
        ),
        "questions_api.ask_question": Operation(
            "post", "/api/auctions/{auction_id}/questions", "auctions",
            "Ask the customer a public question (providers other than the creator, while the auction is active)",
            (201, "Published; the customer is notified (question_asked)", one),
            body="QuestionRequest", codes=("NOT_A_PROVIDER", "FORBIDDEN", "AUCTION_CLOSED"),
            description="1 to 1,000 characters after trimming. Rate-limited per user by QUESTION_RATE_LIMIT "
            "(default 5 per minute and 30 per day), one budget with the page's form.",
        ),
        "questions_api.answer_question": Operation(
            "post", "/api/auctions/{auction_id}/questions/{question_id}/answer", "auctions",
            "Answer a question in public, once (the auction's customer)",
            (200, "Published; the asker and watchers are notified, the room hears question_answered", one),
            body="AnswerRequest", codes=("FORBIDDEN", "AUCTION_CLOSED", "CONFLICT"),
            description="Allowed after the auction closed, not once it was cancelled (409 AUCTION_CLOSED). "
            "An answered or hidden question: 409 CONFLICT. Another auction's question id: 404.",
        ),
        "questions_api.hide_question": Operation(
            "post", "/api/admin/questions/{question_id}/hide", "auctions", "Hide a question from the public (admins)",
            (200, "Hidden (kept, not deleted)", one), codes=("FORBIDDEN", "CONFLICT"),
            description="409 CONFLICT when it is already hidden.",
        ),
    }  # fmt: skip
