"""The pack loader and validator, as pure functions: valid packs load, each class of problem is reported with
its file, line and field, warnings are kept apart, and the CLI prints them all."""
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from moocplatform.content import PackError, format_stats, inspect_pack, load_pack, pack_stats, render_pack, schema_path
from moocplatform.html import citations_used
from tests.factories import write_pack

COURSES = Path(__file__).resolve().parent.parent / "courses"
EXAMPLE = Path(__file__).resolve().parent / "packs" / "valid-example"
HOSTS = ("www.youtube-nocookie.com",)
QUIZ = "quizzes/check.yaml"


def problems(folder) -> list[str]:
    with pytest.raises(PackError) as caught:
        load_pack(folder, video_hosts=HOSTS)
    return [str(p) for p in caught.value.problems]


def warnings_of(folder) -> list[str]:
    return [str(w) for w in load_pack(folder, video_hosts=HOSTS).warnings]


def edit_manifest(folder: Path, **changes) -> None:
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))


def edit(folder: Path, rel: str, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text()
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new, 1))


def line_of(folder: Path, rel: str, needle: str) -> int:
    return next(i for i, line in enumerate((folder / rel).read_text().splitlines(), 1) if needle in line)


@pytest.fixture()
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


# valid packs -----------------------------------------------------------------------------------------------

def test_valid_pack_loads_in_order(tmp_path):
    pack = load_pack(write_pack(tmp_path, "alpha", modules=2, units_per_module=2), video_hosts=HOSTS)
    assert pack.id == "alpha" and pack.version == "1.0.0"
    assert [m.key for m in pack.modules] == ["m1", "m2"]
    assert [u.key for u in pack.units] == ["m1-u1", "m1-u2", "m2-u1", "m2-u2"]
    assert pack.units[0].preview and not pack.units[1].preview
    assert set(pack.assets) == {"assets/square.svg"}
    assert pack.completion == {"required_units": "all", "quizzes_to_pass": [], "participation": "", "discussions": [],
                               "assignments": []}


@pytest.mark.parametrize("name", ["learning-to-learn", "sense-of-initiative", "innovation-and-creativity"])
def test_pilot_courses_are_valid(name):
    pack = load_pack(COURSES / name, video_hosts=HOSTS)
    assert len(pack.modules) >= 4
    assert pack.licence == "CC-BY-SA-4.0"
    weeks = [m for m in pack.modules if any(u.type == "quiz" for u in m.units)]  # all but the capstone's week
    assert len(weeks) == len(pack.modules) - 1
    for module in weeks:
        types = [u.type for u in module.units]
        assert types.count("text") >= 2 and "activity" in types and "discussion" in types
    for unit in pack.units:
        if unit.type == "text":
            assert len(unit.body.split()) >= 350, unit.path
    assert pack.warnings == [], [str(w) for w in pack.warnings]
    for module in weeks:
        quiz, = [pack.quizzes[u.quiz] for u in module.units if u.type == "quiz"]
        assert len(quiz.questions) >= 6 and len({q["type"] for q in quiz.questions}) >= 3, quiz.path
    references, = [u for u in pack.units if u.type == "references"]
    assert references.preview
    # Every source in the list is cited somewhere in the course.
    texts = [pack.description, *(u.body for u in pack.units), *((COURSES / name / q.path).read_text()
                                                                  for q in pack.quizzes.values())]
    cited = {key for text in texts for key in citations_used(text)}
    assert {r["key"] for r in pack.references} <= cited
    # Format 2: outcomes with ids, each assessed; a session, notes and an assignment per weekly activity;
    # a participation rule per discussion; the capstone's assignment counts toward completion.
    assert pack.format == 2 and 3 <= len(pack.outcomes) <= 6 and all(o["id"] for o in pack.outcomes)
    questions = [q for quiz in pack.quizzes.values() for q in quiz.questions]
    assert {o["id"] for o in pack.outcomes} <= {q["outcome"] for q in questions}
    for unit in pack.units:
        if unit.type == "activity" and "capstone" not in unit.key:
            assert unit.session["minutes"] == sum(s["minutes"] for s in unit.session["steps"]) <= unit.minutes
            assert unit.session["facilitator_notes"] and unit.assignment["rubric"], unit.path
        if unit.type == "discussion":
            assert unit.participation == {"posts": 1, "replies": 2} and unit.facilitator_notes, unit.path
    capstone, = [u for u in pack.units if "capstone" in u.key]
    assert capstone.assignment["counts_toward_completion"] and len(capstone.assignment["rubric"]) >= 6
    assert pack.completion["assignments"] == [capstone.key]


