"""Peer review: allocation among those who handed in, anonymous reviews against the rubric, and the reviews of
one's own work shown once one has done one's own."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from moocplatform.assignments import peers, services
from moocplatform.assignments.models import Assessment, PeerAllocation, Submission, SubmissionFile
from moocplatform.errors import Conflict, InvalidInput, NotFound
from moocplatform.extensions import db
from tests.assignment_helpers import PDF
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, sample_assignment

FULL = {"goal": 3, "evidence": 2}


@pytest.fixture()
def course():
    return make_course("peers", modules=1, units_per_module=1,
                       assignment=sample_assignment(assessed_by=["peers", "self"], peer_count=2))


def learners(course, n):
    found = []
    for i in range(n):
        user = make_user(display_name=f"Learner {i + 1}")
        enrol(user, course)
        found.append(user)
    return found


def hand_in(user, course, text=None, with_file=False):
    services.save_draft(user, course, "task", text=text or f"Work of {user.display_name}")
    if with_file:
        services.add_file(user, course, "task", "work.pdf", PDF)
    services.submit(user, course, "task")
    return peers.allocations_of(user.id, course.id, "task")


def reviewed_author(allocation):
    return db.session.execute(sa.text(
        "SELECT s.user_id FROM assignment_submissions s JOIN assignment_submission_versions v "
        "ON v.submission_id = s.id WHERE v.id = :v"), {"v": allocation.version_id}).scalar()


def test_allocation_is_never_ones_own_and_spreads_the_reviews(course):
    a, b, c, d = learners(course, 4)
    assert hand_in(a, course) == []  # nobody else has handed in yet
    assert [reviewed_author(x) for x in hand_in(b, course)] == [a.id]
    assert sorted(reviewed_author(x) for x in hand_in(c, course)) == sorted([a.id, b.id])
    # d gets the two least reviewed: b and c (a has two reviewers already)
    assert sorted(reviewed_author(x) for x in hand_in(d, course)) == sorted([b.id, c.id])
    # a asks again later and is given up to the peer count, never their own
    found = peers.allocate_peer_reviews(a, course, "task")
    assert len(found) == 2 and a.id not in {reviewed_author(x) for x in found}
    assert peers.allocate_peer_reviews(a, course, "task") == found  # asking again adds nothing


def test_allocation_asks_for_ones_own_work_first(course):
    (a,) = learners(course, 1)
    with pytest.raises(Conflict, match="Hand in your own work first"):
        peers.allocate_peer_reviews(a, course, "task")


def test_a_peer_reviews_anonymously_and_the_author_sees_it_after_their_own_reviews(client, course):
    a, b = learners(course, 2)
    hand_in(a, course, text="SECRET-WORK-A", with_file=True)
    (allocation,) = hand_in(b, course)
    log_in(client, b)
    page = client.get(f"/courses/peers/assignments/peer-reviews/{allocation.id}").get_data(as_text=True)
    assert "SECRET-WORK-A" in page and "Learner 1" not in page and "DESCRIPTOR-GOAL-3" in page
    file = db.session.scalar(sa.select(SubmissionFile))
    download = client.get(f"/courses/peers/assignments/files/{file.id}")
    download.close()
    assert download.status_code == 200  # an allocated peer may open the work's files
    missing = client.post(f"/courses/peers/assignments/peer-reviews/{allocation.id}", data={
        "criterion-goal": "2", "criterion-evidence": "2", "feedback": ""})
    assert missing.status_code == 422
    for _ in range(2):  # a double click records one review
        client.post(f"/courses/peers/assignments/peer-reviews/{allocation.id}", data={
            "criterion-goal": "2", "criterion-evidence": "2", "feedback": "PEER-FEEDBACK: clear *goal*."})
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id)).where(Assessment.role == "peer")) == 1

    log_in(client, a)
    page = client.get("/courses/peers/units/task").get_data(as_text=True)
    assert "PEER-FEEDBACK" not in page and "once you have done yours" in page  # a owes reviews first
    (mine,) = peers.allocate_peer_reviews(a, course, "task")
    peers.submit_peer_review(a, course, mine.id, FULL, "Good work.")
    page = client.get("/courses/peers/units/task").get_data(as_text=True)
    assert "PEER-FEEDBACK: clear <em>goal</em>." in page and "Review by peer 1" in page
    assert "Learner 2" not in page  # the reviewer stays anonymous


def test_only_the_allocated_peer_opens_a_review(client, course):
    a, b, c = learners(course, 3)
    hand_in(a, course)
    (allocation,) = hand_in(b, course)[:1]
    for viewer in (a, c, make_user("facilitator", course=course)):
        log_in(client, viewer)
        assert client.get(f"/courses/peers/assignments/peer-reviews/{allocation.id}").status_code == 404
        with pytest.raises(NotFound):
            peers.submit_peer_review(viewer, course, allocation.id, FULL, "x")
    file_less = client.get("/courses/peers/assignments/peer-reviews/999999")
    assert file_less.status_code == 404


def test_a_review_must_score_every_criterion(course):
    a, b = learners(course, 2)
    hand_in(a, course)
    (allocation,) = hand_in(b, course)
    with pytest.raises(InvalidInput, match="Choose"):
        peers.submit_peer_review(b, course, allocation.id, {"goal": 3}, "Fine.")


def test_with_too_few_peers_the_self_assessment_completes_once_the_reviews_are_due(course):
    from datetime import timedelta

    from moocplatform import clock
    a, b = learners(course, 2)
    hand_in(a, course)
    services.self_assess(a, course, "task", FULL)
    status = sa.select(Submission.status).where(Submission.user_id == a.id)
    assert db.session.scalar(status) == "submitted"  # the peers have a week to decide first
    clock.advance(timedelta(days=7))
    services.self_assess(a, course, "task", FULL)
    assert db.session.scalar(status) == "accepted"


def test_a_reviewer_erased_leaves_their_review_without_them(course):
    from moocplatform import personal_data
    a, b = learners(course, 2)
    hand_in(a, course)
    (allocation,) = hand_in(b, course)
    peers.submit_peer_review(b, course, allocation.id, FULL, "Kept.")
    assert personal_data.export_user_data(b)["assignment_peer_reviews_asked"][0]["id"] == allocation.id
    personal_data.erase_user(b)
    review = db.session.scalar(sa.select(Assessment).where(Assessment.role == "peer"))
    assert review.assessor_id is None and review.feedback == "Kept."
    assert db.session.scalar(sa.select(sa.func.count(PeerAllocation.id))) == 0


# The score of a version ---------------------------------------------------------------------------------------

def _made(role, points, max_points=5):
    from moocplatform.assignments.models import AssessorRole
    return Assessment(role=AssessorRole(role), points=points, max_points=max_points)


def test_the_score_is_staffs_else_the_median_of_three_peers_else_ones_own():
    from moocplatform.assignments.scoring import version_score

    assert version_score([]) is None
    assert version_score([_made("self", 5)]).source == "self"
    two_peers = [_made("peer", 1), _made("peer", 2), _made("self", 5)]
    assert (version_score(two_peers).source, version_score(two_peers).points) == ("self", 5)  # two make no score
    peers_ = [_made("peer", 1), _made("peer", 4), _made("peer", 5), _made("self", 5)]
    assert (version_score(peers_).source, version_score(peers_).points, version_score(peers_).peer_scores) == (
        "peers", 4, 3)
    four = [_made("peer", 1), _made("peer", 2), _made("peer", 4), _made("peer", 5)]
    assert version_score(four).points == 3  # the median of an even count: the mean of the middle two
    overridden = version_score([*peers_, _made("facilitator", 2), _made("facilitator", 3)])
    assert (overridden.source, overridden.points, overridden.peer_scores) == ("staff", 3, 3)  # the latest


def test_the_author_sees_the_median_once_three_peers_reviewed_and_their_own_reviews_are_done(client):
    course = make_course("median", modules=1, units_per_module=1,
                         assignment=sample_assignment(assessed_by=["peers", "self"], peer_count=3))
    author, *reviewers = learners(course, 4)
    hand_in(author, course)
    for points, reviewer in zip(({"goal": 0, "evidence": 0}, {"goal": 2, "evidence": 2}, FULL), reviewers,
                                strict=True):
        hand_in(reviewer, course)
        allocation = next(a for a in peers.allocate_peer_reviews(reviewer, course, "task")
                          if reviewed_author(a) == author.id)
        peers.submit_peer_review(reviewer, course, allocation.id, points, "Thoughtful feedback")
    log_in(client, author)
    page = client.get("/courses/median/units/task").get_data(as_text=True)
    assert "Score:" not in page  # the author has reviews of their own to do first
    for allocation in peers.allocate_peer_reviews(author, course, "task"):
        peers.submit_peer_review(author, course, allocation.id, FULL, "Well argued")
    page = client.get("/courses/median/units/task").get_data(as_text=True)
    assert "Score: 4 of 5" in page and "the median of 3 peer reviews" in page
