"""Course completion: the manifest's rules, recorded once, never taken back, processed after a publish."""
import time

import pytest
import sqlalchemy as sa

from moocplatform import events
from moocplatform.catalog.models import Course
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning import criteria
from moocplatform.learning.completion import (
    learner_progress_by_rule,
    process_all_completions,
    process_completions,
    record_completion_if_reached,
    record_completions,
)
from moocplatform.learning.models import CourseCompletion
from moocplatform.learning.queries import dashboard
from moocplatform.learning.services import leave_course, set_unit_completion
from moocplatform.outbox.models import OutboxMessage
from tests.concurrency import at_once, committed_for_real, only_on_postgres
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack
from tests.quiz_helpers import FAILING, RIGHT, submitted


def completions(course):
    return db.session.scalars(sa.select(CourseCompletion).where(CourseCompletion.course_id == course.id)).all()


def complete_units(user, course, keys):
    for key in keys:
        set_unit_completion(user, course, key, complete=True)


def test_completing_every_unit_completes_the_course(client):
    course = make_course("alpha", modules=1, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert completions(course) == []
    complete_units(learner, course, ["m1-u2"])
    done, = completions(course)
    assert done.user_id == learner.id and done.version == "1.0.0"
    log_in(client, learner)
    assert "Course completed on" in client.get("/my-learning").get_data(as_text=True)
    entry, = dashboard(learner.id)
    assert entry.completed_at is not None


def test_required_units_rule(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=3)
    manifest = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text(manifest + "completion:\n  required_units: [m1-u1]\n")
    course = import_pack(None, folder).course
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert len(completions(course)) == 1


def test_a_new_version_never_takes_a_completion_back_and_can_grant_one(app, tmp_path, run_outbox):
    course = make_course("alpha", modules=1, units_per_module=3)
    finished, almost = make_user(), make_user()
    for learner in (finished, almost):
        enrol(learner, course)
    complete_units(finished, course, ["m1-u1", "m1-u2", "m1-u3"])
    complete_units(almost, course, ["m1-u1", "m1-u2"])
    assert [c.user_id for c in completions(course)] == [finished.id]
    # Version 1.1.0 retires m1-u3 (which `almost` never did) and adds a unit `finished` has not done.
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=2,
                        unit_keys=["m1-u1", "m1-u2"])
    result = app.test_cli_runner().invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "the worker records the completions the new version grants" in result.output
    assert [c.user_id for c in completions(course)] == [finished.id]  # not inside the import's transaction
    run_outbox()
    assert sorted(c.user_id for c in completions(course)) == sorted([finished.id, almost.id])
    assert {c.user_id: c.version for c in completions(course)}[finished.id] == "1.0.0"


def test_processing_is_idempotent():
    course = make_course("alpha", modules=1, units_per_module=1)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert process_completions(course) == 0  # recorded already when the unit was completed
    assert len(completions(course)) == 1


# One function records completions, and announces each once ----------------------------------------------

def test_double_triggers_record_and_announce_one_completion(announced):
    course = make_course("alpha", modules=1, units_per_module=1)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert record_completions(course.id, "1.0.0", [learner.id]) == []  # recorded already
    assert record_completion_if_reached(learner.id, course) is False
    assert process_completions(course) == 0
    assert process_all_completions() == 0
    assert len(completions(course)) == 1
    assert [(e.user_id, e.course_id) for e in announced if isinstance(e, events.CourseCompleted)] == [
        (learner.id, course.id)]


def test_a_publish_in_the_studio_leaves_its_completions_to_the_worker(client, tmp_path, run_outbox):
    course = make_course("alpha", modules=1, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    draft = import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=1),
                        publish=False).version
    log_in(client, make_user("course_team", course=course))
    response = client.post(f"/studio/courses/alpha/versions/{draft.id}/publish")
    assert response.status_code == 302
    assert completions(course) == []  # the publish's own transaction checked nobody
    queued = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "learning.completions-after-publish", OutboxMessage.key == f"{course.id}:{draft.id}"))
    assert [row.payload for row in queued] == [{"course_id": course.id}]
    assert set(run_outbox().values()) == {"done"}
    assert [c.user_id for c in completions(course)] == [learner.id]
    assert {c.version for c in completions(course)} == {"1.1.0"}


def test_processing_after_a_publish_announces_each_new_completion(announced, tmp_path):
    course = make_course("alpha", modules=1, units_per_module=2)
    learners = [make_user() for _ in range(3)]
    for learner in learners:
        enrol(learner, course)
        complete_units(learner, course, ["m1-u1"])
    import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=1))
    assert process_completions(course) == 3
    recorded = [e for e in announced if isinstance(e, events.CourseCompleted)]
    assert sorted(e.user_id for e in recorded) == sorted(u.id for u in learners)
    assert {e.version for e in recorded} == {"1.1.0"}
    assert process_completions(course) == 0


