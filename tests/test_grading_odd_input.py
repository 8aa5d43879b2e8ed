"""No input ever makes a grader raise: every registered grader meets every odd response, and numbers in questions
that a float cannot hold. A response is the learner's, so it always ends in a Grade; a question is the author's,
so it either grades or raises QuizFormatError (which the pack validator reports before import)."""
from __future__ import annotations

import contextlib
import itertools

import pytest

from moocplatform.quizzes.grading import GRADERS, Grade, QuizFormatError, grade, grade_quiz
from tests.test_grading import NUMERIC, WEIGHTED, matching, multiple, ordering, reflection, short, single, true_false

HUGE = int("9" * 400)
ODD_TEXT = [
    "", " ", "\x00", "a\x00b", "\x00" * 50, "9" * 400, "-" + "9" * 400, "9" * 400 + ".5", "1e400", "1e-400",
    "1e999999999999999999999", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1_000", "٣", "１２", "\ud800",
    "x" * 100_000, " \t\n\r\x0b\x0c", "\u200b", "1,000.5", "1 000", "3x10^8", "3*10^", "*", ".*", "(", "[",
]
ODD_VALUES = [None, True, False, 0, -1, HUGE, -HUGE, 1e308, -1e308, float("nan"), float("inf"), float("-inf"),
              1e-320, [], {}, [None], [HUGE], {"": None}, {"p1": HUGE}, {HUGE: "a"}, [[[]]], (1, 2), b"a", object()]
ODD_RESPONSES = ODD_TEXT + ODD_VALUES + [[text] for text in ODD_TEXT[:12]] + [{"p1": text} for text in ODD_TEXT[:12]]

QUESTIONS = {
    "single_choice": single(),
    "multiple_response": multiple(),
    "multiple_response weighted": multiple("partial", WEIGHTED),
    "true_false": true_false(),
    "numeric": NUMERIC,
    "numeric open range": {"id": "r", "type": "numeric", "answers": [{"min": -HUGE}, {"max": 1e308, "credit": 0}]},
    "short_text": short(),
    "short_text wildcard": short([{"wildcard": "*a*b*c*"}, {"wildcard": "\\**", "credit": 50}]),
    "ordering": ordering(),
    "matching": matching(),
    "reflection": reflection(min_words=2),
}


def test_every_grader_is_covered():
    assert {question["type"] for question in QUESTIONS.values()} == set(GRADERS)


def _well_formed(result: Grade) -> None:
    assert isinstance(result, Grade)
    assert 0.0 <= result.score <= 1.0
    assert result.valid or result.reason


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_no_response_makes_a_grader_raise(name):
    for response in ODD_RESPONSES:
        _well_formed(grade(QUESTIONS[name], response))


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_responses_as_a_whole_quiz_never_raise(name):
    question = QUESTIONS[name]
    quiz = {"questions": [question], "settings": {"pass_mark": 60}}
    for response in ODD_RESPONSES:
        result = grade_quiz(quiz, {question["id"]: response}, [question["id"]])
        assert 0 <= result.percent <= 100


ODD_NUMBERS = [HUGE, -HUGE, "9" * 400, 1e308, float("nan"), float("inf"), "nan", "inf", "\x00", "", True, None, []]
NUMBER_FIELDS = [("value", {}), ("tolerance", {"value": 1}), ("min", {}), ("max", {}), ("credit", {"value": 1})]


@pytest.mark.parametrize("field, rest", NUMBER_FIELDS)
def test_odd_numbers_in_a_numeric_question_grade_or_are_authoring_errors(field, rest):
    for number, response in itertools.product(ODD_NUMBERS, ["1", "9" * 100, "-1e999999", ""]):
        question = {"id": "n", "type": "numeric", "answers": [{**rest, field: number}]}
        with contextlib.suppress(QuizFormatError):  # an authoring error, which courses validate reports
            _well_formed(grade(question, response))


@pytest.mark.parametrize("points", [HUGE, -HUGE, 1e308, float("inf"), float("nan"), "1", 0])
def test_odd_points_are_authoring_errors(points):
    quiz = {"questions": [{**single(), "points": points}]}
    with pytest.raises(QuizFormatError):
        grade_quiz(quiz, {"q1": "a"}, ["q1"])


def test_a_numeric_answer_too_large_for_a_float_grades_exactly():
    question = {"id": "n", "type": "numeric", "answers": [{"value": HUGE, "tolerance": 1}, {"min": -HUGE, "max": 0}]}
    assert grade(question, "9" * 99).score == 0
    assert grade(question, HUGE).score == 1
    assert grade(question, -5).score == 1
