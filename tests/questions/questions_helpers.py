"""What the question tests share: asking and answering through the API, the rows and events
they leave, the notifications of one type, and a response checked against the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select

from bidbazaar import openapi
from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionEvent, Notification, User
from bidbazaar.provider_models import Question, Watch

DOCUMENT = openapi.build_document()


def questions_url(auction: Auction | int) -> str:
    auction_id = auction if isinstance(auction, int) else auction.id
    return f"/api/auctions/{auction_id}/questions"


def answer_url(auction: Auction | int, question_id: int) -> str:
    return f"{questions_url(auction)}/{question_id}/answer"


def ask_api(client: Any, headers: dict[str, str], auction: Auction | int, body: Any = "Is parking available?") -> Any:
    return client.post(questions_url(auction), json={"body": body}, headers=headers)


def answer_api(client: Any, headers: dict[str, str], auction: Auction | int, question_id: int, text: Any) -> Any:
    return client.post(answer_url(auction, question_id), json={"answer": text}, headers=headers)


def question(question_id: int) -> Question:
    """The row as committed now."""
    db.session.commit()
    return db.session.get(Question, question_id, populate_existing=True)


def watch(user: User, auction: Auction) -> None:
    """The watch row another engineer's API writes (the questions only read it)."""
    db.session.add(Watch(user_id=user.id, auction_id=auction.id))
    db.session.commit()


def notes_of(user: User, type_: str) -> list[Notification]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.type == type_)
            .order_by(Notification.id)
        ).all()
    )


def events_of(auction: Auction, type_: str) -> list[AuctionEvent]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(AuctionEvent)
            .where(AuctionEvent.auction_id == auction.id, AuctionEvent.type == type_)
            .order_by(AuctionEvent.seq)
        ).all()
    )


def frames(sock: Any, name: str) -> list[dict[str, Any]]:
    """The payloads of the room frames called `name` the test socket received so far."""
    return [frame["args"][0] for frame in sock.get_received("/auctions") if frame["name"] == name]


def assert_documented(method: str, path: str, response: Any) -> dict[str, Any]:
    """The response's status is documented for the operation and its body matches the schema."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code, response.get_data())
    body = json.loads(response.get_data())
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": DOCUMENT["components"]}).validate(body)
    return body
