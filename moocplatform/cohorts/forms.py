from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from ..i18n import timezone_choices


class CohortBasicsForm(FlaskForm):
    """What every cohort has, of a course or of a programme."""

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(z) for z in timezone_choices()]


class CohortForm(CohortBasicsForm):
    is_open = BooleanField(_l("Open: listed on the course page, anyone with the code may join"), default=True)
    requires_sign_off = BooleanField(
        _l("Completion requires a facilitator's sign-off"), default=False,
        description=_l("The course is completed, and its certificate issued, only once a facilitator of this "
                       "cohort has signed the learner off."))
    names_peer_reviewers = BooleanField(
        _l("Learners see who reviewed their work"), default=False,
        description=_l("Peer reviews of assignments are anonymous unless you tick this: then a learner sees the "
                       "name of each peer who reviewed their work, and reviewers are told so before they write."))
    risk_inactive_days = IntegerField(_l("At risk after this many days without activity"), default=7,
                                      validators=[Optional(), NumberRange(min=1, max=365)])
    risk_modules_behind = IntegerField(_l("At risk when behind the plan by more than this many modules"),
                                       default=1, validators=[Optional(), NumberRange(min=0, max=100)])
    risk_failed_attempts = IntegerField(_l("At risk after this many failed attempts at one quiz"), default=2,
                                        validators=[Optional(), NumberRange(min=1, max=100)])


class RosterFileForm(FlaskForm):
    file = FileField(_l("A CSV file of e-mail addresses"), validators=[FileRequired(_l("Choose a CSV file."))],
                     render_kw={"accept": ".csv,text/csv"},
                     description=_l("One address a line, or a column headed \"email\" (a spreadsheet saved as CSV, "
                                    "UTF-8). Accounts are added; addresses without one are mailed the join link."))


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])


class JoinCodeForm(FlaskForm):
    code = StringField(_l("Cohort code"), validators=[InputRequired(), Length(max=32)])


class MoveForm(FlaskForm):
    target = SelectField(_l("Move to"), coerce=int, validators=[InputRequired()])


class LiveSessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts at (the cohort's time zone)"), validators=[InputRequired()])
    minutes = IntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=5, max=600)], default=60)
    video_url = URLField(_l("Video-call link"), validators=[Optional(), Length(max=500)])


class ScheduleForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts at (the cohort's time zone)"), validators=[InputRequired()])
    video_url = URLField(_l("Video-call link"), validators=[Optional(), Length(max=500)])


class ExternalItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    url = URLField(_l("Web address"), validators=[InputRequired(), Length(max=1000)])
    instructions = TextAreaField(_l("Instructions"), validators=[Optional(), Length(max=5000)])
    due_at = DateTimeLocalField(_l("Due (the cohort's time zone)"), validators=[Optional()])


class DoneForm(FlaskForm):
    done = HiddenField(validators=[AnyOf(["1", "0"])], default="1")


class SignOffForm(FlaskForm):
    note = TextAreaField(_l("Note for the learner (optional)"), validators=[Optional(), Length(max=2000)])


class WithdrawSignOffForm(FlaskForm):
    reason = TextAreaField(_l("Why the sign-off is withdrawn"), validators=[InputRequired(), Length(max=2000)])


class HandCompletionForm(FlaskForm):
    """Mark a unit complete for a learner by hand (complete "1"), or take that back ("0"), saying why."""
    unit_key = HiddenField(validators=[InputRequired(), Length(max=64)])
    complete = HiddenField(validators=[AnyOf(["0", "1"])])
    reason = TextAreaField(_l("Why"), validators=[InputRequired(), Length(max=500)])


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[InputRequired(), Length(max=80)])


class FormTeamsForm(FlaskForm):
    size = IntegerField(_l("Learners per team, at most"), validators=[InputRequired(), NumberRange(min=2, max=50)],
                        default=5, description=_l("Teams are as even as can be: their sizes differ by one at most. "
                                                  "Learners whose time zones are close are put together; progress "
                                                  "and scores play no part."))
    replace = BooleanField(_l("Replace the current teams (their members are formed afresh)"), default=False)


class TeamMoveForm(FlaskForm):
    team = SelectField(_l("Team"), coerce=int, validators=[InputRequired()])  # 0: in no team


class ExtendDueDateForm(FlaskForm):
    """A later due date for one learner and one item of the plan (the choices are set by the view)."""

    item_id = SelectField(_l("Item of the plan"), coerce=int, validators=[InputRequired()])
    due_at = DateTimeLocalField(_l("New due date (the cohort's time zone)"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=500)])
