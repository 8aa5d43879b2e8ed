"""The pure graders of moocplatform.quizzes.grading: every question type, its settings and edge cases."""
from __future__ import annotations

import dataclasses
import time
import unicodedata

import pytest

from moocplatform.quizzes.grading import (
    DEFAULT_SETTINGS,
    GRADERS,
    MAX_TEXT_LENGTH,
    Grade,
    QuizFormatError,
    UnknownQuestion,
    draw_questions,
    grade,
    grade_quiz,
    option_order,
    parse_number,
    regex_problem,
    register_grader,
)

NFD_CAFE = unicodedata.normalize("NFD", "café")
assert NFD_CAFE != "café"


def single(**extra):
    return {"id": "q1", "type": "single_choice", "prompt": "?", "options": [
        {"id": "a", "text": "A", "correct": True, "feedback": "Yes"},
        {"id": "b", "text": "B", "feedback": "No"},
        {"id": "c", "text": "C"},
    ], **extra}


def multiple(scoring="all_or_nothing", options=None):
    return {"id": "q2", "type": "multiple_response", "prompt": "?", "scoring": scoring, "options": options or [
        {"id": "a", "text": "A", "correct": True, "feedback": "fa"},
        {"id": "b", "text": "B", "correct": True},
        {"id": "c", "text": "C", "correct": False, "feedback": "fc"},
        {"id": "d", "text": "D"},
    ]}


WEIGHTED = [
    {"id": "a", "text": "A", "credit": 50},
    {"id": "b", "text": "B", "credit": 50, "feedback": "fb"},
    {"id": "c", "text": "C", "credit": -100},
    {"id": "d", "text": "D", "credit": 0},
]


def true_false(answer=True):
    return {"id": "q3", "type": "true_false", "prompt": "?", "answer": answer,
            "feedback_true": "you said true", "feedback_false": "you said false"}


NUMERIC = {"id": "q4", "type": "numeric", "prompt": "?", "answers": [
    {"value": 3.5, "tolerance": 0.05, "feedback": "exact"},
    {"min": 3, "max": 4, "credit": 50, "feedback": "close"},
]}


def short(answers=None, **extra):
    return {"id": "q5", "type": "short_text", "prompt": "?", "answers": answers or [
        {"text": "retrieval practice", "feedback": "yes"},
        {"regex": "test(ing)? effect", "credit": 100, "feedback": "also"},
        {"text": "practice", "credit": 50},
    ], **extra}


def ordering(scoring="all_or_nothing"):
    return {"id": "q6", "type": "ordering", "prompt": "?", "scoring": scoring, "items": [
        {"id": "plan", "text": "Plan"}, {"id": "do", "text": "Do"},
        {"id": "check", "text": "Check"}, {"id": "act", "text": "Act"},
    ]}


def matching(scoring="partial"):
    return {"id": "q7", "type": "matching", "prompt": "?", "scoring": scoring, "pairs": [
        {"id": "p1", "prompt": "Spacing", "match": "Spread practice over time"},
        {"id": "p2", "prompt": "Interleaving", "match": "Mix kinds of problems"},
        {"id": "p3", "prompt": "Café", "match": "café au lait"},
        {"id": "p4", "prompt": "Retrieval", "match": "Recall from memory"},
    ], "distractors": ["Read the text again"]}


def reflection(**extra):
    return {"id": "q8", "type": "reflection", "prompt": "?", **extra}


def check(result: Grade, score: float, valid: bool = True, feedback: list[str] | None = None) -> None:
    assert result.valid is valid, result.reason
    assert result.score == pytest.approx(score)
    assert result.correct is (score == 1)
    assert (result.reason is None) is valid
    if feedback is not None:
        assert result.feedback == feedback


# Grade and the registry ---------------------------------------------------------------------------------------

def test_grade_is_frozen_and_defaults_to_a_graded_valid_zero():
    result = Grade()
    assert (result.score, result.correct, result.feedback, result.valid, result.reason, result.graded) == \
        (0.0, False, [], True, None, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 1  # type: ignore[misc]


def test_every_documented_type_has_a_grader():
    assert set(GRADERS) >= {"single_choice", "multiple_response", "true_false", "numeric", "short_text",
                            "ordering", "matching", "reflection"}


def test_register_grader_adds_a_type_and_refuses_a_second_grader_for_it():
    @register_grader("always_right_for_test")
    def always_right(question, response):
        return Grade.scored(1.0)

    try:
        assert grade({"type": "always_right_for_test"}, None).correct
        with pytest.raises(ValueError):
            register_grader("always_right_for_test")(always_right)
    finally:
        del GRADERS["always_right_for_test"]


@pytest.mark.parametrize("question", [{"type": "essay"}, {}, {"type": None}])
def test_unknown_question_type_is_an_authoring_error(question):
    with pytest.raises(QuizFormatError):
        grade(question, "x")


# single_choice -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("response, score, valid, feedback", [
    ("a", 1, True, ["Yes"]),
    ("b", 0, True, ["No"]),
    ("c", 0, True, []),
    (None, 0, False, []),
    ("", 0, False, []),
    ("z", 0, False, []),  # tampered option id
    ("A", 0, False, []),  # ids are case-sensitive
    (["a"], 0, False, []),  # a list for a single choice
    ({"a": True}, 0, False, []),
    (True, 0, False, []),
    (1.0, 0, False, []),
])
def test_single_choice(response, score, valid, feedback):
    check(grade(single(), response), score, valid, feedback)


