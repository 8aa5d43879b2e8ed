from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length


class CompletionForm(FlaskForm):
    complete = HiddenField(validators=[AnyOf(["1", "0"])], default="1")


class InviteForm(FlaskForm):
    emails = TextAreaField(_l("E-mail addresses"), validators=[InputRequired(), Length(max=20000)],
                           description=_l("One address a line, or separated by commas (at most 500)."))
