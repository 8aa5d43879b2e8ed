"""One case for each import behaviour that Moodle's own GIFT tests check (question/format/gift/tests), written
anew with other texts, with the question Moodle's result maps to in the quiz format. A case either converts
to exactly that question without a report, or converts and reports what differs, as docs/content-packs.md
§ From Moodle GIFT files lists.

Moodle's import tests come to 37 questions: the 15 of CASES, the 9 comments of COMMENTS, and the 13 questions of
its two test files (WHOLE_FILE and IN_CATEGORY). Each is exact here or a difference the docs list, with its test."""
from __future__ import annotations

import pytest

from moocplatform.quizzes.gift import convert_gift


def tf(prompt, answer, **feedback):
    return {"type": "true_false", "prompt": prompt, "answer": answer, **feedback}


CASES = {
    "essay": ("// an essay\n::Feel:: How do you feel today? {}", {"id": "feel", "type": "reflection",
                                                                  "prompt": "How do you feel today?"}),
    "matching with a format per prompt, and a distractor": (
        "::Tools::[html]Match the <b>tool</b> to its use.{\n    =[html]Cuts wood. -> Saw\n"
        "    =[moodle]Drives nails. -> Hammer\n    =[plain]Turns screws. -> Screwdriver\n"
        "    =[markdown]Measures *length*. -> Tape\n    = -> Glue\n}",
        {"id": "tools", "type": "matching", "prompt": "Match the **tool** to its use.", "scoring": "partial",
         "pairs": [{"id": "p1", "prompt": "Cuts wood.", "match": "Saw"},
                   {"id": "p2", "prompt": "Drives nails.", "match": "Hammer"},
                   {"id": "p3", "prompt": "Turns screws.", "match": "Screwdriver"},
                   {"id": "p4", "prompt": "Measures *length*.", "match": "Tape"}],
         "distractors": ["Glue"]}),
    "single choice with feedback in several formats": (
        "::C1:: Which planet looks red?\n{\n    =Mars # right!\n    ~Venus # [html]no, it is <i>Mars</i>\n"
        "    ~[plain]Earth # no\n}",
        {"id": "c1", "type": "single_choice", "prompt": "Which planet looks red?", "options": [
            {"id": "a", "text": "Mars", "correct": True, "feedback": "right!"},
            {"id": "b", "text": "Venus", "feedback": "no, it is *Mars*"},
            {"id": "c", "text": "Earth", "feedback": "no"}]}),
    "multiple response with weights": (
        "::Evens:: Which are even?\n{\n    ~%50%2 # yes\n    ~%-100%3 # [html]no\n    ~%50%4 # yes\n"
        "    ~%-100%[plain]5 # no\n}",
        {"id": "evens", "type": "multiple_response", "prompt": "Which are even?", "scoring": "partial", "options": [
            {"id": "a", "text": "2", "credit": 50, "feedback": "yes"},
            {"id": "b", "text": "3", "credit": -100, "feedback": "no"},
            {"id": "c", "text": "4", "credit": 50, "feedback": "yes"},
            {"id": "d", "text": "5", "credit": -100, "feedback": "no"}]}),
    "multiple response, one full weight and negative ones": (
        "::Warm:: Which is warm?\n{\n    ~%100%sun # yes\n    ~%-50%ice # no\n    ~%-50%snow # no\n}",
        {"id": "warm", "type": "multiple_response", "prompt": "Which is warm?", "scoring": "partial", "options": [
            {"id": "a", "text": "sun", "credit": 100, "feedback": "yes"},
            {"id": "b", "text": "ice", "credit": -50, "feedback": "no"},
            {"id": "c", "text": "snow", "credit": -50, "feedback": "no"}]}),
    "numeric with feedback on every other number": (
        "// range\n::N1:: Name a number from 10 to 20. {#15:5~#Not even close}",
        {"id": "n1", "type": "numeric", "prompt": "Name a number from 10 to 20.",
         "answers": [{"value": 15, "tolerance": 5}, {"credit": 0, "feedback": "Not even close"}]}),
    "short answer with weights and a catch-all": (
        "::Pet::Which pet is best?{\n    =Dog#Loyal!\n    =%50%Fish#Quiet, at least.\n    =%0%*#No.\n}",
        {"id": "pet", "type": "short_text", "prompt": "Which pet is best?", "case_sensitive": False, "answers": [
            {"text": "Dog", "feedback": "Loyal!"}, {"text": "Fish", "credit": 50, "feedback": "Quiet, at least."},
            {"wildcard": "*", "credit": 0, "feedback": "No."}]}),
    "short answer with general feedback": (
        "::Pet::Which pet is best?{\n    =Dog#Loyal!\n    =%50%Fish\n    ####[html]All pets are <b>fine</b>.\n}",
        {"id": "pet", "type": "short_text", "prompt": "Which pet is best?", "case_sensitive": False, "answers": [
            {"text": "Dog", "feedback": "Loyal!"}, {"text": "Fish", "credit": 50}],
         "explanation": "All pets are **fine**."}),
    "true/false with both feedbacks": (
        "::TF:: The moon is made of cheese.{\nFALSE#It is rock.#Quite right.}",
        {"id": "tf", **tf("The moon is made of cheese.", False, feedback_true="It is rock.",
                          feedback_false="Quite right.")}),
    "true/false with general feedback": (
        "::TF:: The moon is made of cheese.{\nFALSE#It is rock.#Quite right.\n####Apollo brought samples.}",
        {"id": "tf", **tf("The moon is made of cheese.", False, feedback_true="It is rock.",
                          feedback_false="Quite right."), "explanation": "Apollo brought samples."}),
    "true written T, with a name that is not an id": (
        "// name\n::3-14 PI::Pi is irrational.{T}", {"id": "3-14-pi", **tf("Pi is irrational.", True)}),
    "true written TRUE": ("::3-14 PI::Pi is irrational.{TRUE}", {"id": "3-14-pi", **tf("Pi is irrational.", True)}),
    "backslashes": ("::Slashes:: X \\\\ Y \\\\\\\\ Z{}", {"id": "slashes", "type": "reflection",
                                                          "prompt": "X \\\\ Y \\\\\\\\ Z"}),
    "preformatted html with escaped braces": (
        "::P1::[html]<p>What does it print?</p>\n<pre>\n    void run() \\{\n        step();\n    \\}\n</pre>\n{}",
        {"id": "p1", "type": "reflection",
         "prompt": "What does it print?\n\n```\n    void run() {\n        step();\n    }\n```"}),
    "id and tags in the comment": (
        "// Tags for this one: [tag:week] [tag:two-b].\n// Its id: [id:own-id].\n::Named:: How did it go? {}",
        {"id": "own-id", "type": "reflection", "prompt": "How did it go?"}),
}

