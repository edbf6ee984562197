"""Public questions before bidding: a provider asks, the customer answers once, an admin hides.

Questions are stored as written; every public rendering masks contact details
(masking.mask_contacts) and never names the asker. An answer is logged in the auction's
hash-chained event log (masked text, no asker) under the auction's row lock, so the room
frame carries a seq and a reconnecting client replays it with join_auction's since_seq.

Decisions:
- the creator may not ask on their own auction (FORBIDDEN), nor may a customer (NOT_A_PROVIDER);
- an answer is final: a second answer is a CONFLICT (the asker and the watchers were told
  the first one, and an edited answer would quietly change what they were told);
- answering is allowed after the auction closed (a customer may answer late) but not once
  it was cancelled, nor on a hidden question;
- hiding is final too; the hidden question stays in the table with who hid it and when.
  Hiding an answered question logs `question_hidden` (the room drops it); the earlier
  `question_answered` log entry keeps its masked text, since the hash-chained log is append-only.

The door charges the asker's QUESTION_RATE_LIMIT (rate_limits.charge_question) before
ask_question runs, one counter for every door.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bidbazaar.database import retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.masking import mask_contacts
from bidbazaar.models import AuctionStatus, User, utcnow
from bidbazaar.provider_models import MAX_QUESTION_LENGTH, Question, Watch
from bidbazaar.services.auctions import close_if_due, closed_error
from bidbazaar.services.ledger import broadcast, record_event
from bidbazaar.services.locks import hold_active_account, locked_auction
from bidbazaar.services.notifications import notify

#: How much of a question or answer a notification's message quotes (Notification.message
#: is a String column; the data carries the whole masked text).
QUOTE_LIMIT = 120


def checked_question_text(value: object, field: str) -> str:
    """1 to MAX_QUESTION_LENGTH characters after trimming, any Unicode: else VALIDATION_ERROR."""
    if not isinstance(value, str):
        raise DomainError("VALIDATION_ERROR", "Validation failed", {field: "Must be a string."})
    text = value.strip()
    if not text:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {field: "This field is required."})
    if len(text) > MAX_QUESTION_LENGTH:
        raise DomainError(
            "VALIDATION_ERROR", "Validation failed", {field: f"At most {MAX_QUESTION_LENGTH} characters."}
        )
    if "\x00" in text:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {field: "Must not contain NUL characters."})
    return text


def quote(text: str) -> str:
    """A short, masked quotation for a notification's message."""
    masked = mask_contacts(text)
    return masked if len(masked) <= QUOTE_LIMIT else masked[: QUOTE_LIMIT - 1] + "…"


def public_question(question: Question) -> dict[str, Any]:
    """A question as everyone sees it: masked text, no asker (the room frame and the log)."""
    return {
        "id": question.id,
        "auction_id": question.auction_id,
        "body": mask_contacts(question.body),
        "answer": mask_contacts(question.answer) if question.answer is not None else None,
        "answered": question.answer is not None,
        "created_at": question.created_at,
        "answered_at": question.answered_at,
    }


@retried
def ask_question(asker: User, auction_id: int, body: object) -> Question:
    """A provider other than the creator asks a public question on an active auction.

    The customer is told (`question_asked`, the masked text; the customer's own page shows
    the original). Nothing goes to the room: an unanswered question is news to nobody else.
    """
    text = checked_question_text(body, "body")
    closed_now = False
    with write_transaction(turn=("auction", auction_id)) as after_commit:
        hold_active_account(asker)
        auction = locked_auction(auction_id)
        now = utcnow()
        closed_now = close_if_due(auction, now, after_commit)
        if not closed_now:
            if not asker.is_service_provider:
                raise DomainError("NOT_A_PROVIDER", "Only service providers can ask questions")
            if auction.created_by == asker.id:
                raise DomainError("FORBIDDEN", "You cannot ask a question on your own auction")
            if not auction.is_open:
                raise closed_error(auction)
            question = Question(auction_id=auction.id, asker_id=asker.id, body=text, created_at=now, updated_at=now)
            db.session.add(question)
            db.session.flush()
            notify(
                after_commit,
                auction.created_by,
                "question_asked",
                auction,
                f'A provider asked about "{auction.title}": {quote(text)}',
                {"question_id": question.id, "body": mask_contacts(text)},
            )
    if closed_now:  # the close is committed (and announced); the question is refused
        raise closed_error(auction)
    return question


