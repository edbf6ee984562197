"""The reverse-auction rules. Each rule is one function; REST, Socket.IO, the HTML forms and
the CLI all call these (as `services.place_bid`, ...) and only translate inputs and results.

By concern, highest first (a module imports only those below it; pyproject checks it):
    deactivation   what deactivating an account takes away (`services.deactivation`)
    bids           place a bid (the reverse-auction rule, anti-sniping), withdraw one
    auctions       post, edit, cancel, award and close an auction | categories: the taxonomy
    locks          the row locks, in one order | notifications | ledger: the event log and
                   its hash chain, room frames after the commit, idempotency receipts

Services return domain results (an Auction, a Bid, a PlacedBid, a PostedAuction), never an
HTTP answer: each door renders its own (REST JSON and status, socket ack, page redirect).
"""

from bidbazaar.services.auctions import (
    PostedAuction,
    award_auction,
    cancel_auction,
    close_expired_auctions,
    close_if_expired,
    create_auction,
    update_auction,
)
from bidbazaar.services.bids import PlacedBid, place_bid, withdraw_bid
from bidbazaar.services.categories import delete_category, save_category
from bidbazaar.services.ledger import redact_event, verify_event_chain
from bidbazaar.services.notifications import mark_notifications_read

__all__ = [
    "PlacedBid",
    "PostedAuction",
    "award_auction",
    "cancel_auction",
    "close_expired_auctions",
    "close_if_expired",
    "create_auction",
    "delete_category",
    "mark_notifications_read",
    "place_bid",
    "redact_event",
    "save_category",
    "update_auction",
    "verify_event_chain",
    "withdraw_bid",
]
