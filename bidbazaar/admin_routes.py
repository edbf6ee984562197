"""The admin console under /admin: `is_admin` only (others get 403, anonymous users the login
page). Like the other pages, each view is a form, one accounts/services/queries call and a
template; deactivation goes through accounts, so the user's sessions and tokens end at once
and its bids and open auctions go with them (the users page says so before confirming).

After the award (issue 14): the bookings list, the no-show queue with its decide buttons,
the bookings whose party was deactivated, and review moderation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bidbazaar import accounts, queries, services
from bidbazaar.doors import (
    apply_errors,
    cancel_auction_action,
    category_choices,
    category_options,
    form_values,
    found_or_404,
    require_admin,
    run_action,
    safe_next,
)
from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.forms import AuctionSearchForm, CategoryPageForm, ConfirmForm
from bidbazaar.forms.admin_forms import (
    AdminBookingsForm,
    AdminCancelAuctionForm,
    AdminReviewsForm,
    AdminUsersForm,
    DecideNoShowForm,
    HideReviewPageForm,
)
from bidbazaar.models import Category, User
from bidbazaar.queries import outbox as outbox_views
from bidbazaar.services import deactivation
from bidbazaar.values import format_grouped, nice_ticks

admin = Blueprint("admin", __name__, url_prefix="/admin")
# The charts' numbers: 12,34,567 (Indian grouping) and round axis ticks.
admin.add_app_template_filter(format_grouped, "grouped")
admin.add_app_template_global(nice_ticks, "nice_ticks")

#: The dashboard's period: its daily charts and the figures counted over them (IST days).
DASHBOARD_DAYS = 30

#: POST /admin/users/<id>/<action>: what it does and what the admin is told.
USER_ACTIONS: dict[str, tuple[Callable[[User], object], str]] = {
    "verify": (lambda user: accounts.set_provider_verified(user, True), "{} is now a verified provider."),
    "unverify": (lambda user: accounts.set_provider_verified(user, False), "{} is no longer verified."),
    "deactivate": (
        lambda user: accounts.admin_set_active(current_user, user, False),
        "{} was deactivated: every session and token ended, active bids were withdrawn and open auctions cancelled.",
    ),
    "reactivate": (lambda user: accounts.admin_set_active(current_user, user, True), "{} was reactivated."),
}


@admin.before_request
def admins_only() -> Any:
    return require_admin("This page is for administrators only.")


# --------------------------------------------------------------------------- dashboard


def _by_day(series: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A daily series as chart points: ("29 Nov", value, ...)."""
    return [(day.strftime("%d %b"), *values) for day, *values in series]


@admin.get("/")
def dashboard() -> Any:
    bids = queries.bids_per_day(DASHBOARD_DAYS)
    signups = queries.signups_per_day(DASHBOARD_DAYS)
    outcomes = queries.outcomes_per_day(DASHBOARD_DAYS)
    period = {
        "awarded": sum(row[1] for row in outcomes),
        "unawarded": sum(row[2] for row in outcomes),
        "signups": sum(row[1] for row in signups),
        "value_awarded": queries.value_awarded_since(DASHBOARD_DAYS),
        "closing_unbid": queries.closing_unbid_count(),
    }
    return render_template(
        "admin/dashboard.html",
        counts=queries.admin_counts(),
        days=DASHBOARD_DAYS,
        period=period,
        per_day=_by_day(bids),
        signups=_by_day(signups),
        outcomes=_by_day(outcomes),
        by_status=queries.auctions_by_status(),
        bookings=queries.booking_figures(),
        attention=queries.count_needing_attention(),
        failed_emails=outbox_views.failed_count(),
    )


# --------------------------------------------------------------------------- users


@admin.get("/users")
def users() -> Any:
    form = AdminUsersForm(formdata=request.args)
    f = form
    result = (
        queries.search_admin_users(f.q.data, f.role.data, f.state.data, f.sort.data, f.dir.data, f.page.data or 1)
        if form.validate()
        else None
    )
    # What each Deactivate button will take away, for its confirmation.
    stakes = deactivation.stakes_of([u.id for u in result.items if u.is_active]) if result else {}
    return render_template("admin/users.html", form=form, result=result, stakes=stakes)


@admin.get("/users/<int:user_id>")
def user(user_id: int) -> Any:
    found = found_or_404(User, user_id, "User")
    stakes = deactivation.stakes_of([found.id]) if found.is_active else {}
    return render_template("admin/user.html", user=found, detail=queries.admin_user_detail(found), stakes=stakes)


@admin.post("/users/<int:user_id>/<any(verify, unverify, deactivate, reactivate):action>")
def user_action(user_id: int, action: str) -> Any:
    user = found_or_404(User, user_id, "User")
    change, message = USER_ACTIONS[action]
    return run_action(
        ConfirmForm(),
        lambda: change(user),
        message.format(user.username),
        safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.users"),
    )


# --------------------------------------------------------------------------- auctions


