"""Helpers the job alert tests share: saving a search straight through the service, the
job_alert notifications a user holds, and running calls at once in threads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bidbazaar import services
from bidbazaar.extensions import db
from bidbazaar.models import Notification, User
from bidbazaar.provider_models import SavedSearch

SEARCHES_URL = "/api/users/me/searches"


def save_search(user: User, **filters: Any) -> SavedSearch:
    """A saved search for `user` through the service (money as Decimal)."""
    data = {name: Decimal(str(v)) if name.endswith("_budget") and v is not None else v for name, v in filters.items()}
    return services.create_saved_search(user, data)


def alerts_of(user: User | int) -> list[Notification]:
    """The user's (or user id's) job_alert notifications, oldest first, read afresh."""
    user_id = user if isinstance(user, int) else user.id
    db.session.commit()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.type == "job_alert")
            .order_by(Notification.id)
        )
    )
