"""The JSON API of email preferences, under /api: which notifications a user gets by email,
instant, in the daily digest, or not at all (services.email_preferences).

The JSON-only and CSRF hooks of http_guards apply here as to every write.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from bidbazaar import services
from bidbazaar.forms import json_object_body, validation_error
from bidbazaar.models import User

email_preferences_api = Blueprint("email_preferences_api", __name__)


def settings_body(user: User) -> dict[str, Any]:
    """The address, whether it is verified, each type's mode, and the types described."""
    table = services.preference_table(user)
    return {
        "email": user.email,
        "email_verified": bool(user.email_verified),
        "preferences": {row["type"]: row["mode"] for row in table},
        "types": table,
    }


@email_preferences_api.get("/users/me/email-preferences")
@login_required
def get_email_preferences() -> Any:
    return jsonify(settings_body(current_user))


@email_preferences_api.put("/users/me/email-preferences")
@login_required
def update_email_preferences() -> Any:
    body = json_object_body()
    unknown = {name: "This field cannot be set." for name in body if name != "preferences"}
    if unknown:
        raise validation_error({name[:60]: message for name, message in unknown.items()})
    services.set_preferences(current_user, body.get("preferences"))
    return jsonify(settings_body(current_user))
