"""Enrolment and progress. Learner data is keyed by course and stable unit key, never by version rows."""
from __future__ import annotations

import re
from collections.abc import Collection
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import access, audit, clock, policy, transaction
from ..errors import Conflict, InvalidInput, PermissionDenied
from ..events import Enrolled, LeftCourse, UnitCompleted, announce
from ..extensions import db
from ..mail import queue_mail
from ..urls import public_url
from .mails import COURSE_INVITATION
from .models import Enrollment, EnrollmentStatus, Invitation, UnitProgress

MAX_INVITATIONS = 500
# Revisits of the same unit update the visit time at most this often (a page view need not write).
VISIT_RESOLUTION = timedelta(minutes=10)
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
UNIT_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the length of UnitProgress.unit_key


def get_enrollment(user, course) -> Enrollment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )


def enrolment_blocker(user, course, enrollment: Enrollment | None = None) -> str | None:
    """Why user may not enrol in course now, or None. Someone who enrolled before may always come back."""
    if not policy.can_enrol(user, course):
        if course.is_archived:
            return _("This course is archived and takes no new enrolments.")
        if getattr(user, "is_authenticated", False) and not user.is_verified:
            return _("Confirm your e-mail address to enrol.")
        return _("Log in to enrol.")
    if enrollment is not None:
        return None
    now = clock.now()
    if course.enrolment_mode == "window":
        if course.enrolment_opens_at and now < course.enrolment_opens_at:
            return _("Enrolment has not opened yet.")
        if course.enrolment_closes_at and now >= course.enrolment_closes_at:
            return _("Enrolment has closed.")
    if course.enrolment_mode == "invitation" and not _invitation_for(user, course):
        return _("This course is by invitation only.")
    return None


def _invitation_for(user, course) -> Invitation | None:
    return db.session.scalar(
        sa.select(Invitation).where(Invitation.course_id == course.id, Invitation.email == user.email)
    )


