"""GIFT as Moodle's importer reads it (its question/format/gift tests describe the behaviour), each case written
anew here, and graded as Moodle would grade it. Where the quiz format differs on purpose, the case says so."""
from __future__ import annotations

import time

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


@pytest.mark.parametrize("number", ["9" * 400, "9" * 5000, "1e400", "-1e309", "3:1e999", "1..1e400"])
def test_numbers_the_pack_validator_would_refuse_are_not_converted(number):
    result = convert_gift(f"::Big:: How many? {{#{number}}}")
    assert result.not_converted == 1
    assert "is too large: at most 15 digits" in result.problems[0].message
    assert len(result.problems[0].message) < 100


def test_several_numeric_answers_with_partial_credit():
    question = only("How far, in km? {#\n=%100%42.195:0.005#Exact\n=%50%42:1#Close\n~#No}")
    assert [grade(question, response).score for response in ("42.2", "41.5", "30")] == [1, 0.5, 0]


@pytest.mark.parametrize("response", ["300000000", "3x10^8", "3e8", "300 000 000", "300,000,000", "3*10^8"])
def test_numbers_written_as_moodle_accepts_them(response):
    assert grade(only("Speed of light, m/s? {#3e8:1e6}"), response).correct


def test_html_as_moodle_exports_it_keeps_its_links_and_images():
    text = ('[html]See <a href\\="https\\://example.org/a">the notes</a> '
            '<img src\\="https\\://example.org/i.png" alt\\="chart">. {T}')
    result = convert_gift(text)
    # Packs show only their own images (assets/), so the image stays as a link to it, and the loss is reported.
    assert result.questions[0]["prompt"] == "See [the notes](https://example.org/a) [chart](https://example.org/i.png)."
    assert "an image from elsewhere, kept as a link (https://example.org/i.png)" in result.problems[0].message


@pytest.mark.parametrize("marker", ["", "[moodle]", "[plain]"])
def test_moodle_and_plain_text_is_shown_as_written(marker):
    question = only(f"{marker}Is 2*3*4 = 24 and a \\\\ b\\nstill here? {{T}}")
    assert question["prompt"] == "Is 2\\*3\\*4 = 24 and a \\\\ b\\\nstill here?"


def test_html_in_the_default_format_is_read_as_html():
    assert only("What is <b>bold</b>? {=strong ~weak}")["prompt"] == "What is **bold**?"


def test_partial_and_negative_credit_on_single_choice_options():
    result = convert_gift("Colour between orange and green? {=yellow ~%50%lime ~%-50%red ~blue}")
    question = result.questions[0]
    assert [option.get("credit") for option in question["options"]] == [None, 50, -50, None]
    assert [grade(question, option).score for option in "abcd"] == [1, 0.5, 0, 0]
    assert [problem.message for problem in result.problems] == [
        "credit -50% scores 0 for this question; Moodle would subtract it from the quiz total"]


def test_several_right_answers_in_one_choice():
    question = only("A prime? {=2 =3 ~4}")
    assert [grade(question, option).correct for option in "abc"] == [True, True, False]


def test_an_arrow_inside_a_choice_is_text():
    question = only("Which is an implication? {=p -> q ~p and q}")
    assert question["type"] == "single_choice"


@pytest.mark.parametrize("response, correct", [
    ("the testing effect, surely", True), ("TEST  EFFECT", True), ("testeffect", True), ("effect test", False),
])
def test_wildcards_with_several_stars(response, correct):
    question = only("Name it. {=*test*effect*}")
    assert grade(question, response).correct is correct


def test_wildcards_compare_as_text_answers_do():
    question = only("Where? {=*straße*}")
    assert grade(question, "Hauptstrasse 1").correct
    assert grade(question, "HAUPTSTRASSE").correct
    assert grade(only("Star? {=a\\*b*}"), "a*bc").correct
    assert not grade(only("Star? {=a\\*b*}"), "axbc").correct


def test_a_wildcard_answer_is_linear_in_the_response():
    question = only("Many? {=*a*a*a*a*a*a*a*a*b}")
    started = time.perf_counter()
    assert not grade(question, "a" * 999).correct
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize("answer", ["T", "TRUE", "F", "FALSE"])
def test_true_false_in_capitals(answer):
    assert only(f"Yes? {{{answer}#no#yes}}")["answer"] is answer.startswith("T")


@pytest.mark.parametrize("answer", ["t", "true", "True", "f", "false", "fAlSe"])
def test_true_false_words_not_in_capitals_are_a_short_answer_as_in_moodle(answer):
    result = convert_gift(f"Say it. {{{answer}}}")
    assert result.questions[0]["type"] == "short_text"
    assert grade(result.questions[0], answer.upper()).correct  # short answers ignore case
    assert "is a short answer in Moodle and here" in result.problems[0].message