# Moodle's cases for reading [id:] and [tag:] from the comment before a question: (comment, id, tags).
COMMENTS = {
    "blank comment": ("//", None, ()),
    "nothing in the comment": ("// Just words.", None, ()),
    "id only": ("// An [id:toad] inside.", "toad", ()),
    "tags only": ("// Tags [tag:red] [tag:blue].", None, ("red", "blue")),
    "everything": ("// [tag:sum] [tag:easy] [id:nine]", "nine", ("sum", "easy")),
    "everything mixed up": ("// [tag:  easy] and then  \n// an [id:   nine   ] in[tag:sum   ]side.", "nine",
                            ("easy", "sum")),
    "split over two lines": ("// Not a [tag:\n// red].", None, ()),
    "escaped ] in the id": ("// [id:a\\]b].", "a]b", ()),
    "escaped ] in a tag": ("// [tag:c\\]d].", None, ("c]d",)),
}


@pytest.mark.parametrize("gift, expected", CASES.values(), ids=list(CASES))
def test_moodle_import_case(gift, expected):
    result = convert_gift(gift)
    assert result.problems == []
    assert result.questions == [expected]


@pytest.mark.parametrize("comment, idnumber, tags", COMMENTS.values(), ids=list(COMMENTS))
def test_moodle_comment_case(comment, idnumber, tags):
    result = convert_gift(f"{comment}\n::Title:: Question? {{}}")
    [question] = result.questions
    if idnumber is None or "]" not in idnumber:
        assert question["id"] == (idnumber or "title")
        assert result.problems == []
    else:
        # "a]b" cannot be a question id: it is made into one, and reported.
        assert question["id"] == "a-b"
        assert "is not a question id" in result.problems[0].message
    assert result.sources[question["id"]].tags == tags


