"""The forms of public questions: asking and answering, for the JSON API and the pages alike
(FlaskForm: the pages check CSRF; parse_json_form turns it off for the API)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from bidbazaar.forms.fields import strip
from bidbazaar.provider_models import MAX_QUESTION_LENGTH

_TEXT = [DataRequired(), Length(min=1, max=MAX_QUESTION_LENGTH)]


class QuestionForm(FlaskForm):
    """A provider's question on an active auction (contact details are masked when shown)."""

    body = TextAreaField("Your question", _TEXT, filters=[strip])


class AnswerForm(FlaskForm):
    """The customer's public answer to a question, once."""

    answer = TextAreaField("Your answer", _TEXT, filters=[strip])
