"""Composing an outbox row into the email that is sent: a Draft from the kind's composer,
rendered from Jinja templates (plain text and HTML alternatives), with the headers every
message carries (docs/email.md).

Rendered at send time, from the row's references: nothing secret is stored in the outbox,
and every retry sends the same message under the same Message-ID.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime

from flask import current_app

from bidbazaar import account_emails, notification_emails
from bidbazaar.mail_draft import Draft, site_url
from bidbazaar.mail_models import MailKind, OutboundEmail
from bidbazaar.values import utcnow

#: Headers unfolded up to SMTP's 998-character line limit: Python 3.11 folds a long
#: Subject before an encoded word ("₹") leaving the space on both lines, so readers
#: showed "now  ₹1,400" with two spaces. Bodies are still encoded to short lines.
MAIL_POLICY = default_policy.clone(max_line_length=998)


def draft(row: OutboundEmail) -> Draft:
    """The kind's composer: account emails (verify, reset) or notifications (instant, digest)."""
    if row.kind in MailKind.ESSENTIAL:
        return account_emails.draft(row)
    return notification_emails.draft(row)


def compose(row: OutboundEmail) -> EmailMessage:
    """The full message for an outbox row."""
    plan = draft(row)
    context = {
        "base_url": current_app.config["BASE_URL"],
        "preferences_url": site_url("/settings/email"),
        "unsubscribe_url": plan.unsubscribe_url,
        **plan.context,
    }
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = plan.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(utcnow())
    if plan.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{plan.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render(f"{plan.template}.txt", context))
    message.add_alternative(render(f"{plan.template}.html", context), subtype="html")
    return message


def render(name: str, context: dict[str, object]) -> str:
    """A template with the app's filters (inr, ist) but not the pages' context processors:
    the sender runs outside any request, where they (current_user, csrf) have nothing to read."""
    return current_app.jinja_env.get_template(name).render(**context)