def test_single_choice_accepts_integer_ids_from_yaml_and_json():
    question = {"id": "q", "type": "single_choice", "options": [{"id": 1, "text": "1", "correct": True},
                                                                 {"id": 2, "text": "2"}]}
    check(grade(question, 1), 1)
    check(grade(question, "1"), 1)
    check(grade(question, "2"), 0)


def test_single_choice_with_several_correct_options_accepts_each():
    question = single()
    question["options"][1]["correct"] = True
    check(grade(question, "a"), 1)
    check(grade(question, "b"), 1)


@pytest.mark.parametrize("options", [None, [], "a,b", [{"text": "no id"}], [{"id": "a"}, {"id": "a"}], ["a"]])
def test_single_choice_with_broken_options_is_an_authoring_error(options):
    with pytest.raises(QuizFormatError):
        grade({"id": "q", "type": "single_choice", "options": options}, "a")


# multiple_response ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scoring, response, score, feedback", [
    ("all_or_nothing", ["a", "b"], 1, ["fa"]),
    ("all_or_nothing", ["b", "a"], 1, ["fa"]),  # order of clicks does not matter; feedback in option order
    ("all_or_nothing", ("a", "b"), 1, ["fa"]),
    ("all_or_nothing", ["a"], 0, ["fa"]),
    ("all_or_nothing", ["a", "b", "c"], 0, ["fa", "fc"]),
    ("all_or_nothing", [], 0, []),
    ("partial", ["a", "b"], 1, ["fa"]),
    ("partial", ["a"], 0.5, ["fa"]),
    ("partial", ["a", "c"], 0, ["fa", "fc"]),  # one right minus one wrong
    ("partial", ["a", "b", "c"], 0.5, None),
    ("partial", ["a", "b", "c", "d"], 0, None),
    ("partial", ["c", "d"], 0, None),  # clamped at 0, not negative
    ("partial", [], 0, []),
])
def test_multiple_response_with_correct_flags(scoring, response, score, feedback):
    check(grade(multiple(scoring), response), score, True, feedback)


@pytest.mark.parametrize("response, score", [
    (["a", "b"], 1),
    (["a"], 0.5),
    (["b", "d"], 0.5),
    (["a", "b", "c"], 0),
    (["a", "c"], 0),  # 50 - 100 clamps to 0
    (["c"], 0),
    ([], 0),
])
def test_multiple_response_partial_with_credits(response, score):
    check(grade(multiple("partial", WEIGHTED), response), score)


def test_multiple_response_credits_above_100_in_total_are_clamped_to_full_credit():
    options = [{"id": "a", "text": "A", "credit": 100}, {"id": "b", "text": "B", "credit": 60}]
    check(grade(multiple("partial", options), ["a", "b"]), 1)


@pytest.mark.parametrize("response, score", [(["a", "b"], 1), (["a"], 0), (["a", "b", "d"], 0)])
def test_multiple_response_all_or_nothing_with_credits_wants_every_positive_option(response, score):
    check(grade(multiple("all_or_nothing", WEIGHTED), response), score)


def test_multiple_response_option_without_credit_is_worth_nothing_once_credits_are_used():
    options = [{"id": "a", "text": "A", "credit": 100}, {"id": "b", "text": "B", "correct": True}]
    check(grade(multiple("partial", options), ["b"]), 0)
    check(grade(multiple("partial", options), ["a"]), 1)


def test_multiple_response_without_any_correct_option_rewards_choosing_nothing():
    options = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]
    check(grade(multiple("partial", options), []), 1)
    check(grade(multiple("partial", options), ["a"]), 0)


@pytest.mark.parametrize("response", [None, "a", "a,b", {"a": True}, 3, ["a", "a"], ["a", "z"], ["a", None],
                                      ["a", ["b"]], ["a", True]])
