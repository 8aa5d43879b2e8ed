"""Course completion: the version's rules (see criteria.py: each kind registered by its area) checked against
what learners did, and recorded by one function, `record_completions`, which announces CourseCompleted once
per learner and course, however often and however concurrently it is triggered (the unique constraint on
course_completions decides; a conflicting insert does nothing and announces nothing).

A completion is never taken back: a new content version can only add completions. Every path records
through `record_completions`: a unit completed (or a quiz passed) checks its learner; after a version is
published `process_completions` checks everyone enrolled; the reconciliation job "process-completions" does
the same for every course, and repairs what a missed trigger left.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import sqlalchemy as sa

from .. import clock
from ..catalog.queries import active_courses_with_live_version, live_version_of
from ..dialect import insert_ignoring_duplicates
from ..events import CourseCompleted, announce
from ..extensions import db
from .criteria import CompletionContext, RuleProgress, chunks, progress_of, reached
from .models import CourseCompletion, Enrollment

if TYPE_CHECKING:
    from ..catalog.models import Course


def record_completions(course_id: int, version: str, user_ids: Collection[int]) -> list[int]:
    """Record that the learners completed the course under `version` (its label). Learners recorded before
    are left as they are. Announces CourseCompleted for each learner recorded now; returns their ids."""
    recorded: list[int] = []
    now = clock.now()
    for ids in chunks(user_ids):
        rows = [{"user_id": uid, "course_id": course_id, "completed_at": now, "version": version} for uid in ids]
        statement = (insert_ignoring_duplicates(db.session(), CourseCompletion, ["user_id", "course_id"])
                     .values(rows).returning(CourseCompletion.user_id))
        recorded.extend(db.session.scalars(statement))
    for user_id in sorted(recorded):
        announce(CourseCompleted(user_id=user_id, course_id=course_id, version=version, completed_at=now))
    return sorted(recorded)


def completion_context(course: Course) -> CompletionContext | None:
    version = live_version_of(course)
    return CompletionContext(course.id, version) if version is not None else None


def learner_progress_by_rule(user_id: int, course: Course) -> list[RuleProgress]:
    """The learner's figure per rule of the live version ("3 of 4 quizzes passed"), for display."""
    context = completion_context(course)
    return progress_of(context, [user_id])[user_id] if context is not None else []


def has_completed(user_id: int, course_id: int) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id)) is not None


def record_completion_if_reached(user_id: int, course: Course) -> bool:
    """Check one learner against the live version's rules and record the completion when they are met.
    Returns whether it was recorded now."""
    if has_completed(user_id, course.id):
        return False
    context = completion_context(course)
    if context is None:
        return False
    if not reached(progress_of(context, [user_id])[user_id]):
        return False
    return bool(record_completions(course.id, context.version.version, [user_id]))


def process_completions(course: Course) -> int:
    """Record the completions that the live version's rules now grant to everyone actively enrolled (after a
    publish). Returns how many were recorded; a fixed number of queries per 500 learners."""
    context = completion_context(course)
    if context is None:
        return 0
    completed_already = sa.select(CourseCompletion.user_id).where(CourseCompletion.course_id == course.id)
    candidates = list(db.session.scalars(sa.select(Enrollment.user_id).where(
        Enrollment.course_id == course.id, Enrollment.status == "active",
        Enrollment.user_id.not_in(completed_already))))
    progress = progress_of(context, candidates)
    met = [uid for uid, rules in progress.items() if reached(rules)]
    return len(record_completions(course.id, context.version.version, met))


def process_all_completions() -> int:
    """Reconciliation job: completions for every active course (idempotent)."""
    return sum(process_completions(course) for course in active_courses_with_live_version())
