"""Forms the server-rendered pages and the admin console add on top of the API's classes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import DateTimeLocalInput

from bidbazaar.booking_models import BookingStatus
from bidbazaar.forms.api_forms import AuctionForm, BidForm, CategoryForm, ProxyForm, RegisterForm
from bidbazaar.forms.fields import MAX_MONEY, Between, MoneyField, NoCSRFForm, UTCDateTimeField, strip
from bidbazaar.values import MAX_ID

#: The pages' `datetime-local` inputs carry no zone: they are read as India time.
PAGE_TIMEZONE = ZoneInfo("Asia/Kolkata")


def optional_int(value: Any) -> int | None:
    """Coerce a <select> value: "" means none."""
    if value is None or value == "":
        return None
    return int(value)


class IndiaDateTimeField(UTCDateTimeField):
    """A `datetime-local` input read as Asia/Kolkata time and kept as UTC."""

    widget = DateTimeLocalInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("assume_timezone", PAGE_TIMEZONE)
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(PAGE_TIMEZONE).strftime("%Y-%m-%dT%H:%M") if self.data else ""


class RegisterPageForm(RegisterForm):
    """/register: the API's rules plus a password confirmation."""

    confirm_password = PasswordField(
        "Confirm password", [DataRequired(), EqualTo("password", message="Passwords do not match.")]
    )


class AuctionPageForm(AuctionForm):
    """/auctions/new: a category picker (choices set by the view) and an India-time deadline."""

    category_id = SelectField("Category", [InputRequired()], coerce=optional_int)
    deadline = IndiaDateTimeField("Bids close at (India time)", [InputRequired()])


class ConfirmForm(FlaskForm):
    """A button that changes state (cancel, withdraw, verify, deactivate): only the CSRF token."""


class CategoryPageForm(CategoryForm):
    """Admin create/rename/move: the parent is picked from the tree ("" = top level)."""

    parent_id = SelectField("Parent category", [Optional()], coerce=optional_int)


# --------------------------------------------------------------------------- the booking pages


class DeclinePageForm(FlaskForm):
    """The provider declines an offer; saying why is optional."""

    reason = TextAreaField("Reason (optional)", [Optional(), Length(max=500)], filters=[strip])


class CancelBookingPageForm(FlaskForm):
    """Either side calls a booking off (or the customer stops the chain): a reason is required."""

    reason = TextAreaField("Why?", [DataRequired(message="Say why you cancel."), Length(max=500)], filters=[strip])


class NoShowPageForm(FlaskForm):
    """The customer reports that the provider never came."""

    note = TextAreaField("What happened? (optional)", [Optional(), Length(max=2000)], filters=[strip])


class ReofferPageForm(FlaskForm):
    """The customer offers the job to another remaining bid instead."""

    bid_id = IntegerField("Bid", [InputRequired(), Between(min=1, max=MAX_ID)])


class ReviewPageForm(FlaskForm):
    """One side rates the other after completion: 1-5 stars and an optional comment."""

    rating = RadioField(
        "Rating",
        [InputRequired(message="Pick 1 to 5 stars.")],
        choices=[SelectChoice(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
    )
    comment = TextAreaField("Comment (optional)", [Optional(), Length(max=2000)], filters=[strip])


class ReplyPageForm(FlaskForm):
    """The reviewed side answers a published review, once."""

    reply = TextAreaField("Your public reply", [DataRequired(), Length(max=2000)], filters=[strip])


class BookingFilterForm(NoCSRFForm):
    """/bookings?status=...&page=..."""

    status = SelectField(
        "Status",
        [Optional()],
        choices=[SelectChoice("", "All")] + [SelectChoice(s, s.replace("_", "-")) for s in BookingStatus.ALL],
    )
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])


class BidPageForm(BidForm):
    """The auction page's bid form: a bid, and optionally a floor to undercut down to."""

    proxy_floor = MoneyField(
        "Auto-undercut down to (₹, optional)", [Optional(), Between(min=Decimal("0.01"), max=MAX_MONEY)]
    )


class ProxyPageForm(ProxyForm):
    """The owner's "change your auto-bid floor" box on the auction page."""
