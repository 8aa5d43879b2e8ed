"""true_false: a statement to judge; feedback_true and feedback_false go to who answered each."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import escape

from ..grading.base import Grade, QuizFormatError, text_of
from .base import Choice, QuestionType, register_type

TRUE_WORDS = {"true": True, "false": False}


@register_type
class TrueFalse(QuestionType):
    name = "true_false"
    widget = "radio"
    result_widget = "choices_result"
    gift_kinds = ("T, TRUE, F or FALSE",)

    def grade(self, question: dict, response: Any) -> Grade:
        """true/false, or the strings "true"/"false" (any case, surrounding spaces ignored), as HTML forms send
        them. `feedback_true` is shown to whoever answered true and `feedback_false` to whoever answered false."""
        answer = question.get("answer")
        if not isinstance(answer, bool):
            raise QuizFormatError(f"question {question.get('id')!r}: `answer` must be true or false")
        if response is None or response == "":
            return Grade.invalid("no answer")
        if isinstance(response, str):
            said = TRUE_WORDS.get(response.strip().lower())
        else:
            said = response if isinstance(response, bool) else None
        if said is None:
            return Grade.invalid("expected true or false")
        feedback = question.get("feedback_true") if said else question.get("feedback_false")
        return Grade.scored(1.0 if said is answer else 0.0, [text_of(feedback)])

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        said = str(response).strip().lower() if response is not None else ""
        options = [("true", escape(_("True")), question.get("answer") is True),
                   ("false", escape(_("False")), question.get("answer") is False)]
        return {"choices": [Choice(value, text, said == value, correct if show.answers else None)
                            for value, text, correct in options]}

    def response_label(self, question: dict, stored: Any) -> str | None:
        said = str(stored).strip().lower()
        return _("True") if said == "true" else _("False") if said == "false" else None