@retried
def answer_question(customer: User, auction_id: int, question_id: int, answer: object) -> Question:
    """The auction's creator answers a question, once; public from then on.

    The asker and everyone watching the auction are told (`question_answered`), and the
    room hears `question_answered` with the masked question and answer and the log's seq.
    """
    text = checked_question_text(answer, "answer")
    with write_transaction(turn=("auction", auction_id)) as after_commit:
        hold_active_account(customer)
        auction = locked_auction(auction_id)
        question = _question_of(auction.id, question_id)
        if auction.created_by != customer.id:
            raise DomainError("FORBIDDEN", "Only the auction's creator can answer its questions")
        if auction.status == AuctionStatus.CANCELLED:
            raise closed_error(auction)
        if question.hidden_at is not None:
            raise DomainError("CONFLICT", "This question was hidden by an administrator", {"question_id": question.id})
        if question.answer is not None:
            raise DomainError(
                "CONFLICT",
                "This question is already answered",
                {"question_id": question.id, "answered_at": question.answered_at.isoformat()},
            )
        now = utcnow()
        question.answer = text
        question.answered_at = now
        question.updated_at = now
        shown = public_question(question)
        log_event = record_event(auction, "question_answered", {"question": shown}, now)
        broadcast(after_commit, log_event, auction)
        message = f'Your question on "{auction.title}" was answered: {quote(text)}'
        data = {"question_id": question.id, "question": shown["body"], "answer": shown["answer"]}
        notify(after_commit, question.asker_id, "question_answered", auction, message, data)
        watchers = db.session.scalars(
            select(Watch.user_id).where(Watch.auction_id == auction.id).order_by(Watch.user_id)
        ).all()
        for user_id in watchers:
            if user_id not in (question.asker_id, customer.id):
                notify(
                    after_commit,
                    user_id,
                    "question_answered",
                    auction,
                    f'A question on "{auction.title}" was answered: {quote(text)}',
                    data,
                )
    return question


@retried
def hide_question(admin: User, question_id: int) -> Question:
    """An admin hides a question from the public views (kept, with who hid it and when)."""
    if not admin.is_admin:
        raise DomainError("FORBIDDEN", "Only an admin can hide a question")
    with write_transaction() as after_commit:
        hold_active_account(admin)
        auction_id = db.session.scalar(select(Question.auction_id).where(Question.id == question_id))
        if auction_id is None:
            raise not_found("Question")
        auction = locked_auction(auction_id)
        question = _question_of(auction.id, question_id)
        if question.hidden_at is not None:
            raise DomainError("CONFLICT", "This question is already hidden", {"question_id": question.id})
        now = utcnow()
        question.hidden_at = now
        question.hidden_by = admin.id
        question.updated_at = now
        if question.answer is not None:
            # Its answer is in the log and on open pages: tell them to drop it. (The log is
            # append-only: the earlier question_answered entry keeps its masked text.)
            log_event = record_event(auction, "question_hidden", {"question_id": question.id}, now)
            broadcast(after_commit, log_event, auction)
    return question


def _question_of(auction_id: int, question_id: int) -> Question:
    """The auction's question, read afresh under the auction's lock; another auction's is NOT_FOUND."""
    question = db.session.get(Question, question_id, populate_existing=True)
    if question is None or question.auction_id != auction_id:
        raise not_found("Question")
    return question
