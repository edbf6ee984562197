"""The auction event log's entries, one schema per event type.

An entry's `type` is also the Socket.IO event name its room frame is sent under, and the
frame's body is the entry's `payload` plus `auction_id`, `seq` and `server_time`
(services.ledger.broadcast builds the frame from the entry), so these payloads document
the live events too. `AuctionEvent` is the union, discriminated by `type`.
"""

from __future__ import annotations

from bidbazaar.booking_models import BookingStatus, Party
from bidbazaar.models import AuctionStatus
from bidbazaar.openapi.schemas import COUNT, ID, MONEY, TIMESTAMP, Schema, nullable, obj, ref
from bidbazaar.values import CANCEL_REASON_MAX

REASON = {"type": "string", "description": "Why the system, not the person named, made this change."}
BID = {**ref("Bid"), "description": "Under the bid privacy rules for the viewer (live frames: the public view)."}

#: Each event type's payload properties, and the ones an entry may leave out.
PAYLOADS: dict[str, tuple[dict[str, Schema], tuple[str, ...]]] = {
    "auction_created": ({"auction": ref("Auction")}, ()),
    "auction_updated": (
        {
            "auction": ref("Auction"),
            "changes": {
                "type": "object",
                "additionalProperties": True,
                "description": "The creator's edit: each changed field and its new value.",
            },
            "reason": {
                **REASON,
                "description": "After the award, why the job passed to another bid or ended unfilled "
                "(offer_declined, offer_lapsed, customer_choice, provider_deactivated, no_bids_left, "
                "customer_stopped, customer_deactivated).",
            },
            "status": {"type": "string", "enum": list(AuctionStatus.ALL)},
            "winning_bid": nullable(BID),
        },
        ("changes", "reason", "status", "winning_bid"),
    ),
    "auction_extended": ({"deadline": TIMESTAMP, "auction": ref("Auction")}, ()),
    "bid_placed": (
        {
            "bid": BID,
            "lowest_bid": MONEY,
            "bid_count": COUNT,
            "deadline": {**TIMESTAMP, "description": "The deadline after this bid (anti-sniping may follow)."},
            "auto": {"type": "boolean", "description": "Placed by the bidder's proxy bid."},
        },
        (),
    ),
    "bid_withdrawn": (
        {"bid_id": ID, "lowest_bid": nullable(MONEY), "bid_count": COUNT, "reason": REASON},
        ("reason",),
    ),
    "auction_reposted": ({"new_auction_id": ID}, ()),
    "question_answered": ({"question": ref("PublicQuestion")}, ()),
    "question_hidden": ({"question_id": ID}, ()),
}
CLOSING = (
    {"status": {"type": "string", "enum": list(AuctionStatus.ALL)}, "winning_bid": nullable(BID), "reason": REASON},
    ("reason",),
)
for closing in ("auction_awarded", "auction_closed"):
    PAYLOADS[closing] = CLOSING
PAYLOADS["auction_cancelled"] = (
    {
        **CLOSING[0],
        "cancel_reason": {
            **nullable({"type": "string", "maxLength": CANCEL_REASON_MAX}),
            "description": "Why its creator or an admin cancelled it, in their words; null when none was given.",
        },
    },
    CLOSING[1],
)
BOOKING_EVENTS = (
    "booking_offered",
    "booking_confirmed",
    "booking_declined",
    "booking_lapsed",
    "booking_withdrawn",
    "booking_cancelled",
    "booking_done",
    "booking_completed",
    "no_show_reported",
    "no_show_upheld",
)
BOOKING_STEP = (
    {
        "booking": obj(
            {
                "id": ID,
                "round": {"type": "integer", "minimum": 1},
                "status": {"type": "string", "enum": list(BookingStatus.ALL)},
                "bid_id": ID,
            },
            description="The booking's status only: no names, contact details or reasons.",
        ),
        "bid": BID,
        "by": {"type": "string", "enum": [Party.CUSTOMER, Party.PROVIDER, Party.SYSTEM, Party.ADMIN]},
    },
    (),
)
for step in BOOKING_EVENTS:
    PAYLOADS[step] = BOOKING_STEP

EVENT_TYPES = tuple(PAYLOADS)


def payload_name(event_type: str) -> str:
    """The component name of an event type's payload: bid_placed → BidPlacedPayload."""
    return "".join(part.capitalize() for part in event_type.split("_")) + "Payload"


def event_schemas() -> dict[str, Schema]:
    """AuctionEvent (the union of every entry), one payload component per type, PublicQuestion."""
    components: dict[str, Schema] = {}
    variants = []
    for event_type, (properties, optional) in PAYLOADS.items():
        components[payload_name(event_type)] = obj(properties, optional)
        variants.append(
            obj(
                {
                    "auction_id": ID,
                    "seq": {"type": "integer", "minimum": 1},
                    "type": {"type": "string", "const": event_type},
                    "payload": ref(payload_name(event_type)),
                    "created_at": TIMESTAMP,
                    "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
                title=event_type,
            )
        )
    components["AuctionEvent"] = {
        "oneOf": variants,
        "description": "One entry of the auction's hash-chained log. Its `type` is also the name of the "
        "Socket.IO room event that announced it, whose body is `payload` plus `auction_id`, `seq` and "
        "`server_time`.",
    }
    components["PublicQuestion"] = obj(
        {
            "id": ID,
            "auction_id": ID,
            "body": {"type": "string"},
            "answer": nullable({"type": "string"}),
            "answered": {"type": "boolean"},
            "created_at": TIMESTAMP,
            "answered_at": nullable(TIMESTAMP),
        },
        description="A question as the room and the log show it: contact details masked, never the asker.",
    )
    return components
