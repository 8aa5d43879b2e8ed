from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from .countries import country_choices

KIND_LABELS = {
    "university": _l("University"),
    "company": _l("Company"),
    "vet_centre": _l("VET centre"),
    "ngo": _l("NGO"),
    "employer": _l("Employer"),
}
ROLE_LABELS = {"org_admin": _l("Admin"), "org_member": _l("Member")}


class OrganisationForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[InputRequired(), Length(max=64)],
                       description=_l("Part of the organisation's address; it never changes. Lower-case letters, "
                                      "digits and hyphens."))
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    legal_name = StringField(_l("Legal name"), validators=[InputRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), validators=[InputRequired()],
                       choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    country = SelectField(_l("Country"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("— choose a country —"))] + [
            SelectChoice(code, name) for code, name in country_choices()]


class MemberForm(FlaskForm):
    email = EmailField(_l("E-mail address of their account"), validators=[InputRequired(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[InputRequired()],
                       choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()], default="org_member")


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Optional(), Length(max=300)])


class CourseTeamForm(FlaskForm):
    """A member of the organisation to put on a course team (the choices are its members)."""

    user_id = SelectField(_l("Member"), validators=[InputRequired()], coerce=int)
