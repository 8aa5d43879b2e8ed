"""The pilot courses as a course team reviews them: quizzes that cannot be passed by test-wiseness or by
elimination, every stated outcome assessed by at least one question, hand-ins assessed against real rubrics,
and completion rules that a learner meets only by doing the course."""
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from courses.tools import build_templates
from moocplatform import clock
from moocplatform.assignments import queries as assignment_queries
from moocplatform.assignments import services as assignments
from moocplatform.assignments.models import SubmissionStatus
from moocplatform.assignments.schedule import settle_due_reviews
from moocplatform.catalog.queries import live_version_of, outline_for
from moocplatform.catalog.services import import_pack
from moocplatform.content import load_pack
from moocplatform.discussion import services as discussion
from moocplatform.learning.completion import has_completed, learner_progress_by_rule, record_completion_if_reached
from moocplatform.learning.criteria import reached
from moocplatform.learning.queries import learner_progress
from moocplatform.learning.services import set_unit_completion
from moocplatform.quizzes import services as quizzes
from tests.conftest import START
from tests.factories import enrol, make_user

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


def test_every_hand_in_is_an_assignment_with_a_real_rubric(pack):
    # Weekly hand-ins: a rubric of graded levels with descriptors, three peers and the learner's own assessment
    # (staff can always decide); the capstone: the facilitator too, three peers, and a pass mark in reach.
    activities = [u for u in pack.units if u.type == "activity"]
    assert len(activities) == len(pack.modules) and all(u.assignment for u in activities)
    for unit in activities:
        assignment = unit.assignment
        assert assignment["peer_count"] == 3 and {"peers", "self"} <= set(assignment["assessed_by"]), unit.path
        assert assignment["outcomes"], unit.path
        criteria = assignment["rubric"]
        assert len(criteria) >= 3, unit.path
        for criterion in criteria:
            levels = criterion["levels"]
            assert len(levels) >= 3 and levels[0]["points"] == 0, (unit.path, criterion["id"])
            assert [lv["points"] for lv in levels] == sorted(lv["points"] for lv in levels), unit.path
            assert all(len(lv["descriptor"].split()) >= 3 for lv in levels), (unit.path, criterion["id"])
            assert "Done" not in {lv["label"] for lv in levels}, (unit.path, criterion["id"])
        most = sum(max(lv["points"] for lv in c["levels"]) for c in criteria)
        assert 0 < assignment["pass_mark"] <= most, unit.path
    capstone, = [u for u in activities if "capstone" in u.key]
    assert capstone.assignment["assessed_by"] == ["facilitator", "peers", "self"]
    assert capstone.assignment["counts_toward_completion"]
    assert "one week after the last live session" in capstone.assignment["instructions"]
    for unit in activities:
        if unit is not capstone:
            assert "facilitator" not in unit.assignment["assessed_by"], unit.path  # a self-paced learner is never stuck
            assert not unit.assignment["counts_toward_completion"], unit.path


def test_completion_asks_for_the_quizzes_every_discussion_and_the_capstone(pack):
    completion = pack.completion
    assert completion["required_units"] == "all"
    assert completion["quizzes_to_pass"] == sorted(pack.quizzes)
    assert completion["discussions"] == [u.key for u in pack.units if u.type == "discussion"]
    assert completion["participation"]
    capstone, = [u for u in pack.units if "capstone" in u.key]
    assert completion["assignments"] == [capstone.key]
    assert pack.version == "1.6.0"
    assert "## Completing the course" in pack.description
    for unit in pack.units:
        if unit.type == "discussion":
            assert "counts toward completing the course" in unit.body, unit.path


def right_answer(question: dict):
    """A response the graders give full credit, in the stored shape (None where only a pattern would do)."""
    kind = question["type"]
    if kind == "single_choice":
        return next(o["id"] for o in question["options"] if o.get("correct") or o.get("credit") == 100)
    if kind == "multiple_response":
        return [o["id"] for o in question["options"] if o.get("correct") or (o.get("credit") or 0) > 0]
    if kind == "true_false":
        return "true" if question["answer"] else "false"
    if kind == "numeric":
        return next((str(a["value"]) for a in question["answers"] if "value" in a and a.get("credit", 100) == 100),
                    None)
    if kind == "short_text":
        return next((a["text"] for a in question["answers"] if "text" in a and a.get("credit", 100) == 100), None)
    if kind == "ordering":
        return {item["id"]: n for n, item in enumerate(question["items"], start=1)}
    if kind == "matching":
        return {pair["id"]: pair["match"] for pair in question["pairs"]}
    return "A few honest sentences."


