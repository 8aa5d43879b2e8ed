"""Read-models of certificates, and what certificates read from other areas (learners, completions, courses)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User, UserStatus
from ..catalog.models import Course, CourseVersion, Unit
from ..cohorts.models import Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemKind
from ..extensions import db
from ..learning.models import CourseCompletion, Enrollment
from .models import Certificate, CertificateKind

RECONCILE_BATCH = 500


@dataclass(frozen=True)
class Completion:
    user_id: int
    course_id: int
    version: str
    completed_at: datetime


def completion_of(user_id: int, course_id: int) -> Completion | None:
    row = db.session.execute(sa.select(CourseCompletion.version, CourseCompletion.completed_at).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id)).first()
    return Completion(user_id, course_id, row.version, row.completed_at) if row else None


def get_learner(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_course(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


def _without_certificate() -> sa.ColumnElement[bool]:
    issued = sa.select(Certificate.id).where(Certificate.user_id == CourseCompletion.user_id,
                                             Certificate.course_id == CourseCompletion.course_id,
                                             Certificate.kind == CertificateKind.ACHIEVEMENT)
    return ~issued.exists()


def completions_without_certificate(limit: int = RECONCILE_BATCH) -> list[Completion]:
    """Completions of active learners who have set a full name for certificates but hold none for the
    course (a missed trigger, a completion from before certificates, or a name set since)."""
    rows = db.session.execute(
        sa.select(CourseCompletion.user_id, CourseCompletion.course_id, CourseCompletion.version,
                  CourseCompletion.completed_at)
        .join(User, User.id == CourseCompletion.user_id)
        .where(User.status == UserStatus.active, User.full_name != "", _without_certificate())
        .order_by(CourseCompletion.id).limit(limit)).all()
    return [Completion(*row) for row in rows]


def held_courses(user_id: int) -> list[Course]:
    """Courses the learner completed whose certificate waits for a full name (shown on the dashboard)."""
    return list(db.session.scalars(
        sa.select(Course).join(CourseCompletion, CourseCompletion.course_id == Course.id)
        .join(User, User.id == CourseCompletion.user_id)
        .where(CourseCompletion.user_id == user_id, User.full_name == "", _without_certificate())
        .order_by(Course.title)))


def certificates_of(user_id: int) -> list[Certificate]:
    """Every certificate of the learner, newest first, superseded and revoked ones included."""
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def certificates_of_course(course_id: int) -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.course_id == course_id)
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def by_public_id(public_id: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.public_id == public_id))


def get_certificate(certificate_id: int) -> Certificate | None:
    return db.session.get(Certificate, certificate_id)


def current_certificate(user_id: int, course_id: int, kind: CertificateKind) -> Certificate | None:
    """The learner's newest certificate of a kind for the course (a re-issue replaces the older one)."""
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id, Certificate.kind == kind)
        .order_by(Certificate.issue_number.desc()).limit(1))


def live_version_label(course: Course) -> str:
    version = db.session.get(CourseVersion, course.live_version_id) if course.live_version_id else None
    return version.version if version is not None else ""


def courses_open_for_participation_statement(user_id: int) -> list[Course]:
    """Courses the learner is actively enrolled in and holds no statement of participation for."""
    held = sa.select(Certificate.id).where(Certificate.user_id == user_id, Certificate.course_id == Course.id,
                                           Certificate.kind == CertificateKind.PARTICIPATION)
    return list(db.session.scalars(
        sa.select(Course).join(Enrollment, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == user_id, Enrollment.status == "active", ~held.exists())
        .order_by(Course.title)))


# What a certificate's supplement states (details.py) -----------------------------------------------------------

def course_version(course_id: int, version: str) -> CourseVersion | None:
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                            CourseVersion.version == version))


def pack_session_count(version_id: int) -> int:
    """The live sessions the version's units describe (for learners in no cohort: none held)."""
    return db.session.scalar(sa.select(sa.func.count(Unit.id)).where(
        Unit.version_id == version_id, Unit.session.is_not(None))) or 0


@dataclass(frozen=True)
class LearnerCohort:
    name: str
    requires_sign_off: bool
    live_sessions: int
    external_items: int


def learner_cohorts(user_id: int, course_id: int) -> list[LearnerCohort]:
    """The cohorts of the course the learner has a seat in, with the live sessions and external items of
    their plans (one query)."""
    sessions = sa.func.count(sa.case((PlanItem.kind == PlanItemKind.LIVE_SESSION, PlanItem.id)))
    external = sa.func.count(sa.case((PlanItem.kind == PlanItemKind.EXTERNAL, PlanItem.id)))
    rows = db.session.execute(
        sa.select(Cohort.name, Cohort.requires_sign_off, sessions, external)
        .join(CohortMembership, CohortMembership.cohort_id == Cohort.id)
        .outerjoin(PlanItem, PlanItem.cohort_id == Cohort.id)
        .where(CohortMembership.user_id == user_id, CohortMembership.status == MembershipStatus.MEMBER,
               Cohort.course_id == course_id)
        .group_by(Cohort.id, Cohort.name, Cohort.requires_sign_off).order_by(Cohort.id)).all()
    return [LearnerCohort(name, bool(sign_off), int(n_sessions), int(n_external))
            for name, sign_off, n_sessions, n_external in rows]
