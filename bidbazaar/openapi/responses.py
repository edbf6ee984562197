"""Response schemas, generated from the serialisers in models.py and the columns they read.

Each serialiser is rendered once for a blank model object: the keys it returns are the
properties, in its order, and a key that names a column takes its type and nullability from
that column. A key that is not a column (computed, like `is_mine` or `bidder`) must be given
its schema in VIEW_EXTRAS below, else the document does not build and every test fails:
when a serialiser gains a key, the schema follows or says what it is missing. The schemas
are closed (`additionalProperties: false`), so tests/test_schemathesis.py fails when a body
carries a key the document does not name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, Numeric, String

from bidbazaar import models, values
from bidbazaar.errors import STATUS_BY_CODE
from bidbazaar.forms import STANDING_CHOICES
from bidbazaar.openapi.schemas import COUNT, ID, MONEY, TIMESTAMP, Schema, nullable, obj, ref
from bidbazaar.queries import DETAIL_BIDS


def column_schema(column: Column) -> Schema:
    """What a column's value looks like once models' serialisers and json_format render it."""
    kind = column.type
    if isinstance(kind, values.UTCDateTime):
        schema = TIMESTAMP
    elif isinstance(kind, Numeric):  # every Numeric column holds rupees
        schema = MONEY
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):
        is_reference = column.primary_key or bool(column.foreign_keys)
        # An id is at least 1; a reference that may be missing is documented as integer-or-null.
        schema = ID if is_reference and not column.nullable else {"type": "integer"}
    elif isinstance(kind, String):
        schema = {"type": "string"}
    elif isinstance(kind, JSON):  # e.g. a notification's data: its keys vary with its type
        schema = {"type": "object", "additionalProperties": True}
    else:
        raise TypeError(f"openapi has no JSON type for column {column} ({kind!r})")
    return nullable(schema) if column.nullable else schema


def columns_properties(
    model: type, keys: tuple[str, ...], extras: dict[str, Schema] | None = None
) -> dict[str, Schema]:
    """The properties of a body whose keys are these, each the model's column of that name
    unless `extras` gives its schema (a computed key, or one the column says too little about)."""
    extras = extras or {}
    columns = model.__table__.c
    properties = {}
    for key in keys:
        if key in extras:
            properties[key] = extras[key]
        elif key in columns:
            properties[key] = column_schema(columns[key])
        else:
            raise KeyError(
                f"{model.__name__}'s serialiser returns {key!r}, not a column: add its schema to VIEW_EXTRAS"
            )
    return properties


#: What the columns do not say: computed keys, and columns with a narrower meaning.
VIEW_EXTRAS: dict[str, dict[str, Schema]] = {
    "auction": {
        "category_name": column_schema(models.Category.__table__.c.name),
        "status": {"type": "string", "enum": list(models.AuctionStatus.ALL)},
        "bid_count": COUNT,
        "is_mine": {"type": "boolean", "description": "True when the viewer created this auction."},
    },
    "bid": {
        "status": {"type": "string", "enum": list(models.BidStatus.ALL)},
        "bidder": {"type": "string", "pattern": "^Bidder [0-9]+$", "description": "Stable pseudonym on this auction."},
        "is_mine": {"type": "boolean"},
        "auto": {"type": "boolean", "description": "Placed by the bidder's proxy bid, not by hand."},
        "username": column_schema(models.User.__table__.c.username),
    },
    "notification": {
        "type": {"type": "string", "description": "new_bid, outbid, auction_won, auction_lost, job_alert, ..."},
        "read": {"type": "boolean"},
    },
}

#: The keys of the auction part of a placed bid's body: built outside models.py, so named
#: here; the closed schema catches a drift.
BID_PLACED_AUCTION_KEYS = ("id", "lowest_bid", "bid_count", "deadline")


def serialised_keys() -> dict[str, tuple[str, ...]]:
    """The keys each serialiser returns, in its order, read by rendering blank objects.

    Transient objects (never added to a session): no database or app context is needed.
    """
    viewer = models.User(id=1)
    auction = models.Auction(created_by=2)
    bid = models.Bid(user_id=viewer.id, bidder=viewer)
    views: dict[str, dict[str, Any]] = {
        "user_public": viewer.to_public_dict(),
        "user_private": viewer.to_private_dict(),
        "category": models.Category().to_dict(),
        "auction": models.auction_summary(auction, "", None),
        "bid_public": models.bid_view(bid, None, auction),  # an anonymous watcher
        "bid_full": models.bid_view(bid, viewer, auction),  # its bidder
        "notification": models.Notification().to_dict(),
    }
    return {name: tuple(view) for name, view in views.items()}


CREDENTIALS = {
    "access_token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
    "token_type": {"type": "string", "const": "Bearer"},
    "expires_at": TIMESTAMP,
    "csrf_token": {"type": "string", "description": "Send as X-CSRFToken on unsafe cookie-session requests."},
}

PAGINATION = {
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    "total": COUNT,
    "pages": COUNT,
}


#: `details` of the error codes whose details are known, each a component named here: a typed
#: client reads `details.max_allowed` once it has narrowed the error by its `code`. The other
#: codes' details stay an open object (operations.error). TOO_MANY_ROOMS ({"limit"}) is answered
#: only over Socket.IO, which docs/realtime.md describes: no operation here could use it.
ERROR_DETAILS: dict[str, tuple[str, Schema]] = {
    "VALIDATION_ERROR": (
        "ValidationErrorDetails",
        {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "One message per bad field (`body` for the body as a whole).",
        },
    ),
    "BID_TOO_HIGH": (
        "BidTooHighDetails",
        obj(
            {
                "max_allowed": {**MONEY, "description": "The highest amount accepted now."},
                "amount": {**MONEY, "description": "The bid's amount (REST and place_bid)."},
                "lowest_bid": {**nullable(MONEY), "description": "The lowest active bid; null when none."},
                "min_decrement": {**MONEY, "description": "How far below the lowest bid a new one must go."},
                "floor": {**MONEY, "description": "The proxy's floor (PUT .../proxy and set_proxy)."},
            },
            ("amount", "lowest_bid", "min_decrement", "floor"),
        ),
    ),
    "CONFIRM_LOW_BID": (
        "ConfirmLowBidDetails",
        obj(
            {
                "amount": {**MONEY, "description": "The amount (or the proxy's floor) asked for."},
                "reference": {**MONEY, "description": "The typical bid it is compared with."},
                "ratio": {"type": "number", "description": "LOW_BID_RATIO: below ratio × reference needs confirming."},
            }
        ),
    ),
    "ALREADY_LOWEST": (
        "AlreadyLowestDetails",
        obj({"lowest_bid": {**MONEY, "description": "Your bid, already the lowest."}, "bid_id": ID}),
    ),
    "TOO_MANY_SEARCHES": (
        "TooManySearchesDetails",
        obj({"limit": {**COUNT, "description": "Saved searches one provider may keep."}}),
    ),
    "RATE_LIMITED": (
        "RateLimitedDetails",
        obj(
            {
                "retry_after": {**COUNT, "description": "Seconds to wait, as in the Retry-After header."},
                "limit": {"type": "string", "description": "The limit that was reached, e.g. `5 per 1 minute`."},
            },
            ("limit",),
        ),
    ),
}


def bid_placed_auction() -> Schema:
    """The auction part of POST /api/auctions/{id}/bids's 201 body."""
    return obj(columns_properties(models.Auction, BID_PLACED_AUCTION_KEYS))