def test_multiple_response_rejects_malformed_responses(response):
    check(grade(multiple("partial"), response), 0, valid=False)


@pytest.mark.parametrize("question_change", [
    {"scoring": "most"},
    {"options": [{"id": "a", "text": "A", "credit": 150}, {"id": "b", "text": "B"}]},
    {"options": [{"id": "a", "text": "A", "credit": "50"}, {"id": "b", "text": "B"}]},
    {"options": [{"id": "a", "text": "A", "credit": -101}, {"id": "b", "text": "B"}]},
])
def test_multiple_response_authoring_errors(question_change):
    with pytest.raises(QuizFormatError):
        grade({**multiple("partial"), **question_change}, ["a"])


# true_false ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, response, score, valid, feedback", [
    (True, True, 1, True, ["you said true"]),
    (True, False, 0, True, ["you said false"]),
    (False, False, 1, True, ["you said false"]),
    (False, True, 0, True, ["you said true"]),
    (True, "true", 1, True, None),
    (True, " TRUE ", 1, True, None),
    (True, "False", 0, True, None),
    (False, "false", 1, True, None),
    (True, None, 0, False, []),
    (True, "", 0, False, []),
    (True, "yes", 0, False, []),
    (True, 1, 0, False, []),
    (True, 0, 0, False, []),
    (True, [True], 0, False, []),
])
def test_true_false(answer, response, score, valid, feedback):
    check(grade(true_false(answer), response), score, valid, feedback)


def test_true_false_without_feedback_gives_none():
    question = {"id": "q", "type": "true_false", "answer": False}
    assert grade(question, "false").feedback == []


@pytest.mark.parametrize("answer", ["true", None, 1])
def test_true_false_answer_must_be_a_boolean(answer):
    with pytest.raises(QuizFormatError):
        grade({"id": "q", "type": "true_false", "answer": answer}, True)


# numeric --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("response, score, feedback", [
    ("3.5", 1, ["exact"]),
    ("3.55", 1, ["exact"]),  # exactly at the upper tolerance edge: 3.5 + 0.05 is not 3.5500000000000003 here
    ("3.45", 1, ["exact"]),  # exactly at the lower edge
    ("3.5500001", 0.5, ["close"]),
    ("3.4499999", 0.5, ["close"]),
    ("3,5", 1, ["exact"]),  # decimal comma
    ("3,55", 1, ["exact"]),
    (" 3.5 ", 1, ["exact"]),
    ("\t3.5\n", 1, ["exact"]),
    ("+3.5", 1, ["exact"]),
    ("3.50000", 1, ["exact"]),
    ("35e-1", 1, ["exact"]),
    ("0.35E1", 1, ["exact"]),
    ("3,5e0", 1, ["exact"]),
    ("3", 0.5, ["close"]),  # the range is inclusive at both ends
    ("4", 0.5, ["close"]),
    ("4.0001", 0, []),
    ("2.999", 0, []),
    ("-3.5", 0, []),
    ("3.", 0.5, ["close"]),
    (3.5, 1, ["exact"]),  # numbers from JSON
    (3.55, 1, ["exact"]),
    (4, 0.5, ["close"]),
    ("1e999999999", 0, []),  # huge, but exact comparison does not overflow
    ("1e-999999999", 0, []),
])
def test_numeric(response, score, feedback):
    check(grade(NUMERIC, response), score, True, feedback)


@pytest.mark.parametrize("response", [None, "", "   ", "nan", "NaN", "inf", "-inf", "Infinity", "three", "3.5.1",
                                      "3,5,1", "3 5", "1 00", "1,00,000", "²", "٣", "3.5 cm", "0x10", "1e", "--3",
                                      ".", ",", True,
                                      float("nan"), float("inf"), [3.5], {"value": 3.5}, "3" * 101])
def test_numeric_rejects_what_is_not_one_finite_number(response):
    check(grade(NUMERIC, response), 0, valid=False)


@pytest.mark.parametrize("response, score", [("-2", 1), ("-2.1", 1), ("-1.9", 1), ("\u22122", 1), ("-2.11", 0),
                                             ("2", 0), ("-0.5", 0.25), ("0", 0.25), ("-1", 0.25), ("-1.0001", 0)])
def test_numeric_negative_numbers_and_ranges(response, score):
    question = {"id": "q", "type": "numeric", "answers": [{"value": -2, "tolerance": 0.1},
                                                         {"min": -1, "max": 0, "credit": 25}]}
    check(grade(question, response), score)


@pytest.mark.parametrize("response, score, feedback", [("3", 1, []), ("7", 0, ["Completely wrong"]),
                                                       ("x", 0, None)])
