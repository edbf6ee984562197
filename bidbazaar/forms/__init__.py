"""WTForms classes: the one place input is validated, for the JSON API and the pages alike.

- forms.fields: the field types and validators (money, UTC times, id lists, exact ranges);
- forms.api_forms: what each request may carry, whichever door it comes through;
- forms.page_forms: what the HTML pages add (password confirmation, India-time inputs, pickers);
- forms.json_input: the typed JSON front (`parse_json_form`, `parse_query`).

The doors import every name they use from `bidbazaar.forms`; the building blocks stay in
forms.fields.
"""

from bidbazaar.forms.api_forms import (
    MAX_AUCTION_LENGTH,
    SORT_CHOICES,
    STATUS_CHOICES,
    USERNAME,
    AuctionForm,
    AuctionSearchForm,
    AwardForm,
    BidForm,
    CategoryForm,
    JoinAuctionForm,
    LoginForm,
    NotificationsReadForm,
    PageForm,
    ProfileForm,
    RegisterForm,
    SocketBidTarget,
)
from bidbazaar.forms.fields import (
    IDEMPOTENCY_KEY_MESSAGE,
    IDEMPOTENCY_KEY_PATTERN,
    MAX_MONEY,
    MONEY_STEP,
    MoneyField,
    UTCDateTimeField,
    form_fields,
    is_idempotency_key,
)
from bidbazaar.forms.json_input import (
    accepted_json_types,
    form_errors,
    is_required,
    json_object_body,
    json_type_name,
    parse_json_form,
    parse_query,
    validation_error,
)
from bidbazaar.forms.page_forms import (
    PAGE_TIMEZONE,
    AuctionPageForm,
    BookingFilterForm,
    CancelBookingPageForm,
    CategoryPageForm,
    ConfirmForm,
    DeclinePageForm,
    IndiaDateTimeField,
    NoShowPageForm,
    RegisterPageForm,
    ReofferPageForm,
    ReplyPageForm,
    ReviewPageForm,
    UserSearchForm,
    optional_int,
)
from bidbazaar.values import MAX_ID

__all__ = [
    "IDEMPOTENCY_KEY_MESSAGE",
    "IDEMPOTENCY_KEY_PATTERN",
    "MAX_AUCTION_LENGTH",
    "MAX_ID",
    "MAX_MONEY",
    "MONEY_STEP",
    "PAGE_TIMEZONE",
    "SORT_CHOICES",
    "STATUS_CHOICES",
    "USERNAME",
    "AuctionForm",
    "AuctionPageForm",
    "AuctionSearchForm",
    "AwardForm",
    "BidForm",
    "BookingFilterForm",
    "CancelBookingPageForm",
    "CategoryForm",
    "CategoryPageForm",
    "ConfirmForm",
    "DeclinePageForm",
    "IndiaDateTimeField",
    "JoinAuctionForm",
    "LoginForm",
    "MoneyField",
    "NoShowPageForm",
    "NotificationsReadForm",
    "PageForm",
    "ProfileForm",
    "RegisterForm",
    "RegisterPageForm",
    "ReofferPageForm",
    "ReplyPageForm",
    "ReviewPageForm",
    "SocketBidTarget",
    "UTCDateTimeField",
    "UserSearchForm",
    "accepted_json_types",
    "form_errors",
    "form_fields",
    "is_idempotency_key",
    "is_required",
    "json_object_body",
    "json_type_name",
    "optional_int",
    "parse_json_form",
    "parse_query",
    "validation_error",
]
