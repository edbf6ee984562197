"""Email verification and password reset: what the API and the pages accept.

A link's token is opaque text; one longer than any we sign is refused here (400) before
it reaches the signer. The new password follows registration's rules.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from bidbazaar.forms.fields import strip

#: Longer than any link token we sign (~70 characters), short enough to refuse floods.
MAX_LINK_TOKEN = 200
TOKEN = [DataRequired(), Length(max=MAX_LINK_TOKEN)]
NEW_PASSWORD = [DataRequired(), Length(min=8, max=128)]  # as RegisterForm.password


class VerifyEmailForm(FlaskForm):
    """POST /api/auth/verify-email, and the verify page's "Confirm my email" button."""

    token = StringField("Token", TOKEN)


class PasswordResetForm(FlaskForm):
    """POST /api/auth/password-reset and /forgot-password."""

    email = StringField("Email", [DataRequired(), Email(), Length(max=254)], filters=[strip])


class PasswordResetConfirmForm(FlaskForm):
    """POST /api/auth/password-reset/confirm."""

    token = StringField("Token", TOKEN)
    new_password = PasswordField("New password", NEW_PASSWORD)


class ResetPasswordPageForm(PasswordResetConfirmForm):
    """/reset-password: the API's rules plus a confirmation, as /register has."""

    confirm_password = PasswordField(
        "Confirm new password", [DataRequired(), EqualTo("new_password", message="Passwords do not match.")]
    )
