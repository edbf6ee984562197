"""Notifications by email: one instant notification, or a user's daily digest (issue 16)."""

from __future__ import annotations

from bidbazaar.extensions import db
from bidbazaar.mail_draft import Draft, site_url
from bidbazaar.mail_models import MailKind, OutboundEmail
from bidbazaar.models import Notification


def draft(row: OutboundEmail) -> Draft:
    """STUB (the notifications helper replaces it): subject, template, unsubscribe URL."""
    if row.kind == MailKind.DIGEST:
        return Draft("Your Bid Bazaar digest", "email/digest", {"notes": []}, site_url("/email/unsubscribe"))
    note = db.session.get(Notification, row.notification_id)
    return Draft(note.message[:120], "email/notification", {"note": note}, site_url("/email/unsubscribe"))
