"""Server-rendered pages: each view takes a form, makes one service or query call and
renders a template. The rules live in services/ and accounts.py; a DomainError they
raise comes back next to the field it is about, or as a flashed message."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from bidbazaar import accounts, queries, rate_limits, services
from bidbazaar.doors import (
    apply_errors,
    cancel_auction_action,
    category_choices,
    category_options,
    form_values,
    run_action,
    safe_next,
    validate_with_rules,
    viewer,
)
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.forms import (
    AUCTION_STATUS_LABELS,
    PAGE_TIMEZONE,
    AuctionListPageForm,
    AuctionPageForm,
    AwardForm,
    BidPageForm,
    ConfirmForm,
    LoginForm,
    NotificationsReadForm,
    PageForm,
    ProfileForm,
    ProxyPageForm,
    RegisterPageForm,
)
from bidbazaar.json_format import render_json_value
from bidbazaar.question_board import question_board
from bidbazaar.values import format_inr, utcnow

pages = Blueprint("pages", __name__)


# --------------------------------------------------------------------------- template helpers


pages.add_app_template_filter(format_inr, "inr")
pages.add_app_template_global(AUCTION_STATUS_LABELS, "auction_status_labels")
pages.add_app_template_global(utcnow, "utcnow")  # for macros, which see no request context


@pages.app_template_filter("ist")
def format_ist(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    return value.astimezone(PAGE_TIMEZONE).strftime(fmt) + " IST" if value else "—"


@pages.app_template_filter("iso")
def format_iso(value: datetime | None) -> str:
    return render_json_value(value) if value else ""


@pages.app_template_filter("duration")
def format_duration(seconds: int | None) -> str:
    """The countdown's text (static/js/live.js writes the same format)."""
    seconds = max(0, int(seconds or 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


@pages.app_template_global()
def page_url(page: int) -> str:
    """This page's URL with its query string, at another page number."""
    args = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "pages.index", **(request.view_args or {}), **args)


@pages.app_context_processor
def layout_context() -> dict[str, Any]:
    unread = 0
    if current_user.is_authenticated:
        try:
            unread = queries.unread_count(current_user)
        except SQLAlchemyError:  # the error page for a database outage must still render
            db.session.rollback()
    return {"unread_count": unread, "server_now": utcnow()}


# --------------------------------------------------------------------------- home and accounts


@pages.get("/")
def index() -> Any:
    latest = queries.search_auctions({"status": "active", "per_page": 6}, viewer())
    return render_template("index.html", stats=queries.platform_stats(), auctions=latest.items)


@pages.route("/register", methods=["GET", "POST"])
@rate_limits.limit_registrations
def register() -> Any:
    form = RegisterPageForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(
                form.username.data, form.email.data, form.password.data, form.is_service_provider.data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            accounts.start_session(user, with_api_token=False)  # registered means signed in
            flash(f"Welcome to Bid Bazaar, {user.username}.", "success")
            return redirect(url_for("pages.index"))
    return render_template("register.html", form=form), 400 if form.errors else 200


@pages.route("/login", methods=["GET", "POST"])
@rate_limits.limit_logins
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except DomainError as exc:
            form.password.errors.append(exc.message)
            status = 403 if exc.code == "ACCOUNT_DEACTIVATED" else 400
        else:
            accounts.start_session(user, with_api_token=False)  # a page shows no token
            flash(f"Welcome back, {user.username}.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", form=form), 400 if form.errors and status == 200 else status


@pages.post("/logout")
def logout() -> Any:
    if current_user.is_authenticated:
        accounts.end_current_credential()
    flash("You have been logged out.", "info")
    return redirect(url_for("pages.index"))


@pages.route("/profile", methods=["GET", "POST"])
@login_required
@rate_limits.limit_password_changes
def profile() -> Any:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, form_values(form), with_api_token=False)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Profile saved.", "success")
            return redirect(url_for("pages.profile"))
    return render_template("profile.html", form=form), 400 if form.errors else 200


# --------------------------------------------------------------------------- auctions


@pages.get("/auctions")
def auctions() -> Any:
    form = AuctionListPageForm(formdata=request.args)
    result = queries.search_auctions(form.filters(), viewer()) if form.validate() else None
    categories = category_options()
    # The switch between open and all auctions keeps the other filters, from page 1.
    switched = {name: value for name, value in request.args.items() if name not in ("closed", "page")}
    if not form.shows_closed:
        switched["closed"] = "true"
    return render_template(
        "auctions.html",
        form=form,
        result=result,
        categories=categories,
        filters_summary=form.summary(dict(categories)),
        closed_switch_url=url_for("pages.auctions", **switched),
    )


@pages.route("/auctions/new", methods=["GET", "POST"])
@login_required
def new_auction() -> Any:
    form = AuctionPageForm()
    form.category_id.choices = category_choices("Choose a category")
    if validate_with_rules(form, services.auction_field_problems):
        try:
            posted = services.create_auction(current_user, form_values(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Your job is posted: providers can bid now.", "success")
            return redirect(url_for("pages.auction", auction_id=posted.auction_id))
    return render_template("auction_new.html", form=form), 400 if form.errors else 200


@pages.get("/auctions/<int:auction_id>")
def auction(auction_id: int) -> Any:
    return render_auction(auction_id)


def render_auction(
    auction_id: int, bid_form: BidPageForm | None = None, status: int = 200, low_bid: str | None = None
) -> Any:
    detail = queries.auction_detail(queries.auction_or_404(auction_id), viewer())
    return render_template(
        "auction.html",
        auction=detail,
        after_award=queries.auction_booking_view(detail, viewer()),
        bid_form=bid_form or BidPageForm(formdata=None),
        action_form=ConfirmForm(formdata=None),
        proxy_box={"form": ProxyPageForm(formdata=None), "low_bid": low_bid},  # templates/_proxy.html
        questions=question_board(queries.auction_or_404(auction_id), viewer()),
    ), status


def low_bid_question(details: dict[str, Any]) -> str:
    """CONFIRM_LOW_BID's figures as the page's confirm step asks them, in rupees."""
    ratio = Decimal(str(details["ratio"]))
    share = "half" if ratio == Decimal("0.5") else f"{ratio * 100:g}%"
    return (
        f"{format_inr(details['amount'])} is less than {share} of the typical bid "
        f"({format_inr(details['reference'])}). Place it anyway?"
    )


def keep_bid_when_signed_out(view: Any) -> Any:
    """login_required for the bid form, without losing the bid: when the session ended
    elsewhere, a 401 page shows the form again with what was typed and a login link back to
    the auction page (never to this POST-only URL). http_guards lets this one request through
    its CSRF check when nobody is signed in: the answer changes nothing."""

    @wraps(view)
    def checked(auction_id: int) -> Any:
        if current_user.is_authenticated:
            return view(auction_id)
        rate_limits.charge_signed_out()
        detail = queries.auction_detail(queries.auction_or_404(auction_id), None)
        form = BidPageForm(meta={"csrf": False})  # what was typed, as typed; not validated
        login_url = url_for("pages.login", next=url_for("pages.auction", auction_id=auction_id))
        return render_template("bid_signed_out.html", auction=detail, bid_form=form, login_url=login_url), 401

    return checked


@pages.post("/auctions/<int:auction_id>/bids")
@keep_bid_when_signed_out
@rate_limits.limit_bids
def place_bid(auction_id: int) -> Any:
    form = BidPageForm()
    low_bid = None
    if validate_with_rules(form, lambda parsed: services.bid_amount_problems(current_user, auction_id, parsed)):
        data = form_values(form)
        floor = data.pop("proxy_floor")
        try:
            services.place_bid(current_user, auction_id, data, proxy_floor=floor)
        except DomainError as exc:
            if exc.code == "CONFIRM_LOW_BID":
                low_bid = low_bid_question(exc.details)  # the confirm step, with what was typed
            else:
                apply_errors(form, exc, field="amount")
        else:
            flash("Your bid is in. We will tell you if someone undercuts it.", "success")
            return redirect(url_for("pages.auction", auction_id=auction_id))
    return render_auction(auction_id, bid_form=form, status=409 if low_bid else 400, low_bid=low_bid)


@pages.post("/auctions/<int:auction_id>/bids/<int:bid_id>/withdraw")
@login_required
def withdraw_bid(auction_id: int, bid_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.withdraw_bid(current_user, auction_id, bid_id),
        "Your bid was withdrawn.",
        url_for("pages.auction", auction_id=auction_id),
    )


@pages.post("/auctions/<int:auction_id>/award")
@login_required
def award_auction(auction_id: int) -> Any:
    form = AwardForm()
    return run_action(
        form,
        lambda: services.award_auction(current_user, auction_id, form.bid_id.data),
        "Awarded: the provider has been told.",
        url_for("pages.auction", auction_id=auction_id),
    )


@pages.post("/auctions/<int:auction_id>/cancel")
@login_required
def cancel_auction(auction_id: int) -> Any:
    return cancel_auction_action(auction_id, url_for("pages.auction", auction_id=auction_id))


# --------------------------------------------------------------------------- notifications


@pages.get("/notifications")
@login_required
def notifications() -> Any:
    form = PageForm(formdata=request.args)
    page = (form.page.data or 1) if form.validate() else 1
    result = queries.notifications(current_user, form.unread_only.data == "true", page, 20)
    return render_template("notifications.html", result=result, read_form=NotificationsReadForm(formdata=None))


@pages.post("/notifications/read")
@login_required
def read_notifications() -> Any:
    form = NotificationsReadForm()
    return run_action(
        form,
        lambda: services.mark_notifications_read(current_user, form.ids.data, bool(form.all.data)),
        "Marked as read.",
        url_for("pages.notifications"),
    )
