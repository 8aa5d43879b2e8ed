"""Format 2 of the content pack: outcomes and the questions that assess them, live sessions, facilitator notes,
participation rules, assignments and partner slugs; how the import stores them; and that learners never see
the facilitator notes."""
import hashlib
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from moocplatform.catalog import queries as catalog_queries
from moocplatform.catalog.models import Course, Module, Unit
from moocplatform.catalog.packfiles import export_zip
from moocplatform.catalog.services import import_pack
from moocplatform.content import inspect_pack, load_pack, render_pack
from moocplatform.content.archive import open_pack
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import enrol, make_user, write_pack
from tests.test_content_pack import EXAMPLE, HOSTS, QUIZ, edit, edit_manifest, line_of, problems, warnings_of

ACTIVITY = "units/m1-basics/03-activity.md"
DISCUSSION = "units/m2-practice/03-discussion.md"
UNIT_NOTE = "Ask for one question that needs an"
SESSION_NOTE = "Pair people who study different subjects"


@pytest.fixture()
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def test_the_example_pack_loads_every_part_of_format_2():
    pack = load_pack(EXAMPLE, video_hosts=HOSTS)
    assert pack.format == 2
    assert pack.outcomes == [{"id": "use-retrieval", "text": "Use retrieval practice on your own material."},
                             {"id": "plan-spacing", "text": "Plan a spaced review."}]
    assert pack.modules[0].outcomes == [{"id": "explain-retrieval",
                                         "text": "Explain retrieval practice in your own words."}]
    assert pack.modules[1].outcomes == [{"id": None, "text": "Plan a two-week spaced review."}]
    assert all(q["outcome"] for q in pack.quizzes["ex-check"].questions)
    assert [p["slug"] for p in pack.partners] == ["example-university", "example-learning-lab"]
    activity = next(u for u in pack.units if u.key == "ex-activity")
    assert activity.session["minutes"] == sum(s["minutes"] for s in activity.session["steps"]) == 25
    assert activity.assignment["assessed_by"] == ["peers", "self"] and activity.assignment["peer_count"] == 2
    assert [c["id"] for c in activity.assignment["rubric"]] == ["recall", "check"]
    discussion = next(u for u in pack.units if u.key == "ex-discussion")
    assert discussion.participation == {"posts": 1, "replies": 2}
    assert pack.completion["discussions"] == ["ex-discussion"]
    assert pack.completion["assignments"] == ["ex-activity"]


def test_facilitator_notes_are_rendered_apart_from_what_learners_see():
    pack = load_pack(EXAMPLE, video_hosts=HOSTS)
    render_pack(pack, asset_url=lambda a: f"/a/{a.path}", unit_url=lambda k: f"/u/{k}", references_url="/refs")
    activity = next(u for u in pack.units if u.key == "ex-activity")
    assert UNIT_NOTE in activity.facilitator_notes_html["unit"]
    assert SESSION_NOTE in activity.facilitator_notes_html["session"]
    assert UNIT_NOTE not in activity.html and SESSION_NOTE not in activity.html
    assert "facilitator_notes" not in activity.session_plan and SESSION_NOTE not in str(activity.session_plan)
    assert activity.session_plan["steps"][0]["description_html"] == "<p>One thing each person recalled this week.</p>\n"
    assert activity.assignment["instructions_html"].startswith("<p>Hand in your ten questions")


# outcomes ---------------------------------------------------------------------------------------------------

def test_a_question_must_name_a_known_outcome(example):
    edit(example, QUIZ, "outcome: plan-spacing", "outcome: plan-spaceing")
    edit(example, QUIZ, "    outcome: use-retrieval\n    prompt: Put the steps", "    prompt: Put the steps")
    found = problems(example)
    line = line_of(example, QUIZ, "outcome: plan-spaceing")
    assert (f"{QUIZ}:{line}: questions[2].outcome: 'plan-spaceing' is not an outcome of the course or of a module "
            "(did you mean 'plan-spacing'?)") in found
    assert (f"{QUIZ}:{line_of(example, QUIZ, 'id: q6')}: questions[5]: needs an outcome: the id of the course or "
            "module outcome this question assesses") in found


