"""The pages of email verification and password reset (issue 16).

A link from an email only shows a page (GET changes nothing: mail scanners prefetch
links); its button POSTs with CSRF and calls the same rule as the API (email_accounts).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bidbazaar import email_accounts, rate_limits
from bidbazaar.doors import run_action
from bidbazaar.errors import DomainError
from bidbazaar.forms import ConfirmForm, PasswordResetForm, ResetPasswordPageForm, VerifyEmailForm

email_pages = Blueprint("email", __name__)


@email_pages.route("/forgot-password", methods=["GET", "POST"])
@rate_limits.limit_password_resets
def forgot_password() -> Any:
    form = PasswordResetForm()
    if form.validate_on_submit():
        email_accounts.request_password_reset(form.email.data)
        flash(email_accounts.RESET_REQUESTED, "info")  # the same whatever the address
        return redirect(url_for("pages.login"))
    return render_template("forgot_password.html", form=form), 400 if form.errors else 200


@email_pages.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> Any:
    if request.method == "GET":  # shows the form; the token is used only by the POST
        form = ResetPasswordPageForm(formdata=None, token=request.args.get("token", ""))
        return render_template("reset_password.html", form=form)
    form = ResetPasswordPageForm()
    if form.validate_on_submit():
        try:
            email_accounts.confirm_password_reset(form.token.data, form.new_password.data)
        except DomainError as exc:
            flash(exc.details.get("token", exc.message), "error")
        else:
            flash("Password changed; log in with the new one.", "success")
            return redirect(url_for("pages.login"))
    return render_template("reset_password.html", form=form), 400


@email_pages.route("/verify-email", methods=["GET", "POST"])
def verify_email() -> Any:
    if request.method == "GET":  # a button to press: a prefetching scanner verifies nothing
        form = VerifyEmailForm(formdata=None, token=request.args.get("token", ""))
        return render_template("verify_email.html", form=form, verified=None)
    form = VerifyEmailForm()
    if form.validate_on_submit():
        try:
            user = email_accounts.verify_email(form.token.data)
        except DomainError as exc:
            flash(exc.details.get("token", exc.message), "error")
        else:
            return render_template("verify_email.html", form=form, verified=user)
    return render_template("verify_email.html", form=form, verified=None), 400


@email_pages.post("/verify-email/resend")
@login_required
@rate_limits.limit_verification_resends
def resend_verification() -> Any:
    return run_action(
        ConfirmForm(),
        lambda: email_accounts.resend_verification(current_user),
        f"We've sent a new link to {current_user.email}: follow it to confirm your address.",
        url_for("pages.profile"),
    )
