"""What the watchlist and My bids read from a query string (the API and the pages alike)."""

from __future__ import annotations

from wtforms import IntegerField, StringField
from wtforms.validators import Length, Optional

from bidbazaar.forms.fields import Between, FullMatch, NoCSRFForm
from bidbazaar.values import MAX_ID

#: A provider's standing on an auction it bid on (queries.my_bids computes it).
STANDING_CHOICES = ("leading", "outbid", "won", "lost", "withdrawn")
_ONE = "(?:" + "|".join(STANDING_CHOICES) + ")"
#: `standing=` of My bids: one standing or several, comma-separated, nothing else.
STANDING_PATTERN = f"^{_ONE}(?:,{_ONE})*$"


def standings(text: str | None) -> tuple[str, ...]:
    """`leading,outbid` as ("leading", "outbid"); empty means every standing."""
    return tuple(dict.fromkeys(part for part in (text or "").split(",") if part))


class MyBidsSearchForm(NoCSRFForm):
    """GET /api/users/me/bids and /my/bids: one or several standings (comma-separated), the page."""

    standing = StringField(
        validators=[
            Optional(),
            Length(max=100),
            FullMatch(STANDING_PATTERN, message=f"One or more of {', '.join(STANDING_CHOICES)}, comma-separated."),
        ]
    )
    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    per_page = IntegerField(default=20, validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped


class WatchingSearchForm(NoCSRFForm):
    """GET /api/users/me/watching and /my/watching: the page."""

    page = IntegerField(default=1, validators=[Optional(), Between(min=1, max=1_000_000)])
    per_page = IntegerField(default=20, validators=[Optional(), Between(min=1, max=MAX_ID)])  # >100: clamped
