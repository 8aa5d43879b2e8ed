from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .services import MAX_BOOKMARK_NOTE_LENGTH, MAX_NOTE_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH


class NoteForm(FlaskForm):
    body = TextAreaField(_l("My note on this unit"), validators=[Length(max=MAX_NOTE_LENGTH)],
                         description=_l("Private: only you can read it. Markdown works: *italic*, **bold**, lists."))
    version = HiddenField()


class BookmarkLinkForm(FlaskForm):
    url = StringField(_l("Address"), validators=[InputRequired(), Length(max=MAX_URL_LENGTH)],
                      render_kw={"inputmode": "url", "autocomplete": "url", "spellcheck": "false"},
                      description=_l("A web page, beginning with https:// or http://."))
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE_LENGTH)])
    note = TextAreaField(_l("Why you keep it (optional)"),
                         validators=[Optional(), Length(max=MAX_BOOKMARK_NOTE_LENGTH)])
