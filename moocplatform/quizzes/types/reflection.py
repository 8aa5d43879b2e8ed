"""reflection: free text the learner writes for themselves (and whom the course lets read it); never graded."""
from __future__ import annotations

from typing import Any

from ..grading.base import Grade, QuizFormatError
from .base import QuestionType, register_type


def _ungraded(problem: str | None) -> Grade:
    """A reflection's grade: never scored; invalid (and why) when `problem` is given."""
    return Grade(score=0.0, correct=False, graded=False, valid=problem is None, reason=problem)


@register_type
class Reflection(QuestionType):
    name = "reflection"
    graded = False
    private = True
    widget = "reflection"
    result_widget = "reflection_result"

    gift_order = 10

    def gift_claims(self, block: Any) -> bool:
        return not block.content  # `{}`: Moodle's essay

    def from_gift(self, block: Any) -> dict[str, Any]:
        return {}

    def grade(self, question: dict, response: Any) -> Grade:
        """Never scored. Valid when there is text, and at least `min_words` words when the question asks."""
        min_words = question.get("min_words", 0)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 0:
            raise QuizFormatError(f"question {question.get('id')!r}: `min_words` must be a whole number of at "
                                  "least 0")
        if response is not None and not isinstance(response, str):
            return _ungraded("expected text")
        words = len((response or "").split())
        if not words:
            return _ungraded("no text")
        if words < min_words:
            return _ungraded(f"write at least {min_words} words")
        return _ungraded(None)

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        return {"text": "" if hidden or not isinstance(response, str) else response,
                "min_words": int(question.get("min_words", 0) or 0)}