def test_numeric_answer_without_value_or_range_matches_any_other_number(response, score, feedback):
    question = {"id": "q", "type": "numeric", "answers": [{"value": 3, "tolerance": 2, "feedback": ""},
                                                         {"credit": 0, "feedback": "Completely wrong"}]}
    check(grade(question, response), score, response != "x", feedback)


@pytest.mark.parametrize("response, score", [("1,000", 1), ("3,145", 0.5), ("1,000.0", 1), ("1,0", 0)])
def test_numeric_a_comma_before_three_digits_is_read_both_ways_and_the_better_reading_counts(response, score):
    question = {"id": "q", "type": "numeric", "answers": [{"value": 1000}, {"value": 3.145, "credit": 50}]}
    check(grade(question, response), score)


def test_numeric_first_matching_answer_wins_even_if_a_later_one_pays_more():
    question = {"id": "q", "type": "numeric", "answers": [{"min": 0, "max": 10, "credit": 50, "feedback": "wide"},
                                                         {"value": 5, "feedback": "exact"}]}
    check(grade(question, "5"), 0.5, True, ["wide"])


@pytest.mark.parametrize("answer, response, score", [
    ({"value": 0.1, "tolerance": 0.2}, "0.3", 1),  # 0.1 + 0.2 is 0.30000000000000004 in floats
    ({"value": 1}, "1.0", 1),  # no tolerance means exact
    ({"value": 1}, "1.0000000001", 0),
    ({"value": "2.5", "tolerance": "0.5"}, "3", 1),  # numbers written as text in YAML
    ({"min": 1}, "1e9", 1),  # open-ended range
    ({"max": 1}, "-1e9", 1),
    ({"value": 3.5, "credit": 0, "feedback": "no"}, "3.5", 0),
])
def test_numeric_answer_forms(answer, response, score):
    check(grade({"id": "q", "type": "numeric", "answers": [answer]}, response), score)


@pytest.mark.parametrize("answers", [
    [], None, [{"tolerance": 1}], [{"tolerance": 1, "min": 1}], [{"value": "abc"}], [{"value": True}],
    [{"value": 1, "tolerance": -0.1}],
    [{"min": 5, "max": 1}], [{"value": float("nan")}], [{"value": 1, "credit": 120}], [{"value": 1, "credit": -5}],
])
def test_numeric_authoring_errors(answers):
    with pytest.raises(QuizFormatError):
        grade({"id": "q", "type": "numeric", "answers": answers}, "1")


@pytest.mark.parametrize("text, expected", [
    ("3,5", "3.5"), ("-0", "-0"), (" 1e3 ", "1E+3"), (".5", "0.5"),
    # As Moodle reads them: thousands separators, and exponents written x10^ or *10^.
    ("1 000", "1000"), ("1\u202f000\u202f000", "1000000"), ("1\u00a0000", "1000"), ("1,000.5", "1000.5"),
    ("1,000,000", "1000000"),
    ("1.000,5", "1000.5"), ("3x10^8", "3e8"), ("3 × 10^-2", "0.03"), ("3*10^8", "3e8"), ("-2E3", "-2000"),
])
def test_parse_number(text, expected):
    assert parse_number(text) == parse_number(expected)


# short_text -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("response, score, valid, feedback", [
    ("retrieval practice", 1, True, ["yes"]),
    ("Retrieval Practice", 1, True, ["yes"]),  # case-insensitive by default
    ("  retrieval   practice ", 1, True, ["yes"]),  # whitespace trimmed and collapsed by default
    ("retrieval\u00a0practice", 1, True, ["yes"]),  # a no-break space is whitespace too
    ("retrieval\tpractice", 1, True, ["yes"]),
    ("retrievalpractice", 0, True, []),
    ("testing effect", 1, True, ["also"]),
    ("Test Effect", 1, True, ["also"]),  # patterns ignore case by default too
    ("test  effect", 1, True, ["also"]),  # patterns see the normalised response
    ("the testing effect", 0, True, []),  # patterns must match the whole response
    ("testing effects", 0, True, []),
    ("practice", 0.5, True, []),
    ("", 0, False, []),
    ("   ", 0, False, []),
    (None, 0, False, []),
    (42, 0, False, []),
    (["retrieval practice"], 0, False, []),
    ("x" * (MAX_TEXT_LENGTH + 1), 0, False, []),
])
def test_short_text(response, score, valid, feedback):
    check(grade(short(), response), score, valid, feedback)


def test_short_text_response_at_the_length_limit_is_graded():
    check(grade(short([{"regex": "x+"}]), "x" * MAX_TEXT_LENGTH), 1)


