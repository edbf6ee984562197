"""The email pages: /settings/email (each notification type: instant, daily digest or off)
and /email/unsubscribe, the one-click link every notification email carries (RFC 8058).

The unsubscribe POST is exempt from CSRF (http_guards): a mail provider posts
`List-Unsubscribe=One-Click` without cookies, and the signed token is the authority. Its
GET only explains and offers the button, so a link scanner fetching it changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bidbazaar import services
from bidbazaar.doors import apply_errors, form_values
from bidbazaar.errors import DomainError
from bidbazaar.forms.preference_forms import EmailPreferencesForm
from bidbazaar.mail_models import EMAIL_TYPES

preference_pages = Blueprint("preferences", __name__)


def grouped_fields(form: EmailPreferencesForm) -> dict[str, list[Any]]:
    """The form's radio fields under their EMAIL_TYPES group, in its order."""
    groups: dict[str, list[Any]] = {}
    for type_, (_, group, _) in EMAIL_TYPES.items():
        groups.setdefault(group, []).append(form[type_])
    return groups


def render_settings(form: EmailPreferencesForm, status: int = 200) -> Any:
    defaults = {type_: default for type_, (_, _, default) in EMAIL_TYPES.items()}
    return render_template("email_preferences.html", form=form, groups=grouped_fields(form), defaults=defaults), status


@preference_pages.get("/settings/email")
@login_required
def email_settings() -> Any:
    return render_settings(EmailPreferencesForm(formdata=None, data=services.preferences_of(current_user)))


@preference_pages.post("/settings/email")
@login_required
def save_email_settings() -> Any:
    form = EmailPreferencesForm()
    if form.validate_on_submit():
        # Only what the user changed is written: a type left at its default keeps
        # following the default rather than pinning today's.
        current = services.preferences_of(current_user)
        changes = {type_: mode for type_, mode in form_values(form).items() if mode != current[type_]}
        try:
            if changes:
                services.set_preferences(current_user, changes)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Email preferences saved.", "success")
            return redirect(url_for("preferences.email_settings"))
    return render_settings(form, 400)


@preference_pages.get("/email/unsubscribe")
def unsubscribe_page() -> Any:
    """Explain what the link turns off and offer the button; never changes anything."""
    token = request.args.get("token")
    _, scope = services.read_unsubscribe_token(token)
    return render_template("unsubscribe.html", token=token, what=services.scope_label(scope), done=False)


@preference_pages.post("/email/unsubscribe")
def unsubscribe() -> Any:
    """One click, from the page's button or from the mail provider (RFC 8058): the body
    (`List-Unsubscribe=One-Click`) carries nothing the signed token does not."""
    done = services.unsubscribe(request.args.get("token"))
    return render_template("unsubscribe.html", token=None, what=services.scope_label(done.scope), done=True)
