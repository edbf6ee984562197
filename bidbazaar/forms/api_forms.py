"""The forms of what a request may carry, whichever door it comes through: accounts,
auctions, bids, categories, notifications, listing query strings and Socket.IO payloads.

The pages reuse these classes (forms.page_forms adds only what HTML needs); the API reads
them through forms.json_input, the OpenAPI document describes them field by field.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from bidbazaar.booking_models import BookingStatus, Party
from bidbazaar.forms.fields import (
    MAX_MONEY,
    Between,
    FlagField,
    IdempotencyKey,
    IdListField,
    IndianMobile,
    MoneyField,
    NoCSRFForm,
    UTCDateTimeField,
    choices,
    strip,
)
from bidbazaar.values import CANCEL_REASON_MAX, MAX_ID, format_inr

# --------------------------------------------------------------------------- accounts

USERNAME = [
    DataRequired(),
    Length(min=3, max=50),
    Regexp(r"^[A-Za-z0-9_.-]+$", message="Letters, digits, '.', '_' and '-' only."),
]


class RegisterForm(FlaskForm):
    username = StringField("Username", USERNAME, filters=[strip])
    email = StringField("Email", [DataRequired(), Email(), Length(max=120)], filters=[strip])
    password = PasswordField("Password", [DataRequired(), Length(min=8, max=128)])
    is_service_provider = BooleanField("I am a service provider")


class LoginForm(FlaskForm):
    username = StringField("Username or email", [DataRequired(), Length(max=120)], filters=[strip])
    password = PasswordField("Password", [DataRequired(), Length(max=128)])


class ProfileForm(FlaskForm):
    email = StringField("Email", [DataRequired(), Email(), Length(max=120)], filters=[strip])
    # Shown only to the other side of a confirmed booking; "" removes it.
    phone = StringField("Mobile number", [IndianMobile()], filters=[strip])
    is_service_provider = BooleanField("I am a service provider")
    current_password = PasswordField("Current password", [Optional(), Length(max=128)])
    new_password = PasswordField("New password", [Optional(), Length(min=8, max=128)])

    def validate_new_password(self, field: Field) -> None:
        if field.data and not self.current_password.data:
            raise ValidationError("Give your current password to set a new one.")


# --------------------------------------------------------------------------- auctions


#: How far ahead a deadline may be set: a job is needed this year, not in year 9999. Checked
#: by the auction rules (services), which know `now`; named here with the form's other bounds
#: so the OpenAPI document reads it without depending on the rules.
MAX_AUCTION_LENGTH = timedelta(days=365)


class AuctionForm(FlaskForm):
    title = StringField("Title", [DataRequired(), Length(min=5, max=200)], filters=[strip])
    description = TextAreaField("Description", [DataRequired(), Length(min=20, max=2000)], filters=[strip])
    category_id = IntegerField("Category", [InputRequired(), Between(min=1, max=MAX_ID)])
    location = StringField("Location", [DataRequired(), Length(min=5, max=100)], filters=[strip])
    budget_min = MoneyField("Minimum budget (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    budget_max = MoneyField("Maximum budget (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    deadline = UTCDateTimeField("Bids close at", [InputRequired()])
    requirements = TextAreaField("Additional requirements", [Optional(), Length(max=2000)], filters=[strip])

    def validate_budget_max(self, field: Field) -> None:
        if field.data is not None and self.budget_min.data is not None and field.data < self.budget_min.data:
            raise ValidationError(f"Must be at least the minimum budget ({format_inr(self.budget_min.data)}).")


class BidForm(FlaskForm):
    amount = MoneyField("Your price (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    description = TextAreaField("What you will do", [DataRequired(), Length(max=2000)], filters=[strip])
    estimated_duration = StringField("Estimated duration", [Optional(), Length(max=50)], filters=[strip])
    notes = TextAreaField("Notes", [Optional(), Length(max=2000)], filters=[strip])
    # A JSON boolean only ("true" as a string is refused); on the page, the confirm step's field.
    confirm_low = BooleanField("Place it anyway")


class ProxyForm(FlaskForm):
    """PUT /api/auctions/{id}/proxy and the socket's set_proxy: a floor, and the auto bids'
    text (needed when the provider has no earlier bid on the auction to copy it from)."""

    floor = MoneyField("Auto-undercut down to (₹)", [InputRequired(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    confirm_low = BooleanField("Set it anyway")
    description = TextAreaField("What you will do", [Optional(), Length(max=2000)], filters=[strip])
    estimated_duration = StringField("Estimated duration", [Optional(), Length(max=50)], filters=[strip])
    notes = TextAreaField("Notes", [Optional(), Length(max=2000)], filters=[strip])


class SocketProxyTarget(NoCSRFForm):
    """set_proxy / cancel_proxy's addressing field; the floor itself is validated by ProxyForm."""

    auction_id = IntegerField(validators=[InputRequired(), Between(min=1, max=MAX_ID)])


class AwardForm(FlaskForm):
    bid_id = IntegerField("Bid", [InputRequired(), Between(min=1, max=MAX_ID)])


class CancelAuctionForm(FlaskForm):
    """POST /api/auctions/{id}/cancel's optional body, and the creator's cancel button: why,
    in words the bidders read (optional; the admin console's form requires it)."""

    reason = TextAreaField(
        "Reason (shown to the bidders)", [Optional(), Length(max=CANCEL_REASON_MAX)], filters=[strip]
    )


class CategoryForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=100)], filters=[strip])
    description = TextAreaField("Description", [Optional(), Length(max=1000)], filters=[strip])
    parent_id = IntegerField("Parent category", [Optional(), Between(min=1, max=MAX_ID)])


