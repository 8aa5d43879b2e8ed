"""GIFT conversion (moocplatform.quizzes.gift) and `quizzes import-gift`, on the files in tests/gift/."""
from __future__ import annotations

from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from flask.cli import AppGroup

from moocplatform.quizzes.cli import import_gift, quizzes_cli
from moocplatform.quizzes.gift import GiftProblem, GiftSource, convert_gift, slugify
from moocplatform.quizzes.grading import DEFAULT_SETTINGS, grade

GIFT = Path(__file__).parent / "gift"
NOT_CONVERTED = "question not converted: "


def convert(name: str):
    return convert_gift((GIFT / name).read_text(encoding="utf-8"))


def line_of(name: str, snippet: str) -> int:
    """The line of a GIFT file holding `snippet`, so expectations survive edits to the file."""
    lines = (GIFT / name).read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if snippet in line]
    assert len(found) == 1, f"{snippet!r} is on lines {found}"
    return found[0]


def by_id(result) -> dict[str, dict]:
    return {question["id"]: question for question in result.questions}


def tf(prompt: str, answer: bool, **extra) -> dict:
    return {"type": "true_false", "prompt": prompt, "answer": answer, **extra}


def choice(prompt: str, *texts: str, right: int = 0, **extra) -> dict:
    options = []
    for index, text in enumerate(texts):
        option = {"id": "abcdefgh"[index], "text": text}
        if index == right:
            option["correct"] = True
        options.append(option)
    return {"type": "single_choice", "prompt": prompt, "options": options, **extra}


# Every feature ---------------------------------------------------------------------------------------------------

FEATURES = {
    "grant-s-tomb": {"type": "single_choice", "prompt": "Who is buried in Grant's tomb?", "options": [
        {"id": "a", "text": "Grant", "feedback": "He is not alone there."},
        {"id": "b", "text": "Jefferson"},
        {"id": "c", "text": "no one", "correct": True, "feedback": "Right: they are entombed, not buried."},
    ], "explanation": "Grant and his wife lie in a mausoleum above ground."},
    "q2": choice("Grant is _____ in Grant's tomb.", "buried", "entombed", "living", right=1),
    "primes": {"type": "multiple_response", "prompt": "Which numbers are prime?", "scoring": "partial", "options": [
        {"id": "a", "text": "2", "credit": 50},
        {"id": "b", "text": "3", "credit": 50, "feedback": "Yes, three is prime."},
        {"id": "c", "text": "4", "credit": -100, "feedback": "Four is two times two."},
    ]},
    "spacing-works": tf("Spacing out practice helps long-term memory.", True,
                        feedback_true="Yes: the spacing effect.", feedback_false="Research says otherwise."),
    "cramming": tf("Cramming is the best strategy.", False,
                   feedback_true="It feels so, but no.", feedback_false="Right."),
    "true-in-capitals": tf("Sleep helps consolidate memory.", True),
    "q7": {"type": "short_text", "prompt": "Two plus _____ equals four.", "case_sensitive": False, "answers": [
        {"text": "two"}, {"text": "2"}, {"text": "deux", "credit": 50, "feedback": "In French."},
    ]},
    "wildcard": {"type": "short_text", "prompt": "Name the effect of testing.", "case_sensitive": False,
                 "answers": [{"wildcard": "*testing effect"}, {"text": "retrieval*"}],
                 "explanation": "Both names are in use."},
    "pi": {"type": "numeric", "prompt": "What is pi to two decimals?",
           "answers": [{"value": 3.14, "tolerance": 0.005}]},
    "range": {"type": "numeric", "prompt": "Pick a number from 1 to 5.", "answers": [{"min": 1, "max": 5}]},
    "exact": {"type": "numeric", "prompt": "How many days are in a week?",
              "answers": [{"value": 7, "feedback": "Seven, yes."}]},
    "weighted-numeric": {"type": "numeric", "prompt": "Give pi.", "answers": [
        {"value": 3.1416, "tolerance": 0.0001, "feedback": "Precise."},
        {"value": 3.14, "tolerance": 0.01, "credit": 50, "feedback": "Close."},
        {"value": 3, "credit": 0, "feedback": "Too rough."},
    ]},
    "negative": {"type": "numeric", "prompt": "Absolute zero in degrees Celsius?", "answers": [
        {"value": -273.15, "tolerance": 0.01}, {"min": -280, "max": -270, "credit": 50},
    ]},
    "match": {"type": "matching", "prompt": "Match each technique to its idea.", "scoring": "partial", "pairs": [
        {"id": "p1", "prompt": "Spacing", "match": "Spread practice over time"},
        {"id": "p2", "prompt": "Interleaving", "match": "Mix kinds of problems"},
        {"id": "p3", "prompt": "Retrieval", "match": "Recall from memory"},
    ], "distractors": ["Read the text again"]},
    "diary": {"type": "reflection", "prompt": "What did you learn this week?"},
    "escapes": choice("Use { and } around a name: ~, = and # are literal.\\\nA new line.", "a=b", "c~d"),
    "grant-s-tomb-2": choice("The same title twice.", "yes", "no"),
    "q18": choice("No title here.", "x", "y"),
    "trailing-comment": tf("One plus one is two.", True),
    "markdown": tf("Is **this** bold?\n    - an indented list item", True),
    "plain": choice("An indented\\\nplain question", "ok", "not ok"),
    "q2-2": tf("A title that looks like a generated id.", True),
}