@pytest.mark.parametrize("response, score", [("Paris", 1), ("paris", 0), ("PARIS", 0), ("Par", 0)])
def test_short_text_case_sensitive(response, score):
    check(grade(short([{"text": "Paris"}, {"regex": "Par[a-z]+s", "credit": 100}], case_sensitive=True), response),
          score)


@pytest.mark.parametrize("response, score", [("a  b", 1), ("a b", 0), (" a  b", 0)])
def test_short_text_without_whitespace_normalisation_compares_spaces_exactly(response, score):
    check(grade(short([{"text": "a  b"}], normalise_whitespace=False), response), score)


@pytest.mark.parametrize("answer_text, response", [
    ("café", NFD_CAFE), (NFD_CAFE, "café"), ("café", "CAFÉ"), ("Straße", "STRASSE"),
])
def test_short_text_compares_unicode_in_nfc_and_casefolded(answer_text, response):
    check(grade(short([{"text": answer_text}]), response), 1)


def test_short_text_regex_sees_nfc_text():
    check(grade(short([{"regex": "caf\u00e9"}]), NFD_CAFE), 1)
    check(grade(short([{"regex": NFD_CAFE}]), "café"), 1)


def test_short_text_first_matching_answer_wins():
    question = short([{"regex": ".*", "credit": 10}, {"text": "exact"}])
    check(grade(question, "exact"), 0.1)


def test_short_text_numeric_answer_text_from_yaml_compares_as_text():
    check(grade(short([{"text": 42}]), "42"), 1)


@pytest.mark.parametrize("answers", [
    [{"text": "a", "regex": "a"}], [{"credit": 100}], [{"regex": "("}], [{"regex": "(a+)+$"}], [{"regex": ""}],
    [{"regex": ["a"]}], [{"text": "a", "credit": 101}], [{"wildcard": ["a*"]}], [{"text": "a", "wildcard": "a*"}],
])
def test_short_text_authoring_errors(answers):
    with pytest.raises(QuizFormatError):
        grade(short(answers), "a")


@pytest.mark.parametrize("flag", ["case_sensitive", "normalise_whitespace"])
def test_short_text_flags_must_be_booleans(flag):
    with pytest.raises(QuizFormatError):
        grade(short(**{flag: "yes"}), "a")


@pytest.mark.parametrize("pattern", [
    r"^test(ing)? effect$", r"colou?r", r"\d+ ?(cm|mm)", r"(the )?(test|testing) effect", r"[a-z]+ [a-z]+",
    r".*deux.*", r"(?:ab){2,3}", r"(?i)yes|no", r"\d+(\.\d+)?", r"\d{4}-\d{2}-\d{2}", r"(?:x{2})+",
])
def test_regex_problem_accepts_ordinary_patterns(pattern):
    assert regex_problem(pattern) is None


@pytest.mark.parametrize("pattern", [
    r"(a+)+$", r"(a*)*b", r"(a|aa)+b", r"(a|a)*", r"(\w+\s?)*$", r"(x?){30}x{30}", r"(a)(?:\1b)+", r"(?:ab|cd)+",
    r".*a.*a.*b", r".*.*.*b", r"^\s*the\s+test\s+effect\s*$", ".*" + "a?" * 12 + "b", "a?" * 22,
    "(?:a|b|c|d|e|f|g|h|ij|k|l|m|n|o|p|q|r|s|t|u|v|w|xy)" + ".*" * 2, r"(", r"(?<=a+)b", r"", "x" * 301, None, 5,
])
def test_regex_problem_refuses_catastrophic_or_broken_patterns(pattern):
    assert regex_problem(pattern)


# The costliest shapes regex_problem still allows, on the longest response: they must stay fast (about 0.3 s
# at most on a laptop; one more quantifier would take seconds to minutes).
@pytest.mark.parametrize("pattern", [
    ".*.*b", "[a-z]+[a-z]*b", ".*a?.*b", ".*" + "a?" * 11 + "b", "a?" * 21 + "a" * 21 + "b", "(?:a|b)?" * 10 + ".*c",
])
def test_allowed_patterns_match_quickly_even_in_the_worst_case(pattern):
    assert regex_problem(pattern) is None
    started = time.perf_counter()
    check(grade(short([{"regex": pattern}]), "a" * MAX_TEXT_LENGTH), 0)
    assert time.perf_counter() - started < 3


# ordering -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scoring, response, score", [
    ("all_or_nothing", ["plan", "do", "check", "act"], 1),
    ("all_or_nothing", ("plan", "do", "check", "act"), 1),
    ("all_or_nothing", ["plan", "do", "act", "check"], 0),
    ("partial", ["plan", "do", "check", "act"], 1),
    ("partial", ["plan", "do", "act", "check"], 0.5),
    ("partial", ["do", "plan", "check", "act"], 0.5),
    ("partial", ["act", "plan", "do", "check"], 0),  # everything one place off
    ("partial", ["plan", "check", "do", "act"], 0.5),
])
def test_ordering(scoring, response, score):
    check(grade(ordering(scoring), response), score)


