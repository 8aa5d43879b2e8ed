"""Peer review: after handing in, a learner is allocated up to the assignment's peer count of other learners'
submissions of the same assignment (oldest, least reviewed first; never their own), reviews them against the
rubric without seeing who wrote them, and sees the reviews of their own work once they have done theirs.

Where no staff decision exists, the peers decide: once a version has the peer count of reviews (at least
three), their median against the assignment's pass mark accepts it or asks for a revision; a staff decision
overrides it. The version's score is staff's where there is one, else the median of at least three peers'
scores, else the learner's own (scoring.version_score). Reviews are due REVIEW_DAYS after they are given; one
not opened within START_DAYS goes to someone else (the job in schedule.py). A reviewed learner may flag a review
as unfair for the course's staff. Allocation stays within the reviewer's cohort (a learner seated in a cohort
reviews and is reviewed by that cohort's learners only), and across the learners in no cohort otherwise
(queries.same_peer_group)."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import clock, policy
from ..dialect import insert_ignoring_duplicates
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import render_user_markdown
from . import outcome, queries
from .models import (
    Assessment,
    AssessorRole,
    Decision,
    PeerAllocation,
    ReviewFlag,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from .queries import Assignment
from .scoring import MAX_TEXT_CHARS, MIN_PEER_SCORES, scored

REVIEW_DAYS = 7  # a peer review is due this long after it is given
START_DAYS = 3  # one not opened by then goes to another learner
MAX_FLAG_CHARS = 2000


def review_due_at(allocated_at: datetime) -> datetime:
    return allocated_at + timedelta(days=REVIEW_DAYS)


def _latest_versions():
    return sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number")) \
        .where(SubmissionVersion.submitted_at.is_not(None)).group_by(SubmissionVersion.submission_id).subquery()


def allocations_of(reviewer_id: int, course_id: int, unit_key: str) -> list[PeerAllocation]:
    return list(db.session.scalars(
        sa.select(PeerAllocation).join(SubmissionVersion, SubmissionVersion.id == PeerAllocation.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(PeerAllocation.reviewer_id == reviewer_id, Submission.course_id == course_id,
               Submission.unit_key == unit_key, PeerAllocation.released_at.is_(None)).order_by(PeerAllocation.id)))


def _candidates(reviewer_id: int, course_id: int, unit_key: str) -> sa.Select:
    """The latest versions of others' work waiting for review that the reviewer has not been given, the least
    reviewed and then the oldest first, of learners in the reviewer's peer group (their cohort, or the
    self-paced learners)."""
    latest = _latest_versions()
    allocated = sa.select(sa.func.count(PeerAllocation.id)).where(
        PeerAllocation.version_id == SubmissionVersion.id, PeerAllocation.released_at.is_(None)).scalar_subquery()
    reviewed_already = sa.select(SubmissionVersion.submission_id).join(
        PeerAllocation, PeerAllocation.version_id == SubmissionVersion.id).where(
        PeerAllocation.reviewer_id == reviewer_id)
    return (sa.select(SubmissionVersion.id)
            .join(latest, sa.and_(latest.c.submission_id == SubmissionVersion.submission_id,
                                  latest.c.number == SubmissionVersion.number))
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .where(Submission.course_id == course_id, Submission.unit_key == unit_key,
                   Submission.user_id != reviewer_id, Submission.status == SubmissionStatus.submitted,
                   Submission.id.not_in(reviewed_already),
                   queries.same_peer_group(Submission.user_id, reviewer_id, course_id))
            .order_by(allocated, Submission.submitted_at, Submission.id))


def work_waiting_for(reviewer_id: int, course_id: int, unit_key: str) -> bool:
    """Whether there is more work the reviewer could be given."""
    return db.session.scalar(sa.select(sa.literal(True)).where(
        sa.exists(_candidates(reviewer_id, course_id, unit_key).order_by(None)))) is not None


def reviews_visible(allocations: list[PeerAllocation], peer_count: int, reviewer_id: int, course_id: int,
                    unit_key: str) -> bool:
    """A learner sees the reviews of their work once they have done theirs: every review given to them, and
    the peer count of them unless no more work is waiting (a learner with too few peers is not held back)."""
    if any(a.completed_at is None for a in allocations):
        return False
    return len(allocations) >= peer_count or not work_waiting_for(reviewer_id, course_id, unit_key)


def allocate_peer_reviews(user, course, unit_key: str) -> list[PeerAllocation]:
    """Give the learner the reviews still owed to them: up to the peer count, from the submissions waiting
    with the fewest reviews allocated, oldest first. Returns every allocation the learner has for the unit."""
    if not policy.can_hand_in(user, course):
        raise PermissionDenied(_("Enrol in the course to review your peers' work."))
    assignment = queries.assignment_of(course.live_version_id, unit_key) if course.live_version_id else None
    if assignment is None or "peers" not in assignment.assessed_by:
        raise NotFound(_("This assignment has no peer review."))
    own = queries.submission_of(user.id, course.id, unit_key)
    if own is None or own.submitted_at is None:
        raise Conflict(_("Hand in your own work first; then you review your peers'."))
    existing = allocations_of(user.id, course.id, unit_key)
    wanted = (assignment.peer_count or 0) - len(existing)
    if wanted > 0:
        candidates = list(db.session.scalars(_candidates(user.id, course.id, unit_key).limit(wanted)))
        if candidates:
            now = clock.now()
            db.session.execute(insert_ignoring_duplicates(db.session(), PeerAllocation, ["version_id", "reviewer_id"])
                               .values([{"version_id": v, "reviewer_id": user.id, "allocated_at": now}
                                        for v in candidates]))
        existing = allocations_of(user.id, course.id, unit_key)
    return existing


def allocation_for(reviewer, allocation_id: int) -> tuple[PeerAllocation, Submission, SubmissionVersion]:
    """The reviewer's own allocation, or NotFound (anyone else learns nothing of it)."""
    row = db.session.execute(
        sa.select(PeerAllocation, Submission, SubmissionVersion)
        .join(SubmissionVersion, SubmissionVersion.id == PeerAllocation.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(PeerAllocation.id == allocation_id)).first()
    if row is None or row[0].reviewer_id != getattr(reviewer, "id", None) or row[0].released_at is not None:
        raise NotFound(_("No such review."))
    return row[0], row[1], row[2]


def start_peer_review(reviewer, allocation: PeerAllocation) -> None:
    """The reviewer opened the work: it stays theirs past START_DAYS. Someone else's review does not exist
    for them."""
    if allocation.reviewer_id != getattr(reviewer, "id", None):
        raise NotFound(_("No such review."))
    if allocation.started_at is None:
        db.session.execute(sa.update(PeerAllocation).where(
            PeerAllocation.id == allocation.id, PeerAllocation.started_at.is_(None))
            .values(started_at=clock.now()).execution_options(synchronize_session=False))
        db.session.refresh(allocation)


def submit_peer_review(reviewer, course, allocation_id: int, chosen: dict[str, Any], feedback: str) -> Assessment:
    allocation, submission, version = allocation_for(reviewer, allocation_id)
    if submission.course_id != course.id:
        raise NotFound(_("No such review."))
    if not policy.can_hand_in(reviewer, course):
        raise PermissionDenied(_("Enrol in the course to review your peers' work."))
    if allocation.completed_at is not None:
        raise Conflict(_("You have reviewed this work already."))
    assignment = queries.assignments_of({version.course_version_id}).get(
        (version.course_version_id, submission.unit_key)) or queries.assignment_of(course.live_version_id,
                                                                                   submission.unit_key)
    if assignment is None:
        raise NotFound(_("This unit has no assignment."))
    scores, points = scored(assignment, chosen)
    if not feedback.strip() or len(feedback) > MAX_TEXT_CHARS:
        raise InvalidInput(_("Write feedback for your peer (at most %(n)d characters).", n=MAX_TEXT_CHARS),
                           field="feedback")
    now = clock.now()
    assessment = Assessment(version_id=version.id, assessor_id=reviewer.id, role=AssessorRole.peer, scores=scores,
                            points=points, max_points=assignment.rubric.max_points, feedback=feedback,
                            feedback_html=render_user_markdown(feedback), decision=None, created_at=now)
    db.session.add(assessment)
    db.session.flush()
    # The guard makes a double click record one review.
    claimed = db.session.execute(sa.update(PeerAllocation).where(
        PeerAllocation.id == allocation.id, PeerAllocation.completed_at.is_(None))
        .values(completed_at=now, assessment_id=assessment.id).execution_options(synchronize_session=False))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_("You have reviewed this work already."))
    db.session.refresh(allocation)
    decide_by_peers(submission, version, course, assignment)
    return assessment


