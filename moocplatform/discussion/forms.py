"""Discussion forms: they present the services' errors; the services validate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .moderation import MAX_REASON
from .mutes import MUTE_DAYS
from .services import MAX_CHARACTERS, MAX_NOTE, MAX_TITLE, new_request_key


class PostForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=MAX_CHARACTERS)],
                         description=_l("Markdown: *emphasis*, **strong**, [links](https://example.org), lists."))
    parent_id = HiddenField()
    request_key = HiddenField(default=new_request_key)


class ThreadForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Your post"), validators=[DataRequired(), Length(max=MAX_CHARACTERS)])
    request_key = HiddenField(default=new_request_key)


class ReportForm(FlaskForm):
    reason = StringField(_l("What is wrong with this post?"), validators=[DataRequired(), Length(max=MAX_REASON)])


class ModerationForm(FlaskForm):
    reason = StringField(_l("Why (for the audit log)"), validators=[Length(max=MAX_REASON)])


class EditForm(FlaskForm):
    body = TextAreaField(_l("Your post"), validators=[DataRequired(), Length(max=MAX_CHARACTERS)])
    note = StringField(_l("Note shown with the post (why a moderator edited it)"), validators=[Length(max=MAX_NOTE)])


class MuteForm(FlaskForm):
    days = SelectField(_l("For how long"), choices=[SelectChoice(str(d), str(d)) for d in MUTE_DAYS])
    reason = StringField(_l("Why (for the audit log)"), validators=[DataRequired(), Length(max=MAX_REASON)])


class MoveForm(FlaskForm):
    category = StringField(_l("Move to"), validators=[DataRequired()])
    reason = StringField(_l("Why (for the audit log)"), validators=[Length(max=MAX_REASON)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=MAX_CHARACTERS)],
                         description=_l("Markdown: *emphasis*, **strong**, [links](https://example.org), lists."))
    request_key = HiddenField(default=new_request_key)