def test_features_convert_without_problems():
    result = convert("features.gift")
    assert result.problems == []
    assert result.not_converted == 0
    assert [question["id"] for question in result.questions] == list(FEATURES)


@pytest.mark.parametrize("question_id", list(FEATURES))
def test_features_each_question(question_id):
    assert by_id(convert("features.gift"))[question_id] == {"id": question_id, **FEATURES[question_id]}


@pytest.mark.parametrize("question_id, snippet, title, category", [
    ("grant-s-tomb", "::Grant's tomb::Who", "Grant's tomb", None),
    ("q2", "Grant is {", None, None),
    ("primes", "::Primes::", "Primes", "Week 1/Memory"),
    ("q7", "Two plus", None, "Week 1/Memory"),
    ("pi", "::Pi::", "Pi", "Week 2/Numbers"),  # a category line directly above a question
    ("grant-s-tomb-2", "The same title twice", "Grant's tomb", "Week 2/Numbers"),
    ("q2-2", "::q2::", "q2", "Week 2/Numbers"),
])
def test_features_sources_keep_the_line_title_and_category(question_id, snippet, title, category):
    source = convert("features.gift").sources[question_id]
    assert source == GiftSource(line_of("features.gift", snippet), title, category)


def test_converted_questions_are_gradeable():
    questions = by_id(convert("features.gift"))
    for question in questions.values():
        assert grade(question, None).valid is False  # no QuizFormatError: the graders accept every question
    assert grade(questions["grant-s-tomb"], "c").correct
    assert grade(questions["q2"], "b").correct
    assert grade(questions["primes"], ["a", "b"]).correct
    assert grade(questions["primes"], ["a", "c"]).score == 0
    assert grade(questions["spacing-works"], "true").feedback == ["Yes: the spacing effect."]
    assert grade(questions["cramming"], True).feedback == ["It feels so, but no."]
    assert grade(questions["q7"], " Deux ").score == 0.5
    assert grade(questions["wildcard"], "The Testing Effect").correct
    assert grade(questions["wildcard"], "retrieval*").correct
    assert not grade(questions["wildcard"], "retrieval").correct
    assert grade(questions["pi"], "3,145").correct
    assert grade(questions["weighted-numeric"], "3.135").score == 0.5
    assert grade(questions["negative"], "-275").score == 0.5
    assert grade(questions["match"], {"p1": "Spread practice over time", "p2": "Read the text again"}).score == \
        pytest.approx(1 / 3)
    assert grade(questions["diary"], "Plenty.").graded is False


