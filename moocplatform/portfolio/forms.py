from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired, Length, Optional

from .services import MAX_BODY, MAX_HEADLINE, MAX_INTRO, MAX_TITLE, new_request_key


class EntryForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=MAX_BODY)],
                         description=_l("Markdown: *emphasis*, **strong**, lists, links."))
    request_key = HiddenField(default=new_request_key)


class EditEntryForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(_l("Your text"), validators=[Optional(), Length(max=MAX_BODY)],
                         description=_l("Markdown: *emphasis*, **strong**, lists, links."))


class UploadForm(FlaskForm):
    file = FileField(_l("File"), description=_l(
        "PDF, PNG, JPEG, plain text, or an OpenDocument or Office document; at most 10 MB."))
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=MAX_TITLE)],
                        description=_l("Without one, the file's name is the title."))
    request_key = HiddenField(default=new_request_key)


class PublicPageForm(FlaskForm):
    headline = StringField(_l("Headline"), validators=[Optional(), Length(max=MAX_HEADLINE)],
                           description=_l("For example: Care assistant, looking for an apprenticeship."))
    intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=MAX_INTRO)],
                          description=_l("A few words about you, shown above the entries (Markdown)."))
    entries = SelectMultipleField(_l("Entries shown on the public page"), coerce=int, choices=[],
                                  option_widget=widgets.CheckboxInput(),
                                  widget=widgets.ListWidget(prefix_label=False), validate_choice=True)
