"""Read-models of the API, each in a fixed number of queries whatever the page size."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import access, policy
from ..catalog.models import Course, CourseVersion, Unit
from ..extensions import db
from ..learning.models import CourseCompletion, Enrollment, UnitProgress


@dataclass(frozen=True)
class EnrolmentRow:
    enrollment: Enrollment
    course: Course
    unit_count: int
    completed_units: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.completed_units / self.unit_count) if self.unit_count else 0


_LIVE_UNIT = aliased(Unit)  # made once: aliasing costs more than the query it serves


def enrolments_page(user, *, after_id: int, limit: int) -> tuple[list[EnrolmentRow], int | None]:
    """The user's enrolments by id after `after_id`, at most limit, with progress on the live version; and
    the id to continue after (None on the last page). Two queries.

    Enrolments in courses the user may no longer see (left an archived course) are skipped by the pages'
    own rule, so a page may hold fewer than limit."""
    rows = db.session.execute(
        sa.select(Enrollment, Course, CourseVersion.unit_count, CourseCompletion.completed_at)
        .join(Course, Course.id == Enrollment.course_id)
        .join(CourseVersion, CourseVersion.id == Course.live_version_id)
        .outerjoin(CourseCompletion, sa.and_(CourseCompletion.user_id == Enrollment.user_id,
                                             CourseCompletion.course_id == Enrollment.course_id))
        .where(Enrollment.user_id == user.id, Enrollment.id > after_id)
        .order_by(Enrollment.id).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    course_ids = [course.id for _, course, _, _ in rows]
    live_unit = _LIVE_UNIT
    counts: dict[int, int] = dict(db.session.execute(
        sa.select(UnitProgress.course_id, sa.func.count())
        .join(Course, Course.id == UnitProgress.course_id)
        .join(live_unit, sa.and_(live_unit.version_id == Course.live_version_id,
                                 live_unit.key == UnitProgress.unit_key))
        .where(UnitProgress.user_id == user.id, UnitProgress.course_id.in_(course_ids),
               UnitProgress.completed_at.is_not(None))
        .group_by(UnitProgress.course_id)
    ).tuples().all()) if course_ids else {}
    for enrollment, course, _units, _completed in rows:  # the contexts need no query of their own
        access.know_enrollment(user, course, enrollment)
    visible = [
        EnrolmentRow(enrollment, course, unit_count or 0, counts.get(course.id, 0), completed_at)
        for enrollment, course, unit_count, completed_at in rows if policy.can_view_course(user, course)
    ]
    return visible, (rows[-1][0].id if more else None)
