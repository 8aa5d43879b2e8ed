"""Peers deciding: the median of at least three peers' scores against the pass mark accepts the work or asks for
a revision where staff have not decided, staff overrule it; reviews not opened within 3 days go to someone else
and work whose reviews are due is settled (the job); a learner flags an unfair review for the staff."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock, jobs
from moocplatform.assignments import peers, queries, schedule, services
from moocplatform.assignments.models import PeerAllocation, ReviewFlag, Submission, SubmissionStatus, SubmissionVersion
from moocplatform.errors import Conflict, InvalidInput, NotFound
from moocplatform.extensions import db
from moocplatform.learning.completion import has_completed
from moocplatform.learning.models import UnitProgress
from moocplatform.learning.services import set_unit_completion
from moocplatform.outbox import OutboxMessage
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, sample_assignment

FULL = {"goal": 3, "evidence": 2}  # 5 of 5
WEAK = {"goal": 0, "evidence": 2}  # 2 of 5
PASS_MARK = 3


def peer_course(slug="decide", **changes):
    return make_course(slug, modules=1, units_per_module=1, assignment=sample_assignment(
        **{"assessed_by": ["peers", "self"], "peer_count": 3, "pass_mark": PASS_MARK, **changes}))


def learners(course, n):
    found = []
    for _ in range(n):
        user = make_user()
        enrol(user, course)
        found.append(user)
    return found


def hand_in(user, course):
    services.save_draft(user, course, "task", text=f"Work of {user.display_name}")
    services.submit(user, course, "task")


def author_of(allocation):
    return db.session.scalar(sa.select(Submission.user_id).join(
        SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(SubmissionVersion.id == allocation.version_id))


def review_of(reviewer, course, author, levels):
    allocation = next(a for a in peers.allocate_peer_reviews(reviewer, course, "task") if author_of(a) == author.id)
    return peers.submit_peer_review(reviewer, course, allocation.id, levels, "Specific, kind feedback.")


def status_of(user, course):
    return db.session.scalar(sa.select(Submission.status).where(Submission.user_id == user.id,
                                                                Submission.course_id == course.id))


def reviewed_by_three(course, levels):
    author, *reviewers = learners(course, 4)
    hand_in(author, course)
    for reviewer in reviewers:
        hand_in(reviewer, course)
    for n, reviewer in enumerate(reviewers):
        assert status_of(author, course) == SubmissionStatus.submitted  # two reviews decide nothing
        review_of(reviewer, course, author, levels[n] if isinstance(levels, list) else levels)
    return author, reviewers


def test_three_peers_at_or_above_the_pass_mark_accept_and_the_course_completes():
    course = peer_course()
    author, _reviewers = reviewed_by_three(course, [FULL, WEAK, {"goal": 2, "evidence": 0}])  # 5, 2, 2
    assert status_of(author, course) == SubmissionStatus.needs_revision  # the median, 2, is below 3
    course = peer_course("decide-two")
    author, _reviewers = reviewed_by_three(course, [FULL, WEAK, {"goal": 3, "evidence": 0}])  # 5, 2, 3
    assert not has_completed(author.id, course.id)  # the course's other unit is still to do
    assert status_of(author, course) == SubmissionStatus.accepted  # the median, 3, is the pass mark
    assert db.session.scalar(sa.select(UnitProgress.completed_at).where(UnitProgress.user_id == author.id,
                                                                        UnitProgress.unit_key == "task"))
    set_unit_completion(author, course, "m1-u1", complete=True)
    assert has_completed(author.id, course.id)  # the peers' acceptance counts as the assignments rule
    mails = [m.payload for m in db.session.scalars(sa.select(OutboxMessage)) if m.payload.get("to") == author.email]
    assert [m["args"]["params"]["by"] for m in mails
            if m.get("args", {}).get("kind") == "assignments.decided"] == ["peers"]


def test_peers_wait_for_the_peer_count_until_the_reviews_are_due():
    course = peer_course(peer_count=4)
    author, reviewers = reviewed_by_three(course, FULL)
    assert status_of(author, course) == SubmissionStatus.submitted  # a fourth review is owed
    clock.advance(timedelta(days=7))
    assert schedule.run_peer_review_deadlines().decided == 1
    assert status_of(author, course) == SubmissionStatus.accepted
    assert schedule.run_peer_review_deadlines().decided == 0  # idempotent


def test_a_staff_decision_overrides_the_peers_and_stands():
    course = peer_course(assessed_by=["facilitator", "peers"])
    author, reviewers = reviewed_by_three(course, FULL)
    assert status_of(author, course) == SubmissionStatus.accepted  # no staff decision yet: the peers decide
    staff = make_user("facilitator", course=course)
    submission = queries.submission_of(author.id, course.id, "task")
    services.review(staff, course, submission, WEAK, "Revise the evidence.", "needs_revision")
    assert status_of(author, course) == SubmissionStatus.needs_revision
    progress = db.session.scalar(sa.select(UnitProgress).where(UnitProgress.user_id == author.id))
    assert progress.completed_at is None  # the unit's completion is taken back with the acceptance
    with pytest.raises(Conflict):
        services.review(staff, course, submission, FULL, "", "accepted")  # staff decided this version
    # The resubmission is staff's to decide again, whatever peers say about it.
    hand_in(author, course)
    services.review(staff, course, submission, FULL, "Much better.", "accepted")
    assert status_of(author, course) == SubmissionStatus.accepted


def test_with_too_few_peers_the_work_is_settled_by_the_self_assessment_after_the_due_time():
    course = peer_course()
    author, other = learners(course, 2)
    hand_in(author, course)
    hand_in(other, course)
    services.self_assess(author, course, "task", FULL)
    assert schedule.run_peer_review_deadlines().decided == 0
    clock.advance(timedelta(days=7, minutes=1))
    assert schedule.run_peer_review_deadlines().decided == 1
    assert status_of(author, course) == SubmissionStatus.accepted
    assert status_of(other, course) == SubmissionStatus.submitted  # no self-assessment: the staff decide it
    staff_assessed = peer_course("staff-left", assessed_by=["facilitator", "peers"])
    (alone,) = learners(staff_assessed, 1)
    hand_in(alone, staff_assessed)
    clock.advance(timedelta(days=8))
    schedule.run_peer_review_deadlines()
    assert status_of(alone, staff_assessed) == SubmissionStatus.submitted  # in the staff's queue
    found = queries.review_queue(staff_assessed, queries.QueueFilters())
    assert [row.learner_name for row in found.page.items] == [alone.display_name]


def test_a_review_not_opened_within_three_days_goes_to_another_learner(client):
    course = peer_course(peer_count=1)
    author, slow, quick, late_comer = learners(course, 4)
    hand_in(author, course)
    hand_in(slow, course)  # given the author's work
    hand_in(quick, course)  # given slow's
    (given,) = peers.allocations_of(slow.id, course.id, "task")
    assert author_of(given) == author.id
    log_in(client, quick)
    (opened,) = peers.allocations_of(quick.id, course.id, "task")
    assert client.get(f"/courses/decide/assignments/peer-reviews/{opened.id}").status_code == 200
    peers.submit_peer_review(quick, course, opened.id, FULL, "Done early.")
    clock.advance(timedelta(days=3))
    hand_in(late_comer, course)  # given quick's work, and so has one review open
    run = jobs.run_job(next(j for j in jobs.registered_jobs() if j.name == "assignments-peer-review-deadlines"))
    assert run.reassigned == 1  # only slow's: quick opened theirs
    db.session.expire_all()
    assert peers.allocations_of(slow.id, course.id, "task") == []
    taken_over = db.session.scalars(sa.select(PeerAllocation).where(
        PeerAllocation.version_id == given.version_id, PeerAllocation.released_at.is_(None))).all()
    assert [a.reviewer_id for a in taken_over] == [quick.id]  # the fewest open reviews, never the author
    log_in(client, slow)
    assert client.get(f"/courses/decide/assignments/peer-reviews/{given.id}").status_code == 404
    assert schedule.run_peer_review_deadlines().reassigned == 0


def test_a_review_nobody_else_can_take_stays_with_its_reviewer():
    course = peer_course(peer_count=1)
    author, reviewer = learners(course, 2)
    hand_in(author, course)
    hand_in(reviewer, course)
    clock.advance(timedelta(days=4))
    run = schedule.run_peer_review_deadlines()
    assert (run.reassigned, run.released) == (0, 1)
    assert len(peers.allocations_of(reviewer.id, course.id, "task")) == 1


def test_the_learner_flags_an_unfair_review_for_the_staff(client):
    course = peer_course(assessed_by=["facilitator", "peers"])
    author, reviewers = reviewed_by_three(course, WEAK)
    assert status_of(author, course) == SubmissionStatus.needs_revision
    for allocation in peers.allocate_peer_reviews(author, course, "task"):
        peers.submit_peer_review(author, course, allocation.id, FULL, "Fine.")
    log_in(client, author)
    page = client.get("/courses/decide/units/task").get_data(as_text=True)
    assert "Flag this review as unfair" in page
    unfair = db.session.scalar(sa.select(peers.Assessment).where(peers.Assessment.assessor_id == reviewers[0].id))
    empty = client.post(f"/courses/decide/assignments/reviews/{unfair.id}/flag", data={"reason": " "})
    assert empty.status_code == 302 and db.session.scalar(sa.select(sa.func.count(ReviewFlag.id))) == 0
    client.post(f"/courses/decide/assignments/reviews/{unfair.id}/flag",
                data={"reason": "FLAG-REASON: it ignores my evidence section."})
    client.post(f"/courses/decide/assignments/reviews/{unfair.id}/flag", data={"reason": "Again"})
    assert db.session.scalar(sa.select(sa.func.count(ReviewFlag.id))) == 1
    assert "You flagged this review as unfair" in client.get("/courses/decide/units/task").get_data(as_text=True)
    # Nobody else may flag it, nor learn that it exists.
    for other in (reviewers[1], make_user()):
        log_in(client, other)
        assert client.post(f"/courses/decide/assignments/reviews/{unfair.id}/flag",
                           data={"reason": "x"}).status_code == 404
        with pytest.raises(NotFound):
            peers.flag_review(other, course, unfair.id, "x")
    with pytest.raises(InvalidInput):
        peers.flag_review(author, course, unfair.id, "x" * 2001)
    staff = make_user("facilitator", course=course)
    log_in(client, staff)
    queue = client.get("/courses/decide/submissions?status=flagged").get_data(as_text=True)
    assert author.display_name in queue and "1 review flagged" in queue
    submission = queries.submission_of(author.id, course.id, "task")
    review_page = client.get(f"/courses/decide/submissions/{submission.id}").get_data(as_text=True)
    assert "FLAG-REASON" in review_page and "Review by peer 1" in review_page and 'name="decision"' in review_page
    services.review(staff, course, submission, FULL, "The evidence is there.", "accepted")
    assert status_of(author, course) == SubmissionStatus.accepted  # staff overrule the peers' revision
    assert db.session.scalar(sa.select(ReviewFlag.resolved_at)) is not None
    assert author.display_name not in client.get("/courses/decide/submissions?status=flagged").get_data(as_text=True)


def test_the_pass_mark_defaults_to_half_the_rubric_rounded_up():
    course = make_course("half", modules=1, units_per_module=1,
                         assignment=sample_assignment(assessed_by=["peers"], peer_count=3))
    assignment = services.live_assignment(course, "task")
    assert (assignment.rubric.max_points, assignment.pass_mark) == (5, 3)
    assert services.live_assignment(peer_course("declared", pass_mark=5), "task").pass_mark == 5