def test_example_pack_uses_the_whole_format_and_is_clean():
    report = inspect_pack(EXAMPLE, video_hosts=HOSTS)
    assert report.ok and report.warnings == [], [str(p) for p in report.problems + report.warnings]
    pack = report.pack
    assert {u.type for u in pack.units} == {"text", "video", "activity", "reflection", "resource", "discussion",
                                            "quiz"}
    quiz = pack.quizzes["ex-check"]
    assert (quiz.path, quiz.unit_key, pack.units[-1].quiz) == (QUIZ, "ex-quiz", "ex-check")
    assert {q["type"] for q in quiz.questions} == {"single_choice", "multiple_response", "true_false", "numeric",
                                                  "short_text", "ordering", "matching", "reflection"}
    settings = yaml.safe_load(schema_path("quiz").read_text())["properties"]["settings"]["properties"]
    assert set(quiz.settings) == set(settings)
    assert pack.completion["quizzes_to_pass"] == ["ex-check"]
    assert [p["name"] for p in pack.partners] == ["Example University", "Example Learning Lab"]
    assert pack.enrolment["mode"] == "window" and pack.enrolment["closes"] > pack.enrolment["opens"]


def test_quiz_defaults_are_filled_in_and_markdown_rendered_once():
    pack = load_pack(EXAMPLE, video_hosts=HOSTS)
    render_pack(pack, asset_url=lambda a: f"/a/{a.path}", unit_url=lambda k: f"/u/{k}", references_url="/refs")
    q1, q2, _, q4, q5, q6, q7, _ = pack.quizzes["ex-check"].questions
    assert q2["points"] == 1 and q4["answers"][0]["credit"] == 100 and q5["normalise_whitespace"] is True
    assert q1["prompt_html"] == "<p>Which habit helps you <strong>remember</strong> most?</p>\n"
    assert q1["prompt"] == "Which habit helps you **remember** most?"
    assert q1["options"][0]["text_html"] == "Trying to recall without notes"  # inline: no <p> inside a <label>
    assert q1["options"][1]["feedback_html"] == "<p>It feels good but helps less.</p>\n"
    assert 'href="/refs#ref-roediger2006">Roediger &amp; Karpicke, 2006</a>' in q1["explanation_html"]
    assert q6["items"][2]["text_html"] == "Recall without notes"
    assert q7["pairs"][0]["match_html"] == "Spread practice over time" and q7["distractors_html"] == [
        "Read the text again"]
    video = pack.units[1].video_html
    assert video["captions"] == [{"language": "en", "url": "/a/assets/captions/retrieval.en.vtt"}]
    assert 'href="/a/assets/worksheet.pdf"' in pack.units[2].html  # ../../assets/… from the unit's folder
    assert 'href="/u/ex-welcome"' in pack.description_html


