"""Read-models of the API, each in a fixed number of queries whatever the page size.

The statements are built once, at import, with bind parameters for what varies: SQLAlchemy then finds each
one's compiled form in its cache without building or hashing the statement again on every request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import access, policy
from ..accounts.models import User
from ..catalog.models import Course, CourseVersion, Unit
from ..errors import NotFound
from ..extensions import db
from ..learning.models import CourseCompletion, Enrollment, UnitProgress
from ..tokens.models import Token

# A bearer token with its owner and the owner's role grants (what the access contexts read), by the secret's
# hash. Checking the token is the caller's (tokens.services.check_token): a revoked one is loaded too.
_TOKEN_AND_OWNER = (
    sa.select(Token, User).join(User, User.id == Token.owner_id)
    .where(Token.secret_hash == sa.bindparam("digest"))
    .options(joinedload(User.roles))
)


def token_and_owner(digest: str) -> tuple[Token | None, User | None]:
    """The token whose secret hashes to digest and its owner, in one query; (None, None) for no such token."""
    rows = db.session.execute(_TOKEN_AND_OWNER, {"digest": digest}).unique().all()
    return (rows[0][0], rows[0][1]) if rows else (None, None)


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


# Units of the live version that the enrolment's learner completed (progress on units the live version no
# longer has does not count).
_COMPLETED_UNITS = (
    sa.select(sa.func.count()).select_from(UnitProgress)
    .join(Unit, sa.and_(Unit.version_id == Course.live_version_id, Unit.key == UnitProgress.unit_key))
    .where(UnitProgress.user_id == Enrollment.user_id, UnitProgress.course_id == Enrollment.course_id,
           UnitProgress.completed_at.is_not(None))
    .correlate(Enrollment, Course).scalar_subquery()
)
_ENROLMENTS = (
    sa.select(Enrollment, Course, CourseVersion.unit_count, CourseCompletion.completed_at, _COMPLETED_UNITS)
    .join(Course, Course.id == Enrollment.course_id)
    .join(CourseVersion, CourseVersion.id == Course.live_version_id)
    .outerjoin(CourseCompletion, sa.and_(CourseCompletion.user_id == Enrollment.user_id,
                                         CourseCompletion.course_id == Enrollment.course_id))
    .where(Enrollment.user_id == sa.bindparam("user_id"), Enrollment.id > sa.bindparam("after_id"))
    .order_by(Enrollment.id).limit(sa.bindparam("limit", type_=sa.Integer))
)


def enrolments_page(user, *, after_id: int, limit: int) -> tuple[list[EnrolmentRow], int | None]:
    """The user's enrolments by id after `after_id`, at most limit, with progress on the live version; and
    the id to continue after (None on the last page). One query.

    Enrolments in courses the user may no longer see (left an archived course) are skipped by the pages'
    own rule, so a page may hold fewer than limit."""
    rows = db.session.execute(_ENROLMENTS, {"user_id": user.id, "after_id": after_id, "limit": limit + 1}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    visible = []
    for enrollment, course, unit_count, completed_at, completed_units in rows:
        access.know_enrollment(user, course, enrollment)  # the contexts need no query of their own
        if policy.can_view_course(user, course):
            visible.append(EnrolmentRow(enrollment, course, unit_count or 0, completed_units or 0, completed_at))
    return visible, (rows[-1][0].id if more else None)


# A course by slug with its live version and the viewer's enrolment in it, if any.
_COURSE_FOR_VIEWER = (
    sa.select(Course, CourseVersion, Enrollment)
    .join(CourseVersion, CourseVersion.id == Course.live_version_id)
    .outerjoin(Enrollment, sa.and_(Enrollment.course_id == Course.id,
                                   Enrollment.user_id == sa.bindparam("user_id")))
    .where(Course.slug == sa.bindparam("slug"))
)


def course_for_viewer(user, slug: str) -> tuple[Course, CourseVersion]:
    """The course with its live version, in one query that also gives the user's access context its
    enrolment; NotFound for no such course (whether the user may see it is the caller's question)."""
    row = db.session.execute(_COURSE_FOR_VIEWER, {"slug": slug, "user_id": user.id}).first()
    if row is None:
        raise NotFound("No such course.")
    course, version, enrollment = row
    access.know_enrollment(user, course, enrollment)
    return course, version
