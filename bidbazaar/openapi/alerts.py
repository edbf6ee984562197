"""The document's part for job alerts (alert_routes): a provider's saved searches, their
request bodies read from the form and the SavedSearch schema read from its serialiser."""

from __future__ import annotations

from typing import Any

from bidbazaar import forms
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.requests import form_body
from bidbazaar.openapi.responses import columns_properties
from bidbazaar.openapi.schemas import MESSAGE, MONEY, Schema, nullable, obj, ref
from bidbazaar.provider_models import MAX_SAVED_SEARCHES, SavedSearch

EXAMPLE_SEARCH: dict[str, Any] = {
    "id": 1,
    "name": "Plumbing in Pune",
    "category_id": 1,
    "location": "Pune",
    "min_budget": 500,
    "max_budget": 5000,
    "keywords": "sink leak",
    "created_at": "2026-11-27T10:00:00Z",
    "updated_at": "2026-11-27T10:00:00Z",
}
FILTERS = (
    "Every filter is optional (null: any). `category_id` includes its subcategories; `location` matches as a "
    "case-insensitive substring of the auction's; the budget range overlaps the auction's; each of the "
    "`keywords` (split on spaces) must appear in the title or the description, case-insensitively in any script."
)


def saved_search_keys() -> tuple[str, ...]:
    """SavedSearch.to_dict's keys, read from a blank search (no database needed)."""
    return tuple(SavedSearch().to_dict())


def alert_schemas() -> dict[str, Schema]:
    """The response and request components of the job alerts API."""
    search = columns_properties(
        SavedSearch, saved_search_keys(), {"min_budget": nullable(MONEY), "max_budget": nullable(MONEY)}
    )
    example = {k: v for k, v in EXAMPLE_SEARCH.items() if k not in ("id", "created_at", "updated_at")}
    return {
        "SavedSearch": obj(search, description=f"A provider's job alert. {FILTERS}", examples=[EXAMPLE_SEARCH]),
        "SavedSearchCreate": form_body(
            forms.SavedSearchForm,
            description=f"A blank or missing `name` is derived from the filters. {FILTERS}",
            example=example,
        ),
        "SavedSearchUpdate": form_body(
            forms.SavedSearchForm,
            partial=True,
            description="Only the fields given change (null clears a filter; a blank name is derived again).",
            example={"name": "Sink jobs, Pune", "max_budget": 3000},
        ),
    }


def alert_operations() -> dict[str, Operation]:
    """The documented endpoints of alert_routes, keyed by Flask endpoint name."""
    one = {"search": ref("SavedSearch")}
    changed = {"message": MESSAGE, **one}
    path = "/api/users/me/searches/{search_id}"
    return {
        "alerts_api.list_searches": Operation(
            "get", "/api/users/me/searches", "alerts", "Your saved searches (job alerts), oldest first",
            (200, "Your searches", {"searches": {"type": "array", "items": ref("SavedSearch")}}),
        ),
        "alerts_api.create_search": Operation(
            "post", "/api/users/me/searches", "alerts", "Save a search: new matching jobs notify you (providers)",
            (201, "Saved", changed), body="SavedSearchCreate", body_required=False,
            codes=("NOT_A_PROVIDER", "TOO_MANY_SEARCHES"),
            description=f"At most {MAX_SAVED_SEARCHES} per provider (409 TOO_MANY_SEARCHES). Each new auction that "
            "matches any of your searches sends you one `job_alert` notification.",
        ),
        "alerts_api.get_search": Operation(
            "get", path, "alerts", "One of your saved searches", (200, "The search", one),
            description="Another user's search is 404, as if it did not exist.",
        ),
        "alerts_api.update_search": Operation(
            "put", path, "alerts", "Rename or change one of your saved searches",
            (200, "Updated", changed), body="SavedSearchUpdate", body_required=False, codes=("NOT_A_PROVIDER",),
        ),
        "alerts_api.delete_search": Operation(
            "delete", path, "alerts", "Delete one of your saved searches", (200, "Deleted", {"message": MESSAGE}),
        ),
    }  # fmt: skip
