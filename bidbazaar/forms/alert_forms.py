"""The forms of job alerts (saved searches): the API's and the /alerts page's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

from bidbazaar.forms.fields import MAX_MONEY, Between, MoneyField, strip
from bidbazaar.forms.page_forms import optional_int
from bidbazaar.values import MAX_ID


class SavedSearchForm(FlaskForm):
    """A saved search: every filter optional (none set matches every new job); a blank name
    is derived from the filters (services.alerts.derived_name)."""

    name = StringField("Name", [Optional(), Length(max=100)], filters=[strip])
    category_id = IntegerField("Category", [Optional(), Between(min=1, max=MAX_ID)])
    location = StringField("Location contains", [Optional(), Length(max=100)], filters=[strip])
    min_budget = MoneyField("Budget from (₹)", [Optional(), Between(min=0, max=MAX_MONEY)])
    max_budget = MoneyField("Budget up to (₹)", [Optional(), Between(min=0, max=MAX_MONEY)])
    keywords = StringField("Keywords (all must appear)", [Optional(), Length(max=200)], filters=[strip])


class SavedSearchPageForm(SavedSearchForm):
    """/alerts and the /auctions "save these filters" button: a category picker (choices
    set by the view; "" for any category)."""

    category_id = SelectField("Category", [Optional()], coerce=optional_int)
