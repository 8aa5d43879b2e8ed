"""People forms: they present the services' errors; the services validate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import ProfileVisibility
from .services import MAX_LINKS, MAX_REASON


class SettingsForm(FlaskForm):
    visibility = RadioField(_l("Who sees your profile"), choices=[
        SelectChoice(ProfileVisibility.HIDDEN.value, _l("Only you, the staff of your courses and administrators")),
        SelectChoice(ProfileVisibility.COURSE_MATES.value, _l("Also people who share a course or cohort with you")),
    ], default=ProfileVisibility.HIDDEN.value)
    allow_messages = BooleanField(
        _l("Allow messages from cohort-mates and course-mates"),
        description=_l("They can write to you only if they allow it too. Your facilitators can always write to "
                       "you, and you to them."))
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=1000)],
                        description=_l("A few sentences, shown as plain text."))
    links = TextAreaField(_l("Links"), validators=[Optional(), Length(max=2000)],
                          description=_l("Up to %(n)d web addresses (https://…), one a line.", n=MAX_LINKS))


class ReasonForm(FlaskForm):
    reason = StringField(_l("What is wrong with this profile?"),
                         validators=[DataRequired(), Length(max=MAX_REASON)])


class DecisionForm(FlaskForm):
    reason = StringField(_l("Why (for the audit log)"), validators=[Length(max=MAX_REASON)])
