"""Read-models of a learner's progress: the dashboard and progress on course and unit pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..access import know_enrollment
from ..catalog.models import Course, CourseVersion, Unit
from ..extensions import db
from .activity import Timeline, timeline_row
from .completion import learner_progress_by_rule
from .criteria import RuleProgress
from .models import CourseCompletion, Enrollment, Invitation, UnitProgress


@dataclass(frozen=True)
class Progress:
    viewed: frozenset[str]
    completed: frozenset[str]

    def percent(self, unit_keys) -> int:
        keys = list(unit_keys)
        if not keys:
            return 0
        return round(100 * sum(1 for k in keys if k in self.completed) / len(keys))


NO_PROGRESS = Progress(frozenset(), frozenset())


# Asked on every course and unit page: built once, with bind parameters.
_ENROLLMENT_AND_PROGRESS = (
    sa.select(Enrollment, UnitProgress.unit_key, UnitProgress.completed_at)
    .outerjoin(UnitProgress, sa.and_(UnitProgress.user_id == Enrollment.user_id,
                                     UnitProgress.course_id == Enrollment.course_id))
    .where(Enrollment.user_id == sa.bindparam("user_id"), Enrollment.course_id == sa.bindparam("course_id"))
)


def enrollment_and_progress(user, course_id: int) -> tuple[Enrollment | None, Progress]:
    """A learner's enrolment in a course and their progress in it, in one query (course and unit pages).
    The request's access context learns the enrolment from it, so the policy asks no more."""
    if not getattr(user, "is_authenticated", False):
        return None, NO_PROGRESS
    rows = db.session.execute(_ENROLLMENT_AND_PROGRESS, {"user_id": user.id, "course_id": course_id}).all()
    know_enrollment(user, course_id, rows[0].Enrollment if rows else None)
    if not rows:
        return None, NO_PROGRESS
    keyed = [r for r in rows if r.unit_key is not None]
    return rows[0].Enrollment, Progress(frozenset(r.unit_key for r in keyed),
                                        frozenset(r.unit_key for r in keyed if r.completed_at is not None))


def completion_rules_for(user, course: Course, enrollment: Enrollment | None) -> list[RuleProgress]:
    """An enrolled learner's figure per completion rule of the live version (course page); a fixed number
    of queries: one or two per kind of rule the version declares."""
    if enrollment is None or not enrollment.is_active:
        return []
    return learner_progress_by_rule(user.id, course)


def learner_progress(user_id: int, course_id: int) -> Progress:
    rows = db.session.execute(
        sa.select(UnitProgress.unit_key, UnitProgress.completed_at)
        .where(UnitProgress.user_id == user_id, UnitProgress.course_id == course_id)
    ).all()
    return Progress(frozenset(r.unit_key for r in rows),
                    frozenset(r.unit_key for r in rows if r.completed_at is not None))


@dataclass(frozen=True)
class DashboardEntry:
    course: Course
    enrollment: Enrollment
    unit_count: int
    completed: int
    last_unit_key: str | None
    last_unit_title: str | None
    last_visited_at: datetime | None
    completed_at: datetime | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.unit_count) if self.unit_count else 0


# Aliases made once: an alias made per call adapts its columns again on every request.
_LAST_UNIT, _LIVE_UNIT = aliased(Unit), aliased(Unit)


def dashboard(user_id: int) -> list[DashboardEntry]:
    """The learner's courses, most recently used first, in two queries whatever their number."""
    last_unit = _LAST_UNIT
    rows = db.session.execute(
        sa.select(Enrollment, Course, CourseVersion.unit_count, last_unit.key, last_unit.title,
                  CourseCompletion.completed_at)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(CourseCompletion, sa.and_(CourseCompletion.user_id == Enrollment.user_id,
                                             CourseCompletion.course_id == Enrollment.course_id))
        .join(CourseVersion, CourseVersion.id == Course.live_version_id)
        .outerjoin(last_unit, sa.and_(last_unit.version_id == Course.live_version_id,
                                      last_unit.key == Enrollment.last_unit_key))
        .where(Enrollment.user_id == user_id)
        .order_by(sa.func.coalesce(Enrollment.last_visited_at, Enrollment.enrolled_at).desc(), Enrollment.id)
    ).all()
    live_unit = _LIVE_UNIT
    counts = dict(db.session.execute(
        sa.select(UnitProgress.course_id, sa.func.count())
        .join(Course, Course.id == UnitProgress.course_id)
        .join(live_unit, sa.and_(live_unit.version_id == Course.live_version_id,
                                 live_unit.key == UnitProgress.unit_key))
        .where(UnitProgress.user_id == user_id, UnitProgress.completed_at.is_not(None))
        .group_by(UnitProgress.course_id)
    ).tuples().all())
    return [
        DashboardEntry(course, enrollment, unit_count or 0, counts.get(course.id, 0), key, title,
                       enrollment.last_visited_at, completed_at)
        for enrollment, course, unit_count, key, title, completed_at in rows
    ]


def course_invitations(course_id: int) -> list[Invitation]:
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.course_id == course_id).order_by(Invitation.created_at.desc())
    ))


def unit_timeline(course_id: int, user_id: int) -> Timeline:
    """The units the learner completed in the course, at their completion, and those opened but not completed
    yet, at their first opening ("unit-opened"), titled as the live version has them (the key for a unit it no
    longer holds): the learning area's rows of learning.activity's timeline."""
    unit = sa.and_(Unit.version_id == Course.live_version_id, Unit.key == UnitProgress.unit_key)
    title = sa.func.coalesce(Unit.title, UnitProgress.unit_key)
    kind = sa.case((UnitProgress.completed_at.is_(None), "unit-opened"), else_="unit")
    at = sa.func.coalesce(UnitProgress.completed_at, UnitProgress.first_viewed_at)
    return (sa.select(*timeline_row(kind, at, title, UnitProgress.unit_key))
            .join(Course, Course.id == UnitProgress.course_id).outerjoin(Unit, unit)
            .where(UnitProgress.user_id == user_id, UnitProgress.course_id == course_id))
