"""The creator's edit page of an auction (/auctions/<id>/edit): a page door over the very
service the API's PUT /api/auctions/<id> calls (services.update_auction), so the rules are
the same: before the first bid every field may change; after it only a later deadline and
the requirements (the others are shown disabled, with why). Every problem is shown at once
under its field (doors.validate_with_rules with services.auction_field_problems).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from bidbazaar import queries, services
from bidbazaar.doors import apply_errors, category_choices, form_values, validate_with_rules
from bidbazaar.errors import DomainError
from bidbazaar.forms import AuctionPageForm
from bidbazaar.models import Auction

auction_edit_pages = Blueprint("auction_edit", __name__)

#: Why the other fields are disabled once bidding has started.
LOCKED_NOTE = "Providers have bid on this job, so only a later deadline and the requirements can change."


def editable_auction(auction_id: int) -> Auction:
    """The auction its creator may edit: NOT_FOUND, FORBIDDEN and AUCTION_CLOSED as the API answers."""
    auction = queries.auction_or_404(auction_id)
    if auction.created_by != current_user.id:
        raise DomainError("FORBIDDEN", "Only the auction's creator can edit it")
    if not auction.is_open:
        raise services.closed_error(auction)
    return auction


def locked_fields(auction: Auction) -> frozenset[str]:
    """The fields the rules no longer let change (none before the first bid)."""
    if auction.bidder_count == 0:
        return frozenset()
    return frozenset(services.AUCTION_FIELDS) - services.EDITABLE_AFTER_FIRST_BID


def submitted_form(auction: Auction, locked: frozenset[str]) -> AuctionPageForm:
    """The posted form; a disabled field is not posted, so it keeps the stored value."""
    formdata = MultiDict(request.form)
    for name in locked:
        value = getattr(auction, name)
        formdata.setlist(name, [] if value is None else [str(value)])
    form = AuctionPageForm(formdata=formdata)
    if form.deadline.data is not None and form.deadline.data == auction.deadline.replace(second=0, microsecond=0):
        # The page shows the deadline to the minute: sent back untouched, it is the stored one
        # (not a few seconds earlier, which after the first bid would be refused).
        form.deadline.data = auction.deadline
    return form


@auction_edit_pages.route("/auctions/<int:auction_id>/edit", methods=["GET", "POST"])
@login_required
def edit_auction(auction_id: int) -> Any:
    auction = editable_auction(auction_id)
    locked = locked_fields(auction)
    form = submitted_form(auction, locked) if request.method == "POST" else AuctionPageForm(obj=auction)
    form.category_id.choices = category_choices("Choose a category")
    if validate_with_rules(form, lambda parsed: services.auction_field_problems(parsed, current=auction)):
        changes = {name: value for name, value in form_values(form).items() if name not in locked}
        try:
            services.update_auction(current_user, auction_id, changes)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("pages.auction", auction_id=auction_id))
    page = render_template("auction_edit.html", form=form, auction=auction, locked=locked, locked_note=LOCKED_NOTE)
    return page, 400 if form.errors else 200