def test_a_tilde_makes_a_choice_even_when_every_answer_has_an_arrow():
    result = convert_gift("Match {=a -> b ~c -> d =e -> f}")
    assert [option.get("correct", False) for option in result.questions[0]["options"]] == [True, False, True]
    assert "read as a choice because of '~'" in result.problems[0].message


def test_idnumber_and_tags_from_the_comment_before_the_question():
    result = convert_gift("// [tag:  week1] Seen in\n// a [id:  sp-7  ] and [tag:recall ] test\n::T:: Why? {}")
    assert [question["id"] for question in result.questions] == ["sp-7"]
    assert result.sources["sp-7"].tags == ("week1", "recall")


def test_two_matching_prompts_may_share_a_match():
    question = only("Match. {=Cat -> Animal =Dog -> Animal =Oak -> Plant}")
    assert grade(question, {"p1": "Animal", "p2": "Animal", "p3": "Plant"}).correct


# What the converter accepts, `courses validate` accepts ---------------------------------------------------------

MOODLE_LIKE = "\n\n".join([
    "::Q2:: What's between orange and green?\n{\n  =yellow # right; good!\n  ~red # [html]wrong, it's <b>yellow</b>\n"
    "  ~[plain]blue # wrong\n}",
    "::colours:: Which are warm? {\n  ~%50%red\n  ~%-100%blue\n  ~%50%orange\n}",
    "// [id:q5] [tag:numbers]\n::Q5:: A number from 1 to 5? {#3:2~#Completely wrong}",
    "::Two right:: A prime? {=2 =3 ~4 ~%50%5 ~%-50%6}",
    "::Shared:: Match. {=Cat -> Animal =Dog -> Animal =Oak -> Plant = -> Stone}",
    "::Html default:: What is <b>bold</b> and <a href\\=\"https\\://example.org\">a link</a>? {=strong ~weak}",
    "::Plain::[plain]Is 2*3*4 < 30 \\\\ or not? {T}",
    "::Wild:: Name it. {=*test*effect* =%50%*retrieval* =say true}",
    "::Lower:: Say it. {true}",
    "::Essay:: How are you? {}",
    "::Missing word:: Grant is {~buried =entombed ~living} in Grant's tomb.",
])


def test_every_converted_question_passes_the_pack_validator(tmp_path):
    import shutil
    from pathlib import Path

    from moocplatform.content.pack import load_pack
    from moocplatform.quizzes.cli import quiz_yaml

    example = Path(shutil.copytree(Path(__file__).parent / "packs" / "valid-example", tmp_path / "example"))
    result = convert_gift(MOODLE_LIKE)
    assert result.not_converted == 0, result.problems
    (example / "quizzes" / "check.yaml").write_text(quiz_yaml(result, "ex-check", "Moodle-like", "moodle.gift",
                                                              outcome="use-retrieval"))
    pack = load_pack(example, video_hosts=("www.youtube-nocookie.com",))
    assert [question["id"] for question in pack.quizzes["ex-check"].data["questions"]] == [
        "q2", "colours", "q5", "two-right", "shared", "html-default", "plain", "wild", "lower", "essay", "missing-word"]


@pytest.mark.parametrize("name", ["features.gift", "html.gift", "lossy.gift", "broken.gift"])
def test_every_converted_question_of_the_sample_files_passes_the_pack_validator(tmp_path, name):
    import shutil
    from pathlib import Path

    from moocplatform.content.pack import load_pack
    from moocplatform.quizzes.cli import quiz_yaml

    here = Path(__file__).parent
    example = Path(shutil.copytree(here / "packs" / "valid-example", tmp_path / "example"))
    result = convert_gift((here / "gift" / name).read_text(encoding="utf-8"))
    (example / "quizzes" / "check.yaml").write_text(quiz_yaml(result, "ex-check", "Sample", name,
                                                              outcome="use-retrieval"))
    pack = load_pack(example, video_hosts=("www.youtube-nocookie.com",))
    assert len(pack.quizzes["ex-check"].data["questions"]) == len(result.questions)


def test_tags_are_written_in_the_comment_above_the_question():
    from moocplatform.quizzes.cli import quiz_yaml

    result = convert_gift("// [id:sp-7] [tag:week1] [tag:recall]\n::Spacing:: Why space practice? {}")
    assert "  # tags.gift line 2; title: Spacing; tags: week1, recall\n  - id: sp-7\n" in quiz_yaml(
        result, "tags", "Tags", "tags.gift")