def test_every_schema_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator
    for name in ("course", "unit-front-matter", "references", "quiz"):
        schema = yaml.safe_load(schema_path(name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


# schema problems: file, line and field ---------------------------------------------------------------------

def test_every_problem_is_reported_at_once_with_its_file(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    edit_manifest(folder, title=None, version="one", effort_hours_per_week=0)
    unit = folder / "units/m1/02-m1-u2.md"
    unit.write_text(unit.read_text().replace("minutes: 10", "minutes: -3"))
    found = problems(folder)
    assert "course.yaml: title: is required" in found
    assert any(re.match(r"course\.yaml:\d+: version: must be a version of the form MAJOR\.MINOR\.PATCH", p)
               for p in found)
    assert f"course.yaml:{line_of(folder, 'course.yaml', 'effort_hours')}: effort_hours_per_week: must be at " \
           "least 1" in found
    assert "units/m1/02-m1-u2.md:5: minutes: must be a positive integer (at most 600)" in found


def test_schema_errors_name_field_path_and_line(example):
    edit(example, "course.yaml", "      - units/m2-practice/01-reflection.md", "      - 42")
    edit(example, "course.yaml", "    title: Week 1 · Basics\n", "")
    edit(example, "course.yaml", "licence: CC-BY-SA-4.0", "license: CC-BY-SA-4.0")
    edit(example, "course.yaml", "code: P1,", "code: 'P 1',")
    found = problems(example)
    line = line_of(example, "course.yaml", "      - 42")
    assert f"course.yaml:{line}: modules[1].units[0]: must be the path of a unit's .md file, relative to the " \
           "pack" in found
    assert f"course.yaml:{line_of(example, 'course.yaml', '- id: m1-basics')}: modules[0].title: is required" in found
    assert f"course.yaml:{line_of(example, 'course.yaml', 'license:')}: license: is not a field here " \
           "(did you mean 'licence'?)" in found
    assert "course.yaml: licence: is required" in found
    assert any(p.startswith(f"course.yaml:{line_of(example, 'course.yaml', 'P 1')}: competences[1].code: must be a "
                            "competence code") for p in found)


def test_front_matter_errors_have_lines_in_the_unit_file(example):
    edit(example, "units/m1-basics/01-welcome.md", "minutes: 10", "minutes: ten")
    edit(example, "units/m1-basics/01-welcome.md", "preview: true", "previewed: true")
    found = problems(example)
    assert "units/m1-basics/01-welcome.md:5: minutes: must be a positive integer (at most 600)" in found
    assert "units/m1-basics/01-welcome.md:6: previewed: is not a field here (did you mean 'preview'?)" in found


def test_enrolment_completion_and_competences_are_cross_checked(example):
    edit(example, "course.yaml", "closes: 2026-03-01T00:00:00Z", "closes: 2025-03-01T00:00:00Z")
    edit(example, "course.yaml", "required_units: [ex-welcome,", "required_units: [ex-gone,")
    edit(example, "course.yaml", "quizzes_to_pass: [ex-check]", "quizzes_to_pass: [ex-nope]")
    edit(example, "course.yaml", "competences: [L3, P1]", "competences: [L3, S9]")
    found = problems(example)
    line = lambda needle: line_of(example, "course.yaml", needle)  # noqa: E731
    assert f"course.yaml:{line('closes:')}: enrolment.closes: closes must be after opens" in found
    assert (f"course.yaml:{line('ex-gone')}: completion.required_units[0]: 'ex-gone' is not a unit of the course"
            in found)
    assert f"course.yaml:{line('ex-nope')}: completion.quizzes_to_pass[0]: 'ex-nope' is not a quiz of the course" \
        in found
    assert f"course.yaml:{line('S9')}: modules[1].competences[1]: competence 'S9' is not among the course's " \
           "competences" in found


def test_yaml_duplicate_keys_and_aliases_are_refused(example):
    (example / "course.yaml").write_text((example / "course.yaml").read_text() + "title: Again\n")
    (example / "references.yaml").write_text("- &ref {key: a, short: A, citation: A.}\n- *ref\n")
    found = problems(example)
    assert f"course.yaml:{line_of(example, 'course.yaml', 'title: Again')}: the key 'title' appears twice in one " \
           "mapping" in found
    assert "references.yaml:1: YAML anchors and aliases (&name, *name) are not allowed" in found


def test_deeply_nested_yaml_is_refused_before_it_is_walked(example):
    (example / "references.yaml").write_text("- " + "[" * 500 + "]" * 500 + "\n")
    assert "references.yaml:1: nests more than 40 levels deep" in problems(example)


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    (folder / "course.yaml").write_text("!!python/object/apply:os.system ['echo hacked']\n")
    assert any("not valid YAML" in p for p in problems(folder))


def test_duplicate_unit_ids(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, unit_keys=["same-id", "same-id"])
    assert "units/m1/02-same-id.md:2: id: unit id 'same-id' is already used by units/m1/01-same-id.md" \
        in problems(folder)


def test_duplicate_module_ids(example):
    edit(example, "course.yaml", "- id: m2-practice", "- id: m1-basics")
    line = line_of(example, "course.yaml", "Week 2") - 1
    assert f"course.yaml:{line}: modules[1].id: module id 'm1-basics' is already used by modules[0]" \
        in problems(example)


def test_missing_unit_file_and_escaping_paths(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=1)
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    manifest["modules"][0]["units"] += ["units/m1/missing.md", "../outside.md", "/etc/passwd.md"]
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest))
    found = problems(folder)
    assert "units/m1/missing.md: unit file is missing" in found
    assert sum("must be a path inside the pack" in p for p in found) == 2


def test_front_matter_problems(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=3)
    (folder / "units/m1/01-m1-u1.md").write_text("No front matter here.\n")
    (folder / "units/m1/02-m1-u2.md").write_text("---\nid: [unclosed\n---\nBody\n")
    (folder / "units/m1/03-m1-u3.md").write_bytes(b"---\nid: x\n---\n\xff\xfe not utf-8")
    found = problems(folder)
    assert "units/m1/01-m1-u1.md:1: must start with front matter between '---' lines" in found
    assert any(p.startswith("units/m1/02-m1-u2.md:3: is not valid YAML") for p in found)
    assert "units/m1/03-m1-u3.md:4: is not UTF-8 (byte 14); save the file as UTF-8" in found


# quizzes ---------------------------------------------------------------------------------------------------

QUIZ_CASES = [
    ([("  - id: q2\n", "  - id: q1\n")], "questions[1].id: question id 'q1' is already used by questions[0]"),
    ([("without notes, correct: true,", "without notes,")],
     "questions[0].options: a single_choice question needs at least one correct option"),
    ([("without notes, correct: true,", "without notes, credit: 50, correct: true,")],
     "questions[0].options[0]: an option has correct or credit, not both"),
    ([("{id: b, text: Rereading", "{id: a, text: Rereading")], "questions[0].options[1].id: id 'a' is used twice"),
    ([("{id: a, text: Flashcards, credit: 50}", "{id: a, text: Flashcards, correct: true}")],
     "questions[1].options[0].correct: is ignored because other options have credit"),
    ([("Flashcards, credit: 50}", "Flashcards, credit: 50, correct: true}")],
     "questions[1].options[0]: an option has correct or credit, not both"),
    ([("Flashcards, credit: 50}", "Flashcards, credit: 0}"), ("practice test, credit: 50}", "practice test}")],
     "questions[1].options: a multiple_response question needs an option with a positive credit"),
    ([("credit: 50}\n      - {id: b", "credit: 50}\n      - {id: b"), ("    answer: false\n", "")],
     "questions[2].answer: is required"),
    ([("{min: 2, max: 4,", "{min: 5, max: 4,")], "questions[3].answers[1]: min (5) must not be greater than max (4)"),
    ([("{value: 3, tolerance: 0,", "{value: 3, tolerance: -1,")],
     "questions[3].answers[0].tolerance: must be at least 0"),
    ([("{value: 3, tolerance: 0,", "{value: 3, min: 1,")],
     "questions[3].answers[0]: an answer has either value (and an optional tolerance) or a range: min, max or both"),
    ([("{value: 3, tolerance: 0, feedback: Right.}", "{value: 3, credit: 0}"),
      ("max: 4, credit: 50,", "max: 4, credit: 0,")],
     "questions[3].answers: no answer earns credit, so the question cannot be answered right"),
    ([("'^(the )?test(ing)? effect$'", "'[unclosed'")],
     "questions[4].answers[1].regex: cannot be used: the pattern does not compile"),
    ([("'^(the )?test(ing)? effect$'", "'^(a+)+$'")],
     "questions[4].answers[1].regex: cannot be used: a repeated group"),
    ([("{regex: '^(the )?test(ing)? effect$', credit: 100}", "{regex: 'x', text: x}")],
     "questions[4].answers[1]: an answer has either text or regex (not both)"),
    ([("{id: study, text: Study}", "{id: goal, text: Study}")], "questions[5].items[1].id: id 'goal' is used twice"),
    ([("      - {id: study, text: Study}\n      - {id: recall, text: Recall without notes}\n"
       "      - {id: check, text: Check and fix}\n", "")], "questions[5].items: needs at least 2 entries"),
    ([("distractors: [Read the text again]", "distractors: [Mix kinds of problems]")],
     "questions[6].distractors[0]: the match text 'Mix kinds of problems' appears twice"),
    ([("      - {id: p2, prompt: Interleaving, match: Mix kinds of problems}\n", "")],
     "questions[6].pairs: needs at least 2 entries"),
    ([("    min_words: 20\n", "    min_word: 20\n")],
     "questions[7].min_word: is not a field here (did you mean 'min_words'?)"),
    ([("type: reflection", "type: essay")], "questions[7].type: must be one of single_choice, multiple_response"),
    ([("{draw: 1, from: [q4, q5]}", "{draw: 3, from: [q4, q5]}")],
     "settings.pools[0].draw: draws 3 questions from a pool of 2"),
    ([("from: [q4, q5]", "from: [q4, q9]")], "settings.pools[0].from[1]: question 'q9' is not in this quiz"),
    ([("    - {draw: 1, from: [q4, q5]}\n", "    - {draw: 1, from: [q4, q5]}\n    - {draw: 1, from: [q5, q6]}\n")],
     "settings.pools[1].from[0]: question 'q5' is already in pools[0]"),
    ([("pass_mark: 60", "pass_mark: 120")], "settings.pass_mark: must be at most 100"),
    ([("time_limit_minutes: 20", "time_limit_minutes: -5")], "settings.time_limit_minutes: must be at least 0"),
    ([("score: best", "score: worst")], "settings.score: must be one of best, last"),
    ([("  shuffle_options: true\n", "")], "settings.shuffle_options: is required"),
    ([("    prompt: What is the effect", "    promt: What is the effect")], "questions[4].prompt: is required"),
]


@pytest.mark.parametrize(("edits", "expected"), QUIZ_CASES, ids=[c[1][:60] for c in QUIZ_CASES])
def test_quiz_consistency(example, edits, expected):
    for old, new in edits:
        edit(example, QUIZ, old, new)
    found = problems(example)
    assert any(re.match(rf"{re.escape(QUIZ)}:\d+: ", p) and expected in p for p in found), found
    assert "ex-check" not in load_quizzes_or_none(example)


@pytest.mark.parametrize("number", ["9" * 400, "-" + "1" * 16, "1e400", "-.inf", ".nan"])
def test_numbers_a_float_cannot_hold_are_refused_with_their_line(example, number):
    edit(example, QUIZ, "{value: 3, tolerance: 0,", f"{{value: {number}, tolerance: 0,")
    found = problems(example)
    line = line_of(example, QUIZ, f"value: {number}")
    assert any(p.startswith(f"{QUIZ}:{line}: questions[3].answers[0].value: must be a") for p in found), found
    assert "ex-check" not in load_quizzes_or_none(example)


def load_quizzes_or_none(folder) -> dict:
    pack = inspect_pack(folder, video_hosts=HOSTS).pack
    return pack.quizzes if pack else {}


def test_quiz_problems_point_at_their_line(example):
    edit(example, QUIZ, "without notes, correct: true,", "without notes,")
    edit(example, QUIZ, "{value: 3, tolerance: 0,", "{value: 3, tolerance: -1,")
    found = problems(example)
    assert f"{QUIZ}:23: questions[0].options: a single_choice question needs at least one correct option" in found
    assert f"{QUIZ}:{line_of(example, QUIZ, 'tolerance: -1')}: questions[3].answers[0].tolerance: must be at " \
           "least 0" in found


def test_quiz_files_are_tied_to_quiz_units(example):
    welcome, quiz_unit = "units/m1-basics/01-welcome.md", "units/m2-practice/04-quiz.md"
    edit(example, welcome, "preview: true\n", "preview: true\nquiz: quizzes/check.yaml\n")
    edit(example, quiz_unit, "quiz: quizzes/check.yaml", "quiz: quizzes/missing.yaml")
    found = problems(example)
    assert f"{welcome}:7: quiz: only a unit of type quiz names a quiz file" in found
    assert f"{quiz_unit}:6: quiz: quiz file quizzes/missing.yaml is missing" in found


def test_a_quiz_unit_needs_its_quiz(example):
    edit(example, "units/m2-practice/04-quiz.md", "quiz: quizzes/check.yaml\n", "")
    report = inspect_pack(example, video_hosts=HOSTS)
    assert [str(p) for p in report.problems] == [
        "units/m2-practice/04-quiz.md: quiz: is required",
        f"course.yaml:{line_of(example, 'course.yaml', 'quizzes_to_pass')}: completion.quizzes_to_pass[0]: 'ex-check' "
        "is not a quiz of the course",
    ]
    assert "quizzes/check.yaml: quiz file is not named by any unit of type quiz, so it is not part of the course" \
        in [str(w) for w in report.warnings]


def test_quiz_ids_are_unique_in_the_course_and_a_file_has_one_unit(example):
    shutil.copy(example / QUIZ, example / "quizzes/again.yaml")
    for name, quiz in (("05-again.md", "again"), ("06-twice.md", "check")):
        (example / f"units/m2-practice/{name}").write_text(
            f"---\nid: ex-{name[3:-3]}\ntitle: Again\ntype: quiz\nminutes: 5\nquiz: quizzes/{quiz}.yaml\n---\nGo.\n")
        edit(example, "course.yaml", "      - units/m2-practice/04-quiz.md\n",
             f"      - units/m2-practice/04-quiz.md\n      - units/m2-practice/{name}\n")
    found = problems(example)
    assert "quizzes/again.yaml:2: id: quiz id 'ex-check' is already used by quizzes/check.yaml" in found
    assert "units/m2-practice/06-twice.md:6: quiz: quizzes/check.yaml is already the quiz of unit 'ex-quiz'" in found


# Markdown: links, citations, raw HTML ----------------------------------------------------------------------

def test_unknown_citation_and_missing_asset(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=1)
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text() + "\nAs shown [@nobody]. ![Chart](assets/chart.png)\n")
    found = problems(folder)
    assert "units/m1/01-m1-u1.md:10: cites [@nobody], which is not in references.yaml" in found
    assert "units/m1/01-m1-u1.md:10: refers to assets/chart.png, which is not in the pack" in found


