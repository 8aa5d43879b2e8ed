"""The event bus: durable subscribers run in the change's transaction, after-commit ones only once it commits;
and each service announces what happened."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from moocplatform import events
from moocplatform.accounts.services import delete_account
from moocplatform.accounts.throttling import LoginSource
from moocplatform.audit import AuditEntry, record
from moocplatform.catalog.services import (
    archive_course,
    discard_draft,
    get_version,
    import_pack,
    publish_version,
    unarchive_course,
)
from moocplatform.extensions import db
from moocplatform.jobs import registered_jobs
from moocplatform.learning.services import enrol_learner, leave_course, set_unit_completion
from moocplatform.quizzes.models import QuizDefinition
from moocplatform.quizzes.services import submit_attempt
from tests.factories import PASSWORD, make_course, make_user, write_pack
from tests.quiz_helpers import FAILING, RIGHT, learner_in, quiz_course, submitted


@pytest.fixture()
def subscribed():
    """subscribed(Event, handler, after_commit=False): a subscription for this test only."""
    made = []

    def subscribe(event_type, handler, *, after_commit=False):
        events.subscribe(event_type, handler, after_commit=after_commit)
        made.append((event_type, handler))

    yield subscribe
    for event_type, handler in made:
        events.unsubscribe(event_type, handler)


def audit_notes() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.details["note"].as_string())
                                   .where(AuditEntry.action == "test.reaction").order_by(AuditEntry.id)))


# Delivery --------------------------------------------------------------------------------------------------

def test_a_durable_subscriber_writes_in_the_transaction_of_the_change(subscribed):
    def react(event):
        record(None, "test.reaction", None, note=f"left {event.course_id}")

    subscribed(events.LeftCourse, react)
    events.announce(events.LeftCourse(user_id=1, course_id=7))
    assert audit_notes() == ["left 7"]  # before announce returned, in the same transaction
    db.session.rollback()
    assert audit_notes() == []  # the rollback took the reaction with it


def test_a_failing_durable_subscriber_fails_the_change(subscribed):
    def refuse(event):
        raise RuntimeError("cannot react")

    subscribed(events.LeftCourse, refuse)
    with pytest.raises(RuntimeError):
        events.announce(events.LeftCourse(user_id=1, course_id=7))


def test_after_commit_subscribers_run_on_commit_only(subscribed):
    seen = []
    subscribed(events.LeftCourse, seen.append, after_commit=True)
    events.announce(events.LeftCourse(user_id=1, course_id=1))
    db.session.flush()
    assert seen == []  # not before the commit
    db.session.rollback()
    assert seen == []  # and never after a rollback
    db.session.commit()
    assert seen == []  # the rolled-back event is forgotten, not delivered by a later commit
    events.announce(events.LeftCourse(user_id=1, course_id=2))
    db.session.commit()
    assert seen == [events.LeftCourse(user_id=1, course_id=2)]
    db.session.commit()
    assert len(seen) == 1  # delivered once


def test_events_of_a_rolled_back_savepoint_are_dropped_and_a_released_one_waits(subscribed):
    seen = []
    subscribed(events.LeftCourse, seen.append, after_commit=True)
    events.announce(events.LeftCourse(user_id=1, course_id=1))
    savepoint = db.session.begin_nested()
    events.announce(events.LeftCourse(user_id=1, course_id=2))
    savepoint.rollback()
    with db.session.begin_nested():
        events.announce(events.LeftCourse(user_id=1, course_id=3))
    assert seen == []  # a released savepoint is no commit
    db.session.commit()
    assert [e.course_id for e in seen] == [1, 3]


def test_a_failing_after_commit_subscriber_is_logged_and_the_others_still_run(subscribed, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("cache is down")

    subscribed(events.LeftCourse, broken, after_commit=True)
    subscribed(events.LeftCourse, seen.append, after_commit=True)
    events.announce(events.LeftCourse(user_id=1, course_id=1))
    db.session.commit()
    assert len(seen) == 1
    assert "cache is down" in caplog.text


def test_subscribing_twice_delivers_once(subscribed):
    seen = []
    subscribed(events.LeftCourse, seen.append)
    subscribed(events.LeftCourse, seen.append)
    events.announce(events.LeftCourse(user_id=1, course_id=1))
    assert len(seen) == 1


def test_reconciliation_jobs_are_scheduled_jobs():
    assert "process-completions" in events.reconciliations()
    assert "process-completions" in {job.name for job in registered_jobs()}


# What each service announces -------------------------------------------------------------------------------

def of_type(seen, event_type):
    return [e for e in seen if isinstance(e, event_type)]


def test_learning_announces_enrolments_leaving_and_completed_units(announced):
    course = make_course("alpha", modules=1, units_per_module=2)
    learner = make_user()
    enrol_learner(learner, course)
    enrol_learner(learner, course)  # enrolled already: nothing happened
    leave_course(learner, course)
    enrol_learner(learner, course)
    set_unit_completion(learner, course, "m1-u1", complete=True)
    set_unit_completion(learner, course, "m1-u1", complete=True)  # complete already
    ids = dict(user_id=learner.id, course_id=course.id)
    assert of_type(announced, events.Enrolled) == [events.Enrolled(**ids), events.Enrolled(**ids, returning=True)]
    assert of_type(announced, events.LeftCourse) == [events.LeftCourse(**ids)]
    assert of_type(announced, events.UnitCompleted) == [events.UnitCompleted(**ids, unit_key="m1-u1")]
    assert of_type(announced, events.CourseCompleted) == []
    set_unit_completion(learner, course, "m1-u2", complete=True)
    done, = of_type(announced, events.CourseCompleted)
    assert (done.user_id, done.course_id, done.version) == (learner.id, course.id, "1.0.0")


def test_quizzes_announce_each_recorded_submission_once(announced):
    course = quiz_course()
    learner = learner_in(course)
    failed = submitted(course, learner, FAILING)
    passed = submitted(course, learner, RIGHT)
    submit_attempt(learner, passed, RIGHT)  # submitted already: the recorded result, no new event
    quizzes = of_type(announced, events.QuizSubmitted)
    assert [(e.attempt_id, e.passed, e.score) for e in quizzes] == [(failed.id, False, failed.score),
                                                                     (passed.id, True, 100.0)]
    assert quizzes[1].quiz_key == "check" and quizzes[1].version_id == passed.version_id
    assert events.UnitCompleted(user_id=learner.id, course_id=course.id, unit_key="quiz-unit") in announced


def test_the_catalog_announces_imports_publishing_discarding_and_archiving(announced, tmp_path):
    course = make_course("alpha", quiz=True)
    imported, = of_type(announced, events.VersionImported)
    published, = of_type(announced, events.VersionPublished)
    assert (imported.course_id, imported.version) == (course.id, "1.0.0")
    assert imported.pack.id == "alpha"
    assert (published.version_id, published.actor_id) == (imported.version_id, None)
    draft = import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0"), publish=False).version
    assert of_type(announced, events.VersionImported)[-1].version_id == draft.id
    assert len(of_type(announced, events.VersionPublished)) == 1  # a draft is not published
    discard_draft(None, course, draft)
    assert of_type(announced, events.VersionDiscarded) == [
        events.VersionDiscarded(course_id=course.id, version_id=draft.id, version="1.1.0")]
    admin = make_user("admin")
    archive_course(admin, course)
    unarchive_course(admin, course)
    assert of_type(announced, events.CourseArchived) == [events.CourseArchived(course_id=course.id, archived=True),
                                                         events.CourseArchived(course_id=course.id, archived=False)]
    publish_version(admin, course, get_version(course, imported.version_id))  # live already: nothing happens
    assert len(of_type(announced, events.VersionPublished)) == 1


def test_quizzes_store_their_definitions_when_a_version_is_imported():
    course = make_course("alpha", quiz=True)
    definition, = db.session.scalars(sa.select(QuizDefinition).where(
        QuizDefinition.version_id == course.live_version_id))
    assert (definition.key, definition.unit_key) == ("check", "quiz-unit")
    assert len(definition.questions) == 8


def test_erasing_an_account_announces_it(announced):
    user = make_user()
    user_id = user.id
    delete_account(user, PASSWORD, LoginSource("127.0.0.1"))
    assert of_type(announced, events.UserErased) == [events.UserErased(user_id=user_id)]


def test_every_event_type_is_in_the_documented_list():
    for event_type in events.Event.__subclasses__():
        assert event_type.__name__ in events.__doc__
