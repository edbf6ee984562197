"""Job alerts: a provider's saved searches, and telling them once about each new matching job.

A provider keeps up to MAX_SAVED_SEARCHES searches (the filters of the auction list). When an
auction is posted, `after_posting` starts `match_job_alerts` in the background once the post
has committed, so posting never waits for it; the sweeper and `flask match-alerts` run
`match_pending_job_alerts` to catch up any auction whose background run was lost (a crash
between the commit and the matching). Matching claims the auction with a conditional update
of `alerts_matched_at` in the same transaction as its notifications: however many processes
try, exactly one sends them.

A matching search names the auction's category or one above it, a location that is part of
the auction's, a budget range that overlaps the auction's (as the listing's min_budget /
max_budget filters do) and keywords that each appear in the title or the description. The
category and budget filters run in SQL; only the text checks run here, case-insensitively
in any script (NFKC, casefolded).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, or_, select, update

from bidbazaar.database import AfterCommit, retried, write_transaction
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db, log, socketio
from bidbazaar.models import Auction, AuctionStatus, Category, User, utcnow
from bidbazaar.provider_models import MAX_SAVED_SEARCHES, SavedSearch
from bidbazaar.services.notifications import notify_many
from bidbazaar.values import format_inr

#: The fields of a saved search its owner sets (forms.SavedSearchForm).
SEARCH_FIELDS = ("name", "category_id", "location", "min_budget", "max_budget", "keywords")
#: The longest name (SavedSearch.name) and notification message (Notification.message).
MAX_NAME_LENGTH = 100
MAX_MESSAGE_LENGTH = 500
JOB_ALERT = "job_alert"


# --------------------------------------------------------------------------- saved searches


@retried
def create_saved_search(user: User, data: dict[str, Any]) -> SavedSearch:
    """Save a search for a provider; a blank name is derived from the filters."""
    with write_transaction():
        _hold_provider(user)
        owned = db.session.scalar(select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id))
        if owned >= MAX_SAVED_SEARCHES:
            raise DomainError(
                "TOO_MANY_SEARCHES",
                f"A provider keeps at most {MAX_SAVED_SEARCHES} saved searches; delete one first",
                {"limit": MAX_SAVED_SEARCHES},
            )
        values = {field: _none_if_blank(data.get(field)) for field in SEARCH_FIELDS}
        _validate(values)
        now = utcnow()
        search = SavedSearch(user_id=user.id, created_at=now, updated_at=now, **values)
        search.name = values["name"] or derived_name(values)
        db.session.add(search)
    return search


@retried
def update_saved_search(user: User, search_id: int, changes: dict[str, Any]) -> SavedSearch:
    """Change some of a provider's search's fields (a blank name is derived again)."""
    with write_transaction():
        _hold_provider(user)
        search = _owned(user, search_id)
        values = {field: getattr(search, field) for field in SEARCH_FIELDS} | {
            field: _none_if_blank(changes[field]) for field in SEARCH_FIELDS if field in changes
        }
        _validate(values)
        if not values["name"]:
            values["name"] = derived_name(values)
        for field, value in values.items():
            setattr(search, field, value)
        search.updated_at = utcnow()
    return search


@retried
def delete_saved_search(user: User, search_id: int) -> None:
    """Delete one of the user's searches (any user's own: a former provider may still tidy up)."""
    with write_transaction():
        _owned(user, search_id)
        db.session.execute(delete(SavedSearch).where(SavedSearch.id == search_id, SavedSearch.user_id == user.id))


def _hold_provider(user: User) -> None:
    # Exclusive, not hold_active_account's shared lock: two concurrent creates by one
    # provider must queue, or both count 19 and both insert. No auction lock follows.
    row = db.session.execute(
        select(User.is_active, User.is_service_provider).where(User.id == user.id).with_for_update()
    ).one_or_none()
    if row is None or not row.is_active:
        raise DomainError("AUTH_REQUIRED", "This account is deactivated")
    if not row.is_service_provider:
        raise DomainError("NOT_A_PROVIDER", "Only service providers can save job alerts")


def _owned(user: User, search_id: int) -> SavedSearch:
    search = db.session.get(SavedSearch, search_id, populate_existing=True)
    if search is None or search.user_id != user.id:  # another's search: as if it did not exist
        raise not_found("Saved search")
    return search


def _none_if_blank(value: Any) -> Any:
    return None if value == "" else value  # an emptied text filter is no filter


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values["category_id"] is not None and db.session.get(Category, values["category_id"]) is None:
        errors["category_id"] = "Unknown category."
    low, high = values["min_budget"], values["max_budget"]
    if low is not None and high is not None and high < low:
        errors["max_budget"] = f"Must be at least the lowest budget ({format_inr(low)})."
    if errors:
        raise DomainError("VALIDATION_ERROR", "Validation failed", errors)


def derived_name(values: dict[str, Any]) -> str:
    """A readable name from the filters, e.g. `"sink" Plumbing in Pune, from ₹500`."""
    parts = []
    if values.get("keywords"):
        parts.append(f'"{values["keywords"]}"')
    if values.get("category_id") is not None:
        parts.append(db.session.scalar(select(Category.name).where(Category.id == values["category_id"])) or "")
    if values.get("location"):
        parts.append(f"in {values['location']}")
    budget = _budget_text(values.get("min_budget"), values.get("max_budget"))
    name = " ".join(part for part in parts if part)
    if budget:
        name = f"{name}, {budget}" if name else budget
    name = name or "All new jobs"
    return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 1] + "…"


def _budget_text(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{format_inr(low)}–{format_inr(high)}"
    if low is not None:
        return f"from {format_inr(low)}"
    if high is not None:
        return f"up to {format_inr(high)}"
    return ""


# --------------------------------------------------------------------------- matching


def fold(text: str | None) -> str:
    """Text compared case-insensitively in any script: NFKC-normalised, casefolded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def text_matches(location: str | None, keywords: str | None, auction_location: str, auction_text: str) -> bool:
    """The text criteria of one search, against the auction's folded location and its folded
    title + description: the location is a substring, each keyword appears somewhere."""
    if location and fold(location) not in auction_location:
        return False
    return all(word in auction_text for word in fold(keywords).split())