def _assignment_of_version(version: SubmissionVersion, submission: Submission, course) -> Assignment | None:
    return queries.assignments_of({version.course_version_id}).get(
        (version.course_version_id, submission.unit_key)) or (
        queries.assignment_of(course.live_version_id, submission.unit_key) if course.live_version_id else None)


def decide_by_peers(submission: Submission, version: SubmissionVersion, course, assignment: Assignment | None = None,
                    *, reviews_due: bool = False) -> Decision | None:
    """The peers' decision on a version waiting for one that staff have not decided: once it has the peer
    count of reviews (at least MIN_PEER_SCORES), or, once its reviews are due (reviews_due), any
    MIN_PEER_SCORES. The median at or above the pass mark accepts it; below, it needs revision. None: the peers
    do not decide (yet)."""
    assignment = assignment or _assignment_of_version(version, submission, course)
    if assignment is None or not assignment.peers_assess or submission.status != SubmissionStatus.submitted:
        return None
    if outcome.staff_decided(version.id):
        return None
    points = list(db.session.scalars(sa.select(Assessment.points).where(
        Assessment.version_id == version.id, Assessment.role == AssessorRole.peer)))
    needed = MIN_PEER_SCORES if reviews_due else max(MIN_PEER_SCORES, assignment.peer_count or 0)
    if len(points) < needed:
        return None
    if median(points) >= assignment.pass_mark:
        decision = Decision.accepted
        outcome.accept(submission, course)
    else:
        decision = Decision.needs_revision
        outcome.ask_for_revision(submission, course)
    outcome.tell_learner(submission, course, assignment.unit_title, decision.value, by="peers")
    return decision