def test_outcome_ids_are_unique_and_every_outcome_is_assessed(example):
    edit(example, "course.yaml", "{id: plan-spacing, text: Plan a spaced review.}",
         "{id: plan-spacing, text: Plan a spaced review.}\n  - {id: plan-spacing, text: Twice.}\n"
         "  - {id: keep-going, text: Keep going after a setback.}")
    found = problems(example)
    assert (f"course.yaml:{line_of(example, 'course.yaml', 'Twice.')}: outcomes[2].id: outcome id 'plan-spacing' is "
            "already used by outcomes[1]") in found
    edit(example, "course.yaml", "  - {id: plan-spacing, text: Twice.}\n", "")
    assert warnings_of(example) == [f"course.yaml:{line_of(example, 'course.yaml', 'keep-going')}: outcomes[2]: "
                                    "outcome 'keep-going' is assessed by no quiz question and no assignment"]


def test_an_assignment_assesses_the_outcomes_it_names(example):
    edit(example, "course.yaml", "{id: plan-spacing, text: Plan a spaced review.}",
         "{id: plan-spacing, text: Plan a spaced review.}\n  - {id: keep-going, text: Keep going.}")
    edit(example, ACTIVITY, "outcomes: [use-retrieval]", "outcomes: [use-retrieval, keep-going, keep-gong]")
    assert problems(example) == [f"{ACTIVITY}:{line_of(example, ACTIVITY, 'keep-gong')}: assignment.outcomes[2]: "
                                 "'keep-gong' is not an outcome of the course or of a module (did you mean "
                                 "'keep-going'?)"]


def test_format_2_outcomes_of_the_course_need_ids(example):
    edit(example, "course.yaml", "  - {id: plan-spacing, text: Plan a spaced review.}", "  - Plan a spaced review.")
    assert (f"course.yaml:{line_of(example, 'course.yaml', '  - Plan a spaced review.')}: outcomes[1]: must be an "
            "outcome with an id: {id: ..., text: ...}") in problems(example)


# live sessions ----------------------------------------------------------------------------------------------

def test_session_steps_must_add_up_and_fit_the_unit(example):
    edit(example, ACTIVITY, "{minutes: 15, title: Swap and answer", "{minutes: 20, title: Swap and answer")
    line = line_of(example, ACTIVITY, "  minutes: 25")
    assert problems(example) == [f"{ACTIVITY}:{line}: session.minutes: the steps add up to 30 minutes, but the "
                                 "session is 25 minutes: change a step or the session's minutes"]
    edit(example, ACTIVITY, "  minutes: 25", "  minutes: 30")
    edit(example, ACTIVITY, "minutes: 30\nfacilitator_notes", "minutes: 20\nfacilitator_notes")
    assert warnings_of(example) == [f"{ACTIVITY}:{line}: session.minutes: the live session takes 30 minutes, longer "
                                    "than the unit's 20: raise the unit's minutes or shorten the session"]


def test_session_steps_have_minutes_and_a_title(example):
    edit(example, ACTIVITY, "{minutes: 5, title: Close, grouping: whole_group}", "{title: Close, grouping: everyone}")
    line = line_of(example, ACTIVITY, "title: Close")
    assert problems(example) == [
        f"{ACTIVITY}:{line}: session.steps[2].minutes: is required",
        f"{ACTIVITY}:{line}: session.steps[2].grouping: must be one of whole_group, breakout_groups, pairs, individual",
    ]


# participation ----------------------------------------------------------------------------------------------

def test_participation_rules_belong_to_discussion_units(example):
    edit(example, DISCUSSION, "participation: {posts: 1, replies: 2}", "participation: {posts: 0, replies: 0}")
    edit(example, ACTIVITY, "minutes: 30\n", "minutes: 30\nparticipation: {posts: 1, replies: 0}\n")
    edit_manifest(example, completion={"discussions": ["ex-discussion", "ex-activity"]})
    found = problems(example)
    assert (f"{ACTIVITY}:{line_of(example, ACTIVITY, 'participation')}: participation: only a discussion unit has a "
            "participation rule") in found
    assert (f"{DISCUSSION}:{line_of(example, DISCUSSION, 'participation')}: participation: asks for no post and no "
            "reply: ask for at least one, or leave the rule out") in found
    assert (f"course.yaml:{line_of(example, 'course.yaml', '- ex-activity')}: completion.discussions[1]: "
            "'ex-activity' is not a discussion unit with a participation rule") in found


