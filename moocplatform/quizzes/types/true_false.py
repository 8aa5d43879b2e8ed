"""true_false: a statement to judge; feedback_true and feedback_false go to who answered each."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape

from ..grading.base import Grade, QuizFormatError, text_of
from .base import Choice, QuestionType, register_type

TRUE_WORDS = {"true": True, "false": False}
# Upper case only, as in Moodle: `{true}` or `{t}` is a short answer whose answer is that word.
GIFT_TRUE_FALSE = re.compile(r"(TRUE|FALSE|T|F)\s*(?:#(.*))?", re.DOTALL)
GIFT_TRUE_FALSE_ANY_CASE = re.compile(r"(TRUE|FALSE|T|F)\s*(?:#.*)?", re.IGNORECASE | re.DOTALL)


@register_type
class TrueFalse(QuestionType):
    name = "true_false"
    widget = "radio"
    result_widget = "choices_result"

    gift_order = 30

    def gift_claims(self, block: Any) -> bool:
        if GIFT_TRUE_FALSE.fullmatch(block.content):
            return True
        if GIFT_TRUE_FALSE_ANY_CASE.fullmatch(block.content):
            # Not in capitals: the block is read on as the `=` answer it is in Moodle (a short answer).
            block.note(block.start, f"{{{block.content.partition('#')[0].strip()}}} is a short answer in Moodle and "
                                    "here; write T, F, TRUE or FALSE in capitals for a true/false question")
            block.rewrite("=" + block.content)
        return False

    def from_gift(self, block: Any) -> dict[str, Any]:
        match = GIFT_TRUE_FALSE.fullmatch(block.content)
        assert match is not None
        answer = match.group(1).startswith("T")
        wrong, _sep, rest = (match.group(2) or "").partition("#")
        right, _sep, extra = rest.partition("#")
        if extra.strip():
            block.note(block.start, "a true/false question takes two feedbacks (#wrong#right); the rest was dropped")
        # GIFT gives the feedback for a wrong answer first, then for a right one.
        feedback_true, feedback_false = (right, wrong) if answer else (wrong, right)
        result: dict[str, Any] = {"answer": answer}
        for key, raw in (("feedback_true", feedback_true), ("feedback_false", feedback_false)):
            text = block.markdown(raw, block.start)
            if text:
                result[key] = text
        return result

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
