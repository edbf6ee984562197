"""The JSON API under /api: each view validates with the forms, calls one service or query
function, and serialises the result. Errors are raised as DomainError (see errors.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text

from bidbazaar import accounts, mailer, queries, rate_limits, realtime, services
from bidbazaar.doors import admin_required, found_or_404, idempotency_key, keyed_created, viewer
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.forms import (
    AuctionForm,
    AuctionSearchForm,
    AwardForm,
    BidForm,
    CancelAuctionForm,
    CategoryForm,
    LoginForm,
    NotificationsReadForm,
    PageForm,
    ProfileForm,
    RegisterForm,
    parse_json_form,
    parse_query,
)
from bidbazaar.models import Category, User

api = Blueprint("api", __name__)


def paging(default_per_page: int = 20) -> tuple[int, int, dict[str, Any]]:
    query = parse_query(PageForm, request.args)
    return query["page"] or 1, queries.page_size(query["per_page"], default_per_page), query


# --------------------------------------------------------------------------- auth


@api.post("/auth/register")
@rate_limits.limit_registrations
def register() -> Any:
    data = parse_json_form(RegisterForm)
    user = accounts.register_user(**data)
    return jsonify({"message": "User registered successfully", "user": user.to_private_dict()}), 201


@api.post("/auth/login")
@rate_limits.limit_logins
def login() -> Any:
    data = parse_json_form(LoginForm)
    user = accounts.authenticate(data["username"], data["password"])
    credentials = accounts.start_session(user)
    return jsonify(
        {
            "message": "Login successful",
            "user": user.to_private_dict(),
            **credentials,
            "csrf_token": generate_csrf(),
        }
    )


@api.post("/auth/logout")
@login_required
def logout() -> Any:
    accounts.end_current_credential()
    return jsonify({"message": "Logout successful"})


@api.get("/auth/csrf")
def csrf_token() -> Any:
    return jsonify({"csrf_token": generate_csrf()})


# --------------------------------------------------------------------------- users


def profile_dict(user: User) -> dict[str, Any]:
    return {**user.to_private_dict(), **queries.user_counts(user), "unread_count": queries.unread_count(user)}


@api.get("/users/profile")
@login_required
def get_profile() -> Any:
    return jsonify({"user": profile_dict(current_user)})


@api.put("/users/profile")
@login_required
@rate_limits.limit_password_changes
def update_profile() -> Any:
    changes = parse_json_form(ProfileForm, partial=True)
    fresh = accounts.update_profile(current_user, changes)
    body: dict[str, Any] = {"message": "Profile updated", "user": profile_dict(current_user)}
    if fresh:
        body.update(fresh, csrf_token=generate_csrf())
    return jsonify(body)


@api.get("/users/<int:user_id>")
def public_profile(user_id: int) -> Any:
    user = found_or_404(User, user_id, "User")
    # No bid_count: a public number that moves when the user bids would tell an anonymous
    # watcher which account is "Bidder N". Auctions are public with their creator anyway.
    return jsonify({"user": queries.public_profile(user)})


@api.get("/users/<int:user_id>/reviews")
def user_reviews(user_id: int) -> Any:
    user = found_or_404(User, user_id, "User")
    page, per_page, _ = paging()
    result = queries.published_reviews(user.id, page, per_page)
    return jsonify({"reviews": [r.to_dict() for r in result.items], "pagination": result.pagination})


# --------------------------------------------------------------------------- auctions


@api.get("/auctions")
def list_auctions() -> Any:
    who = viewer()

    def read() -> queries.Page:
        return queries.auction_listing(parse_query(AuctionSearchForm, request.args), who)

    # An anonymous page is everyone's: served from memory while the catalogue stands still.
    page = queries.anonymous_listings().get(request.query_string, read) if who is None else read()
    return jsonify({"auctions": page.items, "pagination": page.pagination})


@api.post("/auctions")
@login_required
def create_auction() -> Any:
    data = parse_json_form(AuctionForm, rules=services.auction_field_problems)
    posted = services.create_auction(current_user, data, idempotency_key())
    return keyed_created({"message": "Auction created", "auction": posted.auction}, posted.replayed)


@api.get("/auctions/<int:auction_id>")
def get_auction(auction_id: int) -> Any:
    who = viewer()
    if who is None:  # everyone's detail: served from memory while the catalogue stands still
        return jsonify({"auction": queries.anonymous_detail(auction_id)})
    return jsonify({"auction": queries.auction_detail(queries.auction_or_404(auction_id), who)})


@api.put("/auctions/<int:auction_id>")
@login_required
def update_auction(auction_id: int) -> Any:
    current = queries.auction_or_404(auction_id)
    changes = parse_json_form(
        AuctionForm, partial=True, rules=lambda parsed: services.auction_field_problems(parsed, current=current)
    )
    if not changes:
        raise DomainError("VALIDATION_ERROR", "Validation failed", {"body": "Give at least one field to change."})
    auction = services.update_auction(current_user, auction_id, changes)
    return jsonify({"message": "Auction updated", "auction": auction.to_dict(current_user)})


@api.post("/auctions/<int:auction_id>/cancel")
@login_required
def cancel_auction(auction_id: int) -> Any:
    data = parse_json_form(CancelAuctionForm)
    auction = services.cancel_auction(current_user, auction_id, data.get("reason"))
    return jsonify({"message": "Auction cancelled", "auction": auction.to_dict(current_user)})


@api.post("/auctions/<int:auction_id>/award")
@login_required
def award_auction(auction_id: int) -> Any:
    data = parse_json_form(AwardForm)
    auction = services.award_auction(current_user, auction_id, data["bid_id"])
    return jsonify({"message": "Auction awarded", "auction": queries.auction_detail(auction, current_user)})


# --------------------------------------------------------------------------- bids


@api.get("/auctions/<int:auction_id>/bids")
def list_bids(auction_id: int) -> Any:
    auction = queries.auction_or_404(auction_id)
    page, per_page, _ = paging()
    result = queries.auction_bids(auction, page, per_page)
    return jsonify({"bids": [b.to_dict(viewer(), auction) for b in result.items], "pagination": result.pagination})


@api.post("/auctions/<int:auction_id>/bids")
@login_required
@rate_limits.limit_bids
def place_bid(auction_id: int) -> Any:
    data = parse_json_form(BidForm, rules=lambda parsed: services.bid_amount_problems(current_user, auction_id, parsed))
    placed = services.place_bid(current_user, auction_id, data, idempotency_key())
    body = {"message": "Bid placed successfully", "bid": placed.bid, "auction": placed.auction}
    return keyed_created(body, placed.replayed)


@api.delete("/auctions/<int:auction_id>/bids/<int:bid_id>")
@login_required
def withdraw_bid(auction_id: int, bid_id: int) -> Any:
    bid = services.withdraw_bid(current_user, auction_id, bid_id)
    return jsonify({"message": "Bid withdrawn", "bid": bid.to_dict(current_user, bid.auction)})


# --------------------------------------------------------------------------- event log


@api.get("/auctions/<int:auction_id>/events")
def list_events(auction_id: int) -> Any:
    auction = queries.auction_or_404(auction_id)
    page, per_page, _ = paging(default_per_page=50)
    events, result = queries.auction_events(auction, viewer(), page, per_page)
    return jsonify({"events": events, "pagination": result.pagination})


@api.get("/auctions/<int:auction_id>/events/verify")
def verify_events(auction_id: int) -> Any:
    auction = queries.auction_or_404(auction_id)
    return jsonify(services.verify_event_chain(auction.id))


# --------------------------------------------------------------------------- notifications


@api.get("/notifications")
@login_required
def list_notifications() -> Any:
    page, per_page, query = paging()
    result = queries.notifications(current_user, query["unread_only"] == "true", page, per_page)
    return jsonify(
        {
            "notifications": [n.to_dict() for n in result.items],
            "pagination": result.pagination,
            "unread_count": queries.unread_count(current_user),
        }
    )


@api.post("/notifications/read")
@login_required
def read_notifications() -> Any:
    data = parse_json_form(NotificationsReadForm)
    marked = services.mark_notifications_read(current_user, data["ids"], bool(data["all"]))
    return jsonify({"marked": marked, "unread_count": queries.unread_count(current_user)})


# --------------------------------------------------------------------------- categories


@api.get("/categories")
def list_categories() -> Any:
    query = parse_query(PageForm, request.args)
    return jsonify({"categories": queries.category_tree(flat=query["flat"] == "true")})


@api.post("/categories")
@admin_required
def create_category() -> Any:
    category = services.save_category(parse_json_form(CategoryForm))
    return jsonify({"message": "Category created", "category": category.to_dict()}), 201


@api.put("/categories/<int:category_id>")
@admin_required
def update_category(category_id: int) -> Any:
    category = found_or_404(Category, category_id, "Category")
    category = services.save_category(parse_json_form(CategoryForm, partial=True), category)
    return jsonify({"message": "Category updated", "category": category.to_dict()})


@api.delete("/categories/<int:category_id>")
@admin_required
def delete_category(category_id: int) -> Any:
    category = found_or_404(Category, category_id, "Category")
    services.delete_category(category)
    return jsonify({"message": "Category deleted"})


# --------------------------------------------------------------------------- health


@api.get("/health")
def health() -> Any:
    """`database` and `message_queue`: each `ok`, `down` or `not_configured`; `mail`:
    `smtp`, `file` or `not_configured` (the transport MAIL_URL names; never probed).

    Without the database nothing works: 503. Without the message queue bids still work
    and only live events between processes stop: `degraded`, still 200. Mail not
    configured loses nothing (the outbox keeps it) and does not degrade the status.
    """
    checks = {
        "database": database_status(),
        "message_queue": realtime.message_queue_status(current_app.config["SOCKETIO_MESSAGE_QUEUE"]),
        "mail": mailer.mail_status(current_app.config),
    }
    if checks["database"] != "ok":
        response = jsonify({"status": "unavailable", **checks})
        response.status_code = 503
        response.headers["Retry-After"] = "2"
        return response
    return jsonify({"status": "degraded" if checks["message_queue"] == "down" else "ok", **checks})


def database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        return "down"
    return "ok"
