from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "facilitator": _l("Facilitator (of one course)"),
    "course_team": _l("Course team (of one course)"),
}


class GrantRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
                       validators=[InputRequired()])
    course = SelectField(_l("Course"), validators=[Optional()],
                         description=_l("Needed for facilitators and course teams."))


class SuspendForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Optional(), Length(max=300)])
