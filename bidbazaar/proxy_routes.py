"""Proxy bids' doors: the JSON API under /api (a provider's private floor on an auction)
and the owner's change / cancel buttons on the auction page.

PUT sets or changes it (and bids at once when the provider is not leading), DELETE cancels
it, GET shows it to its owner. Each view validates with a form and calls one service
function (services.proxies); the socket's set_proxy / cancel_proxy call the same ones.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, url_for
from flask_login import current_user, login_required

from bidbazaar import queries, rate_limits, services
from bidbazaar.doors import form_values, run_action
from bidbazaar.errors import DomainError, not_found
from bidbazaar.forms import ConfirmForm, ProxyForm, ProxyPageForm, parse_json_form
from bidbazaar.values import format_inr

proxies_api = Blueprint("proxies_api", __name__)


@proxies_api.get("/auctions/<int:auction_id>/proxy")
@login_required
def get_proxy(auction_id: int) -> Any:
    proxy = queries.my_proxy(queries.auction_or_404(auction_id), current_user)
    if proxy is None:
        raise not_found("Proxy bid")
    return jsonify({"proxy": proxy})


@proxies_api.put("/auctions/<int:auction_id>/proxy")
@login_required
@rate_limits.limit_bids  # always charged: a floor set while not leading bids at once
def set_proxy(auction_id: int) -> Any:
    data = parse_json_form(ProxyForm)
    result = services.set_proxy(current_user, auction_id, data)
    return jsonify({"message": "Proxy bid set", "proxy": result.proxy, "bid": result.bid, "auction": result.auction})


@proxies_api.delete("/auctions/<int:auction_id>/proxy")
@login_required
def cancel_proxy(auction_id: int) -> Any:
    services.cancel_proxy(current_user, auction_id)
    return "", 204


# --------------------------------------------------------------------------- the owner's box on the auction page

proxy_pages = Blueprint("proxy_pages", __name__)


@proxy_pages.post("/auctions/<int:auction_id>/proxy")
@login_required
@rate_limits.limit_bids
def change_floor(auction_id: int) -> Any:
    """The "Your auto-bid floor" box: set or change the floor (the same rule as PUT)."""
    form = ProxyPageForm()
    target = url_for("pages.auction", auction_id=auction_id) + "#proxy"
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(messages[0] if messages else "Please try again.", "error")
        return redirect(target)
    try:
        result = services.set_proxy(current_user, auction_id, form_values(form))
    except DomainError as exc:
        if exc.code == "CONFIRM_LOW_BID":
            flash(
                f"{format_inr(exc.details['amount'])} is far below the typical bid "
                f"({format_inr(exc.details['reference'])}). Tick “Set it anyway” to confirm that floor.",
                "error",
            )
        else:
            flash(exc.message, "error")
        return redirect(target)
    placed = f" We bid {format_inr(result.bid['amount'])} for you." if result.bid else ""
    flash(f"Your auto-bid floor is {format_inr(result.proxy['floor'])}.{placed}", "success")
    return redirect(target)


@proxy_pages.post("/auctions/<int:auction_id>/proxy/cancel")
@login_required
def cancel_floor(auction_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.cancel_proxy(current_user, auction_id),
        "Your auto-bid floor is cancelled; your bids stay.",
        url_for("pages.auction", auction_id=auction_id),
    )