def test_links_between_units_must_resolve(example):
    welcome = "units/m1-basics/01-welcome.md"
    (example / "units/m1-basics/99-draft.md").write_text("---\nid: ex-draft\ntitle: Draft\ntype: text\nminutes: 1\n"
                                                        "---\nNot yet.\n")
    edit(example, welcome, "[the short video](02-video.md)", "[the short video](02-vidoe.md), [a draft](99-draft.md)")
    edit(example, welcome, "Rereading feels",
         "[Files](ftp://example.org/x) ![Logo](https://example.org/l.png) Rereading feels")
    report = inspect_pack(example, video_hosts=HOSTS)
    found = [str(p) for p in report.problems]
    assert f"{welcome}:12: links to 02-vidoe.md, which is not a unit of the pack" in found
    assert f"{welcome}:12: links to 99-draft.md, which is not a unit of the pack" in found
    assert f"{welcome}:8: link to 'ftp://example.org/x': only http, https, mailto links are kept" in found
    assert any(p.startswith(f"{welcome}:8: image 'https://example.org/l.png' is not in the pack") for p in found)
    assert ("units/m1-basics/99-draft.md: unit file is not listed in course.yaml, so it is not part of the course"
            in [str(w) for w in report.warnings])


def test_raw_html_is_reported_with_its_line(example):
    welcome = "units/m1-basics/01-welcome.md"
    edit(example, welcome, "Next, watch", '<div class="box">\nBoxed\n</div>\n\nSome <b>bold</b>, `<i>code</i>`.\n\n'
                                          "```\n<p>fenced</p>\n```\n\nNext, watch")
    edit(example, "course.yaml", "  Anyone who wants", "  Anyone <em>who</em> wants")
    edit(example, QUIZ, "prompt: Which habit", "prompt: Which <span>habit</span>")
    found = [p for p in problems(example) if "raw HTML" in p]
    prefix = "raw HTML is not rendered (it would show as text); use Markdown instead: "
    assert found == [
        f"course.yaml:12: description: {prefix}<em>", f"course.yaml:12: description: {prefix}</em>",
        f"{welcome}:12: {prefix}<div class=\"box\">",
        f"{welcome}:16: {prefix}<b>", f"{welcome}:16: {prefix}</b>",
        f"{QUIZ}:19: questions[0].prompt: {prefix}<span>", f"{QUIZ}:19: questions[0].prompt: {prefix}</span>",
    ]


