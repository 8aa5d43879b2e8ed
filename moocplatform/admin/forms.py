from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "facilitator": _l("Facilitator (of one course)"),
    "course_team": _l("Course team (of one course)"),
}


class GrantRoleForm(FlaskForm):
    # No role is chosen in advance: a click on "Grant" must never make anyone an administrator by default.
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("— choose a role —")),
                                            *(SelectChoice(k, v) for k, v in ROLE_LABELS.items())],
                       validators=[InputRequired(_l("Choose a role."))])
    course = SelectField(_l("Course"), validators=[Optional()],
                         description=_l("Needed for facilitators and course teams."))
    confirm_admin = BooleanField(_l("Yes, give this person every administrator power"),
                                 description=_l("Needed when the role is Administrator."))

    def validate_role(self, field) -> None:
        if field.data == "admin" and not self.confirm_admin.data:
            raise ValidationError(_l("To make someone an administrator, tick the box that confirms it."))


class SuspendForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Optional(), Length(max=300)])
    confirm = BooleanField(_l("Yes, suspend this account and log it out everywhere"),
                           validators=[DataRequired(_l("Tick the box to confirm the suspension."))])
