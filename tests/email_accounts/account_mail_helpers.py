"""Helpers of the email verification and password reset tests: the outbox rows, the link
their composed email carries, and a recorder of the SQL a request runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from helpers import recorded_statements
from sqlalchemy import select

from bidbazaar.emails import compose
from bidbazaar.extensions import db
from bidbazaar.mail_models import MailKind, OutboundEmail

RESET_URL = "/api/auth/password-reset"
CONFIRM_URL = "/api/auth/password-reset/confirm"
VERIFY_URL = "/api/auth/verify-email"
RESEND_URL = "/api/auth/verify-email/resend"
NEW_PASSWORD = "a-brand-new-secret"
INVALID_LINK = {"token": "This link is invalid or has expired. Ask for a new one."}
LINK = re.compile(r"https?://\S+")


def outbox(kind: str | None = None) -> list[OutboundEmail]:
    """The outbox rows (of one kind), oldest first, read in a fresh transaction."""
    db.session.commit()
    query = select(OutboundEmail).order_by(OutboundEmail.id)
    if kind is not None:
        query = query.where(OutboundEmail.kind == kind)
    return list(db.session.scalars(query))


def latest(kind: str) -> OutboundEmail:
    rows = outbox(kind)
    assert rows, f"no {kind} email in the outbox"
    return rows[-1]


#: Composed inside a request to a forged host: the links must still come from BASE_URL.
FORGED_BASE_URL = "http://evil.example"


def composed(row: OutboundEmail) -> Any:
    """The email of an outbox row. Rendered inside a (forged-host) request context: the
    pages' context processors, which the email templates also run, read current_user."""
    with current_app.test_request_context("/", base_url=FORGED_BASE_URL):
        return compose(row)


def text_part(row: OutboundEmail) -> str:
    return composed(row).get_body(("plain",)).get_content()


def html_part(row: OutboundEmail) -> str:
    return composed(row).get_body(("html",)).get_content()


def link_in(row: OutboundEmail) -> str:
    """The one link of an account email's plain-text part (the footer's site link aside)."""
    links = [link for link in LINK.findall(text_part(row)) if "token=" in link]
    assert len(links) == 1, links
    return links[0]


def token_in(row: OutboundEmail) -> str:
    return parse_qs(urlsplit(link_in(row)).query)["token"][0]


def reset_token(kind: str = MailKind.PASSWORD_RESET) -> str:
    return token_in(latest(kind))


def verify_token() -> str:
    return token_in(latest(MailKind.VERIFY_EMAIL))


def answer_of(response: Any) -> tuple[int, Any, dict[str, str]]:
    """What a client sees of a response, less the per-request id."""
    headers = {name: value for name, value in response.headers.items() if name != "X-Request-ID"}
    return response.status_code, response.get_json(), headers


def statements_and_answer(call: Callable[[], Any]) -> tuple[list[str], tuple[int, Any, dict[str, str]]]:
    with recorded_statements() as statements:
        response = call()
    return statements, answer_of(response)
