"""Moderation (reports, the queue, hiding, pinning, locking, all audited) and the participation rule."""
import pytest
import sqlalchemy as sa

from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import Course
from moocplatform.discussion import moderation, queries, services
from moocplatform.discussion.models import Thread
from moocplatform.errors import Conflict, NotFound
from moocplatform.extensions import db
from moocplatform.learning.completion import learner_progress_by_rule
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_user


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def learners(course):
    people = [make_user(display_name=f"Learner {n}") for n in range(4)]
    for person in people:
        enrol(person, course)
    return people


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("discussion.%"))
                                   .order_by(AuditEntry.id)))


def test_moderators_hide_and_restore_with_an_audited_reason(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Rude words")
    thread = db.session.get(Thread, post.thread_id)
    facilitator = make_user("facilitator", course=course)
    moderation.hide_post(facilitator, post.id, "insults")
    assert post.hidden_at is not None and thread.post_count == 0
    assert queries.unit_panel(learners[1], course, "m1-u1").posts == []  # learners no longer see it
    assert [s.post.id for s in queries.unit_panel(facilitator, course, "m1-u1").posts] == [post.id]
    moderation.restore_post(facilitator, post.id, "on second thought")
    assert post.hidden_at is None and thread.post_count == 1
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("discussion.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.details["reason"]) for e in entries] == [
        ("discussion.post_hidden", facilitator.id, "insults"),
        ("discussion.post_restored", facilitator.id, "on second thought")]


def test_learners_and_other_courses_staff_cannot_moderate(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Hello")
    other_team = make_user("course_team", course=make_discussion_course("other-course"))
    for who in (learners[1], other_team):
        with pytest.raises(NotFound):
            moderation.hide_post(who, post.id)
        with pytest.raises(NotFound):
            moderation.set_thread_locked(who, post.thread_id, True)
    assert post.hidden_at is None and audit_actions() == []


def test_three_reports_hide_a_post_until_a_moderator_decides(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Spam spam")
    moderation.report_post(learners[1], post.id, "spam")
    with pytest.raises(Conflict):
        moderation.report_post(learners[1], post.id, "spam again")
    with pytest.raises(Conflict):
        moderation.report_post(learners[0], post.id, "my own")
    moderation.report_post(learners[2], post.id, "advertising")
    assert post.hidden_at is None
    moderation.report_post(learners[3], post.id, "spam")
    assert post.hidden_at is not None
    space = queries.course_space(course.id)
    queue = queries.moderation_queue(space)
    assert [(item.post.id, item.reports) for item in queue] == [(post.id, 3)]
    team = make_user("course_team", course=course)
    moderation.restore_post(team, post.id, "not spam")
    assert post.hidden_at is None and queries.moderation_queue(space) == []
    assert audit_actions() == ["discussion.post_hidden_by_reports", "discussion.post_restored"]


def test_pin_and_lock_are_audited(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Hello")
    team = make_user("course_team", course=course)
    moderation.set_thread_pinned(team, post.thread_id, True, "important")
    moderation.set_thread_locked(team, post.thread_id, True, "finished")
    thread = db.session.get(Thread, post.thread_id)
    assert thread.pinned and thread.locked
    assert audit_actions() == ["discussion.thread_pinned", "discussion.thread_locked"]


def test_the_queue_page_and_buttons(client, course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Hello")
    moderation.report_post(learners[1], post.id, "REASON-MARKER")
    team = make_user("course_team", course=course)
    log_in(client, team)
    page = client.get(f"/courses/{course.slug}/discussion/moderation")
    assert "REASON-MARKER" in page.text and "1 reported post" in page.text
    assert client.post(f"/discussion/posts/{post.id}/hide", data={"reason": "because"}).status_code == 302
    db.session.refresh(post)
    assert post.hidden_at is not None


# Participation -----------------------------------------------------------------------------------------

def test_participation_counts_posts_and_replies_to_others_per_discussion_unit(course, learners):
    a, b, c, _d = learners
    talk1 = services.comment_on_unit(a, course, "talk-1", "My post")
    thread1 = db.session.get(Thread, talk1.thread_id)
    services.reply(a, thread1, "Replying to myself", parent_id=talk1.id)  # not a reply to someone else
    other = services.comment_on_unit(b, course, "talk-1", "B's post")
    course_row = db.session.get(Course, course.id)

    def figure(user):
        return next(r for r in learner_progress_by_rule(user.id, course_row) if r.kind == "discussions")

    assert (figure(a).done, figure(a).total) == (0, 2)
    services.reply(a, thread1, "Replying to B", parent_id=other.id)
    assert figure(a).done == 1
    assert figure(a).label == "1 of 2 discussions taken part in"
    services.comment_on_unit(a, course, "talk-2", "Talk 2 needs one post")
    assert figure(a).met
    assert figure(c).done == 0


def test_participation_measures_many_learners_in_a_fixed_number_of_queries(course, learners, count_queries):
    from moocplatform.catalog.models import CourseVersion
    from moocplatform.learning.criteria import CompletionContext, progress_of

    version = db.session.get(CourseVersion, course.live_version_id)
    context = CompletionContext(course.id, version)

    def counted() -> int:
        with count_queries() as statements:
            progress_of(context, [u.id for u in learners])
        return len(statements)

    small = counted()
    for person in learners:
        post = services.comment_on_unit(person, course, "talk-1", "Post")
        services.comment_on_unit(person, course, "talk-2", "Post")
        services.reply(learners[0], db.session.get(Thread, post.thread_id), "Reply", parent_id=post.id)
    assert counted() == small


def test_a_hidden_post_does_not_count(course, learners):
    post = services.comment_on_unit(learners[0], course, "talk-2", "Counted?")
    moderation.hide_post(make_user("course_team", course=course), post.id)
    course_row = db.session.get(Course, course.id)
    rule = next(r for r in learner_progress_by_rule(learners[0].id, course_row) if r.kind == "discussions")
    assert rule.done == 0