def test_rendering_rewrites_pack_links_and_citations(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2)
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text() + "\nSee [the next unit](02-m1-u2.md#part) and [@ref1].\n")
    pack = load_pack(folder, video_hosts=HOSTS)
    pack.units[0].body += "\n<script>alert(1)</script>\n"  # the validator refuses this; the renderer escapes it too
    render_pack(pack, asset_url=lambda a: f"/assets/{a.sha256}/square.svg", unit_url=lambda k: f"/u/{k}",
                references_url="/refs")
    html = pack.units[0].html
    assert 'href="/u/m1-u2#part"' in html
    assert 'href="/refs#ref-ref1">Author, 2020</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'src="/assets/{pack.assets["assets/square.svg"].sha256}/square.svg"' in html


REFERENCES_UNIT = ("---\nid: m1-refs\ntitle: Sources\ntype: references\nminutes: 5\npreview: true\n---\n"
                   "Read these first.\n")


def test_references_unit_lists_the_sources_and_citations_link_to_it(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2,
                        extra_files={"units/m1/02-m1-u2.md": REFERENCES_UNIT})
    (folder / "references.yaml").write_text(yaml.safe_dump([
        {"key": "zed", "short": "Zed, 2001", "citation": "Zed, Z. (2001). <Last> & least.", "url": "https://ex.org/z"},
        {"key": "ab", "short": "Ab, 1999", "citation": "Ab, A. (1999). First."}]))
    edit_manifest(folder, description="No citations here.")
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text() + "\nAs found [@zed].\n")
    pack = load_pack(folder, video_hosts=HOSTS)
    assert pack.warnings == []
    render_pack(pack, asset_url=lambda a: f"/a/{a.sha256}", unit_url=lambda k: f"/u/{k}", references_url="/refs")
    assert 'href="/u/m1-refs#ref-zed">Zed, 2001</a>' in pack.units[0].html
    html = pack.units[1].html
    assert html.startswith("<p>Read these first.</p>")
    assert html.index('id="ref-ab"') < html.index('id="ref-zed"')  # ordered by label
    assert "Zed, Z. (2001). &lt;Last&gt; &amp; least." in html
    assert '<a href="https://ex.org/z" rel="noopener">https://ex.org/z</a>' in html


