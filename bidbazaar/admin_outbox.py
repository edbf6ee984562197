"""The admin console's outbox page under /admin (docs/email.md): how many messages wait,
went out or failed, the failed ones with their errors, and a retry button for one or all.

Administrators only, like the rest of the console (others get 403, anonymous users the login
page). The retry is services.outbox_admin.retry_failed_emails; the page reads
queries.outbox. Its two small forms live here: nothing else takes them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import Optional

from bidbazaar.doors import require_admin
from bidbazaar.forms.fields import Between, NoCSRFForm
from bidbazaar.queries import outbox as outbox_views
from bidbazaar.services.outbox_admin import retry_failed_emails
from bidbazaar.values import MAX_ID

admin_outbox = Blueprint("admin_outbox", __name__, url_prefix="/admin")


class OutboxPageForm(NoCSRFForm):
    """/admin/outbox?page=...: the failed messages' page."""

    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])


class RetryForm(FlaskForm):
    """POST /admin/outbox/retry: `id` retries that failed message; no id retries them all."""

    id = IntegerField("Message", [Optional(), Between(min=1, max=MAX_ID)])


@admin_outbox.before_request
def admins_only() -> Any:
    return require_admin("This page is for administrators only.")


@admin_outbox.get("/outbox")
def outbox() -> Any:
    form = OutboxPageForm(formdata=request.args)
    valid = form.validate()
    return render_template(
        "admin/outbox.html",
        summary=outbox_views.outbox_summary(),
        failed=outbox_views.failed_emails(form.page.data or 1) if valid else None,
        sent=outbox_views.recently_sent(),
        retry_form=RetryForm(),
    ), 200 if valid else 400


@admin_outbox.post("/outbox/retry")
def retry() -> Any:
    form = RetryForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(messages[0] if messages else "Please try again.", "error")
    else:
        ids = [form.id.data] if form.id.data else None
        flash(*retried_message(retry_failed_emails(ids), form.id.data))
    return redirect(url_for("admin_outbox.outbox"))


def retried_message(queued: int, message_id: int | None) -> tuple[str, str]:
    """What the admin is told: a message already retried or sent is not queued again."""
    if message_id is not None:
        if queued:
            return f"Message #{message_id} will be sent again.", "success"
        return f"Message #{message_id} is no longer failed: nothing to retry.", "error"
    if queued:
        return f"{queued} failed message{'' if queued == 1 else 's'} will be sent again.", "success"
    return "No failed message to retry.", "error"
