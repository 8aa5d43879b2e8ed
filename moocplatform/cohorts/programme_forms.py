"""Forms of programmes and of their cohorts (a programme's cohort has no course settings: no sign-off, no peer
review, no modules to fall behind in)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..i18n import timezone_choices


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=3, max=200)])
    slug = StringField(_l("Web address"), validators=[InputRequired(), Length(min=2, max=64)],
                       description=_l("Lower-case letters, digits and hyphens; it cannot be changed later."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)],
                                description=_l("What the group works through and who it is for."))
    language = StringField(_l("Language"), validators=[InputRequired(), Length(min=2, max=16)], default="en",
                           description=_l("A code such as en or de."))
    competences = StringField(_l("Competences"), validators=[Optional(), Length(max=2000)],
                              description=_l("Separated by commas: free tags, or framework references such as "
                                             "EntreComp 1.1."))
    organisation_id = SelectField(_l("Organisation"), coerce=int, default=0,
                                  description=_l("The organisation that runs the programme, if any."))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [SelectChoice(0, str(_l("None")))] + [
            SelectChoice(o.id, o.name) for o in organisations]


class ProgrammeEditForm(ProgrammeForm):
    """The slug and the owner stay."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.slug
        del self.organisation_id


class ProgrammeCohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                description=_l("Who the cohort is for and how it works."))
    language = StringField(_l("Language"), validators=[InputRequired(), Length(min=2, max=16)],
                           description=_l("The language the group works in, as a code such as en or de."))
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    time_zone = SelectField(_l("Time zone"), validators=[InputRequired()], default="UTC",
                            description=_l("Live sessions and due dates are set in this time zone."))
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                            description=_l("Leave empty for no limit. Once full, learners join a waiting list."))
    is_open = BooleanField(_l("Open: listed on the programme page, anyone with the code may join"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(z) for z in timezone_choices()]
