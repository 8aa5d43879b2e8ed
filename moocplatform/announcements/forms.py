"""The announcement form: it presents the service's errors; the service validates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .services import MAX_CHARACTERS, MAX_TITLE, new_request_key

EVERYONE = "course"
TEAM_PREFIX = "team:"  # a team's choice: "team:<id>"; a cohort's is its id


class AnnouncementForm(FlaskForm):
    audience = SelectField(_l("To"), choices=[], validate_choice=True)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Announcement"), validators=[DataRequired(), Length(max=MAX_CHARACTERS)],
                         description=_l("Markdown: *emphasis*, **strong**, [links](https://example.org), lists. "
                                        "Everyone it is for is told on the site, and by e-mail as they chose."))
    request_key = HiddenField(default=new_request_key)

    def cohort_id(self) -> int | None:
        value = self.audience.data or EVERYONE
        return None if value == EVERYONE or value.startswith(TEAM_PREFIX) else int(value)

    def team_id(self) -> int | None:
        value = self.audience.data or ""
        return int(value[len(TEAM_PREFIX):]) if value.startswith(TEAM_PREFIX) else None
