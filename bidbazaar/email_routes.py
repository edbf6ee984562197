"""The JSON API of email verification and password reset, under /api/auth (issue 16).

Thin doors over email_accounts: each view validates with a form and calls one rule. The
anonymous endpoints need no CSRF token, as login and register (http_guards): they carry
no session to forge with, and the JSON-only rule stops cross-site HTML forms.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from bidbazaar import email_accounts, rate_limits
from bidbazaar.forms import PasswordResetConfirmForm, PasswordResetForm, VerifyEmailForm, parse_json_form

email_api = Blueprint("email_api", __name__)


@email_api.post("/auth/verify-email")
def verify_email() -> Any:
    data = parse_json_form(VerifyEmailForm)
    user = email_accounts.verify_email(data["token"])
    return jsonify({"message": "Email address verified", "user": user.to_private_dict()})


@email_api.post("/auth/verify-email/resend")
@login_required
@rate_limits.limit_verification_resends
def resend_verification() -> Any:
    email_accounts.resend_verification(current_user)
    return jsonify({"message": "We've sent a new verification link to your email address."}), 202


@email_api.post("/auth/password-reset")
@rate_limits.limit_password_resets
def request_password_reset() -> Any:
    data = parse_json_form(PasswordResetForm)
    email_accounts.request_password_reset(data["email"])
    return jsonify({"message": email_accounts.RESET_REQUESTED}), 202


@email_api.post("/auth/password-reset/confirm")
def confirm_password_reset() -> Any:
    data = parse_json_form(PasswordResetConfirmForm)
    email_accounts.confirm_password_reset(data["token"], data["new_password"])
    return jsonify({"message": "Password changed; log in with the new one."})