def test_completion_discussions_all_means_every_discussion_with_a_rule(example):
    edit_manifest(example, completion={"discussions": "all"})
    assert load_pack(example, video_hosts=HOSTS).completion["discussions"] == ["ex-discussion"]


# assignments ------------------------------------------------------------------------------------------------

def test_assignment_rules(example):
    edit(example, ACTIVITY, "  peer_count: 2\n", "")
    edit(example, ACTIVITY, "    - id: check", "    - id: recall")
    edit(example, ACTIVITY, "{label: Done, points: 1,", "{label: Not yet, points: 0,")
    edit(example, ACTIVITY, "hand_in: [text, files]", "hand_in: [text, video]")
    found = problems(example)
    assert found[:2] == [
        f"{ACTIVITY}:{line_of(example, ACTIVITY, 'assignment:')}: assignment.peer_count: is required when peers assess",
        f"{ACTIVITY}:{line_of(example, ACTIVITY, 'hand_in')}: assignment.hand_in[1]: must be one of text, files, link",
    ]
    second = line_of(example, ACTIVITY, "title: Answers checked")
    assert found[2:] == [
        f"{ACTIVITY}:{second - 1}: assignment.rubric[1].id: criterion id 'recall' is already used by rubric[0]",
        f"{ACTIVITY}:{second + 3}: assignment.rubric[1].levels[1].points: two levels of this criterion have the "
        "points 0",
        f"{ACTIVITY}:{second + 3}: assignment.rubric[1].levels[1].label: two levels of this criterion have the "
        "label 'Not yet'",
    ]


def test_only_activity_units_declare_assignments_and_a_self_assessed_one_has_no_peer_count(example):
    edit(example, ACTIVITY, "assessed_by: [peers, self]", "assessed_by: [self]")
    assert problems(example) == [f"{ACTIVITY}:{line_of(example, ACTIVITY, 'peer_count')}: assignment.peer_count: "
                                 "peer_count is only for an assignment that peers assess"]
    edit(example, ACTIVITY, "type: activity", "type: text")
    assert (f"{ACTIVITY}:{line_of(example, ACTIVITY, 'assignment:')}: assignment: only an activity unit (such as a "
            "capstone) declares an assignment") in problems(example)


def test_an_assignment_that_does_not_count_is_left_out_of_completion(example):
    edit(example, ACTIVITY, "counts_toward_completion: true", "counts_toward_completion: false")
    assert load_pack(example, video_hosts=HOSTS).completion["assignments"] == []


# partners and formats ---------------------------------------------------------------------------------------

def test_partners_have_unique_slugs_in_format_2(example):
    edit(example, "course.yaml", "{slug: example-learning-lab, name", "{name")
    assert (f"course.yaml:{line_of(example, 'course.yaml', '{name: Example Learning Lab,')}: partners[1].slug: is "
            "required in format 2: the organisation's stable id on the platform") in problems(example)
    edit(example, "course.yaml", "{name: Example Learning Lab,", "{slug: example-university, name: Again,")
    assert problems(example) == [f"course.yaml:{line_of(example, 'course.yaml', 'name: Again')}: partners[1].slug: "
                                 "partner 'example-university' is already listed at partners[0]"]


def test_a_format_1_pack_still_loads_and_is_told_how_to_use_format_2(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, quiz=True)
    pack = load_pack(folder, video_hosts=HOSTS)
    assert pack.format == 1 and pack.outcomes == [{"id": None, "text": "Do one thing well."}]
    unit = folder / "units/m1/01-m1-u1.md"
    unit.write_text(unit.read_text().replace("minutes: 10\n", "minutes: 10\nfacilitator_notes: Watch the time.\n"))
    quiz = folder / "quizzes/check.yaml"
    data = yaml.safe_load(quiz.read_text())
    data["questions"][0]["outcome"] = "do-one-thing"
    quiz.write_text(yaml.safe_dump(data, sort_keys=False))
    edit_manifest(folder, outcomes=[{"id": "do-one-thing", "text": "Do one thing well."}])
    found = problems(folder)
    migrate = "add format: 2 to course.yaml (docs/content-packs.md § Formats)"
    assert f"units/m1/01-m1-u1.md:6: facilitator_notes: is part of format 2: {migrate}" in found
    assert any(p.startswith("quizzes/check.yaml:") and p.endswith(f"questions[0].outcome: is part of format 2: "
                                                                   f"{migrate}") for p in found)
    assert (f"course.yaml:{line_of(folder, 'course.yaml', 'do-one-thing')}: outcomes[0]: is a format 2 outcome: "
            "add format: 2 to course.yaml, or write the outcome as a text") in found


