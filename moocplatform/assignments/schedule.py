"""The peer-review clock, run by the job `assignments-peer-review-deadlines`: a review not opened within
START_DAYS goes to another learner who handed in the same assignment, and once a version's reviews are due
(REVIEW_DAYS after it was handed in) the peers decide with the reviews there are (three at least), or, where
they cannot, the learner's self-assessment completes it if nobody else decides; otherwise it waits for the
course's staff, who can always decide. Idempotent: a second run finds nothing more to do."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from . import outcome, queries
from .models import Assessment, AssessorRole, PeerAllocation, Submission, SubmissionStatus, SubmissionVersion
from .peers import REVIEW_DAYS, START_DAYS, decide_by_peers

BATCH = 200  # versions or allocations one run handles; the next run takes the rest


@dataclass(frozen=True)
class ScheduleRun:
    reassigned: int
    released: int  # given back without anyone to take them: stays the reviewer's too
    decided: int


def _next_reviewer(version_id: int, author_id: int, course_id: int, unit_key: str) -> int | None:
    """Who takes over a review: a learner of the author's peer group (their cohort, or the self-paced learners)
    who handed in the same assignment, not its author, not one who has (or had) this version, the one with the
    fewest open reviews and then the earliest hand-in first."""
    open_reviews = sa.select(sa.func.count(PeerAllocation.id)).where(
        PeerAllocation.reviewer_id == Submission.user_id, PeerAllocation.completed_at.is_(None),
        PeerAllocation.released_at.is_(None)).scalar_subquery()
    had_it = sa.select(PeerAllocation.reviewer_id).where(PeerAllocation.version_id == version_id)
    return db.session.scalar(
        sa.select(Submission.user_id)
        .where(Submission.course_id == course_id, Submission.unit_key == unit_key,
               Submission.submitted_at.is_not(None), Submission.user_id != author_id,
               Submission.user_id.not_in(had_it), queries.same_peer_group(Submission.user_id, author_id, course_id))
        .order_by(open_reviews, Submission.submitted_at, Submission.id).limit(1))


def reassign_unstarted_reviews() -> tuple[int, int]:
    """(reassigned, kept): reviews allocated START_DAYS ago and never opened, of work still waiting."""
    now = clock.now()
    stale = db.session.execute(
        sa.select(PeerAllocation, Submission)
        .join(SubmissionVersion, SubmissionVersion.id == PeerAllocation.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(PeerAllocation.started_at.is_(None), PeerAllocation.completed_at.is_(None),
               PeerAllocation.released_at.is_(None), PeerAllocation.allocated_at <= now - timedelta(days=START_DAYS),
               Submission.status == SubmissionStatus.submitted)
        .order_by(PeerAllocation.allocated_at, PeerAllocation.id).limit(BATCH)).all()
    reassigned = kept = 0
    for allocation, submission in stale:
        successor = _next_reviewer(allocation.version_id, submission.user_id, submission.course_id,
                                   submission.unit_key)
        if successor is None:
            kept += 1  # nobody else could: the reviewer keeps it until the work is decided
            continue
        allocation.released_at = now
        db.session.add(PeerAllocation(version_id=allocation.version_id, reviewer_id=successor, allocated_at=now))
        db.session.flush()
        reassigned += 1
    return reassigned, kept


def settle_due_reviews() -> int:
    """Decide the work whose peer reviews are due: by the peers (three reviews or more), else by the
    learner's self-assessment where no staff assess. Returns how many were decided."""
    cutoff = clock.now() - timedelta(days=REVIEW_DAYS)
    latest = sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number")) \
        .where(SubmissionVersion.submitted_at.is_not(None)).group_by(SubmissionVersion.submission_id).subquery()
    rows = db.session.execute(
        sa.select(Submission, SubmissionVersion)
        .join(latest, latest.c.submission_id == Submission.id)
        .join(SubmissionVersion, sa.and_(SubmissionVersion.submission_id == Submission.id,
                                         SubmissionVersion.number == latest.c.number))
        .where(Submission.status == SubmissionStatus.submitted, Submission.submitted_at <= cutoff)
        .order_by(Submission.submitted_at, Submission.id).limit(BATCH)).all()
    assignments = queries.assignments_of({version.course_version_id for _s, version in rows})
    courses = queries.courses_by_id({s.course_id for s, _v in rows})
    decided = 0
    for submission, version in rows:
        assignment = assignments.get((version.course_version_id, submission.unit_key))
        course = courses.get(submission.course_id)
        if assignment is None or course is None or not assignment.peers_assess:
            continue
        if decide_by_peers(submission, version, course, assignment, reviews_due=True) is not None:
            decided += 1
            continue
        own = db.session.scalar(sa.select(sa.literal(True)).where(
            Assessment.version_id == version.id, Assessment.role == AssessorRole.self))
        if own and assignment.self_assessed and not assignment.staff_decide:
            outcome.accept(submission, course)
            decided += 1
    return decided


def run_peer_review_deadlines() -> ScheduleRun:
    reassigned, kept = reassign_unstarted_reviews()
    return ScheduleRun(reassigned, kept, settle_due_reviews())
