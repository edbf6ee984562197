"""The JSON API of job alerts, under /api: a provider's saved searches (CRUD under
/api/users/me/searches). Each view validates with a form and calls one service or query
function; the JSON-only and CSRF hooks of http_guards apply here as to every write.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.forms import SavedSearchForm, parse_json_form

alerts_api = Blueprint("alerts_api", __name__)


@alerts_api.get("/users/me/searches")
@login_required
def list_searches() -> Any:
    searches = queries.saved_searches_of(current_user)
    return jsonify({"searches": [search.to_dict() for search in searches]})


@alerts_api.post("/users/me/searches")
@login_required
def create_search() -> Any:
    search = services.create_saved_search(current_user, parse_json_form(SavedSearchForm))
    return jsonify({"message": "Job alert saved", "search": search.to_dict()}), 201


@alerts_api.get("/users/me/searches/<int:search_id>")
@login_required
def get_search(search_id: int) -> Any:
    return jsonify({"search": queries.saved_search_of(current_user, search_id).to_dict()})


@alerts_api.put("/users/me/searches/<int:search_id>")
@login_required
def update_search(search_id: int) -> Any:
    changes = parse_json_form(SavedSearchForm, partial=True)
    search = services.update_saved_search(current_user, search_id, changes)
    return jsonify({"message": "Job alert updated", "search": search.to_dict()})


@alerts_api.delete("/users/me/searches/<int:search_id>")
@login_required
def delete_search(search_id: int) -> Any:
    services.delete_saved_search(current_user, search_id)
    return jsonify({"message": "Job alert deleted"})
