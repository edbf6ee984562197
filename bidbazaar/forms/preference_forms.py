"""The /settings/email form: one instant / daily digest / off choice per emailable type."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from bidbazaar.mail_models import EMAIL_TYPES, EmailMode

MODE_CHOICES = [
    SelectChoice(EmailMode.INSTANT, "Instant"),
    SelectChoice(EmailMode.DIGEST, "Daily digest"),
    SelectChoice(EmailMode.OFF, "Off"),
]


class EmailPreferencesForm(FlaskForm):
    """A radio field named after each type of mail_models.EMAIL_TYPES (fields added below)."""


for _type, (_label, _group, _default) in EMAIL_TYPES.items():
    setattr(
        EmailPreferencesForm,
        _type,
        RadioField(_label, [InputRequired("Choose instant, daily digest or off.")], choices=MODE_CHOICES),
    )