# Broken and lossy questions ---------------------------------------------------------------------------------------

BROKEN = [
    ("::Unclosed::", "unclosed '{': the answer block has no matching '}'"),
    ("::Unknown::", "unknown answer syntax: answers start with =, ~ or # (or write T or F)"),
    ("::Stray::", "'}' without a matching '{'"),
    ("::Two blocks::", "more than one answer block in one question"),
    ("::Description::", "no answer block {...}: a description without a question has no equivalent"),
    ("::Title not closed", "the title is not closed with '::'"),
    ("::No right::", "no answer is right: mark one with '=' or give some a positive %weight%"),
    ("::Lonely::", "a choice question needs at least two answers"),
    ("::Bad number::", "'three' is not a number, number:tolerance or min..max"),
    ("::Bad range::", "the range 5..1 starts above its end"),
    ("::Bad weight::", "a weight must be written %number%, e.g. %50%"),
    ("::One pair::", "a matching question needs at least two pairs"),
    ("::Empty numeric::", "the numeric answer is empty"),
    ("{=alpha ~beta}", "the question has no text"),
    ("= #feedback but no answer", "an answer has no text"),
    ("::Too much weight::", "a weight must not exceed 100%"),
    ("::Negative tolerance::", "a tolerance must not be negative"),
    ("::Comma decimal::", "'3,5' is not a number, number:tolerance or min..max"),
    # A blank line ends a question, as in Moodle: both halves are reported.
    ("::Blank line inside::", "unclosed '{': the answer block has no matching '}'"),
    ("}", "'}' without a matching '{'"),
]


def test_broken_questions_are_reported_with_their_lines_and_the_rest_is_converted():
    result = convert("broken.gift")
    expected = [GiftProblem(line_of("broken.gift", snippet) if snippet != "}" else _last_brace_line(),
                            NOT_CONVERTED + message) for snippet, message in BROKEN]
    assert result.problems == expected
    assert result.not_converted == len(BROKEN)
    assert [question["id"] for question in result.questions] == ["fine", "last"]


def _last_brace_line() -> int:
    lines = (GIFT / "broken.gift").read_text(encoding="utf-8").splitlines()
    return max(number for number, line in enumerate(lines, start=1) if line == "}")


def test_unclosed_brace_is_reported_on_the_line_of_the_brace():
    result = convert_gift("::T::\nFirst line\nsecond line {=a\n~b\n~c")
    assert result.problems == [GiftProblem(3, NOT_CONVERTED + "unclosed '{': the answer block has no matching '}'")]


LOSSY = [
    ("::Weighted right::", "weight 50% ignored: the '=' answer counts as right"),
    ("::Weights under 100::", "the positive weights add up to 80%, not 100%: no choice earns full credit"),
    ("=a -> b #feedback", "weights and feedback on matching pairs are not supported and were dropped"),
    ("=%50%e -> f", "weights and feedback on matching pairs are not supported and were dropped"),
    ("::Negative short::", "negative credit -50% becomes 0%: typed answers cannot lose points"),
    ("::Three feedbacks::", "a true/false question takes two feedbacks (#wrong#right); the rest was dropped"),
]


def test_lossy_conversions_are_converted_and_reported_on_the_line_of_the_answer():
    result = convert("lossy.gift")
    assert result.problems == [GiftProblem(line_of("lossy.gift", snippet), message) for snippet, message in LOSSY]
    assert result.not_converted == 0
    questions = by_id(result)
    partial = choice("Pick one.", "a", "b", "c")
    partial["options"][1]["credit"] = 50
    assert questions["partial-single"] == {"id": "partial-single", **partial}
    assert questions["weighted-right"]["options"][0] == {"id": "a", "text": "a", "correct": True}
    assert [option["credit"] for option in questions["weights-under-100"]["options"]] == [40, 40, 0]
    assert "distractors" not in questions["pair-extras"]
    assert len(questions["pair-extras"]["pairs"]) == 3
    assert questions["negative-short"]["answers"] == [{"text": "yes"}, {"text": "no", "credit": 0}]
    assert questions["three-feedbacks"] == {"id": "three-feedbacks", **tf("Sure?", True, feedback_true="right",
                                                                          feedback_false="wrong")}