# Moodle's importer is also tested on two whole files (tests/fixtures: nine questions, and four after a category
# line), written anew here with other texts. Their points beyond the cases above: text after the answer block
# (even a stray `";`) leaves a blank where the answers stood; a title met twice; a `$CATEGORY:` line; a link to
# a sound file in [html] with `\:` escaped; `=%100%word#` with an empty feedback; an inline style.
WHOLE_FILE = """// essay
::E1:: How was the week? {}

// matching
::Tools::[html]Match the <b>tool</b> to its use.{
    =[html]Cuts wood. -> Saw
    =[moodle]Drives nails. -> Hammer
    =[plain]Turns screws. -> Screwdriver
    = -> Glue
}

// choice
::C1:: Which planet looks red?
{
    =Mars # right
    ~Venus # [html]no, <i>Mars</i>
}

// weights
::Evens:: Which are even?
{
    ~%50%2 # yes
    ~%-100%3 # no
    ~%50%4 # yes
}

// text after the answers
::N1:: Name a number from 10 to 20. {#15:5~#Far off}";

// short answer
::Pet::Which pet is best?{
    =Dog#Loyal!
    =%0%*#No.
}

// true/false, general feedback, text after the answers
::TF:: The moon is made of cheese.{
FALSE#It is rock.#Right.
####Samples came back in 1969.}";

// the same title twice
::3-14 PI::Pi is irrational.{T}

::3-14 PI::Pi is irrational.{TRUE}
"""

WHOLE_FILE_QUESTIONS = [
    {"id": "e1", "type": "reflection", "prompt": "How was the week?"},
    {"id": "tools", "type": "matching", "prompt": "Match the **tool** to its use.", "scoring": "partial",
     "pairs": [{"id": "p1", "prompt": "Cuts wood.", "match": "Saw"},
               {"id": "p2", "prompt": "Drives nails.", "match": "Hammer"},
               {"id": "p3", "prompt": "Turns screws.", "match": "Screwdriver"}], "distractors": ["Glue"]},
    {"id": "c1", "type": "single_choice", "prompt": "Which planet looks red?", "options": [
        {"id": "a", "text": "Mars", "correct": True, "feedback": "right"},
        {"id": "b", "text": "Venus", "feedback": "no, *Mars*"}]},
    {"id": "evens", "type": "multiple_response", "prompt": "Which are even?", "scoring": "partial", "options": [
        {"id": "a", "text": "2", "credit": 50, "feedback": "yes"}, {"id": "b", "text": "3", "credit": -100,
                                                                   "feedback": "no"},
        {"id": "c", "text": "4", "credit": 50, "feedback": "yes"}]},
    # As Moodle: the text after the block follows a blank (it would read "... 20? _____";" there too).
    {"id": "n1", "type": "numeric", "prompt": 'Name a number from 10 to 20. _____";',
     "answers": [{"value": 15, "tolerance": 5}, {"credit": 0, "feedback": "Far off"}]},
    {"id": "pet", "type": "short_text", "prompt": "Which pet is best?", "case_sensitive": False, "answers": [
        {"text": "Dog", "feedback": "Loyal!"}, {"wildcard": "*", "credit": 0, "feedback": "No."}]},
    {"id": "tf", "type": "true_false", "prompt": 'The moon is made of cheese._____";', "answer": False,
     "feedback_true": "It is rock.", "feedback_false": "Right.", "explanation": "Samples came back in 1969."},
    # Moodle keeps two questions of one name; here the title gives the id, made unique.
    {"id": "3-14-pi", "type": "true_false", "prompt": "Pi is irrational.", "answer": True},
    {"id": "3-14-pi-2", "type": "true_false", "prompt": "Pi is irrational.", "answer": True},
]