def response_schemas() -> dict[str, Schema]:
    """The components that describe response bodies."""
    keys = serialised_keys()
    user_public = columns_properties(models.User, keys["user_public"])
    user_private = columns_properties(models.User, keys["user_private"])
    user_counts = {"auction_count": COUNT, "bid_count": COUNT}
    category = columns_properties(models.Category, keys["category"])
    auction = columns_properties(models.Auction, keys["auction"], VIEW_EXTRAS["auction"])
    bid_public = columns_properties(models.Bid, keys["bid_public"], VIEW_EXTRAS["bid"])
    # The bidder's view adds to the public one; listed after it, as the public keys come first.
    bid_full = {**bid_public, **columns_properties(models.Bid, keys["bid_full"], VIEW_EXTRAS["bid"])}
    # The creator's (and admins') view of each bid on their auction carries its provider's record.
    reputation = {"reputation": ref("ProviderReputation")}
    return {
        "ErrorCode": {
            "type": "string",
            "enum": list(STATUS_BY_CODE),
            "description": "Machine-readable error code; the HTTP status follows from it.",
        },
        "Error": obj(
            {
                "error": {"type": "string", "description": "Human-readable message."},
                "code": ref("ErrorCode"),
                "details": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per-field messages for VALIDATION_ERROR; rule data (e.g. max_allowed) otherwise. "
                    "Each operation's error responses name the details of the codes that have known ones "
                    "(ValidationErrorDetails, BidTooHighDetails, ...).",
                },
            },
            examples=[
                {"error": "Validation failed", "code": "VALIDATION_ERROR", "details": {"title": "Field is required."}}
            ],
        ),
        "UserPublic": obj(user_public, description="What anyone may see of a user: no email."),
        "UserPrivate": obj(user_private, description="What a user sees of itself."),
        "Profile": obj({**user_private, **user_counts, "unread_count": COUNT}),
        "PublicProfile": obj(
            {
                **user_public,
                "auction_count": user_counts["auction_count"],
                "reputation": nullable(ref("ProviderReputation")),
                "customer_trust": ref("CustomerTrust"),
            },
            description="No bid_count: nothing public may move when a user bids. `reputation` is the record of a "
            "provider (null for customers); `customer_trust` what providers weigh before bidding on their jobs.",
        ),
        "Category": obj(category),
        "CategoryNode": obj({**category, "subcategories": {"type": "array", "items": ref("CategoryNode")}}),
        "Auction": obj(auction, description="The listing view of an auction."),
        "AuctionDetail": obj(
            {
                **auction,
                "creator": ref("UserPublic"),
                "bids": {
                    "type": "array",
                    "items": ref("Bid"),
                    "maxItems": DETAIL_BIDS,
                    "description": f"The latest {DETAIL_BIDS} bids, newest first, under the privacy rules.",
                },
                "winning_bid": nullable(ref("Bid")),
                "server_time": TIMESTAMP,
                "seconds_remaining": COUNT,
                "last_seq": {"type": "integer", "minimum": 0, "description": "Seq of the auction's latest event."},
                "customer_trust": ref("CustomerTrust"),
                "booking": ref("Booking"),
                "my_proxy": {**nullable(ref("ProxyBid")), "description": "The viewer's own proxy; null for others."},
                "watching": {"type": "boolean", "description": "Whether the signed-in viewer watches it."},
                "cancel_reason": {
                    **nullable({"type": "string", "maxLength": values.CANCEL_REASON_MAX}),
                    "description": "Why its creator or an admin cancelled it, in their words; null otherwise.",
                },
                "my_standing": {
                    **nullable({"type": "string", "enum": [*STANDING_CHOICES, None]}),
                    "description": "A signed-in provider's standing, as GET /api/users/me/bids says it "
                    "(leading: its bid is the lowest); null before its first bid and for anyone else.",
                },
                "my_bidder": {
                    **nullable({"type": "string"}),
                    "description": 'The viewer\'s own pseudonym on this auction ("Bidder 3"); null before its '
                    "first bid and for anyone who is not a bidder.",
                },
                "max_allowed": {
                    **nullable(MONEY),
                    "description": "The highest amount the signed-in provider may bid now (the lowest bid minus "
                    "BID_MIN_DECREMENT, at most budget_max); null for anyone else, for the provider holding the "
                    "lowest bid and once the auction is closed.",
                },
            },
            ("customer_trust", "booking", "watching"),
            description="GET /api/auctions/{id}; the same JSON as the join_auction snapshot. `customer_trust` is "
            "shown to providers; `booking` (the chain's current one) to its two parties and admins; `watching` to "
            "any signed-in viewer.",
        ),
        "BidPublic": obj(bid_public, description="A competitor's or anonymous viewer's view of a bid."),
        "BidFull": obj(
            {**bid_full, **reputation},
            tuple(reputation),
            description="The bidder's own bid, or any bid as seen by the creator or an admin (with the "
            "provider's `reputation` for them).",
        ),
        "Bid": {"anyOf": [ref("BidPublic"), ref("BidFull")]},
        **{name: schema for name, schema in ERROR_DETAILS.values()},
        "Pagination": obj(PAGINATION),
        "Notification": obj(columns_properties(models.Notification, keys["notification"], VIEW_EXTRAS["notification"])),
    }