def test_an_unknown_format_is_refused(example):
    edit(example, "course.yaml", "format: 2 ", "format: 3 ")
    assert problems(example)[0] == ("course.yaml:2: format: must be 2 (the current format) or 1 (the earlier one); "
                                    "see docs/content-packs.md § Formats")


# import and pages -------------------------------------------------------------------------------------------

def _import_example(tmp_path):
    folder = shutil.copytree(EXAMPLE, tmp_path / "example")
    edit_manifest(folder, enrolment={"mode": "open"})  # the example's enrolment window is in the past
    return import_pack(None, folder)


def test_import_stores_format_2_where_later_areas_read_it(tmp_path):
    result = _import_example(tmp_path)
    manifest = result.version.manifest
    assert manifest["format"] == 2
    assert manifest["outcomes"][0] == {"id": "use-retrieval", "text": "Use retrieval practice on your own material."}
    logo = result.version.manifest["partners"][0]["logo_sha256"]
    assert manifest["partners"][0] == {"slug": "example-university", "name": "Example University",
                                       "url": "https://example.org", "country": "AT",
                                       "logo": "assets/partner-example-university.png", "logo_sha256": logo,
                                       "logo_url": f"/assets/{logo}/partner-example-university.png"}
    assert manifest["micro_credential"] == {
        "workload_hours": 5,
        "quality_assurance": "Reviewed by the example course team before each version is published."}
    assert manifest["completion"]["discussions"] == ["ex-discussion"]
    assert manifest["completion"]["assignments"] == ["ex-activity"]
    units = {u.key: u for u in db.session.scalars(sa.select(Unit).where(Unit.version_id == result.version.id))}
    activity = units["ex-activity"]
    assert activity.session["minutes"] == 25 and "facilitator_notes" not in activity.session
    assert activity.assignment["rubric"][0]["levels"][1]["points"] == 2
    assert UNIT_NOTE in activity.facilitator_notes["unit"] and SESSION_NOTE in activity.facilitator_notes["session"]
    assert UNIT_NOTE not in activity.body_html
    assert units["ex-discussion"].participation == {"posts": 1, "replies": 2}
    assert units["ex-welcome"].session is units["ex-welcome"].facilitator_notes is None
    module = db.session.scalar(sa.select(Module).where(Module.version_id == result.version.id,
                                                       Module.key == "m1-basics"))
    assert module.outcomes == [{"id": "explain-retrieval", "text": "Explain retrieval practice in your own words."}]
    outline = catalog_queries.outline_for(result.version)
    assert outline.modules[0].outcomes == ("Explain retrieval practice in your own words.",)


def test_export_import_export_of_a_format_2_pack_is_byte_identical(tmp_path):
    result = _import_example(tmp_path)
    first = export_zip(result.course.slug, result.version.id)
    savepoint = db.session.begin_nested()
    db.session.execute(sa.delete(Course).where(Course.id == result.course.id))
    db.session.expunge_all()
    (tmp_path / "export.zip").write_bytes(first)
    again = import_pack(None, open_pack(tmp_path / "export.zip", tmp_path / "unpacked"))
    assert again.version.manifest["format"] == 2
    assert hashlib.sha256(export_zip(again.course.slug, again.version.id)).hexdigest() == hashlib.sha256(
        first).hexdigest()
    savepoint.rollback()


