"""What the admin console's users, booking, no-show and review pages take: list filters (GET,
no CSRF), the decide / hide buttons and the cancel reason (POST, with CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from bidbazaar.booking_models import BookingStatus
from bidbazaar.forms.api_forms import CancelAuctionForm
from bidbazaar.forms.fields import Between, NoCSRFForm, choices, strip
from bidbazaar.values import CANCEL_REASON_MAX, MAX_ID

#: The bookings list's status filter: each status with a short label.
STATUS_FILTER_CHOICES = [SelectChoice("", "any")] + [
    SelectChoice(status, status.replace("_", "-")) for status in BookingStatus.ALL
]
#: The users table's filters and sortable columns (queries.admin_users reads them).
USER_ROLES = ("customer", "provider", "admin")
USER_STATES = {"unverified": "unverified provider", "deactivated": "deactivated", "active": "active"}
USER_SORTS = ("username", "email", "joined")
#: The review list's "state" filter.
REVIEW_STATES = ("published", "unpublished", "hidden")


class AdminUsersForm(NoCSRFForm):
    """/admin/users?q=...&role=...&state=...&sort=...&dir=...&page=..."""

    q = StringField("Search", [Optional(), Length(max=120)], filters=[strip])
    role = SelectField("Role", choices=choices("", *USER_ROLES), validators=[Optional()])
    state = SelectField(
        "State",
        choices=[SelectChoice("", "any"), *(SelectChoice(key, label) for key, label in USER_STATES.items())],
        validators=[Optional()],
    )
    sort = SelectField("Sort", choices=choices("", *USER_SORTS), validators=[Optional()])
    dir = SelectField("Direction", choices=choices("", "asc", "desc"), validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])


class AdminCancelAuctionForm(CancelAuctionForm):
    """The admin console's Cancel auction form: the reason is required (the bidders read it)."""

    reason = TextAreaField(
        "Reason (shown to the bidders)",
        [DataRequired(message="Say why the auction is cancelled."), Length(max=CANCEL_REASON_MAX)],
        filters=[strip],
    )


class AdminBookingsForm(NoCSRFForm):
    """/admin/bookings?status=...&q=...&auction_id=...&page=..."""

    status = SelectField("Status", choices=STATUS_FILTER_CHOICES, validators=[Optional()])
    q = StringField("Customer or provider", [Optional(), Length(max=80)], filters=[strip])
    auction_id = IntegerField("Auction #", [Optional(), Between(min=1, max=MAX_ID)])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])


class AdminReviewsForm(NoCSRFForm):
    """/admin/reviews?state=...&rating=...&q=...&page=..."""

    state = SelectField("State", choices=choices("", *REVIEW_STATES), validators=[Optional()])
    rating = IntegerField("Stars", [Optional(), Between(min=1, max=5)])
    q = StringField("Author or subject", [Optional(), Length(max=80)], filters=[strip])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])


class DecideNoShowForm(FlaskForm):
    """Uphold / Reject on the no-show queue: an optional note for both parties' record."""

    note = TextAreaField("Note", [Optional(), Length(max=500)], filters=[strip])


class HideReviewPageForm(FlaskForm):
    """Hide a review: the reason is required (kept beside the review)."""

    reason = StringField(
        "Reason", [DataRequired(message="Say why the review is hidden."), Length(max=500)], filters=[strip]
    )
