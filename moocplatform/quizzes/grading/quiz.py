"""Quiz-level grading: the score of one attempt, which questions an attempt draws, and stable shuffles.

Shuffles and draws rank ids by a SHA-256 of (seed, purpose, id) rather than using `random`: an attempt stores
only its seed, and the order must come out the same in every worker process and after a Python upgrade.
Which attempt counts (best or last) is attempt logic and lives elsewhere.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .base import EPSILON, Grade, QuizFormatError, UnknownQuestion, as_id, grade, is_number

MAX_POINTS = 1000  # as the pack schema allows; float() of a much larger int would overflow

# Read-only: a caller that wants to change a setting copies it first (dict(DEFAULT_SETTINGS)).
DEFAULT_SETTINGS: Mapping[str, Any] = MappingProxyType({
    "pass_mark": 60,
    "max_attempts": 0,
    "score": "best",
    "feedback": "after_submission",
    "answers": "after_last_attempt",
    "time_limit_minutes": 0,
    "shuffle_questions": False,
    "shuffle_options": True,
})


@dataclass(frozen=True)
class QuizResult:
    """One attempt's outcome. Reflection questions have a Grade here but add nothing to the points."""

    grades: dict[str, Grade]
    points_earned: float
    points_possible: float
    percent: float
    passed: bool


def questions_by_id(quiz: dict) -> dict[str, dict]:
    questions = quiz.get("questions") if isinstance(quiz, dict) else None
    if not isinstance(questions, list) or not all(isinstance(question, dict) for question in questions):
        raise QuizFormatError("the quiz needs a list of questions")
    found: dict[str, dict] = {}
    for question in questions:
        question_id = as_id(question.get("id"))
        if question_id is None:
            raise QuizFormatError("every question needs an id")
        if question_id in found:
            raise QuizFormatError(f"duplicate question id {question_id!r}")
        found[question_id] = question
    return found


def points_of(question: dict) -> float:
    points = question.get("points", 1)
    if not is_number(points) or not 0 < points <= MAX_POINTS:
        raise QuizFormatError(f"question {question.get('id')!r}: points must be a positive number "
                              f"of at most {MAX_POINTS}")
    return float(points)


def _settings(quiz: dict) -> dict:
    settings = quiz.get("settings") or {}
    if not isinstance(settings, dict):
        raise QuizFormatError("`settings` must be a mapping")
    return settings


def grade_quiz(quiz: dict, responses: Mapping[str, Any], question_ids: Iterable[str]) -> QuizResult:
    """Grade the responses to the questions one attempt showed (`question_ids`, as drawn for it).

    A question without a response scores 0 (invalid, "no answer"). A response to a question the attempt did not
    show raises UnknownQuestion, as does a shown id the quiz does not have. percent is earned/possible x 100;
    an attempt with nothing to score (only reflections) counts as 100 percent.
    """
    questions = questions_by_id(quiz)
    shown = [str(question_id) for question_id in question_ids]
    if len(set(shown)) != len(shown):
        raise ValueError("question_ids lists a question twice")
    for question_id in shown:
        if question_id not in questions:
            raise UnknownQuestion(question_id)
    for question_id in responses:
        if question_id not in shown:
            raise UnknownQuestion(question_id)
    pass_mark = _settings(quiz).get("pass_mark", DEFAULT_SETTINGS["pass_mark"])
    if not is_number(pass_mark) or not 0 <= pass_mark <= 100:
        raise QuizFormatError("pass_mark must be a number from 0 to 100")

    grades: dict[str, Grade] = {}
    earned = possible = 0.0
    for question_id in shown:
        question = questions[question_id]
        result = grade(question, responses.get(question_id))
        grades[question_id] = result
        if result.graded:
            points = points_of(question)
            earned += result.score * points
            possible += points
    # Round away float noise such as 0.1 + 0.2 so totals show and compare as people expect.
    earned, possible = round(earned, 9), round(possible, 9)
    percent = 100.0 if possible == 0 else round(100 * earned / possible, 9)
    return QuizResult(grades, earned, possible, percent, passed=percent >= pass_mark - EPSILON)


def _rank(seed: int, *parts: str) -> bytes:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError("the seed must be an integer")
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()


def _pools(quiz: dict, known: dict[str, dict]) -> list[tuple[int, list[str]]]:
    pools = _settings(quiz).get("pools") or []
    if not isinstance(pools, list):
        raise QuizFormatError("`pools` must be a list")
    parsed, pooled = [], set()
    for pool in pools:
        members = pool.get("from") if isinstance(pool, dict) else None
        draw = pool.get("draw") if isinstance(pool, dict) else None
        if not isinstance(members, list) or not members:
            raise QuizFormatError("each pool needs a non-empty `from` list")
        members = [str(member) for member in members]
        for member in members:
            if member not in known:
                raise QuizFormatError(f"pool names unknown question {member!r}")
            if member in pooled:
                raise QuizFormatError(f"question {member!r} is in more than one pool (or twice in one)")
            pooled.add(member)
        if isinstance(draw, bool) or not isinstance(draw, int) or not 0 <= draw <= len(members):
            raise QuizFormatError(f"a pool of {len(members)} questions cannot draw {draw!r}")
        parsed.append((draw, members))
    return parsed


def draw_questions(quiz: dict, seed: int) -> list[str]:
    """The question ids one attempt shows: every question outside pools, plus `draw` questions from each pool.

    Drawn questions keep their place in the file unless `shuffle_questions` is on. The same seed always gives
    the same list; a pool's draw depends on its members (not on its position among the pools).
    """
    questions = questions_by_id(quiz)
    left_out: set[str] = set()
    for draw, members in _pools(quiz, questions):
        key = ",".join(sorted(members))
        ranked = sorted(members, key=lambda member: _rank(seed, "pool", key, member))
        left_out.update(ranked[draw:])
    drawn = [question_id for question_id in questions if question_id not in left_out]
    if _settings(quiz).get("shuffle_questions") is True:
        drawn.sort(key=lambda question_id: _rank(seed, "questions", question_id))
    return drawn


def option_order(question: dict, seed: int) -> list[str]:
    """The order to show a question's choices in, stable for a seed (use the attempt's seed).

    single_choice / multiple_response: option ids (call only when `shuffle_options` is on). ordering: item ids,
    always shuffled and never in the solved order when there are two or more items. matching: the texts to pick
    from (matches and distractors). Other types have nothing to order: [].
    """
    question_id = str(question.get("id"))

    def shuffled(values: list[str]) -> list[str]:
        return sorted(values, key=lambda value: _rank(seed, "options", question_id, value))

    from ..types.base import type_of  # here: the types import this package's readers

    question_type = type_of(question)
    return question_type.option_order(question, shuffled) if question_type else []