@pytest.mark.parametrize("response", [
    None, "plan,do,check,act", {"plan": 1}, ["plan", "do", "check"], ["plan", "do", "check", "act", "act"],
    ["plan", "plan", "check", "act"], ["plan", "do", "check", "fly"], [], ["plan", "do", "check", None],
])
def test_ordering_needs_a_permutation_of_the_items(response):
    check(grade(ordering("partial"), response), 0, valid=False)


def test_ordering_authoring_errors():
    with pytest.raises(QuizFormatError):
        grade({**ordering(), "items": [{"id": "a"}, {"id": "a"}]}, ["a", "a"])
    with pytest.raises(QuizFormatError):
        grade({**ordering(), "scoring": "best"}, ["plan"])


# matching -------------------------------------------------------------------------------------------------------

RIGHT = {"p1": "Spread practice over time", "p2": "Mix kinds of problems", "p3": "café au lait",
         "p4": "Recall from memory"}


@pytest.mark.parametrize("scoring, response, score", [
    ("partial", RIGHT, 1),
    ("partial", {**RIGHT, "p3": NFD_CAFE + " au lait"}, 1),  # NFD from the browser
    ("partial", {**RIGHT, "p1": " Spread practice over time "}, 1),
    ("partial", {**RIGHT, "p4": "Read the text again"}, 0.75),  # the distractor
    ("partial", {**RIGHT, "p1": "Mix kinds of problems", "p2": "Spread practice over time"}, 0.5),
    ("partial", {"p1": "Spread practice over time"}, 0.25),  # unanswered pairs count as wrong
    ("partial", {**RIGHT, "p2": None, "p3": ""}, 0.5),
    ("all_or_nothing", RIGHT, 1),
    ("all_or_nothing", {**RIGHT, "p4": "Read the text again"}, 0),
    ("all_or_nothing", {"p1": "Spread practice over time"}, 0),
])
def test_matching(scoring, response, score):
    check(grade(matching(scoring), response), score)


@pytest.mark.parametrize("response", [
    None, [], "p1", {}, {"p1": None, "p2": ""}, {**RIGHT, "p9": "Mix kinds of problems"},
    {**RIGHT, "p1": "Something never offered"}, {**RIGHT, "p1": 3}, {**RIGHT, "p1": ["Mix kinds of problems"]},
])
def test_matching_rejects_malformed_responses(response):
    check(grade(matching(), response), 0, valid=False)


def test_matching_two_pairs_may_share_a_match_text():
    question = {"id": "q", "type": "matching", "pairs": [{"id": "a", "prompt": "cat", "match": "animal"},
                                                         {"id": "b", "prompt": "dog", "match": "animal"}]}
    check(grade(question, {"a": "animal", "b": "animal"}), 1)


def test_matching_pairs_need_a_match():
    with pytest.raises(QuizFormatError):
        grade({"id": "q", "type": "matching", "pairs": [{"id": "a", "prompt": "x", "match": " "}]}, {"a": "x"})


# reflection ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, response, valid", [
    (reflection(), "I learnt a lot.", True),
    (reflection(), "", False),
    (reflection(), "   ", False),
    (reflection(), None, False),
    (reflection(), ["text"], False),
    (reflection(min_words=3), "one two three", True),
    (reflection(min_words=3), "one two", False),
    (reflection(min_words=0), "x", True),
])
def test_reflection_is_never_graded(question, response, valid):
    result = grade(question, response)
    assert (result.score, result.correct, result.graded, result.valid) == (0, False, False, valid)
    assert (result.reason is None) is valid


@pytest.mark.parametrize("min_words", [-1, "3", 2.5, True])
def test_reflection_min_words_must_be_a_whole_number(min_words):
    with pytest.raises(QuizFormatError):
        grade(reflection(min_words=min_words), "text")


# grade_quiz -----------------------------------------------------------------------------------------------------

def quiz(**settings):
    return {"id": "quiz", "title": "Quiz", "settings": {"pass_mark": 70, **settings}, "questions": [
        {**single(), "points": 2},
        multiple("partial"),
        true_false(),
        reflection(),
        {**NUMERIC, "points": 1.5},
    ]}


