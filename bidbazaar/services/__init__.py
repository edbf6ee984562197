"""The reverse-auction rules. Each rule is one function; REST, Socket.IO, the HTML forms and
the CLI all call these (as `services.place_bid`, ...) and only translate inputs and results.

By concern, highest first (a module imports only those below it; pyproject checks it):
    deactivation   what deactivating an account takes away (`services.deactivation`)
    bids           place a bid (the reverse-auction rule, anti-sniping), withdraw one
    proxies        proxy bids: a private floor, and the resolver that undercuts down to it
    bidding        accept one bid, manual or auto: amount, low-bid check, row, log, notices
    questions      public questions before bidding: ask, answer once, hide (admins)
    sweeps         the timed transitions after the award (lapse, auto-complete, publish reviews)
    reposts        post an ended job again, once
    auctions       post, edit, cancel, award and close an auction | categories: the taxonomy
    fulfilment     a confirmed booking: done, complete, cancel, no-show | reviews: double-blind
    bookings       offers after the award: confirm, decline, lapse, pass down the bids
    | watching     watch an auction; its one ending_soon notice per deadline window
    alerts         providers' saved searches; job alerts for each new auction, once
    locks          the row locks, in one order | notifications | ledger: the event log and
                   its hash chain, room frames after the commit, idempotency receipts
    account_tokens single-use emailed links (verify, reset); the verified-email gate
    email_preferences  each user's email mode per type, one-click unsubscribe | digests: the daily digest
    mail_delivery  the outbox's sending states: claim, sent, failed/backoff, admin retry
    outbox         email rows written in the caller's transaction

Services return domain results (an Auction, a Bid, a PlacedBid, a PostedAuction), never an
HTTP answer: each door renders its own (REST JSON and status, socket ack, page redirect).
"""

from bidbazaar import provider_models  # noqa: F401  (its tables, until a rule here imports them)
from bidbazaar.services.alerts import (
    create_saved_search,
    delete_saved_search,
    match_job_alerts,
    match_pending_job_alerts,
    update_saved_search,
)
from bidbazaar.services.auctions import (
    AUCTION_FIELDS,
    EDITABLE_AFTER_FIRST_BID,
    PostedAuction,
    auction_field_problems,
    award_auction,
    cancel_auction,
    close_expired_auctions,
    close_if_expired,
    closed_error,
    create_auction,
    update_auction,
)
from bidbazaar.services.bidding import bid_amount_problems
from bidbazaar.services.bids import PlacedBid, place_bid, withdraw_bid
from bidbazaar.services.bookings import confirm_booking, decline_booking, remaining_bids, reoffer_booking
from bidbazaar.services.categories import delete_category, save_category
from bidbazaar.services.digests import compose_due_digests
from bidbazaar.services.email_preferences import (
    Unsubscribed,
    preference_table,
    preferences_of,
    read_unsubscribe_token,
    scope_label,
    set_preferences,
    unsubscribe,
    unsubscribe_url,
)
from bidbazaar.services.fulfilment import cancel_booking, complete_booking, decide_no_show, mark_done, report_no_show
from bidbazaar.services.ledger import redact_event, verify_event_chain
from bidbazaar.services.notifications import mark_notifications_read
from bidbazaar.services.proxies import ProxySet, cancel_proxy, set_proxy
from bidbazaar.services.questions import answer_question, ask_question, hide_question
from bidbazaar.services.reposts import repost_auction, repostable
from bidbazaar.services.reviews import hide_review, reply_to_review, review_window_end, write_review
from bidbazaar.services.sweeps import Swept, sweep_bookings
from bidbazaar.services.watching import send_ending_soon, unwatch_auction, watch_auction

__all__ = [
    "AUCTION_FIELDS",
    "EDITABLE_AFTER_FIRST_BID",
    "PlacedBid",
    "PostedAuction",
    "ProxySet",
    "Swept",
    "Unsubscribed",
    "answer_question",
    "ask_question",
    "auction_field_problems",
    "award_auction",
    "bid_amount_problems",
    "cancel_auction",
    "cancel_booking",
    "cancel_proxy",
    "close_expired_auctions",
    "close_if_expired",
    "closed_error",
    "complete_booking",
    "compose_due_digests",
    "confirm_booking",
    "create_auction",
    "create_saved_search",
    "decide_no_show",
    "decline_booking",
    "delete_category",
    "delete_saved_search",
    "hide_question",
    "hide_review",
    "mark_done",
    "mark_notifications_read",
    "match_job_alerts",
    "match_pending_job_alerts",
    "place_bid",
    "preference_table",
    "preferences_of",
    "read_unsubscribe_token",
    "redact_event",
    "remaining_bids",
    "reoffer_booking",
    "reply_to_review",
    "report_no_show",
    "repost_auction",
    "repostable",
    "review_window_end",
    "save_category",
    "scope_label",
    "send_ending_soon",
    "set_preferences",
    "set_proxy",
    "sweep_bookings",
    "unsubscribe",
    "unsubscribe_url",
    "unwatch_auction",
    "update_auction",
    "update_saved_search",
    "verify_event_chain",
    "watch_auction",
    "withdraw_bid",
    "write_review",
]
