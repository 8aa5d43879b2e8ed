"""Test data through the same services the application uses."""
from __future__ import annotations

import itertools
import tempfile
import textwrap
from pathlib import Path

import yaml

from moocplatform.accounts.services import create_verified_user
from moocplatform.admin.services import grant_role
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.services import enrol_learner

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(role: str | None = None, *, course=None, verified: bool = True, email: str | None = None,
              display_name: str | None = None, **profile):
    n = next(_counter)
    user = create_verified_user(email or f"user{n}@example.org", display_name or f"User {n}", PASSWORD, **profile)
    if not verified:
        user.email_verified_at = None
    if role == "admin":
        grant_role(None, user, "admin")
    elif role in ("facilitator", "course_team"):
        grant_role(None, user, role, course)
    db.session.flush()
    return user


def sample_quiz(questions=None, **settings) -> dict:
    """A quiz with every question type; feedback and explanations carry markers that tests look for."""
    return {
        "id": "check", "title": "Check yourself",
        "settings": {"pass_mark": 60, "max_attempts": 3, "score": "best", "feedback": "after_submission",
                     "answers": "after_last_attempt", "time_limit_minutes": 0, "shuffle_questions": False,
                     "shuffle_options": True, **settings},
        "questions": questions if questions is not None else [
            {"id": "q1", "type": "single_choice", "prompt": "Which habit helps memory most?",
             "hint": "Think of week one.", "explanation": "EXPLANATION-Q1: recall beats rereading.",
             "options": [{"id": "a", "text": "Recall without notes", "correct": True, "feedback": "FEEDBACK-Q1-A"},
                         {"id": "b", "text": "Reread the notes", "feedback": "FEEDBACK-Q1-B"},
                         {"id": "c", "text": "Highlight"}]},
            {"id": "q2", "type": "multiple_response", "prompt": "Which are retrieval practice?",
             "scoring": "all_or_nothing",
             "options": [{"id": "a", "text": "Flashcards", "correct": True},
                         {"id": "b", "text": "A practice test", "correct": True},
                         {"id": "c", "text": "Copying notes", "correct": False, "feedback": "FEEDBACK-Q2-C"}]},
            {"id": "q3", "type": "true_false", "prompt": "Spacing means one long session.", "answer": False,
             "feedback_true": "FEEDBACK-Q3-TRUE", "feedback_false": "FEEDBACK-Q3-FALSE"},
            {"id": "q4", "type": "numeric", "prompt": "Days until the second review?",
             "answers": [{"value": 3, "feedback": "FEEDBACK-Q4"}]},
            {"id": "q5", "type": "short_text", "prompt": "Name the effect.",
             "answers": [{"text": "testing effect", "feedback": "FEEDBACK-Q5"}]},
            {"id": "q6", "type": "ordering", "prompt": "Order the steps.", "scoring": "all_or_nothing",
             "items": [{"id": "plan", "text": "Plan"}, {"id": "act", "text": "Act"}, {"id": "check", "text": "Check"}]},
            {"id": "q7", "type": "matching", "prompt": "Match the strategies.", "scoring": "partial",
             "pairs": [{"id": "p1", "prompt": "Spacing", "match": "Spread over time"},
                       {"id": "p2", "prompt": "Interleaving", "match": "Mix problems"}],
             "distractors": ["Read again"]},
            {"id": "q8", "type": "reflection", "prompt": "What will you change?"},
        ],
    }


def sample_assignment(**changes) -> dict:
    """An assignment with a two-criterion rubric (5 points at most) that the facilitator and the learner assess."""
    return {
        "instructions": "Hand in your *plan* and a note on what you changed.",
        "hand_in": ["text", "files", "link"],
        "rubric": [
            {"id": "goal", "title": "The goal is specific", "levels": [
                {"label": "Not yet", "points": 0, "descriptor": "DESCRIPTOR-GOAL-0: a wish without a test."},
                {"label": "Good", "points": 2, "descriptor": "DESCRIPTOR-GOAL-2: says what and by when."},
                {"label": "Strong", "points": 3, "descriptor": "DESCRIPTOR-GOAL-3: a check anyone could apply."}]},
            {"id": "evidence", "title": "Evidence of testing", "levels": [
                {"label": "Missing", "points": 0, "descriptor": "DESCRIPTOR-EVIDENCE-0: nothing tried."},
                {"label": "Shown", "points": 2, "descriptor": "DESCRIPTOR-EVIDENCE-2: one test reported."}]},
        ],
        "assessed_by": ["facilitator", "self"],
        "counts_toward_completion": True,
        **changes,
    }


