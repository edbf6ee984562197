"""Email: the transactional outbox, the single-use links it mails, each user's choice per
notification type, and the one daily digest per user and day.

The outbox row is written in the same transaction as the change that causes the email and
holds references only (the notification, the account token): the message is rendered when
it is sent, so no secret link is stored and a retry sends the same message again.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from bidbazaar.extensions import db
from bidbazaar.models import MYSQL_TABLE_OPTIONS, _in
from bidbazaar.values import UTCDateTime, utcnow


class EmailMode:
    """What a user wants by email for one notification type."""

    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"
    ALL = (INSTANT, DIGEST, OFF)


class MailKind:
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"
    NOTIFICATION = "notification"
    DIGEST = "digest"
    ALL = (VERIFY_EMAIL, PASSWORD_RESET, NOTIFICATION, DIGEST)
    #: Always sent, never carry an unsubscribe link.
    ESSENTIAL = (VERIFY_EMAIL, PASSWORD_RESET)


class MailStatus:
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by one sender until claimed_until
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts: last_error says why
    HELD = "held"  # a notification waiting for the user's daily digest
    DIGESTED = "digested"  # went out inside digest `digest_id`
    # Never sent: a reset asked for an address with no active account, or a notification
    # whose type its user turned off before it went out.
    SUPPRESSED = "suppressed"
    ALL = (PENDING, SENDING, SENT, FAILED, HELD, DIGESTED, SUPPRESSED)


class TokenPurpose:
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"
    ALL = (VERIFY_EMAIL, PASSWORD_RESET)


#: Every notification type that can be emailed: (label, group, default mode). The types
#: are those of docs/realtime.md; a type missing here is never emailed.
EMAIL_TYPES: dict[str, tuple[str, str, str]] = {
    "outbid": ("You were outbid", "Bidding", EmailMode.INSTANT),
    "auction_won": ("You won an auction", "Bidding", EmailMode.INSTANT),
    "auction_lost": ("An auction went to another provider", "Bidding", EmailMode.DIGEST),
    "ending_soon": ("An auction you follow is ending soon", "Bidding", EmailMode.INSTANT),
    "job_alert": ("A new job matches your saved search", "Bidding", EmailMode.INSTANT),
    "new_bid": ("A new bid on your job", "Your jobs", EmailMode.DIGEST),
    "auction_closed": ("Your job closed", "Your jobs", EmailMode.INSTANT),
    "auction_cancelled": ("A job you bid on was cancelled", "Bidding", EmailMode.INSTANT),
    "bid_withdrawn": ("A bid on your job was withdrawn", "Your jobs", EmailMode.DIGEST),
    "question_asked": ("A provider asked about your job", "Your jobs", EmailMode.INSTANT),
    "question_answered": ("A question you follow was answered", "Bidding", EmailMode.DIGEST),
    "booking_offered": ("You were offered a job", "Bookings", EmailMode.INSTANT),
    "booking_confirmed": ("A provider confirmed your booking", "Bookings", EmailMode.INSTANT),
    "booking_declined": ("A provider declined your booking", "Bookings", EmailMode.INSTANT),
    "booking_lapsed": ("An offer lapsed unanswered", "Bookings", EmailMode.INSTANT),
    "booking_cancelled": ("A booking was cancelled", "Bookings", EmailMode.INSTANT),
    "booking_done": ("The provider marked the job done", "Bookings", EmailMode.INSTANT),
    "booking_completed": ("A booking completed", "Bookings", EmailMode.DIGEST),
    "booking_unfilled": ("No bid is left for your job", "Bookings", EmailMode.INSTANT),
    "no_show_reported": ("A no-show was reported", "Bookings", EmailMode.INSTANT),
    "no_show_decided": ("A no-show report was decided", "Bookings", EmailMode.INSTANT),
    "booking_party_deactivated": ("The other side's account was closed", "Bookings", EmailMode.INSTANT),
    "review_published": ("A review of you was published", "Reviews", EmailMode.DIGEST),
}


class OutboundEmail(db.Model):
    """One email to send, written in the transaction that causes it (the outbox)."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        CheckConstraint(_in("kind", MailKind.ALL), name="kind"),
        CheckConstraint(_in("status", MailStatus.ALL), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The sender's scan: due rows in order; and a user's held rows for the digest.
        Index("ix_outbound_emails_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbound_emails_user_id_status", "user_id", "status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    #: The Message-ID header, fixed at enqueue: every retry sends the same one, so a copy
    #: delivered after an ambiguous failure is recognisable downstream.
    message_id = db.Column(db.String(200), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False)
    status = db.Column(db.String(12), nullable=False, default=MailStatus.PENDING)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    to_address = db.Column(db.String(254), nullable=False)
    notification_id = db.Column(db.Integer, db.ForeignKey("notifications.id"))
    account_token_id = db.Column(db.Integer, db.ForeignKey("account_tokens.id"))
    #: A digest message: its digest; a held notification: the digest it went out in.
    digest_id = db.Column(db.Integer, db.ForeignKey("mail_digests.id"))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_by = db.Column(db.String(64))
    claimed_until = db.Column(UTCDateTime)
    last_error = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime)


class AccountToken(db.Model):
    """A single-use emailed link: verify an address, or reset a password.

    The link carries the row's id and nonce signed with SECRET_KEY (never stored); `email`
    is the address it was sent to, so changing the email voids a pending verification.
    A reset asked for an unknown address is recorded too (user_id NULL): both answers do
    the same writes.
    """

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(_in("purpose", TokenPurpose.ALL), name="purpose"),
        Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    purpose = db.Column(db.String(20), nullable=False)
    email = db.Column(db.String(254), nullable=False)
    nonce = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)


class EmailPreference(db.Model):
    """A user's choice for one notification type; no row means EMAIL_TYPES' default."""

    __tablename__ = "email_preferences"
    __table_args__ = (CheckConstraint(_in("mode", EmailMode.ALL), name="mode"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    type = db.Column(db.String(40), primary_key=True)
    mode = db.Column(db.String(10), nullable=False)


class MailDigest(db.Model):
    """The daily digest of one user on one IST day: the unique pair claims it exactly once."""

    __tablename__ = "mail_digests"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_mail_digests_user_id_day"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    day = db.Column(db.Date, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


for _table in (OutboundEmail, AccountToken, EmailPreference, MailDigest):
    _table.__table__.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)
