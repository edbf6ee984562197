"""The essential account emails: verify an address, reset a password (issue 16).

Each row references an AccountToken; its link carries the token signed with SECRET_KEY,
minted here at send time, so the database never holds a usable link. The signature has
no timestamp, so a retry renders the very same link. Essential emails carry no
unsubscribe link: they are always sent.
"""

from __future__ import annotations

from datetime import timedelta

from bidbazaar.extensions import db
from bidbazaar.mail_draft import Draft, site_url
from bidbazaar.mail_models import AccountToken, MailKind, OutboundEmail
from bidbazaar.models import User
from bidbazaar.services.account_tokens import sign


def lifetime_text(lifetime: timedelta) -> str:
    """'30 minutes', '48 hours', '1 hour 30 minutes': how long a link works, for people."""
    minutes = round(lifetime.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def draft(row: OutboundEmail) -> Draft:
    """Subject, template and context (link, expiry in IST and as a duration, username)."""
    token = db.session.get(AccountToken, row.account_token_id)
    if token is None:  # the outbox's own rows always have one: a broken row must fail loudly
        raise LookupError(f"outbox row {row.id} has no account token")
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    context = {
        "username": user.username if user else None,
        "expires_at": token.expires_at,
        "valid_for": lifetime_text(token.expires_at - token.created_at),
        "address": row.to_address,
    }
    if row.kind == MailKind.VERIFY_EMAIL:
        context["link"] = site_url("/verify-email?token=" + sign(token))
        return Draft("Confirm your email address for Bid Bazaar", "email/verify_email", context)
    context["link"] = site_url("/reset-password?token=" + sign(token))
    return Draft("Reset your Bid Bazaar password", "email/password_reset", context)
