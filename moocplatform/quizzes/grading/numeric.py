"""The numeric grader: exact decimal arithmetic, so a tolerance edge such as 3.5 ± 0.05 includes 3.55."""
from __future__ import annotations

import re
from decimal import Decimal, localcontext
from typing import Any

from .base import Grade, QuizFormatError, credit_of, entries, is_number, register_grader, text_of

MAX_NUMBER_LENGTH = 100
# One decimal separator at most (point or comma), optional exponent. No thousands separators: "1,000" would be
# ambiguous between one thousand and one.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # typographic minus and en dash, as pasted from text


def parse_number(value: Any) -> Decimal:
    """A learner's number: text such as "3.5", " 3,5 ", "-1e3", "−2", or an int/float. ValueError otherwise."""
    if is_number(value):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not isinstance(value, str):
        raise ValueError("expected a number")
    text = value.strip().translate(_MINUS_SIGNS)
    if not text:
        raise ValueError("no answer")
    if len(text) > MAX_NUMBER_LENGTH or not _NUMBER.fullmatch(text):
        raise ValueError("not a number")  # also rejects nan, inf and infinity, which the pattern cannot match
    return Decimal(text.replace(",", "."))


def _decimal(value: Any, question: dict, name: str) -> Decimal:
    """A number written by the author; floats from YAML go through repr, so 0.05 is 0.05, not 0.0500000000000000027."""
    if isinstance(value, str):
        try:
            return parse_number(value)
        except ValueError:
            pass
    elif is_number(value):
        return parse_number(value)
    raise QuizFormatError(f"question {question.get('id')!r}: `{name}` must be a finite number")


def _bounds(answer: dict, question: dict) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive interval an answer accepts; a range may leave one side open."""
    if "value" in answer:
        value = _decimal(answer["value"], question, "value")
        tolerance = _decimal(answer.get("tolerance", 0), question, "tolerance")
        if tolerance < 0:
            raise QuizFormatError(f"question {question.get('id')!r}: tolerance must not be negative")
        with localcontext() as context:
            context.prec = 60  # exact for any number an author would write
            return value - tolerance, value + tolerance
    low = _decimal(answer["min"], question, "min") if "min" in answer else None
    high = _decimal(answer["max"], question, "max") if "max" in answer else None
    if low is None and high is None:
        raise QuizFormatError(f"question {question.get('id')!r}: a numeric answer needs `value` or `min`/`max`")
    if low is not None and high is not None and low > high:
        raise QuizFormatError(f"question {question.get('id')!r}: min is greater than max")
    return low, high


@register_grader("numeric")
def grade_numeric(question: dict, response: Any) -> Grade:
    """The first answer whose interval holds the number decides; its credit (percent, default 100) is the score."""
    answers = [(answer, _bounds(answer, question), credit_of(answer, question, low=0))
               for answer in entries(question, "answers")]
    try:
        number = parse_number(response)
    except ValueError as error:
        return Grade.invalid(str(error) if response not in (None, "") else "no answer")
    for answer, (low, high), credit in answers:
        # Decimal comparisons are exact whatever the exponents, so huge or tiny inputs cannot overflow here.
        if (low is None or low <= number) and (high is None or number <= high):
            return Grade.scored(credit / 100, [text_of(answer.get("feedback"))])
    return Grade.scored(0.0)