def test_one_references_unit_at_most_and_what_it_needs(tmp_path):
    second = REFERENCES_UNIT.replace("m1-refs", "m1-refs-2")
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=3, extra_files={
        "units/m1/02-m1-u2.md": REFERENCES_UNIT.replace("preview: true\n", ""), "units/m1/03-m1-u3.md": second})
    assert ("units/m1/03-m1-u3.md:4: type: a course has one references unit, and units/m1/02-m1-u2.md is already "
            "one") in problems(folder)
    (folder / "units/m1/03-m1-u3.md").write_text(second.replace("references", "text"))
    (folder / "references.yaml").unlink()
    edit_manifest(folder, description="No citations here.")
    assert warnings_of(folder) == [
        "units/m1/02-m1-u2.md: is a references unit, but references.yaml lists no sources",
        "units/m1/02-m1-u2.md: is the references unit: make it preview: true so that visitors who follow a "
        "citation can read it",
    ]


# videos, files, warnings -----------------------------------------------------------------------------------

def test_video_host_allow_list_and_transcript(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, extra_files={
        "units/m1/02-m1-u2.md": "---\nid: m1-u2\ntitle: A video\ntype: video\nminutes: 5\n"
                                "video: {url: 'https://evil.example/embed/1'}\n---\nWatch.\n"})
    found = problems(folder)
    assert any("video.url: video host 'evil.example' is not in the allow-list" in p for p in found)
    assert "units/m1/02-m1-u2.md:6: video.transcript: is required" in found


