"""The JSON API of a provider's tools for following auctions, under /api: my bids with their
standing, and the watchlist (watch, unwatch, list).

Thin views: a form validates the query, one service or query function answers. Errors are
JSON like the rest of /api; the JSON-only and CSRF hooks of http_guards apply to the writes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.forms import MyBidsSearchForm, WatchingSearchForm, parse_query, standings

watch_api = Blueprint("watch_api", __name__)


@watch_api.get("/users/me/bids")
@login_required
def my_bids() -> Any:
    """Every auction the caller bid on, one item each. Any signed-in user may ask: a customer
    who never bid gets an empty list (and one who used to be a provider, their history)."""
    query = parse_query(MyBidsSearchForm, request.args)
    page = queries.my_bids(
        current_user, standings(query["standing"]), query["page"] or 1, queries.page_size(query["per_page"], 20)
    )
    return jsonify({"bids": page.items, "pagination": page.pagination})


@watch_api.get("/users/me/watching")
@login_required
def my_watchlist() -> Any:
    query = parse_query(WatchingSearchForm, request.args)
    page = queries.watched_auctions(current_user, query["page"] or 1, queries.page_size(query["per_page"], 20))
    return jsonify({"auctions": page.items, "pagination": page.pagination})


@watch_api.post("/auctions/<int:auction_id>/watch")
@login_required
def watch_auction(auction_id: int) -> Any:
    """201 when the watch is new, 200 when the caller already watched the auction."""
    created = services.watch_auction(current_user, auction_id)
    body = {"message": "Watching" if created else "Already watching", "auction_id": auction_id, "watching": True}
    return jsonify(body), 201 if created else 200


@watch_api.delete("/auctions/<int:auction_id>/watch")
@login_required
def unwatch_auction(auction_id: int) -> Any:
    """204 whether or not the caller watched it."""
    services.unwatch_auction(current_user, auction_id)
    return "", 204