def enrol_learner(user, course) -> Enrollment:
    """Enrol, or re-enrol after leaving with progress intact. Enrolling twice changes nothing."""
    enrollment = get_enrollment(user, course)
    blocker = enrolment_blocker(user, course, enrollment)
    if blocker:
        raise PermissionDenied(blocker)
    access.forget(user, course)
    if enrollment is not None:
        if enrollment.status != "active":
            enrollment.status = EnrollmentStatus.active
            enrollment.left_at = None
            db.session.flush()
            announce(Enrolled(user_id=user.id, course_id=course.id, returning=True))
        return enrollment
    invitation = _invitation_for(user, course) if course.enrolment_mode == "invitation" else None
    if invitation is not None and invitation.accepted_at is None:
        invitation.accepted_at = clock.now()
    enrollment = Enrollment(user_id=user.id, course_id=course.id, status="active", enrolled_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
    except IntegrityError:  # a second click that raced the first (and announced it)
        raced = get_enrollment(user, course)
        if raced is None:
            raise
        return raced
    announce(Enrolled(user_id=user.id, course_id=course.id))
    return enrollment


def leave_course(user, course) -> Enrollment | None:
    if not policy.can_leave_course(user, course):
        raise PermissionDenied(_("Log in to leave a course."))
    enrollment = get_enrollment(user, course)
    if enrollment is None or enrollment.status != "active":
        return enrollment
    access.forget(user, course)
    enrollment.status = EnrollmentStatus.left
    enrollment.left_at = clock.now()
    db.session.flush()
    announce(LeftCourse(user_id=user.id, course_id=course.id))
    return enrollment


def lock_enrolment(user, course) -> None:
    """Take the learner's enrolment row for this transaction, writing first (a no-op UPDATE): two requests
    of one learner in one course then queue (PostgreSQL holds the row lock until commit), and on SQLite the
    transaction takes the write lock before it reads, so it waits for other writers instead of failing on
    a stale snapshot. Does nothing for a visitor."""
    if getattr(user, "is_authenticated", False):
        db.session.execute(sa.update(Enrollment).where(Enrollment.user_id == user.id,
                                                       Enrollment.course_id == course.id)
                           .values(status=Enrollment.status).execution_options(synchronize_session=False))


def record_unit_visit(user, enrollment: Enrollment | None, unit_key: str, known_keys: Collection[str]) -> bool:
    """Remember where the learner is; known_keys are the unit keys already in their progress.
    Returns whether anything changed (a revisit of the same unit writes nothing)."""
    if (not getattr(user, "is_authenticated", False) or enrollment is None or enrollment.user_id != user.id
            or not enrollment.is_active):
        raise PermissionDenied(_("Enrol in the course to track your progress."))
    _require_unit_key(unit_key)
    changed = False
    now = clock.now()
    stale = enrollment.last_visited_at is None or now - enrollment.last_visited_at > VISIT_RESOLUTION
    if enrollment.last_unit_key != unit_key or stale:
        enrollment.last_unit_key = unit_key
        enrollment.last_visited_at = now
        changed = True
    if unit_key not in known_keys:
        _upsert_progress(user.id, enrollment.course_id, unit_key, completed=None)
        changed = True
    return changed


def set_unit_completion(user, course, unit_key: str, *, complete: bool,
                        enrollment: Enrollment | None = None) -> None:
    """enrollment: the learner's, when the caller has it already (it is looked up otherwise)."""
    if enrollment is not None:
        access.know_enrollment(user, course, enrollment)
    if not policy.can_track_progress(user, course):
        raise PermissionDenied(_("Enrol in the course to track your progress."))
    _require_unit_key(unit_key)
    newly_completed = _upsert_progress(user.id, course.id, unit_key, completed=complete)
    if newly_completed:  # a unit completed before changes nothing about the course
        announce(UnitCompleted(user_id=user.id, course_id=course.id, unit_key=unit_key))


def _require_unit_key(unit_key: str) -> None:
    """A key shaped like a unit's. Whether the live version has the unit is the caller's to say (a quiz
    passed under an earlier version still completes its unit, retired since or not)."""
    if not isinstance(unit_key, str) or not UNIT_KEY.fullmatch(unit_key):
        raise InvalidInput(_("That is not a unit key."), field="unit_key")


def _upsert_progress(user_id: int, course_id: int, unit_key: str, *, completed: bool | None) -> bool:
    """completed: True marks the unit complete, False takes that back, None only records the visit.
    Returns whether the unit is complete now and was not before."""
    query = sa.select(UnitProgress).where(
        UnitProgress.user_id == user_id, UnitProgress.course_id == course_id, UnitProgress.unit_key == unit_key
    )
    progress = db.session.scalar(query)
    now = clock.now()
    if progress is None:
        progress = UnitProgress(user_id=user_id, course_id=course_id, unit_key=unit_key, first_viewed_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(progress)
        except IntegrityError:  # the same unit saved twice at once: the other request's row exists now
            progress = db.session.scalars(query).one()
    newly_completed = bool(completed and progress.completed_at is None)
    if newly_completed:
        progress.completed_at = now
    elif completed is False:
        progress.completed_at = None
    db.session.flush()
    return newly_completed


def invite_learners(actor, course, emails: list[str]) -> list[Invitation]:
    """Invite addresses to a course and mail them the link; an address invited before is not invited again."""
    if not policy.can_invite(actor, course):
        raise PermissionDenied(_("You cannot invite learners to this course."))
    cleaned = sorted({e.strip().lower() for e in emails if e.strip()})
    if not cleaned:
        raise InvalidInput(_("Give at least one e-mail address."), field="emails")
    if len(cleaned) > MAX_INVITATIONS:
        raise InvalidInput(_("At most %(n)d addresses at a time.", n=MAX_INVITATIONS), field="emails")
    bad = [e for e in cleaned if not EMAIL_SHAPE.fullmatch(e) or len(e) > 254]
    if bad:
        raise InvalidInput(_("Not e-mail addresses: %(list)s", list=", ".join(bad[:5])), field="emails")
    existing = set(db.session.scalars(
        sa.select(Invitation.email).where(Invitation.course_id == course.id, Invitation.email.in_(cleaned))))
    created = []
    for email in cleaned:
        if email in existing:
            continue
        invitation = Invitation(course_id=course.id, email=email, invited_by_id=actor.id, created_at=clock.now())
        if transaction.add_unless_present(invitation):  # else a parallel request invited (and mails) them
            created.append(invitation)
    link = public_url("catalog.course_page", slug=course.slug)
    for email in (invitation.email for invitation in created):
        queue_mail(email, COURSE_INVITATION, title=course.title, link=link)
    db.session.flush()
    audit.record(actor, "course.invite", course, invitations=[i.id for i in created], count=len(created))
    db.session.flush()
    return created


def ensure_unit_exists(unit_keys: set[str], unit_key: str) -> None:
    if unit_key not in unit_keys:
        raise Conflict(_("That unit is not part of this course any more."))
