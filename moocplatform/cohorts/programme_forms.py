"""Forms of programmes and of their cohorts (a programme's cohort has no course settings: no sign-off, no peer
review, no modules to fall behind in)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .forms import CohortBasicsForm


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


class ProgrammeCohortForm(CohortBasicsForm):
    is_open = BooleanField(_l("Open: listed on the programme page, anyone with the code may join"), default=True)