def category_and_ancestors(category_id: int) -> list[int]:
    """The auction's category and every category above it (one small query)."""
    parents: dict[int, int | None] = {
        cid: parent for cid, parent in db.session.execute(select(Category.id, Category.parent_id))
    }
    found: list[int] = []
    current: int | None = category_id
    while current is not None and current not in found:  # a cycle would be a bad tree; stop
        found.append(current)
        current = parents.get(current)
    return found


def matching_searches(auction: Auction) -> dict[int, list[tuple[int, str]]]:
    """Every search that matches the auction, by provider: {user_id: [(search id, name)]}.

    One query filters by category and budget (and drops the creator, deactivated accounts
    and non-providers); the text checks run on what it returns.
    """
    rows = db.session.execute(
        select(SavedSearch.id, SavedSearch.user_id, SavedSearch.name, SavedSearch.location, SavedSearch.keywords)
        .join(User, User.id == SavedSearch.user_id)
        .where(
            User.is_active.is_(True),
            User.is_service_provider.is_(True),
            SavedSearch.user_id != auction.created_by,
            or_(
                SavedSearch.category_id.is_(None),
                SavedSearch.category_id.in_(category_and_ancestors(auction.category_id)),
            ),
            or_(SavedSearch.min_budget.is_(None), SavedSearch.min_budget <= auction.budget_max),
            or_(SavedSearch.max_budget.is_(None), SavedSearch.max_budget >= auction.budget_min),
        )
        .order_by(SavedSearch.user_id, SavedSearch.id)
    )
    auction_location = fold(auction.location)
    auction_text = fold(auction.title) + "\n" + fold(auction.description)
    matches: dict[int, list[tuple[int, str]]] = {}
    for search_id, user_id, name, location, keywords in rows:
        if text_matches(location, keywords, auction_location, auction_text):
            matches.setdefault(user_id, []).append((search_id, name))
    return matches


@retried
def match_job_alerts(auction_id: int) -> int:
    """Send one `job_alert` to every provider with a search matching the auction; the number
    sent. Exactly once per auction: 0 when another run claimed it first (or it is gone)."""
    with write_transaction(turn=("auction", auction_id)) as after_commit:
        now = utcnow()
        claimed = db.session.execute(
            update(Auction)
            .where(Auction.id == auction_id, Auction.alerts_matched_at.is_(None))
            .values(alerts_matched_at=now, updated_at=Auction.updated_at)  # a notice, not an edit
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return 0
        auction = db.session.get(Auction, auction_id, populate_existing=True)
        if auction is None or auction.status != AuctionStatus.ACTIVE:
            return 0  # cancelled before anyone was told: claimed, nothing to announce
        matches = matching_searches(auction)
        notify_many(after_commit, [_alert(user_id, auction, searches) for user_id, searches in matches.items()])
    return len(matches)


def _alert(user_id: int, auction: Auction, searches: list[tuple[int, str]]) -> tuple:
    """One provider's job_alert, as notify_many takes it."""
    names = [name for _, name in searches]
    named = f'"{names[0]}"' + (f" and {len(names) - 1} more" if len(names) > 1 else "")
    budget = _budget_text(auction.budget_min, auction.budget_max)
    message = f'New job matching {named}: "{auction.title}" ({budget})'
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
    data = {
        "auction_id": auction.id,
        "title": auction.title,
        "budget_min": auction.budget_min,
        "budget_max": auction.budget_max,
        "searches": [{"id": search_id, "name": name} for search_id, name in searches],
    }
    return user_id, JOB_ALERT, auction, message, data


def match_pending_job_alerts(limit: int = 100) -> int:
    """The sweeper and `flask match-alerts`: match every active auction not matched yet
    (oldest first); the number of alerts sent."""
    pending = db.session.scalars(
        select(Auction.id)
        .where(Auction.status == AuctionStatus.ACTIVE, Auction.alerts_matched_at.is_(None))
        .order_by(Auction.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return sum(match_job_alerts(auction_id) for auction_id in pending)


# --------------------------------------------------------------------------- after posting


def after_posting(after_commit: AfterCommit, auction_id: int) -> None:
    """Inside the write that posts an auction: once it commits, match it in the background.

    Off when JOB_ALERTS_IN_BACKGROUND is false (the tests): the sweeper matches it then.
    """
    if not current_app.config["JOB_ALERTS_IN_BACKGROUND"]:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit.append(lambda: start_matching(app, auction_id))


def start_matching(app: Flask, auction_id: int) -> None:
    """Start matching one auction as a background task (a greenlet under gevent)."""
    socketio.start_background_task(_match_in_background, app, auction_id)


def _match_in_background(app: Flask, auction_id: int) -> None:
    with app.app_context():
        try:
            match_job_alerts(auction_id)
        except Exception:  # the sweeper will try again; the post itself succeeded
            log.exception("job alert matching failed for auction %s; the sweeper retries", auction_id)
        finally:
            db.session.remove()