# Formats -----------------------------------------------------------------------------------------------------------

def test_html_is_converted_to_markdown():
    questions = by_id(convert("html.gift"))
    assert questions["rich"]["prompt"] == (
        "Read **this** and *that*, see [the page](https://example.org/x).\n\n- one\n- two\n\n### More\n\na\\\nb")
    assert questions["rich"]["options"] == [
        {"id": "a", "text": "*right*", "correct": True, "feedback": "**Well done**"},
        {"id": "b", "text": "wrong & `x_y`"},  # no escapes inside code
    ]
    assert questions["rich"]["explanation"] == r"Because \*stars\* and \[brackets\] stay text."
    assert questions["entities"]["prompt"] == r"5 \< 6 && \&copy; [an image](https://example.org/i.png)"
    # Expected short answers are plain text, never Markdown; a marker on one answer applies to it alone.
    assert questions["entities"]["answers"] == [{"text": "a < b"}, {"text": "c"}]
    assert [option["text"] for option in questions["per-answer"]["options"]] == ["**bold**", "*star*", "under"]


def test_html_that_has_no_markdown_equivalent_is_reported():
    result = convert("html.gift")
    assert result.problems == [
        GiftProblem(line_of("html.gift", "::Lossy::"), "[html] lost in conversion to Markdown: table layout; an image "
                    "(@@PLUGINFILE@@/pic.png); <span> formatting; a link to javascript:alert(1); <script> content"),
        GiftProblem(line_of("html.gift", "::Entities::"), "[html] lost in conversion to Markdown: an image from "
                    "elsewhere, kept as a link (https://example.org/i.png): add the file to assets/ to show it"),
        GiftProblem(line_of("html.gift", "::Per answer::"), "[html] lost in conversion to Markdown: <u> formatting"),
    ]
    lossy = by_id(result)["lossy"]["prompt"]
    assert "alert" not in lossy and "a b red x" in lossy


@pytest.mark.parametrize("gift, expected", [
    ("Q {T}", tf("Q", True)),
    ("Q {TRUE}", tf("Q", True)),
    ("Q {F}", tf("Q", False)),
    ("Q {F#you said true}", tf("Q", False, feedback_true="you said true")),
    ("Q {T####general}", tf("Q", True, explanation="general")),
    ("The sun is {T} hot.", tf("The sun is _____ hot.", True)),
    ("Q {#-5}", {"type": "numeric", "prompt": "Q", "answers": [{"value": -5}]}),
    ("Q {#1e3:1}", {"type": "numeric", "prompt": "Q", "answers": [{"value": 1000.0, "tolerance": 1}]}),
    ("Q {#.5:.1}", {"type": "numeric", "prompt": "Q", "answers": [{"value": 0.5, "tolerance": 0.1}]}),
    ("Q {#2:0}", {"type": "numeric", "prompt": "Q", "answers": [{"value": 2}]}),
    ("Q {#1.5 .. 2.5}", {"type": "numeric", "prompt": "Q", "answers": [{"min": 1.5, "max": 2.5}]}),
    ("A {#3} B", {"type": "numeric", "prompt": "A _____ B", "answers": [{"value": 3}]}),
    ("Q {####only general}", {"type": "reflection", "prompt": "Q", "explanation": "only general"}),
    ("Q {  }", {"type": "reflection", "prompt": "Q"}),
    ("Back\\\\slash {=a\\\\b ~c}", choice("Back\\\\slash", "a\\\\b", "c")),  # Markdown for a backslash
    ("Q {=a#right ~b#wrong}", {"type": "single_choice", "prompt": "Q", "options": [
        {"id": "a", "text": "a", "correct": True, "feedback": "right"},
        {"id": "b", "text": "b", "feedback": "wrong"}]}),
    ("Q {=%100%a =%50%b}", {"type": "short_text", "prompt": "Q", "case_sensitive": False,
                            "answers": [{"text": "a"}, {"text": "b", "credit": 50}]}),
    ("Q {=a (b) -> c ~d}", choice("Q", "a (b) -\\> c", "d")),  # "->" is text in a choice, as in Moodle
])
def test_small_questions(gift, expected):
    result = convert_gift(gift)
    if expected is None:
        assert result.not_converted == 1
    else:
        assert result.questions == [{"id": "q1", **expected}]
        assert result.problems == []


