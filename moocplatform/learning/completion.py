"""Course completion: the manifest's rules (required units, quizzes to pass) checked against progress.

A completion is recorded once and never taken back: a new content version can only add completions. After a
version is published, `process_completions` runs (after the import has committed) for everyone enrolled.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..catalog.models import Course, CourseVersion, Unit
from ..extensions import db
from ..quizzes.models import QuizDefinition
from .models import CourseCompletion, Enrollment, UnitProgress


def required_unit_keys(version: CourseVersion) -> set[str]:
    """The units a learner must complete: the required units that the version still has, plus the units of
    the quizzes to pass (passing a quiz completes its unit)."""
    rules = version.manifest.get("completion") or {}
    live_keys = set(db.session.scalars(sa.select(Unit.key).where(Unit.version_id == version.id)))
    required = rules.get("required_units", "all")
    keys = live_keys if required == "all" else set(required) & live_keys
    quizzes = rules.get("quizzes_to_pass") or []
    if quizzes:
        keys |= set(db.session.scalars(sa.select(QuizDefinition.unit_key).where(
            QuizDefinition.version_id == version.id, QuizDefinition.key.in_(quizzes))))
    return keys


def record_completion_if_reached(user_id: int, course: Course) -> CourseCompletion | None:
    """Record the learner's completion of the course when its live version's rules are met."""
    if course.live_version_id is None:
        return None
    existing = db.session.scalar(sa.select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course.id))
    if existing is not None:
        return existing
    version = db.session.get(CourseVersion, course.live_version_id)
    required = required_unit_keys(version)
    done = set(db.session.scalars(sa.select(UnitProgress.unit_key).where(
        UnitProgress.user_id == user_id, UnitProgress.course_id == course.id,
        UnitProgress.completed_at.is_not(None))))
    if not required or not required <= done:
        return None
    completion = CourseCompletion(user_id=user_id, course_id=course.id, completed_at=clock.now(),
                                  version=version.version)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:  # recorded by a concurrent request
        return db.session.scalar(sa.select(CourseCompletion).where(
            CourseCompletion.user_id == user_id, CourseCompletion.course_id == course.id))
    return completion


def process_completions(course: Course) -> int:
    """Record the completions that the live version's rules now grant (run after a publish has committed).
    Returns how many were recorded. Two queries and one insert, whatever the number of learners."""
    if course.live_version_id is None:
        return 0
    version = db.session.get(CourseVersion, course.live_version_id)
    required = required_unit_keys(version)
    if not required:
        return 0
    completed_already = sa.select(CourseCompletion.user_id).where(CourseCompletion.course_id == course.id)
    candidates = (
        sa.select(UnitProgress.user_id)
        .join(Enrollment, sa.and_(Enrollment.user_id == UnitProgress.user_id,
                                  Enrollment.course_id == UnitProgress.course_id))
        .where(UnitProgress.course_id == course.id, UnitProgress.completed_at.is_not(None),
               UnitProgress.unit_key.in_(required), Enrollment.status == "active",
               UnitProgress.user_id.not_in(completed_already))
        .group_by(UnitProgress.user_id)
        .having(sa.func.count(sa.distinct(UnitProgress.unit_key)) == len(required))
    )
    user_ids = list(db.session.scalars(candidates))
    now = clock.now()
    if user_ids:
        db.session.execute(sa.insert(CourseCompletion), [
            {"user_id": uid, "course_id": course.id, "completed_at": now, "version": version.version}
            for uid in user_ids])
    return len(user_ids)


def process_all_completions() -> int:
    """Scheduled job: completions for every active course (idempotent)."""
    courses = db.session.scalars(sa.select(Course).where(Course.status == "active",
                                                         Course.live_version_id.is_not(None)))
    return sum(process_completions(course) for course in courses)
