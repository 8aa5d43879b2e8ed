from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .notices import STATUS_LABELS

KIND_LABELS = {
    "job": _l("Job"),
    "internship": _l("Internship"),
    "apprenticeship": _l("Apprenticeship"),
    "project": _l("Project"),
}
POSTING_STATUS_LABELS = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
    "removed": _l("Removed by a moderator"),
}


class OpportunityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[InputRequired()],
                       choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)],
                                description=_l("The work, what you offer and how to apply. Markdown works."))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("Town or address; leave empty for remote work."))
    remote = BooleanField(_l("Remote work is possible"))
    closes_on = DateField(_l("Closing date"), validators=[InputRequired()],
                          description=_l("The last day to apply."))
    framework_competences = SelectMultipleField(
        _l("Competences asked, from the courses' frameworks"), validators=[Optional()],
        description=_l("Learners whose certificate develops one of them are told it matches."))
    competences = StringField(_l("Other competences asked"), validators=[Optional(), Length(max=2000)],
                              description=_l("Separated by commas, e.g. Teamwork, Data literacy."))
    course_ids = SelectMultipleField(_l("Courses that teach them"), coerce=int, validators=[Optional()],
                                     description=_l("Optional: courses whose certificate you value."))
    publish = BooleanField(_l("Publish now (otherwise it is kept as a draft)"))


class ApplyForm(FlaskForm):
    message = TextAreaField(_l("Your message to the employer"), validators=[InputRequired(), Length(max=5000)])
    shared_link = StringField(_l("A link to share (optional)"), validators=[Optional(), Length(max=500)],
                              description=_l("Your public portfolio page, or another page about your work."))


class ReportForm(FlaskForm):
    reason = StringField(_l("What is wrong with this posting?"), validators=[Optional(), Length(max=500)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[InputRequired()],
                         choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()])


class RecommendForm(FlaskForm):
    cohort = SelectField(_l("Cohort"), coerce=int, validators=[InputRequired()])


class ModerationForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Optional(), Length(max=300)])