def test_line_endings_bom_and_comments():
    text = "\ufeff// comment\r\n::A::One? {T}\r\n\r\n// between\r\n\r\n::B::Two? {F}\rmore {}\n"
    result = convert_gift(text)
    assert [question["id"] for question in result.questions] == ["a"]
    # A lone carriage return ends a line too, so the second answer block is on line 7.
    assert result.problems == [GiftProblem(7, NOT_CONVERTED + "more than one answer block in one question")]


def test_comment_lines_inside_a_question_are_left_out():
    result = convert_gift("::A::Which?\n// not part of the text\n{=x\n// nor of the answers\n~y}")
    assert result.questions == [{"id": "a", **choice("Which?", "x", "y")}]


@pytest.mark.parametrize("text", ["", "\n\n", "// only a comment\n", "$CATEGORY: alone\n"])
def test_files_without_questions(text):
    result = convert_gift(text)
    assert (result.questions, result.problems, result.not_converted) == ([], [], 0)


def test_category_applies_until_the_next_one():
    result = convert_gift("::A::x {T}\n\n$CATEGORY: one\n\n::B::y {T}\n\n$CATEGORY:   two  \n::C::z {T}")
    assert [(source.title, source.category) for source in result.sources.values()] == \
        [("A", None), ("B", "one"), ("C", "two")]


def test_titles_with_escapes_and_ids_that_would_be_too_long():
    result = convert_gift("::Ratio 1\\:2 — über::x {T}\n\n::" + "Long " * 30 + "::y {T}\n\n::!!!::z {T}")
    ids = [question["id"] for question in result.questions]
    assert ids[0] == "ratio-1-2-uber"
    assert result.sources[ids[0]].title == "Ratio 1:2 — über"
    assert len(ids[1]) <= 48 and ids[1].startswith("long-long")
    assert ids[2] == "q3"  # a title without letters or digits falls back to the position


@pytest.mark.parametrize("text, slug", [("Grant's tomb!", "grant-s-tomb"), ("  Ünïcödé  ", "unicode"),
                                        ("日本語", ""), ("a--b__c", "a-b-c")])
def test_slugify(text, slug):
    assert slugify(text) == slug


# The command line ----------------------------------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(import_gift, list(args))


