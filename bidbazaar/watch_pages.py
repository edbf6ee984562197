"""The pages of following auctions: My bids (standing badges, the next action, a filter by
standing), Watching, and the star that watches or unwatches an auction from the list and
the detail page.

The star is a POST form with CSRF calling one service function (doors.run_action); the
templates ask `watched_ids` / `is_watching` (template globals, one statement per page) so
the auction pages' own views need no change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.doors import run_action, safe_next, viewer
from bidbazaar.forms import STANDING_CHOICES, ConfirmForm, MyBidsSearchForm, WatchingSearchForm, standings
from bidbazaar.values import utcnow

watch_pages = Blueprint("watching", __name__)

#: What each next action says on the My bids page.
NEXT_ACTION_WORDS = {"bid_again": "Bid again", "answer_offer": "Answer the offer", "view_booking": "See the booking"}


@watch_pages.app_template_global()
def watched_auction_ids(auctions: Iterable[Any]) -> set[int]:
    """The ids among a page of auctions (instances or dicts) the viewer watches."""
    ids = [a["id"] if isinstance(a, dict) else a.id for a in auctions]
    return queries.watched_ids(ids, viewer())


@watch_pages.app_template_global()
def watching_auction(auction_id: int) -> bool:
    """Whether the viewer watches this auction."""
    return queries.is_watching(auction_id, viewer())


@watch_pages.get("/my/bids")
@login_required
def my_bids() -> Any:
    form = MyBidsSearchForm(formdata=request.args)
    valid = form.validate()
    chosen = standings(form.standing.data) if valid else ()
    page = (form.page.data or 1) if valid else 1
    result = queries.my_bids(current_user, chosen, page, 20)
    return render_template(
        "my_bids.html",
        form=form,
        result=result,
        chosen=chosen,
        choices=STANDING_CHOICES,
        words=NEXT_ACTION_WORDS,
        now=utcnow(),
    )


@watch_pages.get("/my/watching")
@login_required
def watching() -> Any:
    form = WatchingSearchForm(formdata=request.args)
    page = (form.page.data or 1) if form.validate() else 1
    return render_template("watching.html", result=queries.watched_auctions(current_user, page, 20))


def back(auction_id: int) -> str:
    """Where a star returns to: the page it was pressed on (`next`), else the auction."""
    target = request.form.get("next")
    return safe_next(target) if target else url_for("pages.auction", auction_id=auction_id)


@watch_pages.post("/auctions/<int:auction_id>/watch")
@login_required
def watch(auction_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.watch_auction(current_user, auction_id),
        "Watching: we will tell you before it closes.",
        back(auction_id),
    )


@watch_pages.post("/auctions/<int:auction_id>/unwatch")
@login_required
def unwatch(auction_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.unwatch_auction(current_user, auction_id),
        "No longer watching.",
        back(auction_id),
    )