def test_grade_quiz_weights_points_and_leaves_reflections_out():
    result = grade_quiz(quiz(), {"q1": "a", "q2": ["a"], "q3": False, "q8": "thoughts", "q4": "3"},
                        ["q1", "q2", "q3", "q8", "q4"])
    assert list(result.grades) == ["q1", "q2", "q3", "q8", "q4"]
    assert result.grades["q8"].graded is False
    assert result.points_possible == 2 + 1 + 1 + 1.5
    assert result.points_earned == pytest.approx(2 + 0.5 + 0 + 0.75)
    assert result.percent == pytest.approx(100 * 3.25 / 5.5)
    assert result.passed is False


@pytest.mark.parametrize("pass_mark, passed", [(70, True), (70.0001, False), (0, True), (100, False)])
def test_grade_quiz_passes_at_exactly_the_pass_mark(pass_mark, passed):
    questions = [{"id": f"t{i}", "type": "true_false", "answer": True} for i in range(10)]
    responses = {f"t{i}": i < 7 for i in range(10)}
    result = grade_quiz({"settings": {"pass_mark": pass_mark}, "questions": questions}, responses,
                        [f"t{i}" for i in range(10)])
    assert result.percent == 70
    assert result.passed is passed


def test_grade_quiz_float_noise_does_not_cost_a_pass():
    questions = [{"id": f"t{i}", "type": "true_false", "answer": True, "points": 0.1} for i in range(3)]
    result = grade_quiz({"settings": {"pass_mark": 100}, "questions": questions},
                        {"t0": True, "t1": True, "t2": True}, ["t0", "t1", "t2"])
    assert result.points_earned == 0.3
    assert result.passed


def test_grade_quiz_missing_responses_score_zero_and_are_invalid():
    result = grade_quiz(quiz(), {"q1": "a"}, ["q1", "q2"])
    assert result.grades["q2"].valid is False
    assert (result.points_earned, result.points_possible) == (2, 3)


def test_grade_quiz_default_pass_mark_is_the_default_setting():
    assert DEFAULT_SETTINGS["pass_mark"] == 60
    questions = [{"id": f"t{i}", "type": "true_false", "answer": True} for i in range(5)]
    ids = [f"t{i}" for i in range(5)]
    assert grade_quiz({"questions": questions}, {"t0": True, "t1": True, "t2": True}, ids).passed
    assert not grade_quiz({"questions": questions}, {"t0": True, "t1": True}, ids).passed


def test_grade_quiz_with_only_reflections_counts_as_complete():
    result = grade_quiz({"questions": [reflection()]}, {"q8": "text"}, ["q8"])
    assert (result.points_possible, result.percent, result.passed) == (0, 100, True)


def test_grade_quiz_refuses_responses_to_questions_the_attempt_did_not_show():
    with pytest.raises(UnknownQuestion) as error:
        grade_quiz(quiz(), {"q1": "a", "q4": "3.5"}, ["q1", "q2"])
    assert error.value.question_id == "q4"
    with pytest.raises(UnknownQuestion):
        grade_quiz(quiz(), {"nope": "a"}, ["q1"])


def test_grade_quiz_refuses_shown_ids_that_are_not_in_the_quiz():
    with pytest.raises(UnknownQuestion):
        grade_quiz(quiz(), {}, ["q1", "q99"])
    with pytest.raises(ValueError):
        grade_quiz(quiz(), {}, ["q1", "q1"])


@pytest.mark.parametrize("broken", [
    {"questions": [{"id": "a", "type": "true_false", "answer": True, "points": 0}]},
    {"questions": [{"id": "a", "type": "true_false", "answer": True, "points": "2"}]},
    {"questions": [{"id": "a", "type": "true_false", "answer": True}], "settings": {"pass_mark": 120}},
    {"questions": [{"id": "a", "type": "true_false", "answer": True}], "settings": "strict"},
    {"questions": [{"id": "a", "type": "true_false", "answer": True}, {"id": "a", "type": "reflection"}]},
    {"questions": [{"type": "reflection"}]},
    {"questions": "a"},
])
def test_grade_quiz_authoring_errors(broken):
    with pytest.raises(QuizFormatError):
        grade_quiz(broken, {}, ["a"])


# draw_questions and option_order ---------------------------------------------------------------------------------

def pooled_quiz(**settings):
    return {"settings": {"pools": [{"draw": 2, "from": ["p1", "p2", "p3", "p4"]}, {"draw": 1, "from": ["r1", "r2"]}],
                         **settings},
            "questions": [{"id": qid, "type": "reflection"} for qid in
                          ["intro", "p1", "p2", "p3", "p4", "mid", "r1", "r2", "end"]]}


