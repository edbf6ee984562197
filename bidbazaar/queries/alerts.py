"""A provider's saved searches (job alerts): the list, one search, and what listing filters
a search stands for (the /auctions link of an alert)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bidbazaar.errors import not_found
from bidbazaar.extensions import db
from bidbazaar.models import User
from bidbazaar.provider_models import SavedSearch


def saved_searches_of(user: User) -> list[SavedSearch]:
    """The user's saved searches, oldest first (at most MAX_SAVED_SEARCHES: one page)."""
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)))


def saved_search_of(user: User, search_id: int) -> SavedSearch:
    """One of the user's saved searches; another user's is NOT_FOUND, as if it did not exist."""
    search = db.session.get(SavedSearch, search_id)
    if search is None or search.user_id != user.id:
        raise not_found("Saved search")
    return search


def listing_filters(search: SavedSearch) -> dict[str, Any]:
    """The /auctions query string that lists what the search matches (its set filters)."""
    filters = {
        "category": search.category_id,
        "location": search.location,
        "q": search.keywords,
        "min_budget": search.min_budget,
        "max_budget": search.max_budget,
    }
    return {name: value for name, value in filters.items() if value not in (None, "")}
