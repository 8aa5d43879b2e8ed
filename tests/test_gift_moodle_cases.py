"""One case for each import behaviour that Moodle's own GIFT tests check (question/format/gift/tests), written
anew with other texts, with the question Moodle's result maps to in the quiz format. A case either converts
to exactly that question without a report, or (marked `reported`) converts and reports what differs, as
docs/content-packs.md § From Moodle GIFT files lists."""
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