def test_video_unit_renders_embed_and_transcript(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, extra_files={
        "assets/t.md": "Hello, **world**.",
        "units/m1/02-m1-u2.md": "---\nid: m1-u2\ntitle: A video\ntype: video\nminutes: 5\n"
                                "video: {url: 'https://www.youtube-nocookie.com/embed/x', transcript: assets/t.md}\n"
                                "---\nWatch.\n"})
    pack = load_pack(folder, video_hosts=HOSTS)
    render_pack(pack, asset_url=lambda a: f"/a/{a.sha256}", unit_url=lambda k: f"/u/{k}", references_url="/r")
    video = pack.units[1].video_html
    assert video["url"] == "https://www.youtube-nocookie.com/embed/x"
    assert "<strong>world</strong>" in video["transcript_html"]


def test_warnings_are_reported_apart_and_do_not_stop_loading(example):
    edit(example, "units/m1-basics/01-welcome.md", "![A loop from study to recall to feedback]", "![]")
    edit(example, "units/m1-basics/02-video.md", "  captions:\n    en: assets/captions/retrieval.en.vtt\n", "")
    (example / "README.md").write_text("Notes for the team.\n")
    (example / "quizzes/old.yaml").write_text("id: old\n")
    assert sorted(warnings_of(example)) == sorted([
        "units/m1-basics/01-welcome.md:10: image without alt text: describe it in ![…](…) for readers who cannot "
        "see it",
        "units/m1-basics/02-video.md:6: video: has no captions: add video.captions (a WebVTT file in assets/ per "
        "language) unless the player shows captions of its own",
        "assets/captions/retrieval.en.vtt: asset is never used: no unit, quiz, video or the description refers to it",
        "README.md: is not part of the pack format (course.yaml, references.yaml, units/, assets/, quizzes/) and is "
        "ignored",
        "quizzes/old.yaml: quiz file is not named by any unit of type quiz, so it is not part of the course",
    ])


