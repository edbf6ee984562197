"""The /auctions page's search form: the API's filters under names a person reads.

The page asks the same query as GET /api/auctions (queries.search_auctions); this form only
renames its choices, folds sort and order into one choice ("Closing soonest"), lists open
auctions unless closed ones are asked for, and fills a grid of 12.
"""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import Optional

from bidbazaar.forms.api_forms import AuctionSearchForm
from bidbazaar.forms.fields import Between, FlagField
from bidbazaar.values import MAX_ID, format_inr

#: What a person calls each auction status.
AUCTION_STATUS_LABELS = {
    "active": "Open",
    "completed": "Awarded",
    "cancelled": "Cancelled",
    "expired": "Ended without award",
}

#: The page's sorts: a label, and the API's sort column and order it stands for.
LIST_SORTS: dict[str, tuple[str, str, str]] = {
    "newest": ("Newest", "created_at", "desc"),
    "oldest": ("Oldest", "created_at", "asc"),
    "closing": ("Closing soonest", "deadline", "asc"),
    "closing_last": ("Closing last", "deadline", "desc"),
    "budget_high": ("Budget: high to low", "budget_max", "desc"),
    "budget_low": ("Budget: low to high", "budget_max", "asc"),
    "bid_low": ("Lowest bid: low to high", "lowest_bid", "asc"),
    "bid_high": ("Lowest bid: high to low", "lowest_bid", "desc"),
    "fewest_bids": ("Fewest bids", "bid_count", "asc"),
    "most_bids": ("Most bids", "bid_count", "desc"),
}

#: A page of cards fills the grid: 3 columns wide, 2 on a tablet, 1 on a phone.
LIST_PAGE_SIZE = 12


class AuctionListPageForm(AuctionSearchForm):
    """/auctions?q=&category=&status=&closed=&sort=&page=..."""

    status = SelectField(
        "Status",
        [Optional()],
        choices=[SelectChoice("", "Any status")] + [SelectChoice(k, v) for k, v in AUCTION_STATUS_LABELS.items()],
    )
    closed = FlagField("Include closed auctions", [Optional()])
    sort = SelectField(
        "Sort by", [Optional()], choices=[SelectChoice(k, v[0]) for k, v in LIST_SORTS.items()], default="newest"
    )
    order = None  # part of each sort choice
    per_page = IntegerField(default=LIST_PAGE_SIZE, validators=[Optional(), Between(min=1, max=MAX_ID)])

    @property
    def shows_closed(self) -> bool:
        return self.closed.data == "true"

    def filters(self) -> dict[str, Any]:
        """The validated form as queries.search_auctions' filters."""
        filters = {name: value for name, value in self.data.items() if name != "closed"}
        _, filters["sort"], filters["order"] = LIST_SORTS[self.sort.data or "newest"]
        if not filters.get("status") and not self.shows_closed:
            filters["status"] = "active"
        return filters

    def summary(self, categories: dict[int, str]) -> str:
        """The active filters in a few words, for the collapsed filters' summary (also of
        a form that did not validate: what was understood of it)."""
        parts = []
        if self.q.data:
            parts.append(f"“{self.q.data}”")
        if self.category.data in categories:
            parts.append(categories[self.category.data].strip())
        if self.location.data:
            parts.append(f"in {self.location.data}")
        if self.min_budget.data is not None or self.max_budget.data is not None:
            low = format_inr(self.min_budget.data) if self.min_budget.data is not None else "any"
            high = format_inr(self.max_budget.data) if self.max_budget.data is not None else "any"
            parts.append(f"budget {low} – {high}")
        if self.mine.data == "true":
            parts.append("only mine")
        if self.status.data in AUCTION_STATUS_LABELS:
            parts.append(AUCTION_STATUS_LABELS[self.status.data])
        else:
            parts.append("Open and closed" if self.shows_closed else "Open")
        parts.append(LIST_SORTS.get(self.sort.data or "newest", LIST_SORTS["newest"])[0])
        return " · ".join(parts)
