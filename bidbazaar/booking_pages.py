"""The pages after the award: my bookings, one booking with the buttons its viewer may
press now, a user's public profile with reviews, and posting an ended job again.

Each button is a POST form with CSRF that calls exactly one service function and flashes
the outcome (doors.run_action); the rules and their refusals live in services/.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.booking_models import BookingStatus, Party
from bidbazaar.doors import apply_errors, category_choices, form_values, found_or_404, run_action, safe_next
from bidbazaar.errors import DomainError
from bidbazaar.forms import (
    AuctionPageForm,
    BookingFilterForm,
    CancelBookingPageForm,
    ConfirmForm,
    DeclinePageForm,
    NoShowPageForm,
    ReofferPageForm,
    ReplyPageForm,
    ReviewPageForm,
)
from bidbazaar.models import Auction, User
from bidbazaar.values import utcnow

booking_pages = Blueprint("bookings", __name__)


@booking_pages.app_template_filter("time_left")
def format_time_left(seconds: int | None) -> str:
    """ "23h 10m" (or "2d 4h", "9m") for a deadline `seconds` away."""
    minutes = max(0, int(seconds or 0)) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


# --------------------------------------------------------------------------- reading


@booking_pages.get("/bookings")
@login_required
def bookings() -> Any:
    form = BookingFilterForm(formdata=request.args)
    valid = form.validate()
    status = form.status.data if valid else None
    page = (form.page.data or 1) if valid else 1
    result = queries.bookings_of(current_user, status or None, None, page, 20)
    return render_template("bookings.html", form=form, result=result, now=utcnow())


@booking_pages.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int) -> Any:
    return render_booking(booking_id)


def render_booking(booking_id: int, status: int = 200, **forms: Any) -> Any:
    booking = queries.booking_or_404(booking_id, current_user)
    role = booking.party_of(current_user)
    reviews = queries.booking_reviews(booking.id)
    mine = next((r for r in reviews if r.author_id == current_user.id), None)
    theirs = next((r for r in reviews if r.author_id != current_user.id), None)
    window_end = services.review_window_end(booking)
    now = utcnow()
    remaining, reputation = [], {}
    if role == Party.CUSTOMER and booking.status == BookingStatus.OFFERED:
        remaining = services.remaining_bids(booking.auction)
        reputation = queries.provider_reputation([bid.user_id for bid in remaining])
    latest = queries.latest_booking(booking.auction_id) if role == Party.CUSTOMER else None
    return render_template(
        "booking.html",
        booking=booking,
        role=role,
        now=now,
        seconds_left=booking.seconds_to_respond(now),
        reviews=reviews,
        mine=mine,
        theirs=theirs,
        window_end=window_end,
        can_review=booking.status == BookingStatus.COMPLETED and mine is None and window_end and now < window_end,
        remaining=remaining,
        reputation=reputation,
        latest=latest,
        can_repost=role == Party.CUSTOMER
        and services.repostable(booking.auction.status, latest.status if latest else None),
        action_form=ConfirmForm(formdata=None),
        decline_form=forms.get("decline_form") or DeclinePageForm(formdata=None),
        cancel_form=forms.get("cancel_form") or CancelBookingPageForm(formdata=None),
        no_show_form=forms.get("no_show_form") or NoShowPageForm(formdata=None),
        review_form=forms.get("review_form") or ReviewPageForm(formdata=None),
        reply_form=ReplyPageForm(formdata=None),
    ), status


@booking_pages.get("/users/<int:user_id>")
def user_profile(user_id: int) -> Any:
    user = found_or_404(User, user_id, "User")
    page = request.args.get("page", 1, type=int)
    reviews = queries.published_reviews(user.id, max(1, min(page or 1, 1_000_000)), 20)
    reputation = queries.provider_reputation([user.id]).get(user.id) if user.is_service_provider else None
    trust = None if user.is_service_provider else queries.customer_trust([user.id]).get(user.id)
    return render_template("user_profile.html", user=user, reputation=reputation, trust=trust, reviews=reviews)


# --------------------------------------------------------------------------- the buttons


def here(booking_id: int) -> str:
    return url_for("bookings.booking", booking_id=booking_id)


@booking_pages.post("/bookings/<int:booking_id>/confirm")
@login_required
def confirm(booking_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.confirm_booking(current_user, booking_id),
        "Confirmed: the job is yours. You can now see how to reach the customer.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/decline")
@login_required
def decline(booking_id: int) -> Any:
    form = DeclinePageForm()
    return run_action(
        form,
        lambda: services.decline_booking(current_user, booking_id, form.reason.data or None),
        "You declined the job; it passes to the next bid.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/done")
@login_required
def done(booking_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.mark_done(current_user, booking_id),
        "Marked done: the customer has been asked to complete the booking.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/complete")
@login_required
def complete(booking_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.complete_booking(current_user, booking_id),
        "Completed. You can now review the provider.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int) -> Any:
    form = CancelBookingPageForm()
    return run_action(
        form,
        lambda: services.cancel_booking(current_user, booking_id, form.reason.data),
        "Cancelled: the other side has been told.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/no-show")
@login_required
def no_show(booking_id: int) -> Any:
    form = NoShowPageForm()
    return run_action(
        form,
        lambda: services.report_no_show(current_user, booking_id, form.note.data or None),
        "Reported: an admin will decide and tell you both.",
        here(booking_id),
    )


@booking_pages.post("/bookings/<int:booking_id>/reoffer")
@login_required
def reoffer(booking_id: int) -> Any:
    form = ReofferPageForm()
    if not form.validate_on_submit():
        flash("Pick one of the remaining bids.", "error")
        return redirect(here(booking_id))
    try:
        following = services.reoffer_booking(current_user, booking_id, form.bid_id.data)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(here(booking_id))
    flash("Offered to the bid you picked: its provider has been asked to confirm.", "success")
    return redirect(here(following.id))


@booking_pages.post("/bookings/<int:booking_id>/review")
@login_required
def review(booking_id: int) -> Any:
    form = ReviewPageForm()
    return run_action(
        form,
        lambda: services.write_review(current_user, booking_id, form.rating.data, form.comment.data or None),
        "Thank you: your review is published once the other side has written theirs or the window ends.",
        here(booking_id),
    )


@booking_pages.post("/reviews/<int:review_id>/reply")
@login_required
def reply(review_id: int) -> Any:
    form = ReplyPageForm()
    target = safe_back(request.form.get("next"))
    return run_action(
        form,
        lambda: services.reply_to_review(current_user, review_id, form.reply.data),
        "Your reply is public.",
        target,
    )


def safe_back(target: str | None) -> str:
    """Where a reply form came from (its page sends its own path), else my bookings."""
    return safe_next(target) if target else url_for("bookings.bookings")


# --------------------------------------------------------------------------- posting again


@booking_pages.route("/auctions/<int:auction_id>/repost", methods=["GET", "POST"])
@login_required
def repost(auction_id: int) -> Any:
    old = found_or_404(Auction, auction_id, "Auction")
    if old.created_by != current_user.id:
        raise DomainError("FORBIDDEN", "Only the auction's creator can post it again")
    form = AuctionPageForm(obj=old) if request.method == "GET" else AuctionPageForm()
    form.category_id.choices = category_choices("Choose a category")
    if request.method == "GET":
        form.deadline.data = None  # the old deadline has passed: pick a new one
    refused = False
    if form.validate_on_submit():
        try:
            posted = services.repost_auction(current_user, auction_id, form_values(form))
        except DomainError as exc:
            apply_errors(form, exc)
            refused = True
        else:
            flash("Your job is posted again: providers can bid now.", "success")
            return redirect(url_for("pages.auction", auction_id=posted.auction_id))
    return render_template("auction_new.html", form=form, repost_of=old), 400 if form.errors or refused else 200