@pytest.mark.parametrize("name", PILOTS)
def test_a_pilot_course_completes_only_with_the_quizzes_the_discussions_and_the_accepted_capstone(name):
    course = import_pack(None, COURSES / name).course
    pack = load_pack(COURSES / name, video_hosts=("www.youtube-nocookie.com",))
    learner, *others = (make_user() for _ in range(3))
    for person in (learner, *others):
        enrol(person, course)
    facilitator = make_user("facilitator", course=course)

    def progress() -> dict[str, tuple[int, int]]:
        return {r.kind: (r.done, r.total) for r in learner_progress_by_rule(learner.id, course)}

    def accepted(unit) -> None:
        assignments.save_draft(learner, course, unit.key, text="My work, as the unit asks.")
        assignments.submit(learner, course, unit.key)
        submission = assignment_queries.submission_of(learner.id, course.id, unit.key)
        best = {c["id"]: max(lv["points"] for lv in c["levels"]) for c in unit.assignment["rubric"]}
        assignments.review(facilitator, course, submission, best, "Clear and complete.", "accepted")

    outline = outline_for(live_version_of(course))
    activities = {u.key: u for u in pack.units if u.assignment}
    for unit in outline.units:
        if unit.type not in ("quiz", "discussion") and unit.key not in activities:
            set_unit_completion(learner, course, unit.key, complete=True)
    for quiz_id, quiz in pack.quizzes.items():
        attempt = quizzes.start_attempt(learner, course, quiz_id)
        by_id = {q["id"]: q for q in quiz.questions}
        answers = {qid: right_answer(by_id[qid]) for qid in attempt.question_ids}
        quizzes.submit_attempt(learner, attempt, {k: v for k, v in answers.items() if v is not None})
    capstone = next(u for key, u in activities.items() if "capstone" in key)
    for unit in activities.values():
        if unit is not capstone:
            accepted(unit)
    discussions = [u for u in outline.units if u.type == "discussion"]
    for unit in discussions:
        set_unit_completion(learner, course, unit.key, complete=True)
    # Every unit but the capstone done, every quiz passed: no completion without the discussions.
    rules = progress()
    assert rules["quizzes_to_pass"] == (4, 4) and rules["discussions"] == (0, len(discussions))
    assert rules["assignments"] == (0, 1) and not record_completion_if_reached(learner.id, course)

    for week, unit in enumerate(discussions):
        with clock.frozen_at(START + timedelta(days=week)):  # a discussion a day, within the posting rate limit
            thread = discussion.unit_thread(course.id, unit.key)
            discussion.comment_on_unit(learner, course, unit.key, "What I tried this week, and what happened.")
            for other in others:
                post = discussion.comment_on_unit(other, course, unit.key, "My own experience, briefly.")
                discussion.reply(learner, thread, "Thank you: one question about it.", parent_id=post.id)
    assert progress()["discussions"] == (len(discussions), len(discussions))
    assert not reached(learner_progress_by_rule(learner.id, course))  # the capstone is still missing

    accepted(capstone)
    assert reached(learner_progress_by_rule(learner.id, course))
    assert has_completed(learner.id, course.id)


def test_a_self_paced_learner_without_peers_completes_a_weekly_hand_in_but_not_the_capstone_alone():
    course = import_pack(None, COURSES / "learning-to-learn").course
    pack = load_pack(COURSES / "learning-to-learn", video_hosts=("www.youtube-nocookie.com",))
    units = {u.key: u for u in pack.units}
    learner = make_user()
    enrol(learner, course)
    for key in ("l2l-m1-goal-clinic", "l2l-m4-capstone-plan"):
        assignments.save_draft(learner, course, key, text="My goal, my milestone and my if-then plans.")
        assignments.submit(learner, course, key)
        best = {c["id"]: max(lv["points"] for lv in c["levels"]) for c in units[key].assignment["rubric"]}
        assignments.self_assess(learner, course, key, best)

    def status(key: str) -> SubmissionStatus:
        return assignment_queries.submission_of(learner.id, course.id, key).status

    # Peers assess both: at first the learner's own assessment decides neither.
    assert status("l2l-m1-goal-clinic") == status("l2l-m4-capstone-plan") == SubmissionStatus.submitted
    with clock.frozen_at(START + timedelta(days=8)):  # the reviews are due, and no peer reviewed
        settle_due_reviews()
    # The weekly hand-in is settled by the learner's own assessment; the capstone waits for the staff.
    assert status("l2l-m1-goal-clinic") == SubmissionStatus.accepted
    assert "l2l-m1-goal-clinic" in learner_progress(learner.id, course.id).completed
    assert status("l2l-m4-capstone-plan") == SubmissionStatus.submitted