def test_the_learner_facing_unit_content_has_no_facilitator_notes(tmp_path):
    result = _import_example(tmp_path)
    db.session.expunge_all()  # so that the unit is loaded the way a unit page loads it
    content = catalog_queries.unit_body(result.version, "ex-activity")
    assert not hasattr(content, "facilitator_notes")
    assert UNIT_NOTE not in repr(content) and SESSION_NOTE not in repr(content)
    unit = db.session.scalar(catalog_queries._UNIT_BODY, {"version_id": result.version.id, "key": "ex-activity"})
    with pytest.raises(sa.exc.InvalidRequestError):
        unit.facilitator_notes  # noqa: B018  (not loaded for the learner's page, and not loadable from it)
    assert catalog_queries.staff_notes(result.version, "ex-activity").unit_notes_html.startswith("<p>Most learners")


def test_outlines_read_module_outcomes_stored_before_format_2(tmp_path):
    result = _import_example(tmp_path)
    db.session.execute(sa.update(Module).where(Module.version_id == result.version.id)
                       .values(outcomes=["Written as a text."]))
    db.session.expire_all()
    version = db.session.get(type(result.version), result.version.id)
    assert catalog_queries._load_outline(version.id).modules[0].outcomes == ("Written as a text.",)


@pytest.mark.parametrize("role, sees", [
    (None, False), ("learner", False), ("facilitator", True), ("course_team", True), ("admin", True),
])
def test_facilitator_notes_show_to_course_staff_only(client, tmp_path, role, sees):
    course = _import_example(tmp_path).course
    if role == "learner":
        user = make_user()
        enrol(user, course)
    elif role:
        user = make_user(role, course=course)
    if role:
        log_in(client, user)
    # ex-welcome is a preview unit (anyone reads it); ex-activity needs enrolment or a staff role.
    for key, note in (("ex-activity", UNIT_NOTE), ("ex-discussion", "Reply to the first few posts")):
        response = client.get(f"/courses/{course.slug}/units/{key}")
        if role is None:
            assert response.status_code == 302
            continue
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert (note in page) is sees and ('class="staff-notes"' in page) is sees
    if sees:
        page = client.get(f"/courses/{course.slug}/units/ex-activity").get_data(as_text=True)
        assert SESSION_NOTE in page and "Question swap" in page and "Swap and answer" in page


def test_the_draft_preview_shows_staff_the_notes(client, tmp_path):
    result = _import_example(tmp_path)
    log_in(client, make_user("course_team", course=result.course))
    page = client.get(f"/studio/courses/{result.course.slug}/versions/{result.version.id}/units/ex-activity")
    assert page.status_code == 200 and UNIT_NOTE in page.get_data(as_text=True)


def test_a_pack_in_the_repository_validates_cleanly_in_format_2():
    report = inspect_pack(EXAMPLE, video_hosts=HOSTS)
    assert report.ok and report.warnings == []


def test_the_course_page_shows_the_outcome_texts(client, tmp_path):
    course = _import_example(tmp_path).course
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "<li>Use retrieval practice on your own material.</li>" in page and "use-retrieval" not in page


def test_a_pass_mark_is_within_the_rubrics_points_and_is_for_peer_review(example):
    edit(example, ACTIVITY, "  peer_count: 2\n", "  peer_count: 2\n  pass_mark: 2\n")
    assert load_pack(example, video_hosts=HOSTS).units[2].assignment["pass_mark"] == 2
    edit(example, ACTIVITY, "  pass_mark: 2\n", "  pass_mark: 4\n")
    assert problems(example) == [
        f"{ACTIVITY}:{line_of(example, ACTIVITY, 'pass_mark')}: assignment.pass_mark: the pass mark 4 is more than "
        "the rubric's 3 points: lower it, or add points to the rubric"]
    edit(example, ACTIVITY, "  pass_mark: 4\n", "  pass_mark: -1\n")
    assert [p for p in problems(example) if "pass_mark" in p]
    edit(example, ACTIVITY, "  pass_mark: -1\n", "  pass_mark: 3\n")
    edit(example, ACTIVITY, "assessed_by: [peers, self]", "assessed_by: [self]")
    edit(example, ACTIVITY, "  peer_count: 2\n", "")
    assert (f"{ACTIVITY}:{line_of(example, ACTIVITY, 'pass_mark')}: assignment.pass_mark: the pass mark decides only "
            "when peers assess: add peers to assessed_by, or leave the pass mark out") in warnings_of(example)
