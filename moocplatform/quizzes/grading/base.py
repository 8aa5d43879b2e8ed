"""The grade value, the grader registry and the small readers every grader shares."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Scores are floats; anything this close to full credit is full credit, so 1/3 + 1/3 + 1/3 counts as correct.
EPSILON = 1e-9


class QuizFormatError(ValueError):
    """A quiz or question definition breaks docs/quiz-format.md (an authoring error, not a learner's)."""


class UnknownQuestion(LookupError):
    """A response or a drawn id names a question that is not part of the attempt or of the quiz."""

    def __init__(self, question_id: Any) -> None:
        super().__init__(f"unknown question {question_id!r}")
        self.question_id = question_id


@dataclass(frozen=True)
class Grade:
    """How one response to one question fared.

    `score` is the share (0..1) of the question's points earned; `correct` means full credit; `feedback` lists
    the per-option or per-answer feedback texts that apply to this response; `valid` is False when the response
    was missing or malformed, and then `reason` says why and the score is 0. `graded` is False for question types
    that are never scored (reflection).
    """

    score: float = 0.0
    correct: bool = False
    feedback: list[str] = field(default_factory=list)
    valid: bool = True
    reason: str | None = None
    graded: bool = True

    @classmethod
    def invalid(cls, reason: str) -> Grade:
        return cls(valid=False, reason=reason)

    @classmethod
    def scored(cls, score: float, feedback: list[str] | None = None) -> Grade:
        score = clamp(score)
        if score >= 1 - EPSILON:
            score = 1.0
        elif score <= EPSILON:
            score = 0.0
        return cls(score=score, correct=score == 1.0, feedback=[text for text in feedback or [] if text])


Grader = Callable[[dict, Any], Grade]
GRADERS: dict[str, Grader] = {}


def register_grader(question_type: str) -> Callable[[Grader], Grader]:
    """Register the decorated function as the grader of `question_type` (one grader per type)."""

    def decorator(grader: Grader) -> Grader:
        if question_type in GRADERS:
            raise ValueError(f"a grader for {question_type!r} is already registered")
        GRADERS[question_type] = grader
        return grader

    return decorator


def grade(question: dict, response: Any) -> Grade:
    """Grade one response with the grader registered for the question's type."""
    question_type = question.get("type") if isinstance(question, dict) else None
    grader = GRADERS.get(question_type) if isinstance(question_type, str) else None
    if grader is None:
        raise QuizFormatError(f"no grader for question type {question_type!r}")
    return grader(question, response)


# Readers shared by the graders --------------------------------------------------------------------------------

def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def is_number(value: Any) -> bool:
    # bool is an int subclass; `True` is never a sensible number in a quiz file or a response. An int is always
    # finite, and math.isfinite() would convert it to a float first, which overflows beyond about 309 digits.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def as_id(value: Any) -> str | None:
    """An option, item or pair id from a response: text, or an integer (YAML and JSON may turn `1` into one)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def entries(question: dict, key: str) -> list[dict]:
    """The question's list of option/answer/item/pair mappings; ids (when present) are compared as text."""
    value = question.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(entry, dict) for entry in value):
        raise QuizFormatError(f"question {question.get('id')!r}: `{key}` must be a non-empty list of mappings")
    return value


def ids_of(question: dict, key: str) -> list[str]:
    found = []
    for entry in entries(question, key):
        entry_id = as_id(entry.get("id"))
        if entry_id is None:
            raise QuizFormatError(f"question {question.get('id')!r}: every entry of `{key}` needs an id")
        found.append(entry_id)
    if len(set(found)) != len(found):
        raise QuizFormatError(f"question {question.get('id')!r}: duplicate ids in `{key}`")
    return found


def credit_of(entry: dict, question: dict, default: float = 100, low: float = -100) -> float:
    """An entry's credit in percent (default 100), checked against the range the format allows."""
    credit = entry.get("credit", default)
    if not is_number(credit) or not low <= credit <= 100:
        raise QuizFormatError(f"question {question.get('id')!r}: credit must be a number from {low:g} to 100")
    return float(credit)


def scoring_of(question: dict, default: str) -> str:
    scoring = question.get("scoring", default)
    if scoring not in ("all_or_nothing", "partial"):
        raise QuizFormatError(f"question {question.get('id')!r}: scoring must be all_or_nothing or partial")
    return scoring


def text_of(value: Any) -> str:
    """Feedback and similar optional texts; absent means empty."""
    return "" if value is None else str(value)


def nfc(text: str) -> str:
    # Browsers and keyboards may send "é" composed or decomposed; compare the composed form only.
    return unicodedata.normalize("NFC", text)