class NotificationsReadForm(FlaskForm):
    ids = IdListField("Notification ids", [Optional()])
    all = BooleanField("Mark all as read")


# --------------------------------------------------------------------------- query strings

SORT_CHOICES = ["created_at", "budget_max", "deadline", "lowest_bid", "bid_count"]
STATUS_CHOICES = ["active", "completed", "cancelled", "expired"]


class AuctionSearchForm(NoCSRFForm):
    """GET /api/auctions and the /auctions page: filters, sorting and paging."""

    category = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])
    status = SelectField(choices=choices("", *STATUS_CHOICES), validators=[Optional()])
    location = StringField(validators=[Optional(), Length(max=100)], filters=[strip])
    q = StringField(validators=[Optional(), Length(max=200)], filters=[strip])
    min_budget = MoneyField(validators=[Optional(), Between(min=0, max=MAX_MONEY)])
    max_budget = MoneyField(validators=[Optional(), Between(min=0, max=MAX_MONEY)])
    created_by = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])
    mine = FlagField(validators=[Optional()])
    sort = SelectField(choices=choices(*SORT_CHOICES), default="created_at", validators=[Optional()])
    order = SelectField(choices=choices("asc", "desc"), default="desc", validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    per_page = IntegerField(default=10, validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped


class PageForm(NoCSRFForm):
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    # No default here: each listing passes its own (events 50, bids 20) to queries.page_size.
    per_page = IntegerField(validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped
    unread_only = FlagField(validators=[Optional()])
    flat = FlagField(validators=[Optional()])


# --------------------------------------------------------------------------- Socket.IO payloads


class JoinAuctionForm(NoCSRFForm):
    """join_auction / leave_auction: which auction, and the last event seq the client saw."""

    auction_id = IntegerField(validators=[InputRequired(), Between(min=1, max=MAX_ID)])
    since_seq = IntegerField(validators=[Optional(), Between(min=0, max=MAX_ID)])


class SocketBidTarget(NoCSRFForm):
    """place_bid's addressing fields; the bid itself is validated by BidForm."""

    auction_id = IntegerField(validators=[InputRequired(), Between(min=1, max=MAX_ID)])
    client_bid_id = StringField(validators=[Optional(strip_whitespace=False), IdempotencyKey()])


# --------------------------------------------------------------------------- bookings and reviews

#: What GET /api/bookings may filter by: a booking's state, the viewer's side.
BOOKING_STATUS_CHOICES = list(BookingStatus.ALL)
BOOKING_ROLE_CHOICES = [Party.CUSTOMER, Party.PROVIDER]


class BookingSearchForm(NoCSRFForm):
    """GET /api/bookings: the viewer's side, a status, and the page."""

    status = SelectField(choices=choices("", *BOOKING_STATUS_CHOICES), validators=[Optional()])
    role = SelectField(choices=choices("", *BOOKING_ROLE_CHOICES), validators=[Optional()])
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    per_page = IntegerField(default=20, validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped


class DeclineForm(FlaskForm):
    reason = TextAreaField("Why you decline", [Optional(), Length(max=500)], filters=[strip])


class CancelBookingForm(FlaskForm):
    reason = TextAreaField("Why you cancel", [DataRequired(), Length(min=1, max=500)], filters=[strip])


class NoShowForm(FlaskForm):
    note = TextAreaField("What happened", [Optional(), Length(max=2000)], filters=[strip])


class ReofferForm(FlaskForm):
    bid_id = IntegerField("Bid", [InputRequired(), Between(min=1, max=MAX_ID)])


class ReviewForm(FlaskForm):
    rating = IntegerField("Stars", [InputRequired(), Between(min=1, max=5)])
    comment = TextAreaField("Comment", [Optional(), Length(max=2000)], filters=[strip])


class ReplyForm(FlaskForm):
    reply = TextAreaField("Your reply", [DataRequired(), Length(min=1, max=2000)], filters=[strip])


class NoShowDecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=choices("upheld", "rejected"), validators=[InputRequired()])
    note = TextAreaField("Note", [Optional(), Length(max=500)], filters=[strip])


class HideReviewForm(FlaskForm):
    reason = TextAreaField("Why it is hidden", [DataRequired(), Length(min=1, max=500)], filters=[strip])


class RepostForm(FlaskForm):
    """Post an ended job again: every field of AuctionForm, each optional (the old auction's
    value stands) except the new deadline."""

    title = StringField("Title", [Optional(), Length(min=5, max=200)], filters=[strip])
    description = TextAreaField("Description", [Optional(), Length(min=20, max=2000)], filters=[strip])
    category_id = IntegerField("Category", [Optional(), Between(min=1, max=MAX_ID)])
    location = StringField("Location", [Optional(), Length(min=5, max=100)], filters=[strip])
    budget_min = MoneyField("Minimum budget (₹)", [Optional(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    budget_max = MoneyField("Maximum budget (₹)", [Optional(), Between(min=Decimal("0.01"), max=MAX_MONEY)])
    deadline = UTCDateTimeField("Bids close at", [InputRequired()])
    requirements = TextAreaField("Additional requirements", [Optional(), Length(max=2000)], filters=[strip])

    def validate_budget_max(self, field: Field) -> None:
        if field.data is not None and self.budget_min.data is not None and field.data < self.budget_min.data:
            raise ValidationError(f"Must be at least the minimum budget ({format_inr(self.budget_min.data)}).")