# Unfair reviews ------------------------------------------------------------------------------------------------

def flag_review(user, course, assessment_id: int, reason: str) -> ReviewFlag:
    """The reviewed learner tells the course's staff that a peer's review of their work is unfair; the work
    then waits in the staff's queue for their decision, which overrides the peers'."""
    row = db.session.execute(
        sa.select(Assessment, Submission)
        .join(SubmissionVersion, SubmissionVersion.id == Assessment.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Assessment.id == assessment_id)).first()
    if row is None or row[1].user_id != getattr(user, "id", None) or row[1].course_id != course.id \
            or row[0].role != AssessorRole.peer:
        raise NotFound(_("No such review."))
    if not policy.can_hand_in(user, course):
        raise PermissionDenied(_("Enrol in the course to flag a review."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_FLAG_CHARS:
        raise InvalidInput(_("Say what is unfair about the review (at most %(n)d characters).", n=MAX_FLAG_CHARS),
                           field="reason")
    db.session.execute(insert_ignoring_duplicates(db.session(), ReviewFlag, ["assessment_id"]).values(
        assessment_id=assessment_id, submission_id=row[1].id, flagged_by=user.id, reason=reason,
        created_at=clock.now()))
    flag = db.session.scalar(sa.select(ReviewFlag).where(ReviewFlag.assessment_id == assessment_id))
    assert flag is not None
    return flag


def resolve_flags(submission: Submission) -> None:
    """A staff decision on the work settles the flags on its reviews."""
    db.session.execute(sa.update(ReviewFlag).where(
        ReviewFlag.submission_id == submission.id, ReviewFlag.resolved_at.is_(None))
        .values(resolved_at=clock.now()).execution_options(synchronize_session=False))
