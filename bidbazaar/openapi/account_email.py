"""The document's part for email verification and password reset (email_routes): the
request bodies read from forms.email_forms, and the four operations."""

from __future__ import annotations

from bidbazaar import forms
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.requests import form_body
from bidbazaar.openapi.schemas import MESSAGE, Schema, ref

TOKEN_RULE = (
    "`token` is the `token` query parameter of the emailed link. A forged, unknown, used or expired token "
    "gets the same 400 INVALID_TOKEN."
)


def account_email_schemas() -> dict[str, Schema]:
    """The request components of the verification and reset endpoints."""
    return {
        "VerifyEmailRequest": form_body(
            forms.VerifyEmailForm, description=TOKEN_RULE, example={"token": "WzEsImFiYyJd.signature"}
        ),
        "PasswordResetRequest": form_body(forms.PasswordResetForm, example={"email": "asha@example.com"}),
        "PasswordResetConfirmRequest": form_body(
            forms.PasswordResetConfirmForm,
            description=TOKEN_RULE,
            example={"token": "WzEsImFiYyJd.signature", "new_password": "a-new-long-password"},
        ),
    }


def account_email_operations() -> dict[str, Operation]:
    """The documented endpoints of email_routes, keyed by Flask endpoint name."""
    message = {"message": MESSAGE}
    return {
        "email_api.verify_email": Operation(
            "post", "/api/auth/verify-email", "auth", "Confirm an email address with the emailed link's token",
            (200, "Verified", {**message, "user": ref("UserPrivate")}),
            auth="none", body="VerifyEmailRequest", codes=("INVALID_TOKEN",),
            description="Works once, within EMAIL_VERIFY_HOURS, and only while the address is still the "
            "account's (a changed email voids the earlier link). No login or CSRF token needed.",
        ),
        "email_api.resend_verification": Operation(
            "post", "/api/auth/verify-email/resend", "auth", "Email a new verification link",
            (202, "Sent", message), codes=("CONFLICT",),
            description="409 CONFLICT when the address is already verified; at most VERIFY_RESEND_RATE_LIMIT "
            "per user (429 RATE_LIMITED).",
        ),
        "email_api.request_password_reset": Operation(
            "post", "/api/auth/password-reset", "auth", "Email a password reset link",
            (202, "Accepted (the same answer whether or not an account uses the address)", message),
            auth="none", body="PasswordResetRequest",
            description="Always 202 with the same body, so nobody learns which addresses have accounts. The "
            "link works once, for RESET_TOKEN_MINUTES. Limited per client address (PASSWORD_RESET_RATE_LIMIT) "
            "and per address asked for (PASSWORD_RESET_ADDRESS_LIMIT).",
        ),
        "email_api.confirm_password_reset": Operation(
            "post", "/api/auth/password-reset/confirm", "auth", "Set a new password with the emailed link's token",
            (200, "Password changed", message),
            auth="none", body="PasswordResetConfirmRequest", codes=("INVALID_TOKEN",),
            description="Ends every session, API token and live socket of the account; every other reset link "
            "of the account stops working. Log in again with the new password.",
        ),
    }  # fmt: skip
