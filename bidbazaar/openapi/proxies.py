"""The document's part for proxy bids (proxy_routes): PUT/GET/DELETE /api/auctions/{id}/proxy,
the ProxyBid owner view read from its serialiser, and the request body read from ProxyForm."""

from __future__ import annotations

from bidbazaar import forms
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.requests import form_body
from bidbazaar.openapi.responses import bid_placed_auction, columns_properties
from bidbazaar.openapi.schemas import MESSAGE, Schema, nullable, obj, ref
from bidbazaar.provider_models import ProxyBid

#: ProxyBid.owner_dict's keys (the view exists for its owner only).
PROXY_KEYS = ("auction_id", "floor", "active", "set_at", "cancelled_at")


def proxy_schemas() -> dict[str, Schema]:
    """The response and request components of the proxy API."""
    return {
        "ProxyBid": obj(
            columns_properties(ProxyBid, PROXY_KEYS, {"active": {"type": "boolean"}}),
            description="Your proxy on an auction, as only you see it: nobody else ever sees a floor.",
            examples=[
                {"auction_id": 1, "floor": 1200, "active": True, "set_at": "2026-11-27T09:30:00Z", "cancelled_at": None}
            ],
        ),
        "ProxySet": form_body(
            forms.ProxyForm,
            description="`floor`: the lowest price you accept. While you are not leading it bids at once "
            "(one BID_MIN_DECREMENT under the lowest bid, or budget_max with no bids); afterwards the system "
            "undercuts for you, never below the floor. It must be one you could bid now (409 BID_TOO_HIGH "
            "with `floor` and `max_allowed`); far below the typical bid it needs `confirm_low: true` (409 "
            "CONFIRM_LOW_BID). `description`, `estimated_duration` and `notes` are the auto bids' text: "
            "required when you have no earlier bid on the auction, else copied from your latest one.",
            example={"floor": 1200, "description": "Two cleaners, 3 hours, own supplies", "estimated_duration": "3h"},
        ),
    }


def proxy_operations() -> dict[str, Operation]:
    """The documented endpoints of proxy_routes, keyed by Flask endpoint name."""
    bidder_codes = ("NOT_A_PROVIDER", "PROVIDER_NOT_VERIFIED", "SELF_BID", "AUCTION_CLOSED")
    return {
        "proxies_api.get_proxy": Operation(
            "get", "/api/auctions/{auction_id}/proxy", "bids", "Your proxy bid on an auction (404 without one)",
            (200, "Your active proxy", {"proxy": ref("ProxyBid")}),
        ),
        "proxies_api.set_proxy": Operation(
            "put", "/api/auctions/{auction_id}/proxy", "bids",
            "Set or change your private floor: the system undercuts for you down to it",
            (200, "Set; `bid` is the auto bid placed at once (null when you were leading)",
             {"message": MESSAGE, "proxy": ref("ProxyBid"), "bid": nullable(ref("BidFull")),
              "auction": bid_placed_auction()}),
            body="ProxySet", codes=(*bidder_codes, "BID_TOO_HIGH", "CONFIRM_LOW_BID"),
            description="Charged against the bid rate limit. Auto bids are real bids (`auto: true`) placed "
            "through the same rules as yours; with several proxies the lowest floor ends leading at "
            "max(its floor, the next floor − BID_MIN_DECREMENT), ties to the earlier proxy. Withdrawing a bid "
            "cancels your proxy on that auction.",
        ),
        "proxies_api.cancel_proxy": Operation(
            "delete", "/api/auctions/{auction_id}/proxy", "bids", "Cancel your proxy bid (your bids stay)",
            {"204": {"description": "Cancelled"}},
        ),
    }  # fmt: skip
