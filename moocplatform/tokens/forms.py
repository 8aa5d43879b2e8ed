from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, Length

from .purposes import PERSONAL_ACCESS

LIFETIME_CHOICES = [SelectChoice("30", _l("30 days")), SelectChoice("90", _l("90 days")),
                    SelectChoice("366", _l("One year"))]


class PersonalAccessTokenForm(FlaskForm):
    label = StringField(_l("Name"), validators=[InputRequired(), Length(max=80)],
                        description=_l("What the token is for, e.g. the program that uses it."))
    scopes = SelectMultipleField(
        _l("Access"), choices=[SelectChoice(scope, text) for scope, text in PERSONAL_ACCESS.scopes.items()],
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False),
        validators=[InputRequired(_l("Choose at least one kind of access."))])
    lifetime_days = SelectField(_l("Expires after"), choices=LIFETIME_CHOICES, default="90")