def test_a_learner_who_left_is_not_completed_by_processing(tmp_path):
    course = make_course("alpha", modules=1, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    leave_course(learner, course)
    import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=1))
    assert process_completions(course) == 0


# The criteria registry and its progress figures --------------------------------------------------------------

def quiz_rules_course(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=2, quiz=True)
    manifest = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text(manifest + "completion:\n  required_units: [m1-u1]\n"
                                                   "  quizzes_to_pass: [check]\n")
    return import_pack(None, folder).course


def test_each_rule_gives_a_progress_figure(tmp_path):
    course = quiz_rules_course(tmp_path)
    learner = make_user()
    enrol(learner, course)
    rules = learner_progress_by_rule(learner.id, course)
    assert [(r.kind, r.done, r.total, r.met) for r in rules] == [
        ("required_units", 0, 1, False), ("quizzes_to_pass", 0, 1, False)]
    assert [r.label for r in rules] == ["0 of 1 unit completed", "0 of 1 quiz passed"]
    complete_units(learner, course, ["m1-u1"])
    submitted(course, learner, FAILING)
    rules = learner_progress_by_rule(learner.id, course)
    assert [r.label for r in rules] == ["1 of 1 unit completed", "0 of 1 quiz passed"]
    assert completions(course) == []
    submitted(course, learner, RIGHT)
    assert [r.label for r in learner_progress_by_rule(learner.id, course)] == [
        "1 of 1 unit completed", "1 of 1 quiz passed"]
    assert len(completions(course)) == 1


def test_an_area_registers_a_criterion_of_its_own(tmp_path):
    """A later area (here: a stand-in sign-off rule) adds a kind without learning knowing it."""
    class SignedOff:
        kind = "sign_off"

        def applies(self, context):
            return True

        def measure(self, context, user_ids):
            return 1, {}  # nobody signed off yet

        def label(self, done, total):
            return f"{done} of {total} sign-offs"

    course = make_course("alpha", modules=1, units_per_module=1)
    learner = make_user()
    enrol(learner, course)
    criteria.register_criterion(SignedOff())
    try:
        complete_units(learner, course, ["m1-u1"])
        assert completions(course) == []  # every rule must be met
        assert [r.label for r in learner_progress_by_rule(learner.id, course)][-1] == "0 of 1 sign-offs"
    finally:
        criteria.unregister_criterion("sign_off")
    assert process_completions(course) == 1


def test_the_course_page_shows_each_rule_to_an_enrolled_learner(client, tmp_path):
    course = quiz_rules_course(tmp_path)
    learner = make_user()
    log_in(client, learner)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "To complete the course" not in page  # not enrolled
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "To complete the course" in page
    assert '<li class="rule-met" data-rule="required_units">1 of 1 unit completed</li>' in page
    assert '<li class="rule-open" data-rule="quizzes_to_pass">0 of 1 quiz passed</li>' in page


# Under real concurrency (PostgreSQL) ------------------------------------------------------------------------

only_on_postgres = only_on_postgres(
    "two triggers cannot overlap there; the sequential double triggers above cover it")


@pytest.fixture()
def committed_learner(app):
    """A learner who completed every unit of a course, committed for real but with no completion recorded
    yet (as if the trigger had been missed)."""
    def make():
        course = make_course("concurrent-completion", modules=1, units_per_module=1)
        learner = make_user()
        enrol(learner, course)
        set_unit_completion(learner, course, "m1-u1", complete=True)
        db.session.execute(sa.delete(CourseCompletion).where(CourseCompletion.course_id == course.id))
        return {"course": course.id, "learner": learner.id}

    with committed_for_real(app, make) as ids:
        yield ids


@only_on_postgres
def test_two_concurrent_triggers_record_and_announce_one_completion(app, committed_learner, announced):
    def trigger(_argument, barrier):
        course = db.session.get(Course, committed_learner["course"])
        barrier.wait()
        started = time.monotonic()
        recorded = record_completion_if_reached(committed_learner["learner"], course)
        if recorded:
            time.sleep(0.5)  # hold the new row uncommitted, so the other insert surely waits for it
        db.session.commit()
        return recorded, time.monotonic() - started

    outcomes = at_once(app, trigger, [1, 2])
    assert sorted(recorded for recorded, _seconds in outcomes) == [False, True], outcomes
    loser = next(seconds for recorded, seconds in outcomes if not recorded)
    assert loser >= 0.4  # its insert waited for the winner's row: the two really overlapped
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseCompletion).where(
            CourseCompletion.course_id == committed_learner["course"])) == 1
    assert [e.user_id for e in announced if isinstance(e, events.CourseCompleted)] == [committed_learner["learner"]]
