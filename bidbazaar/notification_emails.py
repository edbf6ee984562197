"""Notifications by email: one instant notification, or a user's daily digest (issue 16).

Everything shown comes from the recipient's own notification (its message and data were
written for that recipient) and the auction's public title: an email never tells more than
the app shows its reader. Amounts and times are handed to the templates as values, which
render them with the pages' `inr` and `ist` filters; links are built from BASE_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.mail_draft import Draft, site_url
from bidbazaar.mail_models import EMAIL_TYPES, MailKind, MailStatus, OutboundEmail
from bidbazaar.models import Auction, Notification
from bidbazaar.services.email_preferences import DIGEST_SCOPE, unsubscribe_url

#: The longest auction title a subject quotes whole.
SUBJECT_TITLE_LENGTH = 80
#: Types whose page is the booking rather than the auction (their data names the booking).
BOOKING_GROUPS = frozenset({"Bookings"})
BOOKING_TYPES = frozenset({"review_published"})

#: The data keys worth showing, in order: (key, label, kind). kind "money" renders with
#: `inr`, "time" with `ist`, "bid" is a bid object whose amount is shown, "rating" n/5.
FACTS: tuple[tuple[str, str, str], ...] = (
    ("your_bid", "Your bid", "money"),
    ("lowest_bid", "Lowest bid now", "money"),
    ("amount", "Amount", "money"),
    ("bid", "Bid", "bid"),
    ("winning_bid", "Winning bid", "bid"),
    ("respond_by", "Respond by", "time"),
    ("auto_complete_at", "Completes by itself on", "time"),
    ("deadline", "Closes", "time"),
    ("rating", "Rating", "rating"),
)


@dataclass(frozen=True)
class Fact:
    """One line of a notification's data: a label and a value its kind says how to render."""

    label: str
    value: Any
    kind: str  # "money" | "time" | "text"


@dataclass(frozen=True)
class Item:
    """A notification as an email shows it."""

    note: Notification
    label: str
    title: str | None
    link: str
    link_text: str
    facts: tuple[Fact, ...]


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)  # the JSON column holds "2026-11-27T10:00:00.000Z"
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def facts_of(data: dict[str, Any]) -> tuple[Fact, ...]:
    """The notification data worth a line, as values for the templates' filters."""
    facts: list[Fact] = []
    for key, label, kind in FACTS:
        value = data.get(key) if isinstance(data, dict) else None
        if kind == "bid":
            value, kind = (value.get("amount") if isinstance(value, dict) else None), "money"
        if value is None:
            continue
        if kind == "money":
            value = _money(value)
        elif kind == "time":
            value = _time(value)
        elif kind == "rating":
            value, kind = f"{value}/5", "text"
        if value is not None:
            facts.append(Fact(label, value, kind))
    return tuple(facts)


def link_of(note: Notification) -> tuple[str, str]:
    """(absolute URL, link text): the booking page for booking types, else the auction page."""
    _, group, _ = EMAIL_TYPES.get(note.type, ("", "", ""))
    booking_id = note.data.get("booking_id") if isinstance(note.data, dict) else None
    if (group in BOOKING_GROUPS or note.type in BOOKING_TYPES) and isinstance(booking_id, int):
        return site_url(f"/bookings/{booking_id}"), "Open the booking"
    if note.auction_id is not None:
        return site_url(f"/auctions/{note.auction_id}"), "Open the auction"
    return site_url("/notifications"), "Open your notifications"


def item_of(note: Notification, title: str | None) -> Item:
    link, link_text = link_of(note)
    label = EMAIL_TYPES[note.type][0] if note.type in EMAIL_TYPES else "Notification"
    return Item(note, label, title, link, link_text, facts_of(note.data))


def _quoted(title: str) -> str:
    return title if len(title) <= SUBJECT_TITLE_LENGTH else title[: SUBJECT_TITLE_LENGTH - 1] + "…"


def _notification(row: OutboundEmail) -> Draft:
    note = db.session.get(Notification, row.notification_id)
    if note is None:
        raise LookupError(f"outbox row {row.id}: notification {row.notification_id} is gone")
    auction = db.session.get(Auction, note.auction_id) if note.auction_id is not None else None
    item = item_of(note, auction.title if auction else None)
    subject = f'{item.label}: "{_quoted(item.title)}"' if item.title else item.label
    return Draft(subject, "email/notification", {"item": item}, unsubscribe_url(note.user_id, note.type))


def digest_items(digest_id: int) -> list[Item]:
    """The notifications that went into a digest, by group and type (EMAIL_TYPES' order),
    oldest first within each: one query."""
    rows = db.session.execute(
        select(Notification, Auction.title)
        .join(OutboundEmail, OutboundEmail.notification_id == Notification.id)
        .outerjoin(Auction, Auction.id == Notification.auction_id)
        .where(
            OutboundEmail.digest_id == digest_id,
            OutboundEmail.kind == MailKind.NOTIFICATION,
            OutboundEmail.status == MailStatus.DIGESTED,
        )
        .order_by(Notification.created_at, Notification.id)
    ).all()
    types = list(EMAIL_TYPES)
    groups = list(dict.fromkeys(group for _, group, _ in EMAIL_TYPES.values()))

    def place(item: Item) -> tuple[int, int]:
        group = EMAIL_TYPES[item.note.type][1] if item.note.type in EMAIL_TYPES else ""
        kind = types.index(item.note.type) if item.note.type in EMAIL_TYPES else len(types)
        return (groups.index(group) if group in groups else len(groups), kind)

    return sorted((item_of(note, title) for note, title in rows), key=place)  # stable: oldest first stays


def _digest(row: OutboundEmail) -> Draft:
    items = digest_items(row.digest_id)
    grouped: dict[str, list[Item]] = {}
    for item in items:
        group = EMAIL_TYPES[item.note.type][1] if item.note.type in EMAIL_TYPES else "Other"
        grouped.setdefault(group, []).append(item)
    count = len(items)
    subject = f"Your Bid Bazaar digest: {count} update{'' if count == 1 else 's'}"
    return Draft(
        subject, "email/digest", {"groups": grouped, "count": count}, unsubscribe_url(row.user_id, DIGEST_SCOPE)
    )


def draft(row: OutboundEmail) -> Draft:
    """The subject, template, context and unsubscribe link of a notification or digest row."""
    if row.kind == MailKind.DIGEST:
        return _digest(row)
    return _notification(row)