def test_cli_writes_the_quiz_yaml_to_stdout_with_default_settings():
    result = run(str(GIFT / "features.gift"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    quiz = yaml.safe_load(result.stdout)
    assert quiz == {"id": "features", "title": "features", "settings": DEFAULT_SETTINGS,
                    "questions": convert("features.gift").questions}
    assert quiz["settings"]["pass_mark"] == 60 and quiz["settings"]["max_attempts"] == 0
    assert (quiz["settings"]["score"], quiz["settings"]["feedback"], quiz["settings"]["answers"]) == \
        ("best", "after_submission", "after_last_attempt")
    assert "  # features.gift line 4; title: Grant's tomb\n  - id: grant-s-tomb\n" in result.stdout
    assert "# features.gift line 15; title: Primes; category: Week 1/Memory\n" in result.stdout
    assert ("    prompt: |-\n      Use { and } around a name: ~, = and # are literal.\\\n      A new line.\n"
            in result.stdout)


def test_cli_writes_to_a_file_with_the_given_id_and_title(tmp_path):
    out = tmp_path / "week1.yaml"
    result = run(str(GIFT / "lossy.gift"), "-o", str(out), "--id", "week-1", "--title", "Week 1 check")
    assert result.exit_code == 0  # losses are reported, but every question was converted
    assert result.stdout == ""
    quiz = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert (quiz["id"], quiz["title"]) == ("week-1", "Week 1 check")
    assert len(quiz["questions"]) == 6
    path = GIFT / "lossy.gift"
    assert result.stderr.splitlines() == [f"{path}:{line_of('lossy.gift', snippet)}: {message}"
                                          for snippet, message in LOSSY]


def test_cli_reports_unconverted_questions_and_exits_1_but_writes_the_rest(tmp_path):
    out = tmp_path / "broken.yaml"
    result = run(str(GIFT / "broken.gift"), "--output", str(out))
    assert result.exit_code == 1
    path = GIFT / "broken.gift"
    assert result.stderr.splitlines() == [f"{path}:{line}: {message}"
                                          for line, message in convert("broken.gift").problems]
    assert f"{path}:{line_of('broken.gift', '::Unclosed::')}: {NOT_CONVERTED}unclosed '{{'" in result.stderr
    assert [question["id"] for question in yaml.safe_load(out.read_text(encoding="utf-8"))["questions"]] == \
        ["fine", "last"]


def test_cli_with_no_convertible_question_writes_an_empty_list(tmp_path):
    source = tmp_path / "nothing.gift"
    source.write_text("Only a description.\n", encoding="utf-8")
    result = run(str(source))
    assert result.exit_code == 1
    assert yaml.safe_load(result.stdout)["questions"] == []


@pytest.mark.parametrize("file_name, quiz_id, title", [
    ("Week 1 Quiz.gift", "week-1-quiz", "Week 1 Quiz"),
    ("memory_check.txt", "memory-check", "memory check"),
    ("é.gift", "quiz-e", "é"),
    ("日本.gift", "quiz", "日本"),
])
def test_cli_default_id_and_title_come_from_the_file_name(tmp_path, file_name, quiz_id, title):
    source = tmp_path / file_name
    source.write_text("Q {T}\n", encoding="utf-8")
    quiz = yaml.safe_load(run(str(source)).stdout)
    assert (quiz["id"], quiz["title"]) == (quiz_id, title)


@pytest.mark.parametrize("quiz_id", ["Week1", "a", "-x", "week 1", "x" * 65])
def test_cli_refuses_an_id_the_pack_format_would_refuse(quiz_id):
    result = run(str(GIFT / "features.gift"), "--id", quiz_id)
    assert result.exit_code == 2
    assert "--id" in result.stderr


def test_cli_refuses_a_file_that_is_not_utf8(tmp_path):
    source = tmp_path / "latin1.gift"
    source.write_bytes("Qu'est-ce qu'un caf\xe9 ? {T}\n".encode("latin-1"))
    result = run(str(source))
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr


def test_cli_needs_an_existing_file(tmp_path):
    assert run(str(tmp_path / "missing.gift")).exit_code == 2


def test_the_group_is_an_app_group_that_runs_import_gift_without_an_application():
    assert isinstance(quizzes_cli, AppGroup) and quizzes_cli.name == "quizzes"
    assert quizzes_cli.get_command(click.Context(quizzes_cli), "import-gift") is import_gift
    result = CliRunner().invoke(quizzes_cli, ["import-gift", str(GIFT / "html.gift")])
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["id"] == "html"


def test_cli_gives_every_question_the_outcome_format_2_asks_for(tmp_path):
    result = run(str(GIFT / "html.gift"), "--outcome", "use-retrieval")
    assert result.exit_code == 0, result.stderr
    questions = yaml.safe_load(result.stdout)["questions"]
    assert questions and {question["outcome"] for question in questions} == {"use-retrieval"}
    assert run(str(GIFT / "html.gift"), "--outcome", "Not An Id").exit_code == 2