@pytest.mark.parametrize("seed", [0, 1, 7, 12345, -3, 2**70])
def test_draw_questions_draws_n_of_m_in_file_order_and_keeps_the_rest(seed):
    drawn = draw_questions(pooled_quiz(), seed)
    assert drawn == draw_questions(pooled_quiz(), seed)  # stable for a seed
    assert len(drawn) == 6
    assert [qid for qid in drawn if not qid[1:].isdigit()] == ["intro", "mid", "end"]
    assert len([qid for qid in drawn if qid.startswith("p")]) == 2
    assert len([qid for qid in drawn if qid.startswith("r")]) == 1
    order = ["intro", "p1", "p2", "p3", "p4", "mid", "r1", "r2", "end"]
    assert drawn == sorted(drawn, key=order.index)


def test_draw_questions_differs_across_seeds():
    draws = {tuple(draw_questions(pooled_quiz(), seed)) for seed in range(40)}
    assert len(draws) >= 6  # 6 ways to draw 2 of 4, times 2 for the other pool


def test_draw_questions_does_not_depend_on_the_position_of_a_pool():
    reordered = pooled_quiz()
    reordered["settings"]["pools"].reverse()
    assert all(draw_questions(pooled_quiz(), seed) == draw_questions(reordered, seed) for seed in range(20))


def test_draw_questions_without_pools_or_shuffling_is_the_file_order():
    questions = [{"id": qid, "type": "reflection"} for qid in "cab"]
    assert draw_questions({"questions": questions}, 5) == ["c", "a", "b"]
    assert draw_questions({"questions": questions, "settings": {"pools": []}}, 5) == ["c", "a", "b"]


def test_draw_questions_shuffle_is_stable_per_seed_and_varies_across_seeds():
    questions = {"settings": {"shuffle_questions": True},
                 "questions": [{"id": f"q{i}", "type": "reflection"} for i in range(8)]}
    first = draw_questions(questions, 42)
    assert first == draw_questions(questions, 42)
    assert sorted(first) == sorted(f"q{i}" for i in range(8))
    assert len({tuple(draw_questions(questions, seed)) for seed in range(10)}) > 5


def test_draw_questions_is_the_same_in_every_process():
    # The order is derived from SHA-256, not from Python's hash() or random, so it is fixed forever.
    questions = {"settings": {"shuffle_questions": True},
                 "questions": [{"id": f"q{i}", "type": "reflection"} for i in range(5)]}
    assert draw_questions(questions, 1) == draw_questions(questions, 1)
    assert draw_questions(questions, 1) == ["q0", "q3", "q2", "q4", "q1"]


@pytest.mark.parametrize("pools", [
    [{"draw": 3, "from": ["p1", "p2"]}], [{"draw": -1, "from": ["p1"]}], [{"draw": 1, "from": ["nope"]}],
    [{"draw": 1, "from": ["p1", "p1"]}], [{"draw": 1, "from": ["p1"]}, {"draw": 1, "from": ["p1", "p2"]}],
    [{"draw": 1, "from": []}], [{"draw": True, "from": ["p1"]}], [{"from": ["p1"]}], "p1", [["p1"]],
])
def test_draw_questions_refuses_impossible_pools(pools):
    with pytest.raises(QuizFormatError):
        draw_questions(pooled_quiz(pools=pools), 1)


@pytest.mark.parametrize("seed", ["1", 1.0, None, True])
def test_seeds_are_integers(seed):
    with pytest.raises(TypeError):
        draw_questions(pooled_quiz(), seed)


@pytest.mark.parametrize("question, values", [
    (single(), ["a", "b", "c"]),
    (multiple(), ["a", "b", "c", "d"]),
    (ordering(), ["plan", "do", "check", "act"]),
    (matching(), ["Spread practice over time", "Mix kinds of problems", "café au lait", "Recall from memory",
                  "Read the text again"]),
])
def test_option_order_is_a_stable_permutation_that_varies_across_seeds(question, values):
    orders = [option_order(question, seed) for seed in range(30)]
    assert all(sorted(order) == sorted(values) for order in orders)
    assert option_order(question, 3) == option_order(question, 3)
    assert len({tuple(order) for order in orders}) > 3


def test_option_order_depends_on_the_question():
    other = {**single(), "id": "another"}
    assert any(option_order(single(), seed) != option_order(other, seed) for seed in range(10))


def test_option_order_never_shows_an_ordering_question_solved():
    two = {"id": "two", "type": "ordering", "items": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}]}
    assert all(option_order(two, seed) == ["y", "x"] for seed in range(50))
    assert all(option_order(ordering(), seed) != ["plan", "do", "check", "act"] for seed in range(200))


@pytest.mark.parametrize("question", [true_false(), NUMERIC, short(), reflection()])
def test_option_order_of_types_without_choices_is_empty(question):
    assert option_order(question, 1) == []
