"""numeric: a number, graded by the first answer (a value ± tolerance, a range, or any number) that holds it."""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from ...content.yamlfile import MAX_INTEGER
from ..gift.questions import GiftAnswer, NotConverted, answer_credit, feedback
from ..gift.reader import restore
from ..grading.base import Grade, credit_of, entries, text_of
from ..grading.numeric import bounds, readings
from .base import Problem, QuestionType, register_type
from .options import is_number, listed, number

# GIFT numbers: value, value:tolerance or min..max, as Moodle's importer reads them.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*")
_TOLERANCE = re.compile(rf"\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*")


def gift_number(text: str, offset: int) -> int | float:
    """A number the pack validator accepts too: finite, and an integer of at most 15 digits."""
    too_long = len(text.lstrip("+-")) > len(str(MAX_INTEGER))  # before int(): it refuses over 4,300 digits
    value = float(text) if too_long or not re.fullmatch(r"[+-]?\d+", text) else int(text)
    if not math.isfinite(value) or (abs(value) > MAX_INTEGER and (isinstance(value, int) or too_long)):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise NotConverted(offset, f"the number {shown} is too large: at most {len(str(MAX_INTEGER))} digits")
    return value


def gift_numeric_answer(text: str, offset: int) -> dict[str, Any]:
    span = _RANGE.fullmatch(text)
    if span:
        low, high = gift_number(span.group(1), offset), gift_number(span.group(2), offset)
        if low > high:
            raise NotConverted(offset, f"the range {text.strip()} starts above its end")
        return {"min": low, "max": high}
    value = _TOLERANCE.fullmatch(text)
    if not value:
        raise NotConverted(offset, f"{restore(text).strip()!r} is not a number, number:tolerance or min..max")
    result: dict[str, Any] = {"value": gift_number(value.group(1), offset)}
    if value.group(2) is not None:
        tolerance = gift_number(value.group(2), offset)
        if tolerance < 0:
            raise NotConverted(offset, "a tolerance must not be negative")
        if tolerance:
            result["tolerance"] = tolerance
    return result


def number_text(value: Any) -> str:
    return format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")


def needs_credit(question: dict, path: list, problem: Problem) -> None:
    answers = listed(question, "answers")
    if answers and not any(number(a.get("credit"), 100) > 0 for _i, a in answers):
        problem([*path, "answers"], "no answer earns credit, so the question cannot be answered right")


def with_credit(text: str, credit: Any) -> str:
    return text if credit == 100 else _("%(answer)s (%(credit)s%% credit)", answer=text, credit=credit)


class TypedAnswer(QuestionType):
    """A type whose learner types the answer: its page shows what they typed and, when answers are shown,
    each accepted answer with its credit."""

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        view: dict[str, Any] = {"text": response if isinstance(response, str) else ""}
        if show.answers:
            view["accepted"] = [with_credit(self.accepted(answer), answer.get("credit", 100))
                                for answer in question.get("answers") or [] if answer.get("credit", 100)]
        return view

    @staticmethod
    def accepted(answer: dict) -> str:
        raise NotImplementedError


@register_type
class Numeric(TypedAnswer):
    name = "numeric"
    credited_answers = True
    widget = "number"
    result_widget = "typed_result"

    gift_order = 20

    def gift_claims(self, block: Any) -> bool:
        return bool(block.content.startswith("#"))

    def from_gift(self, block: Any) -> dict[str, Any]:
        content, offset = block.content[1:], block.start + 1
        if not content.strip():
            raise NotConverted(offset, "the numeric answer is empty")
        if content.lstrip()[0] not in "=~" and re.search(r"[=~]", content):
            content = "=" + content  # `{#3:2 ~#Completely wrong}`: the first answer without its `=`
        if content.lstrip()[0] not in "=~":
            text, has_feedback, said = content.partition("#")
            single = GiftAnswer("=", None, text, said if has_feedback else None, offset)
            return {"answers": [{**gift_numeric_answer(text, offset), **feedback(block, single)}]}
        converted = []
        for answer in block.state.answers(content, offset):
            credit = answer_credit(block, answer, default=100 if answer.marker == "=" else 0)
            # An answer without a number (`~#Completely wrong`, Moodle's `*`) matches any number.
            found = gift_numeric_answer(answer.text, answer.offset) if answer.text.strip() not in ("", "*") else {}
            converted.append({**found, **credit, **feedback(block, answer)})
        return {"answers": converted}

    def check(self, question: dict, path: list, problem: Problem) -> None:
        for i, answer in listed(question, "answers"):
            low, high = answer.get("min"), answer.get("max")
            if is_number(low) and is_number(high) and low > high:
                problem([*path, "answers", i], f"min ({low}) must not be greater than max ({high})")
        needs_credit(question, path, problem)

    def grade(self, question: dict, response: Any) -> Grade:
        """The first answer whose interval holds the number decides; its credit (percent, default 100) is the
        score. Of the readings of an ambiguous response, the best scoring one counts."""
        answers = [(answer, bounds(answer, question), credit_of(answer, question, low=0))
                   for answer in entries(question, "answers")]
        try:
            numbers = readings(response)
        except ValueError as error:
            return Grade.invalid(str(error) if response is not None and response != "" else "no answer")
        best: Grade | None = None
        for value in numbers:
            for answer, (low, high), credit in answers:
                # Decimal comparisons are exact whatever the exponents, so huge or tiny inputs cannot overflow.
                if (low is None or low <= value) and (high is None or value <= high):
                    found = Grade.scored(credit / 100, [text_of(answer.get("feedback"))])
                    best = found if best is None or found.score > best.score else best
                    break
        return best or Grade.scored(0.0)

    @staticmethod
    def accepted(answer: dict) -> str:
        if "value" in answer:
            text = number_text(answer["value"])
            return text + (f" ± {number_text(answer['tolerance'])}" if answer.get("tolerance") else "")
        low, high = answer.get("min"), answer.get("max")
        if low is None and high is None:
            return _("any number")
        if low is not None and high is not None:
            return _("from %(a)s to %(b)s", a=number_text(low), b=number_text(high))
        return _("at least %(a)s", a=number_text(low)) if low is not None else _("at most %(b)s", b=number_text(high))

    def response_label(self, question: dict, stored: Any) -> str | None:
        return stored.strip() if isinstance(stored, str) else None
