"""The document's part for following auctions (watch_routes): My bids with each standing,
the watchlist, watch and unwatch; schemas with examples, like the rest of the document."""

from __future__ import annotations

from typing import Any

from bidbazaar import forms
from bidbazaar.openapi.operations import Operation, page_of
from bidbazaar.openapi.requests import query_parameters
from bidbazaar.openapi.schemas import COUNT, ID, MESSAGE, MONEY, TIMESTAMP, Schema, nullable, obj

STANDING = {"type": "string", "enum": list(forms.STANDING_CHOICES)}
NEXT_ACTION = {"enum": ["bid_again", "answer_offer", "view_booking", None]}

_AUCTION_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "title": "Fix kitchen sink leak",
    "description": "Kitchen sink leaks under the cabinet; need a plumber this week.",
    "category_id": 3,
    "category_name": "Plumbing",
    "location": "Mumbai, Maharashtra",
    "budget_min": 1000,
    "budget_max": 2000,
    "deadline": "2026-11-28T12:30:00Z",
    "requirements": None,
    "status": "active",
    "created_by": 2,
    "created_at": "2026-11-27T09:00:00Z",
    "updated_at": "2026-11-27T11:58:40Z",
    "closed_at": None,
    "bid_count": 4,
    "lowest_bid": 1400,
    "is_mine": False,
    "seconds_remaining": 88200,
}


def watching_schemas(auction: dict[str, Schema]) -> dict[str, Schema]:
    """The components: a My bids item and a watched auction. `auction` is the listing view's
    properties (the Auction component's)."""
    with_time = {**auction, "seconds_remaining": {**COUNT, "description": "0 once it is no longer active."}}
    return {
        "MyBid": obj(
            {
                "auction": obj(with_time),
                "my_best_bid": nullable(obj({"id": ID, "amount": MONEY})),
                "lowest_bid": nullable(MONEY),
                "standing": STANDING,
                "next_action": NEXT_ACTION,
                "booking_id": nullable(ID),
                "last_activity": TIMESTAMP,
            },
            description="An auction you bid on. `my_best_bid` is your lowest active bid (null when none is "
            "active). `standing`: `leading` (active, your bid is the lowest active bid), `outbid` (active, you "
            "have an active bid, not the lowest), `won` (closed, the winning bid is yours: it follows the "
            "booking chain), `lost` (closed, you had a bid, not the winner), `withdrawn` (every bid of yours "
            "on it withdrawn). `next_action`: `bid_again`, `answer_offer` (an offer waits on you: "
            "`booking_id`), `view_booking`, or null.",
            examples=[
                {
                    "auction": _AUCTION_EXAMPLE,
                    "my_best_bid": {"id": 31, "amount": 1450},
                    "lowest_bid": 1400,
                    "standing": "outbid",
                    "next_action": "bid_again",
                    "booking_id": None,
                    "last_activity": "2026-11-27T11:50:02Z",
                }
            ],
        ),
        "WatchedAuction": obj(
            {**with_time, "watched_at": TIMESTAMP},
            description="An auction you watch: its listing view, seconds_remaining and when you starred it.",
            examples=[{**_AUCTION_EXAMPLE, "watched_at": "2026-11-27T10:15:00Z"}],
        ),
    }


def watching_operations() -> dict[str, Operation]:
    """The documented endpoints of watch_routes, keyed by Flask endpoint name."""
    watched = {"message": MESSAGE, "auction_id": ID, "watching": {"const": True}}
    answer_example = {"message": "Watching", "auction_id": 7, "watching": True}
    return {
        "watch_api.my_bids": Operation(
            "get", "/api/users/me/bids", "bids", "Every auction you bid on, with where you stand",
            (200, "A page of your auctions, newest activity first", page_of("bids", "MyBid")),
            query=[
                {**{k: v for k, v in parameter.items() if k != "example"},  # example and examples exclude each other
                 "schema": {**parameter["schema"], "pattern": forms.STANDING_PATTERN},
                 "examples": {"one": {"value": "outbid"}, "several": {"value": "leading,outbid"}}}
                if parameter["name"] == "standing" else parameter
                for parameter in query_parameters(forms.MyBidsSearchForm)
            ],
            description="One item per auction. `standing` filters by one or several standings, comma-separated "
            "(`?standing=leading,outbid`). Any signed-in user may ask: a customer who never bid gets an empty "
            "list. `per_page` above 100 is clamped to 100. Three SQL statements per page, whatever its size.",
        ),
        "watch_api.my_watchlist": Operation(
            "get", "/api/users/me/watching", "auctions", "The auctions you watch",
            (200, "A page of watched auctions, the latest starred first", page_of("auctions", "WatchedAuction")),
            query=query_parameters(forms.WatchingSearchForm),
        ),
        "watch_api.watch_auction": Operation(
            "post", "/api/auctions/{auction_id}/watch", "auctions", "Watch an open auction",
            {
                "201": {"description": "Now watching",
                        "content": {"application/json": {"schema": obj(watched), "example": answer_example}}},
                "200": {"description": "Already watching (nothing changed)",
                        "content": {"application/json": {"schema": obj(watched),
                                                         "example": {**answer_example, "message": "Already watching"}}}},
            },
            codes=("AUCTION_CLOSED",),
            description="Idempotent. Any signed-in user; only an active auction before its deadline (409 "
            "AUCTION_CLOSED otherwise: an ended auction has nothing left to watch). Watchers get one "
            "`ending_soon` notification ENDING_SOON_MINUTES before the deadline. No body.",
        ),
        "watch_api.unwatch_auction": Operation(
            "delete", "/api/auctions/{auction_id}/watch", "auctions", "Stop watching an auction",
            {"204": {"description": "Not watching it (whether or not you did before)"}},
            description="Idempotent, whatever the auction's status; 404 only for an auction that does not exist.",
        ),
    }  # fmt: skip
