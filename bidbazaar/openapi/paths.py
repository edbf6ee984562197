"""Every documented endpoint, keyed by its Flask endpoint name, in the document's order.

The route modules stay thin: what an endpoint answers, which body and query it reads and
which error codes are its own live here, next to one another. tests/test_openapi.py keeps
this table in step with app.url_map (every /api route, no phantom, operationIds).
"""

from __future__ import annotations

from bidbazaar import forms
from bidbazaar.openapi.account_email import account_email_operations
from bidbazaar.openapi.alerts import alert_operations
from bidbazaar.openapi.bookings import booking_operations
from bidbazaar.openapi.email_preferences import email_preference_operations
from bidbazaar.openapi.operations import ERROR_DESCRIPTIONS, RETRY_AFTER, Operation, page_of
from bidbazaar.openapi.proxies import proxy_operations
from bidbazaar.openapi.questions import question_operations
from bidbazaar.openapi.requests import described, page_query, query_parameters
from bidbazaar.openapi.responses import CREDENTIALS, bid_placed_auction
from bidbazaar.openapi.schemas import COUNT, MESSAGE, json_content, obj, ref
from bidbazaar.openapi.watching import watching_operations


def operations() -> dict[str, Operation]:
    """The documented endpoints: `render` turns each into its OpenAPI operation."""
    message = {"message": MESSAGE}
    bid_placed = {**message, "bid": ref("BidFull"), "auction": bid_placed_auction()}
    queue_state = {"enum": ["ok", "down", "not_configured"]}
    mail_state = {"enum": ["smtp", "file", "not_configured"]}
    health_ok = obj(
        {
            "status": {"enum": ["ok", "degraded"]},
            "database": {"const": "ok"},
            "message_queue": queue_state,
            "mail": mail_state,
        }
    )
    health_down = obj(
        {
            "status": {"const": "unavailable"},
            "database": {"const": "down"},
            "message_queue": queue_state,
            "mail": mail_state,
        }
    )
    return {
        # auth
        "api.register": Operation(
            "post", "/api/auth/register", "auth", "Create an account",
            (201, "Registered", {**message, "user": ref("UserPrivate")}),
            auth="none", body="RegisterRequest", codes=("USERNAME_TAKEN", "EMAIL_TAKEN"),
        ),
        "api.login": Operation(
            "post", "/api/auth/login", "auth",
            "Log in: a session cookie for browsers and a bearer token for everyone else",
            (200, "Logged in", {**message, "user": ref("UserPrivate"), **CREDENTIALS}),
            auth="none", body="LoginRequest", codes=("INVALID_CREDENTIALS", "ACCOUNT_DEACTIVATED", "RATE_LIMITED"),
            description="Unknown user and wrong password get the same 401 INVALID_CREDENTIALS; the right "
            "password to a deactivated account gets 403 ACCOUNT_DEACTIVATED (only then, so nothing is enumerated).",
        ),
        "api.logout": Operation(
            "post", "/api/auth/logout", "auth", "End this session, or revoke this bearer token",
            (200, "Logged out", message),
        ),
        "api.csrf_token": Operation(
            "get", "/api/auth/csrf", "auth", "A CSRF token for cookie-session writes",
            (200, "The token", {"csrf_token": {"type": "string"}}), auth="public",
        ),
        # users
        "api.get_profile": Operation(
            "get", "/api/users/profile", "users", "The current user's profile",
            (200, "The profile", {"user": ref("Profile")}),
        ),
        "api.update_profile": Operation(
            "put", "/api/users/profile", "users", "Change email, provider status or password",
            (200, "Updated; a password change also returns fresh credentials",
             {**message, "user": ref("Profile"), **CREDENTIALS}),
            body="ProfileUpdate", body_required=False, codes=("EMAIL_TAKEN",), optional=tuple(CREDENTIALS),
        ),
        "api.public_profile": Operation(
            "get", "/api/users/{user_id}", "users", "A user's public profile (no email)",
            (200, "The profile", {"user": ref("PublicProfile")}), auth="public",
        ),
        "api.user_reviews": Operation(
            "get", "/api/users/{user_id}/reviews", "reviews", "The reviews others wrote about a user",
            (200, "A page of published, visible reviews, newest first", page_of("reviews", "Review")),
            auth="public", query=page_query(),
        ),
        # auctions
        "api.list_auctions": Operation(
            "get", "/api/auctions", "auctions", "Search auctions",
            (200, "A page of auctions", page_of("auctions", "Auction")),
            auth="public",
            query=described(
                query_parameters(forms.AuctionSearchForm),
                q="A case-insensitive substring of the title, the description or the location.",
            ),
            description="`category` includes its subcategories; `location` matches a case-insensitive "
            "substring, `q` one of the title, description or location; `min_budget`/`max_budget` select budgets overlapping that range; `mine=true` needs a "
            "login (401 otherwise); `per_page` above 100 is clamped to 100.",
        ),
        "api.create_auction": Operation(
            "post", "/api/auctions", "auctions", "Post a job for providers to bid on",
            (201, "Created (or the replay of a keyed retry)", {**message, "auction": ref("Auction")}),
            body="AuctionCreate", idempotent=True, codes=("CONFLICT",),
        ),
        "api.get_auction": Operation(
            "get", "/api/auctions/{auction_id}", "auctions", "An auction with its latest bids",
            (200, "The auction", {"auction": ref("AuctionDetail")}), auth="public",
        ),
        "api.update_auction": Operation(
            "put", "/api/auctions/{auction_id}", "auctions", "Edit an active auction (its creator)",
            (200, "Updated", {**message, "auction": ref("Auction")}),
            body="AuctionUpdate", codes=("FORBIDDEN", "AUCTION_CLOSED", "AUCTION_LOCKED"),
        ),
        "api.cancel_auction": Operation(
            "post", "/api/auctions/{auction_id}/cancel", "auctions",
            "Cancel an active auction (its creator or an admin)",
            (200, "Cancelled", {**message, "auction": ref("Auction")}), codes=("FORBIDDEN", "AUCTION_CLOSED"),
            body="CancelAuctionRequest", body_required=False,
            description="An optional `reason` (up to 300 characters) is kept on the auction, shown to its "
            "bidders on the auction page and in their notification, and logged as the auction_cancelled "
            "event's `cancel_reason`.",
        ),
        "api.award_auction": Operation(
            "post", "/api/auctions/{auction_id}/award", "auctions",
            "Pick the winning bid (the creator, while active)",
            (200, "Completed", {**message, "auction": ref("AuctionDetail")}),
            body="AwardRequest", codes=("FORBIDDEN", "AUCTION_CLOSED", "CONFLICT"),
        ),
        # bids
        "api.list_bids": Operation(
            "get", "/api/auctions/{auction_id}/bids", "bids", "An auction's bids, newest first",
            (200, "A page of bids", page_of("bids", "Bid")), auth="public", query=page_query(),
            description="The creator and admins see every field; a bidder its own bids in full; everyone "
            "else amount, status, time and a pseudonym.",
        ),
        "api.place_bid": Operation(
            "post", "/api/auctions/{auction_id}/bids", "bids",
            "Offer to do the job for a lower price (service providers)",
            (201, "Accepted (or the replay of a keyed retry)", bid_placed),
            body="BidCreate", idempotent=True,
            codes=("NOT_A_PROVIDER", "PROVIDER_NOT_VERIFIED", "SELF_BID", "AUCTION_CLOSED", "ALREADY_LOWEST",
                   "BID_TOO_HIGH", "CONFIRM_LOW_BID", "CONFLICT"),
            description="BID_TOO_HIGH carries `lowest_bid`, `max_allowed` and `min_decrement` in `details`. "
            "CONFIRM_LOW_BID (`amount`, `reference`, `ratio`): the amount is below LOW_BID_RATIO × the median "
            "of the active bids (budget_min with fewer than three); send it again with `confirm_low: true`.",
        ),
        "api.withdraw_bid": Operation(
            "delete", "/api/auctions/{auction_id}/bids/{bid_id}", "bids",
            "Withdraw your active bid while the auction is active",
            (200, "Withdrawn (the bid is kept with status withdrawn)", {**message, "bid": ref("BidFull")}),
            codes=("FORBIDDEN", "AUCTION_CLOSED", "CONFLICT"),
        ),
        # event log
        "api.list_events": Operation(
            "get", "/api/auctions/{auction_id}/events", "events",
            "The auction's audit timeline, oldest first",
            (200, "A page of events", page_of("events", "AuctionEvent")), auth="public", query=page_query(),
        ),
        "api.verify_events": Operation(
            "get", "/api/auctions/{auction_id}/events/verify", "events",
            "Recompute the event log's hash chain",
            (200, "`broken_seq` is the first event whose hash does not match",
             {"valid": {"type": "boolean"}, "events": {"type": "integer", "minimum": 0},
              "broken_seq": {"type": "integer"}}),
            auth="public", optional=("broken_seq",),
        ),
        # notifications
        "api.list_notifications": Operation(
            "get", "/api/notifications", "notifications", "Your notifications, newest first",
            (200, "A page of notifications", page_of("notifications", "Notification", unread_count=COUNT)),
            query=page_query("unread_only"),
        ),
        "api.read_notifications": Operation(
            "post", "/api/notifications/read", "notifications", "Mark notifications read",
            (200, "How many were marked", {"marked": COUNT, "unread_count": COUNT}), body="NotificationsRead",
            codes=("NOT_FOUND",), description="An id that is not one of your notifications is a 404 and marks nothing.",
        ),
        # categories (admins write; a sibling with the same name is a 409 CONFLICT)
        "api.list_categories": Operation(
            "get", "/api/categories", "categories",
            "The category tree (or a flat list with flat=true)",
            (200, "The categories, by name", {"categories": {"anyOf": [
                {"type": "array", "items": ref("CategoryNode")}, {"type": "array", "items": ref("Category")}]}}),
            auth="public", query=query_parameters(forms.PageForm, ("flat",)),
        ),
        "api.create_category": Operation(
            "post", "/api/categories", "categories", "Create a category (admins)",
            (201, "Created", {**message, "category": ref("Category")}),
            body="CategoryCreate", codes=("FORBIDDEN", "CONFLICT"),
        ),
        "api.update_category": Operation(
            "put", "/api/categories/{category_id}", "categories",
            "Rename or move a category (admins)",
            (200, "Updated", {**message, "category": ref("Category")}),
            body="CategoryUpdate", body_required=False, codes=("FORBIDDEN", "CONFLICT"),
        ),
        "api.delete_category": Operation(
            "delete", "/api/categories/{category_id}", "categories",
            "Delete an unused category (admins)",
            (200, "Deleted", message), codes=("FORBIDDEN", "CONFLICT"),
            description="Refused with 409 CONFLICT while auctions or subcategories use it.",
        ),
        # bookings, reviews, repost (booking_routes)
        **booking_operations(),
        # proxy bids (proxy_routes)
        **proxy_operations(),
        # my bids and the watchlist (watch_routes)
        **watching_operations(),
        **question_operations(),  # public questions (question_routes)
        **alert_operations(),  # saved searches (alert_routes)
        **account_email_operations(),  # verify email, reset password (email_routes)
        **email_preference_operations(),  # email preferences (preference_routes)
        # meta
        "api.health": Operation(
            "get", "/api/health", "meta", "Liveness and database check",
            {
                "200": {"description": "Up", "content": json_content(health_ok)},
                "503": {
                    "description": ERROR_DESCRIPTIONS[503],
                    "headers": RETRY_AFTER,
                    "content": json_content({"anyOf": [health_down, ref("Error")]}),
                },
            },
            auth="public",
        ),
        "api_docs.openapi_document": Operation(
            "get", "/api/openapi.json", "meta", "This document",
            {"200": {"description": "OpenAPI 3.1", "content": json_content({"type": "object", "properties": {"openapi": {"type": "string"}}, "required": ["openapi"]})}},
            auth="public",
        ),
        "api_docs.api_docs": Operation(
            "get", "/api/docs", "meta", "Interactive documentation (Swagger UI, served offline)",
            {"200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}},
            auth="public",
        ),
    }  # fmt: skip
