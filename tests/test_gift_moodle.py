"""GIFT as Moodle's importer reads it (its question/format/gift tests describe the behaviour), each case written
anew here, and graded as Moodle would grade it. Where the quiz format differs on purpose, the case says so."""
from __future__ import annotations

import pytest

from moocplatform.quizzes.gift import convert_gift
from moocplatform.quizzes.grading import grade


def only(text: str) -> dict:
    result = convert_gift(text)
    assert result.not_converted == 0, result.problems
    [question] = result.questions
    return question


def test_numeric_with_feedback_for_every_other_number():
    question = only("::N:: Pick a number between 2 and 6. {#4:2~#Far off}")
    assert question["answers"] == [{"value": 4, "tolerance": 2}, {"credit": 0, "feedback": "Far off"}]
    assert grade(question, "5.5").correct
    assert grade(question, "9").feedback == ["Far off"]


def test_several_numeric_answers_with_partial_credit():
    question = only("How far, in km? {#\n=%100%42.195:0.005#Exact\n=%50%42:1#Close\n~#No}")
    assert [grade(question, response).score for response in ("42.2", "41.5", "30")] == [1, 0.5, 0]


@pytest.mark.parametrize("response", ["300000000", "3x10^8", "3e8", "300 000 000", "300,000,000", "3*10^8"])
def test_numbers_written_as_moodle_accepts_them(response):
    assert grade(only("Speed of light, m/s? {#3e8:1e6}"), response).correct


def test_html_as_moodle_exports_it_keeps_its_links_and_images():
    text = ('[html]See <a href\\="https\\://example.org/a">the notes</a> '
            '<img src\\="https\\://example.org/i.png" alt\\="chart">. {T}')
    assert only(text)["prompt"] == "See [the notes](https://example.org/a) ![chart](https://example.org/i.png)."


@pytest.mark.parametrize("marker", ["", "[moodle]", "[plain]"])
def test_moodle_and_plain_text_is_shown_as_written(marker):
    question = only(f"{marker}Is 2*3*4 = 24 and a \\\\ b\\nstill here? {{T}}")
    assert question["prompt"] == "Is 2\\*3\\*4 = 24 and a \\\\ b\\\nstill here?"


def test_html_in_the_default_format_is_read_as_html():
    assert only("What is <b>bold</b>? {=strong ~weak}")["prompt"] == "What is **bold**?"


def test_partial_and_negative_credit_on_single_choice_options():
    question = only("Colour between orange and green? {=yellow ~%50%lime ~%-50%red ~blue}")
    assert [grade(question, option).score for option in "abcd"] == [1, 0.5, 0, 0]


def test_several_right_answers_in_one_choice():
    question = only("A prime? {=2 =3 ~4}")
    assert [grade(question, option).correct for option in "abc"] == [True, True, False]


def test_an_arrow_inside_a_choice_is_text():
    question = only("Which is an implication? {=p -> q ~p and q}")
    assert question["type"] == "single_choice"


def test_wildcards_two_stars_match_and_three_are_refused_with_the_reason():
    # A documented difference: Moodle allows any number of `*`; the regex budget here allows two.
    assert grade(only("Name it. {=*test*effect}"), "the testing effect").correct
    result = convert_gift("Name it. {=*test*effect*}")
    assert result.not_converted == 1
    assert "use at most two of *" in result.problems[0].message


@pytest.mark.parametrize("answer", ["T", "t", "TRUE", "true", "True", "F", "f", "FALSE", "false"])
def test_true_false_in_any_case(answer):
    assert only(f"Yes? {{{answer}}}")["answer"] is answer.upper().startswith("T")


def test_idnumber_and_tags_from_the_comment_before_the_question():
    result = convert_gift("// [tag:  week1] Seen in\n// a [id:  sp-7  ] and [tag:recall ] test\n::T:: Why? {}")
    assert [question["id"] for question in result.questions] == ["sp-7"]
    assert result.sources["sp-7"].tags == ("week1", "recall")


def test_two_matching_prompts_may_share_a_match():
    question = only("Match. {=Cat -> Animal =Dog -> Animal =Oak -> Plant}")
    assert grade(question, {"p1": "Animal", "p2": "Animal", "p3": "Plant"}).correct