def test_symlinks_and_unknown_asset_types_are_refused(tmp_path):
    folder = write_pack(tmp_path, "alpha")
    (folder / "assets" / "link.svg").symlink_to(folder / "assets" / "square.svg")
    (folder / "assets" / "tool.exe").write_bytes(b"MZ")
    (folder / "assets" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    found = problems(folder)
    assert "assets/link.svg: symbolic links are not allowed in a pack" in found
    assert "assets/elsewhere: symbolic links are not allowed in a pack" in found
    assert any(p.startswith("assets/tool.exe: asset type .exe is not allowed") for p in found)


def test_only_utf8_text_and_names(example):
    (example / "assets/captions/retrieval.en.vtt").write_bytes("WEBVTT\n\n00:00.000 --> 00:04.000\nCafé\n"
                                                              .encode("latin-1"))
    os.close(os.open(bytes(example / "assets") + b"/caf\xe9.txt", os.O_CREAT | os.O_WRONLY))
    found = problems(example)
    assert "assets/captions/retrieval.en.vtt:4: is not UTF-8 (byte 35); save the file as UTF-8" in found
    assert "assets/caf\\xe9.txt: file names must be UTF-8" in found


def test_not_a_pack(tmp_path):
    found = problems(tmp_path)
    assert found == [f"{tmp_path}: is not a content pack: course.yaml is missing"]


# stats -----------------------------------------------------------------------------------------------------

def test_pack_stats_counts_units_by_type_and_words_of_text_units():
    stats = pack_stats(load_pack(EXAMPLE, video_hosts=HOSTS))
    first, second = stats
    assert first.units_by_type == {"text": 1, "video": 1, "activity": 1}
    assert second.units_by_type == {"reflection": 1, "resource": 1, "discussion": 1, "quiz": 1}
    welcome = first.units[0]
    # The rendered words: citation keys, link targets and image paths do not count; link and alt texts do.
    assert (welcome.key, welcome.words) == ("ex-welcome", 15)
    assert [u.words for u in first.units[1:]] == [None, None]
    assert (first.minutes, second.minutes) == (45, 45)


def test_format_stats_is_a_table_per_module():
    text = format_stats(load_pack(EXAMPLE, video_hosts=HOSTS))
    assert "m1-basics · Week 1 · Basics" in text
    assert re.search(r"ex-welcome\s+text\s+10\s+15", text)
    assert "3 units (text 1, video 1, activity 1); 45 minutes; 15 words of text" in text
    assert text.endswith("Total: 2 modules, 7 units, 90 minutes, 15 words of text, 1 quizzes")


# the command line ------------------------------------------------------------------------------------------

def cli(app, *args):
    return app.test_cli_runner().invoke(args=["courses", *map(str, args)])


def test_cli_validate_a_valid_pack(app):
    result = cli(app, "validate", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.output == f"{EXAMPLE}: valid: example-course 1.2.0, 2 modules, 7 units, 1 quizzes; 0 warnings\n"


def test_cli_validate_prints_every_problem_then_the_warnings(app, example):
    edit(example, "course.yaml", "licence: CC-BY-SA-4.0", "license: CC-BY-SA-4.0")
    edit(example, QUIZ, "pass_mark: 60", "pass_mark: 120")
    edit(example, "units/m1-basics/01-welcome.md", "![A loop from study to recall to feedback]", "![]")
    result = cli(app, "validate", example)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:4] == [
        "Problems (3):",
        "course.yaml: licence: is required",
        f"course.yaml:{line_of(example, 'course.yaml', 'license')}: license: is not a field here (did you mean "
        "'licence'?)",
        f"{QUIZ}:5: settings.pass_mark: must be at most 100",
    ]
    assert lines[5:7] == ["Warnings (1):", "units/m1-basics/01-welcome.md:10: image without alt text: describe it in "
                                           "![…](…) for readers who cannot see it"]
    assert lines[-1] == f"{example}: not valid: 3 problems, 1 warnings"


def test_cli_validate_a_zip(app, tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        for path in sorted(EXAMPLE.rglob("*")):
            if path.is_file():
                zf.write(path, "example/" + path.relative_to(EXAMPLE).as_posix())
    assert cli(app, "validate", good).exit_code == 0
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../course.yaml", "id: x\n")
    result = cli(app, "validate", bad)
    assert result.exit_code == 1
    assert "bad.zip: entry '../course.yaml': its path leaves the pack (..)" in result.output


def test_cli_stats(app, tmp_path):
    result = cli(app, "stats", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("example-course 1.2.0 · Study skills sampler\n")
    assert "m2-practice · Week 2 · Practice" in result.output
    assert cli(app, "stats", tmp_path).exit_code == 1


def test_a_card_image_is_an_image_asset_of_the_pack(example):
    pack = load_pack(example, video_hosts=HOSTS)
    assert pack.card_image == "assets/card.svg" and pack.warnings == []  # the card counts as a use of the asset
    render_pack(pack, asset_url=lambda a: f"/a/{a.path}", unit_url=lambda k: f"/u/{k}", references_url="/r")
    assert pack.card_image_url == "/a/assets/card.svg"
    edit_manifest(example, card_image=None)
    assert warnings_of(example) == ["assets/card.svg: asset is never used: no unit, quiz, video or the description "
                                    "refers to it"]


@pytest.mark.parametrize(("path", "message"), [
    ("assets/worksheet.pdf", "assets/worksheet.pdf must be an SVG, PNG or JPEG image"),
    ("assets/missing.png", "assets/missing.png is not in the pack's assets/"),
    ("../outside.svg", "../outside.svg is not in the pack's assets/"),
])
def test_a_card_image_that_is_not_an_image_asset_is_a_problem(example, path, message):
    edit_manifest(example, card_image=path)
    line = line_of(example, "course.yaml", "card_image:")
    assert problems(example) == [f"course.yaml:{line}: card_image: {message}"]