@admin.get("/auctions")
def auctions() -> Any:
    form = AuctionSearchForm(formdata=request.args)
    result = queries.search_auctions(form.data, current_user) if form.validate() else None
    return render_template("admin/auctions.html", form=form, result=result, categories=category_options())


@admin.get("/auctions/closing-unbid")
def closing_unbid() -> Any:
    """The open auctions closing within 24 hours with no bid yet, soonest first."""
    page = request.args.get("page", 1, type=int)
    result = queries.closing_unbid(max(min(page, 1_000_000), 1))
    return render_template("admin/closing_unbid.html", result=result)


@admin.get("/auctions/<int:auction_id>")
def auction(auction_id: int) -> Any:
    found = queries.auction_or_404(auction_id)
    return render_template(
        "admin/auction.html",
        auction=queries.auction_detail(found, current_user),
        history=queries.bid_history(found),
        questions=queries.auction_questions(found, current_user),
        cancel_form=AdminCancelAuctionForm(formdata=None),
    )


@admin.post("/questions/<int:question_id>/hide")
def hide_question(question_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.hide_question(current_user, question_id),
        f"Question #{question_id} hidden: kept, no longer shown in public.",
        safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.dashboard"),
    )


@admin.post("/auctions/<int:auction_id>/cancel")
def cancel_auction(auction_id: int) -> Any:
    return cancel_auction_action(auction_id, url_for("admin.auction", auction_id=auction_id), AdminCancelAuctionForm())


# --------------------------------------------------------------------------- bookings


@admin.get("/bookings")
def bookings() -> Any:
    form = AdminBookingsForm(formdata=request.args)
    result = (
        queries.search_bookings(form.status.data, form.q.data, form.auction_id.data, form.page.data or 1)
        if form.validate()
        else None
    )
    return render_template("admin/bookings.html", form=form, result=result), 200 if result is not None else 400


@admin.get("/bookings/attention")
def bookings_attention() -> Any:
    return render_template("admin/bookings_attention.html", bookings=queries.bookings_needing_attention())


@admin.get("/no-shows")
def no_shows() -> Any:
    return render_template("admin/no_shows.html", queue=queries.no_show_queue(), form=DecideNoShowForm())


#: POST /admin/bookings/<id>/<decision>: upheld?, and what the admin is told.
NO_SHOW_DECISIONS = {
    "uphold": (True, "No-show upheld on booking #{}: it counts against the provider."),
    "reject": (False, "No-show report on booking #{} rejected: the booking is completed."),
}


@admin.post("/bookings/<int:booking_id>/<any(uphold, reject):decision>")
def decide_no_show(booking_id: int, decision: str) -> Any:
    upheld, message = NO_SHOW_DECISIONS[decision]
    form = DecideNoShowForm()
    return run_action(
        form,
        lambda: services.decide_no_show(current_user, booking_id, upheld, form.note.data or None),
        message.format(booking_id),
        url_for("admin.no_shows"),
    )


# --------------------------------------------------------------------------- reviews


@admin.get("/reviews")
def reviews() -> Any:
    form = AdminReviewsForm(formdata=request.args)
    result = (
        queries.search_reviews(form.state.data, form.rating.data, form.q.data, form.page.data or 1)
        if form.validate()
        else None
    )
    return render_template("admin/reviews.html", form=form, result=result, hide_form=HideReviewPageForm()), (
        200 if result is not None else 400
    )


@admin.post("/reviews/<int:review_id>/hide")
def hide_review(review_id: int) -> Any:
    form = HideReviewPageForm()
    return run_action(
        form,
        lambda: services.hide_review(current_user, review_id, form.reason.data),
        f"Review #{review_id} hidden: kept with your reason, no longer shown in public.",
        safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.reviews"),
    )


# --------------------------------------------------------------------------- categories


@admin.route("/categories", methods=["GET", "POST"])
def categories() -> Any:
    form = CategoryPageForm()
    form.parent_id.choices = category_choices("— none (top level) —")
    if form.validate_on_submit():
        try:
            created = services.save_category(form_values(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Category “{created.name}” created.", "success")
            return redirect(url_for("admin.categories"))
    return render_template(
        "admin/categories.html", form=form, tree=queries.category_tree(), usage=queries.category_usage()
    ), 400 if form.errors else 200


@admin.route("/categories/<int:category_id>", methods=["GET", "POST"])
def edit_category(category_id: int) -> Any:
    category = found_or_404(Category, category_id, "Category")
    form = CategoryPageForm(obj=category)
    form.parent_id.choices = category_choices("— none (top level) —")
    if form.validate_on_submit():
        try:
            services.save_category(form_values(form), category)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(f"Category “{category.name}” saved.", "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category_edit.html", form=form, category=category), 400 if form.errors else 200


@admin.post("/categories/<int:category_id>/delete")
def delete_category(category_id: int) -> Any:
    category = found_or_404(Category, category_id, "Category")
    name = category.name
    return run_action(
        ConfirmForm(),
        lambda: services.delete_category(category),
        f"Category “{name}” deleted.",
        url_for("admin.categories"),
    )
