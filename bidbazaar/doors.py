"""What every door needs, once: the JSON API, the pages, the admin console and the socket.

A door turns a request into one rule call (services, accounts, queries) and renders the
result its own way; what they share lives here: who is asking, load-or-404, the admin
check, the idempotency key of a keyed write, a refusal as a socket answer, a submitted
form's values, and the pages' form handling (errors next to their fields, one-button
actions, safe redirects).

Kept elsewhere because a lower layer needs them too: the bid rate limit every door charges
(rate_limits.charge_bid, beside the limiter), "is this an /api request"
(errors.is_api_request: the error handlers ask it) and the idempotency-key rule
(forms.IDEMPOTENCY_KEY_PATTERN: the socket form validates client_bid_id with it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from bidbazaar import queries, services
from bidbazaar.errors import DomainError, not_found
from bidbazaar.extensions import db
from bidbazaar.forms import (
    IDEMPOTENCY_KEY_MESSAGE,
    CancelAuctionForm,
    is_idempotency_key,
    validation_error,
)
from bidbazaar.json_format import to_jsonable
from bidbazaar.models import User

Model = TypeVar("Model")
View = TypeVar("View", bound=Callable[..., Any])

# --------------------------------------------------------------------------- who is asking


def viewer() -> User | None:
    """The logged-in user, or None for an anonymous visitor (queries hide what they may not see)."""
    return current_user if current_user.is_authenticated else None


def found_or_404(model: type[Model], ident: int, what: str) -> Model:
    """The row with this primary key, or NOT_FOUND naming `what` ("User not found")."""
    found = db.session.get(model, ident)
    if found is None:
        raise not_found(what)
    return found


def require_admin(refusal: str = "Administrators only") -> Any:
    """The admin check of both admin doors: None when the caller is an administrator.

    An anonymous caller gets Flask-Login's answer, as from login_required (401
    AUTH_REQUIRED under /api, the login page elsewhere); anyone else FORBIDDEN with
    `refusal` as the message.
    """
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        raise DomainError("FORBIDDEN", refusal)
    return None


def admin_required(view: View) -> View:
    """A view for administrators only (require_admin before it runs)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        refused = require_admin()
        return refused if refused is not None else view(*args, **kwargs)

    return checked  # type: ignore[return-value]


# --------------------------------------------------------------------------- keyed writes and socket answers


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, checked by the one idempotency-key rule (forms)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not is_idempotency_key(key):
        raise validation_error({"Idempotency-Key": IDEMPOTENCY_KEY_MESSAGE})
    return key


#: Marks a keyed write's answer that is a replay of the first (same status and body).
REPLAYED_HEADER = "Idempotency-Replayed"


def keyed_created(body: dict[str, Any], replayed: bool) -> tuple[Response, int, dict[str, str]]:
    """A keyed write's 201; a retry answered from its receipt also says so in a header, which
    CORS exposes, so a browser can tell a replay from a new write."""
    return jsonify(body), 201, ({REPLAYED_HEADER: "true"} if replayed else {})


def socket_refusal(error: DomainError) -> dict[str, Any]:
    """A refusal as a socket acknowledgement: `ok: false` and the REST error body's keys."""
    return to_jsonable({"ok": False, **error.to_dict()})


# --------------------------------------------------------------------------- page forms

#: Codes whose `details` map a form field to its message.
FIELD_ERROR_CODES = frozenset({"VALIDATION_ERROR", "USERNAME_TAKEN", "EMAIL_TAKEN", "AUCTION_LOCKED", "CONFLICT"})


def form_values(form: FlaskForm) -> dict[str, Any]:
    """A submitted page form's values as the rules take them: each of the form's own fields
    (not its CSRF token), an empty optional box meaning "not given" (None)."""
    return {
        field.name: (None if field.data == "" else field.data)
        for field in form
        if field.name != form.meta.csrf_field_name
    }


def validate_with_rules(form: FlaskForm, rules: Callable[[dict[str, Any]], dict[str, list[str]]]) -> bool:
    """validate_on_submit, telling everything at once: when a field is refused, the rule
    check (a service's `..._problems`) over the fields that did parse puts its problems under
    their fields too, so the person fixes the form in one round, not two."""
    if not form.is_submitted():
        return False
    if form.validate():
        return True
    parsed = {name: value for name, value in form_values(form).items() if value is not None and not form[name].errors}
    for name, messages in rules(parsed).items():
        if name in form and not form[name].errors:
            form[name].errors = [*form[name].errors, *messages]
    return False


def apply_errors(form: FlaskForm, exc: DomainError, field: str | None = None) -> None:
    """Show a rule's refusal next to its field(s); with no field to attach to, flash it."""
    placed = False
    if exc.code in FIELD_ERROR_CODES:
        for name, message in exc.details.items():
            if name in form and isinstance(message, str):
                form[name].errors = [*form[name].errors, message]
                placed = True
    if not placed and field is not None:
        form[field].errors = [*form[field].errors, exc.message]
        placed = True
    if not placed:
        flash(exc.message, "error")


def run_action(form: FlaskForm, action: Callable[[], Any], success: str, target: str) -> Any:
    """A button that changes state: check the form (CSRF), run one rule, flash the outcome."""
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(messages[0] if messages else "Please try again.", "error")
    else:
        try:
            action()
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(success, "success")
    return redirect(target)


def cancel_auction_action(auction_id: int, target: str, form: CancelAuctionForm | None = None) -> Any:
    """The cancel button, on the creator's auction page (the reason optional) and in the admin
    console (a form that requires it) alike."""
    form = form or CancelAuctionForm()
    return run_action(
        form,
        lambda: services.cancel_auction(current_user, auction_id, form.reason.data),
        "The auction was cancelled; its bidders have been told.",
        target,
    )


def category_options() -> list[tuple[int, str]]:
    """(id, label) for every category, depth-first, children indented under their parent."""
    options: list[tuple[int, str]] = []

    def walk(nodes: list[dict[str, Any]], depth: int) -> None:
        for node in nodes:
            options.append((node["id"], "\u2003" * depth + node["name"]))
            walk(node["subcategories"], depth + 1)

    walk(queries.category_tree(), 0)
    return options


def category_choices(blank: str) -> list[SelectChoice]:
    """A category <select>'s choices: `blank` ("none"/"choose one") first, then the tree."""
    return [SelectChoice("", blank)] + [SelectChoice(cid, label) for cid, label in category_options()]


#: A plain same-site path: one slash, then printable ASCII without a backslash. Browsers drop
#: tab, CR and LF anywhere and controls and spaces at the ends ("/<TAB>/evil" is "//evil"),
#: and read a backslash as "/"; refusing every control, space and backslash judges the
#: target as a browser will, and keeps CR/LF out of the Location header.
SAME_SITE_PATH = re.compile(r"/(?!/)[\x21-\x5b\x5d-\x7e]*")


def safe_next(target: str | None) -> str:
    """Where to go after a form: `target` if it is a plain same-site path, else the home page.

    Never an open redirect: anything a browser could read as another host or scheme
    (`//evil`, a backslash, a tab or newline, a leading space, `javascript:`) goes to the default.
    """
    if target is not None and SAME_SITE_PATH.fullmatch(target):
        return target
    return url_for("pages.index")
