"""The essential account emails: verify an address, reset a password (issue 16).

Each row references an AccountToken; its link carries the token signed with SECRET_KEY,
minted here at send time, so the database never holds a usable link.
"""

from __future__ import annotations

from bidbazaar.mail_draft import Draft, site_url
from bidbazaar.mail_models import MailKind, OutboundEmail


def draft(row: OutboundEmail) -> Draft:
    """STUB (the accounts helper replaces it): subject, template and link for the row."""
    if row.kind == MailKind.VERIFY_EMAIL:
        return Draft("Confirm your email address", "email/verify_email", {"link": site_url("/verify-email")})
    return Draft("Reset your Bid Bazaar password", "email/password_reset", {"link": site_url("/reset-password")})