IN_CATEGORY = """// a category line first
$CATEGORY: $course$/Week one

::Parts::[html]Match the part to the plant.{
\t=Takes up water. -> Root
\t=Makes sugar. -> Leaf
\t= -> Stone
}

::Hello::[html]<a href\\="http\\://media.example.org/hola.mp3">Listen to this\\:</a><br /><br />Which language?{
\t~English#Listen again.
\t=Spanish#Well done!
}

::Gardener::[html]Someone who tends a garden is a ...{
\t=%100%gardener#
}

::Acronym::[html]GIFT stands for <span style\\="font-style\\: italic;">General Import Format Template</span>.{TRUE}
"""

IN_CATEGORY_QUESTIONS = [
    {"id": "parts", "type": "matching", "prompt": "Match the part to the plant.", "scoring": "partial",
     "pairs": [{"id": "p1", "prompt": "Takes up water.", "match": "Root"},
               {"id": "p2", "prompt": "Makes sugar.", "match": "Leaf"}], "distractors": ["Stone"]},
    {"id": "hello", "type": "single_choice",
     "prompt": "[Listen to this:](http://media.example.org/hola.mp3)\\\n\\\nWhich language?", "options": [
         {"id": "a", "text": "English", "feedback": "Listen again."},
         {"id": "b", "text": "Spanish", "correct": True, "feedback": "Well done!"}]},
    {"id": "gardener", "type": "short_text", "prompt": "Someone who tends a garden is a ...",
     "case_sensitive": False, "answers": [{"text": "gardener"}]},
    {"id": "acronym", "type": "true_false", "prompt": "GIFT stands for General Import Format Template.",
     "answer": True},
]


def test_moodle_whole_file_case():
    result = convert_gift(WHOLE_FILE)
    assert (result.not_converted, result.problems) == (0, [])
    assert result.questions == WHOLE_FILE_QUESTIONS  # nine questions, as Moodle imports nine


def test_moodle_file_with_a_category_case():
    result = convert_gift(IN_CATEGORY)
    assert result.not_converted == 0
    assert result.questions == IN_CATEGORY_QUESTIONS
    assert {source.category for source in result.sources.values()} == {"$course$/Week one"}
    # Moodle shows the span in italics; Markdown has no inline style, so the text stays and the loss is reported.
    assert [(problem.line, problem.message) for problem in result.problems] == [
        (19, "[html] lost in conversion to Markdown: <span> formatting")]


@pytest.mark.parametrize("text", [WHOLE_FILE, IN_CATEGORY], ids=["whole file", "file with a category"])
def test_moodle_files_pass_the_pack_validator(tmp_path, text):
    import shutil
    from pathlib import Path

    from moocplatform.content.pack import load_pack
    from moocplatform.quizzes.cli import quiz_yaml

    example = Path(shutil.copytree(Path(__file__).parent / "packs" / "valid-example", tmp_path / "example"))
    result = convert_gift(text)
    (example / "quizzes" / "check.yaml").write_text(quiz_yaml(result, "ex-check", "Moodle", "moodle.gift",
                                                              outcome="use-retrieval"))
    pack = load_pack(example, video_hosts=("www.youtube-nocookie.com",))
    assert [q["id"] for q in pack.quizzes["ex-check"].data["questions"]] == [q["id"] for q in result.questions]