def write_pack(root: Path, slug: str = "demo-course", *, version: str = "1.0.0", modules: int = 2,
               units_per_module: int = 3, title: str | None = None, language: str = "en",
               effort: int = 3, competences=None, enrolment=None, unit_keys=None, extra_files=None,
               quiz=None, assignment=None, card_image=None, partners=None) -> Path:
    """Write a small valid content pack and return its folder.

    quiz: True (sample_quiz()) or a quiz mapping adds a unit `quiz-unit` of type quiz at the end of the last
    module, with the quiz in quizzes/<id>.yaml. Without it the pack is as before.
    assignment: True (sample_assignment()) or an assignment mapping makes the pack format 2 and adds an activity
    unit `task` declaring it at the end of the first module.
    partners: a list of course.yaml partners; one with a slug makes the pack format 2."""
    pack = root / f"{slug}-{version}"
    competences = competences or [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"}]
    manifest = {
        "id": slug, "title": title or slug.replace("-", " ").title(), "version": version, "language": language,
        "summary": f"A short course called {slug}.", "description": "A course *for tests*. See [@ref1].",
        "outcomes": ["Do one thing well."], "competences": competences, "effort_hours_per_week": effort,
        "duration_weeks": modules, "licence": "CC-BY-SA-4.0", "authors": [{"name": "Test team"}],
        "enrolment": enrolment or {"mode": "open"}, "modules": [],
    }
    if card_image:
        manifest["card_image"] = card_image
    keys = iter(unit_keys) if unit_keys else None
    for m in range(1, modules + 1):
        files = []
        for u in range(1, units_per_module + 1):
            key = next(keys) if keys else f"m{m}-u{u}"
            rel = f"units/m{m}/{u:02d}-{key}.md"
            path = pack / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(f"""\
                ---
                id: {key}
                title: Unit {m}.{u} ({key})
                type: text
                minutes: 10
                preview: {'true' if (m, u) == (1, 1) else 'false'}
                ---
                Body of unit {key}, version {version}. ![A square](assets/square.svg)
                """))
            files.append(rel)
        manifest["modules"].append({"id": f"m{m}", "title": f"Week {m}", "summary": f"Week {m} of the course.",
                                    "units": files})
    if quiz:
        quiz = sample_quiz() if quiz is True else quiz
        quiz_file = f"quizzes/{quiz['id']}.yaml"
        (pack / "quizzes").mkdir(parents=True, exist_ok=True)
        (pack / quiz_file).write_text(yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True))
        rel = f"units/m{modules}/99-quiz-unit.md"
        (pack / rel).write_text(textwrap.dedent(f"""\
            ---
            id: quiz-unit
            title: {quiz['title']}
            type: quiz
            minutes: 15
            quiz: {quiz_file}
            ---
            Check what you learned, version {version}.
            """))
        manifest["modules"][-1]["units"].append(rel)
    if assignment:
        manifest["format"] = 2
        manifest["outcomes"] = [{"id": "plan", "text": "Do one thing well."}]
        assignment = {**(sample_assignment() if assignment is True else assignment), "outcomes": ["plan"]}
        rel = "units/m1/98-task.md"
        (pack / rel).write_text("---\n" + yaml.safe_dump({
            "id": "task", "title": "Hand in your plan", "type": "activity", "minutes": 30,
            "assignment": assignment}, sort_keys=False, allow_unicode=True) + "---\nMake a plan and hand it in.\n")
        manifest["modules"][0]["units"].append(rel)
    if partners:
        manifest["partners"] = partners
        if any("slug" in p for p in partners):
            manifest["format"] = 2
            manifest["outcomes"] = [{"id": "plan", "text": "Do one thing well."}]
    (pack / "assets").mkdir(parents=True, exist_ok=True)
    (pack / "assets" / "square.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Square</title>'
        '<rect width="10" height="10"/></svg>')
    (pack / "references.yaml").write_text(yaml.safe_dump([
        {"key": "ref1", "short": "Author, 2020", "citation": "Author, A. (2020). A book. Publisher."}]))
    (pack / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    for rel, text in (extra_files or {}).items():
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text(text)
    return pack


def make_course(slug: str | None = None, **pack_options):
    """Write a pack and import it; returns the Course."""
    slug = slug or f"course-{next(_counter)}"
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), slug, **pack_options)
    return import_pack(None, folder).course


def enrol(user, course):
    enrollment = enrol_learner(user, course)
    db.session.flush()
    return enrollment


def make_programme(creator=None, slug: str | None = None, **fields):
    """A programme created by creator (a course facilitator made for it when None)."""
    from moocplatform.cohorts.programmes import ProgrammeFields, create_programme
    creator = creator or make_user("facilitator", course=make_course(f"host-{next(_counter)}"))
    values = {"title": "Digital skills circle", "language": "en", "description": "We work through open lessons.",
              **fields}
    programme = create_programme(creator, slug or f"programme-{next(_counter)}", ProgrammeFields(**values))
    db.session.flush()
    return programme


def make_programme_cohort(programme, facilitator, **fields):
    """A cohort of the programme created by facilitator, who leads it."""
    from datetime import date

    from moocplatform.cohorts.programmes import create_programme_cohort
    from moocplatform.cohorts.services import CohortFields
    values = {"name": "Evening group", "language": "en", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 5, 1),
              "time_zone": "Europe/Berlin", **fields}
    cohort = create_programme_cohort(facilitator, programme, CohortFields(**values))
    db.session.flush()
    return cohort


def make_cohort(course, facilitator=None, **fields):
    """A cohort of the course created by facilitator (a course facilitator made for it when None), who leads it."""
    from datetime import date

    from moocplatform.cohorts.services import CohortFields, create_cohort
    facilitator = facilitator or make_user("facilitator", course=course)
    values = {"name": "Spring group", "language": "en", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 5, 1),
              "time_zone": "Europe/Berlin", **fields}
    cohort = create_cohort(facilitator, course, CohortFields(**values))
    db.session.flush()
    return cohort


def make_planned_cohort():
    """Alpha (two weeks, m2 ending in a quiz) and a cohort of it on the pack's plan, started four weeks before
    the test clock's now: (course, its facilitator, the cohort)."""
    from datetime import date

    from moocplatform.cohorts.plan import fill_plan_from_pack
    course = make_course("alpha", quiz=True, modules=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30))
    fill_plan_from_pack(facilitator, cohort)
    return course, facilitator, cohort
