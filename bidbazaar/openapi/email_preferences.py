"""The document's part for email preferences (preference_routes): each emailable
notification type and the user's mode for it, read from mail_models.EMAIL_TYPES."""

from __future__ import annotations

from bidbazaar.mail_models import EMAIL_TYPES, EmailMode
from bidbazaar.openapi.operations import Operation
from bidbazaar.openapi.schemas import Schema, json_content, obj, ref

MODE: Schema = {
    "enum": list(EmailMode.ALL),
    "description": "instant: an email per notification; digest: in one daily email; off: no email.",
}
MODES = (
    "instant: one email per notification; digest: gathered into one email a day at DIGEST_HOUR_IST (IST); "
    "off: none. Notifications are emailed only to an active account's verified address."
)


def email_preference_schemas() -> dict[str, Schema]:
    """The response and request components of the email preferences API."""
    per_type = {type_: MODE for type_ in EMAIL_TYPES}
    example = {type_: default for type_, (_, _, default) in EMAIL_TYPES.items()}
    return {
        "EmailMode": MODE,
        "EmailType": obj(
            {
                "type": {"enum": list(EMAIL_TYPES)},
                "label": {"type": "string"},
                "group": {"type": "string"},
                "default": ref("EmailMode"),
                "mode": ref("EmailMode"),
            },
            description="An emailable notification type, its default mode and yours.",
        ),
        "EmailPreferences": obj(
            {
                "email": {"type": "string", "format": "email"},
                "email_verified": {"type": "boolean"},
                "preferences": obj({type_: ref("EmailMode") for type_ in EMAIL_TYPES}),
                "types": {"type": "array", "items": ref("EmailType")},
            },
            description=f"Your address and your mode for each notification type. {MODES}",
            examples=[{"email": "asha@example.com", "email_verified": True, "preferences": example, "types": []}],
        ),
        "EmailPreferencesUpdate": obj(
            {
                "preferences": {
                    "type": "object",
                    "properties": per_type,
                    "additionalProperties": False,
                    "minProperties": 1,
                }
            },
            description="Only the types named change; the others keep their mode. An unknown type or mode is a "
            "400 VALIDATION_ERROR naming it, and nothing changes.",
            examples=[{"preferences": {"new_bid": "instant", "auction_lost": "off"}}],
        ),
    }


def email_preference_operations() -> dict[str, Operation]:
    """The documented endpoints of preference_routes, keyed by Flask endpoint name."""
    path = "/api/users/me/email-preferences"

    def answer(description: str) -> dict[str, Schema]:
        return {"200": {"description": description, "content": json_content(ref("EmailPreferences"))}}

    return {
        "email_preferences_api.get_email_preferences": Operation(
            "get", path, "users", "Which notifications you get by email", answer("Your preferences"),
        ),
        "email_preferences_api.update_email_preferences": Operation(
            "put", path, "users", "Choose instant, daily digest or off for some notification types",
            answer("Your preferences after the change"), body="EmailPreferencesUpdate",
        ),
    }  # fmt: skip
