"""The pilot courses as a course team reviews them: quizzes that cannot be passed by test-wiseness or by
elimination, and every stated outcome assessed by at least one question."""
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from courses.tools import build_templates
from moocplatform.content import load_pack

COURSES = Path(__file__).resolve().parent.parent / "courses"
PILOTS = ["learning-to-learn", "sense-of-initiative", "innovation-and-creativity"]


@pytest.fixture(scope="module", params=PILOTS)
def pack(request):
    return load_pack(COURSES / request.param, video_hosts=("www.youtube-nocookie.com",))


def key_is_longest(question: dict) -> bool:
    key_length = max(len(o["text"]) for o in question["options"] if o.get("correct"))
    return all(key_length > len(o["text"]) for o in question["options"] if not o.get("correct"))


def test_the_key_is_not_usually_the_longest_option(pack):
    # A learner who always picks the longest option should not pass on that habit alone.
    for quiz in pack.quizzes.values():
        single = [q for q in quiz.questions if q["type"] == "single_choice"]
        longest = [q["id"] for q in single if key_is_longest(q)]
        assert 2 * len(longest) <= len(single) + 1, (quiz.path, longest)


def test_every_stated_outcome_has_an_id_and_a_question(pack):
    for module in pack.modules:
        assert all(o["id"] for o in module.outcomes), module.key
    assessed = {q["outcome"] for quiz in pack.quizzes.values() for q in quiz.questions}
    stated = {o["id"] for o in pack.all_outcomes}
    assert stated - assessed == set()


def test_per_option_feedback_waits_until_passing_or_the_last_attempt(pack):
    for quiz in pack.quizzes.values():
        settings = quiz.data["settings"]
        assert settings["feedback"] in {"after_passing", "after_last_attempt"}, quiz.path
        assert settings["answers"] in {"after_passing", "after_last_attempt"}, quiz.path


def test_declared_weekly_effort_matches_the_units_of_each_week(pack):
    # One module a week, the capstone's week included; each within 10% of the hours the course declares.
    assert pack.duration_weeks == len(pack.modules)
    declared = 60 * pack.effort_hours_per_week
    for module in pack.modules:
        minutes = sum(u.minutes for u in module.units)
        assert abs(minutes - declared) <= declared / 10, (module.key, minutes, declared)


def test_reading_times_follow_the_word_counts(pack):
    # About 200 words a minute, plus up to ten minutes for the examples and the unit's short task.
    for unit in pack.units:
        reading = len(unit.body.split()) / 200
        assert unit.minutes >= reading, unit.path
        if unit.type == "text":
            assert unit.minutes <= reading + 10, (unit.path, unit.minutes, round(reading, 1))


def test_every_live_session_has_an_opening_breakout_moves_a_close_and_slack(pack):
    sessions = [u for u in pack.units if u.session]
    assert len(sessions) >= len(pack.modules) - 1
    for unit in sessions:
        steps = unit.session["steps"]
        assert sum(s["minutes"] for s in steps) == unit.session["minutes"] <= unit.minutes, unit.path
        titles = [s["title"].lower() for s in steps]
        assert steps[0]["grouping"] == "whole_group" and titles[0].startswith(("opening", "welcome")), unit.path
        assert any(s["grouping"] in {"breakout_groups", "pairs"} for s in steps), unit.path
        assert any("back to the whole group" in t for t in titles), unit.path
        assert "spare time" in titles[-1] and any("clos" in t for t in titles), unit.path
        notes = unit.session["facilitator_notes"]
        assert all(part in notes for part in ("**Watch for:**", "**Weave:**", "stalls:**")), unit.path


def test_the_course_opens_with_an_orientation_and_ends_with_a_capstone_week(pack):
    first = pack.modules[0].units[0]
    assert first.type == "discussion" and first.preview and "orientation" in first.key
    assert first.participation and all(h in first.body for h in ("## How the course works", "## How we work together",
                                                                 "## Introduce yourself"))
    last = pack.modules[-1]
    assert [u.type for u in last.units] == ["activity", "references"] and "capstone" in last.units[0].key
    assert "one week after the last live session" in pack.description
    assert "no video this round" in pack.description.lower()


TEMPLATES = {
    "learning-to-learn": {"learning-file": "Learning file", "learning-log": "Learning log"},
    "sense-of-initiative": {"hypothesis-card": "Hypothesis card", "lean-canvas": "Lean Canvas"},
    "innovation-and-creativity": {"brainwriting-6-3-5": "Brainwriting 6-3-5 sheet", "empathy-map": "Empathy map",
                                  "criteria-matrix": "Criteria matrix"},
}


def test_every_template_is_offered_as_odt_and_pdf_in_a_resource_unit(pack):
    links = re.compile(r"\]\(((?:\.\./)*assets/templates/[^)]+)\)")
    offered: dict[str, str] = {}
    for unit in pack.units:
        for target in links.findall(unit.body):
            assert unit.type == "resource" or Path(target).name not in offered, (unit.path, target)
            offered.setdefault(Path(target).name, unit.type)
    expected = {f"{name}.{suffix}" for name in TEMPLATES[pack.id] for suffix in ("odt", "pdf")}
    assert set(offered) == expected
    assert set(offered.values()) == {"resource"}  # each file is first offered by a resource unit
    assert {p.removeprefix("assets/templates/") for p in pack.assets if p.startswith("assets/templates/")} == expected


def test_the_template_pdfs_carry_their_title_and_language(pack):
    for name, title in TEMPLATES[pack.id].items():
        reader = PdfReader(pack.root / "assets" / "templates" / f"{name}.pdf")
        assert reader.metadata.title == title
        assert reader.trailer["/Root"]["/Lang"] == pack.language
        assert title in reader.pages[0].extract_text()  # real text, not a picture of it
        with zipfile.ZipFile(pack.root / "assets" / "templates" / f"{name}.odt") as odt:
            assert f"<dc:title>{title}</dc:title>" in odt.read("meta.xml").decode()
            assert f"<dc:language>{pack.language}</dc:language>" in odt.read("meta.xml").decode()


def test_the_committed_templates_are_what_the_generator_writes():
    # A change to courses/tools/templates.yaml needs `python courses/tools/build_templates.py` and a commit.
    assert build_templates.main(["--check"]) == 0
