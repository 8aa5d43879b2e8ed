"""Quiz forms. An attempt's questions are not WTForms fields (they differ per attempt): `read_responses` reads
them from the posted form by name, and refuses names that are not questions of the attempt.

Field names: `q.<question id>` and `q.<question id>.<sub>`; each question type reads its own
(QuestionType.read_field): one value, or several for multiple_response, which also sends `q.<id>.shown` so
that ticking nothing is an answer; `q.<id>.<item id>` (the position of an ordering item) and `q.<id>.<pair id>`
(the match chosen for a pair). Ids never contain dots.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from ..errors import InvalidInput
from .services import MAX_EXTRA_ATTEMPTS, MAX_EXTRA_MINUTES
from .types import RefusedField, type_of

PREFIX = "q."


class AttemptForm(FlaskForm):
    """The CSRF token and which button was pressed; the answers are read by read_responses."""

    action = HiddenField(validators=[AnyOf(["save", "submit"])], default="save")


class ExceptionForm(FlaskForm):
    email = EmailField(_l("Learner's e-mail address"), validators=[InputRequired(), Length(max=254)])
    extra_attempts = IntegerField(_l("Extra attempts"), default=0,
                                  validators=[Optional(), NumberRange(0, MAX_EXTRA_ATTEMPTS)])
    extra_minutes = IntegerField(_l("Extra minutes per attempt"), default=0,
                                 validators=[Optional(), NumberRange(0, MAX_EXTRA_MINUTES)],
                                 description=_l("Only for quizzes with a time limit."))
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=500)],
                           description=_l("Kept with the exception and in the audit log."))


def _refuse() -> InvalidInput:
    return InvalidInput(_("The answers name a question that is not part of this attempt."))


def read_responses(formdata: MultiDict, questions: dict[str, dict]) -> dict[str, Any]:
    """The answers in a posted attempt form, in the stored shape of services.clean_responses.

    `questions` are the attempt's questions by id. A field naming another question, or an option, item or pair
    the question lacks, is refused (InvalidInput); fields outside the `q.` names are ignored.
    """
    responses: dict[str, Any] = {}
    for name in formdata:
        if not name.startswith(PREFIX):
            continue
        question_id, _dot, sub = name[len(PREFIX):].partition(".")
        question = questions.get(question_id)
        if question is None:
            raise _refuse()
        question_type = type_of(question)
        if question_type is None:
            raise _refuse()
        values = [v for v in formdata.getlist(name) if isinstance(v, str)]
        try:
            question_type.read_field(responses, question, sub, values)
        except RefusedField:
            raise _refuse() from None
    return responses
