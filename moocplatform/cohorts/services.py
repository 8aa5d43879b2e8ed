"""What changes cohorts: create one, join it (by its code or link), add learners by e-mail, move and remove
them, and give it facilitators. Each takes the acting user, checks the policy, validates, flushes and
announces; the request's unit of work commits."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import access, audit, clock, policy, validation
from ..accounts.models import ScopeType
from ..accounts.services import add_role_grant, find_grant, get_user_by_email, remove_role_grant, require_user
from ..catalog.queries import get_course_by_id, live_version_of
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..events import CohortCreated, CohortJoined, CohortLeft, announce
from ..extensions import db
from ..learning.completion import has_completed, process_completions, record_completion_if_reached
from ..learning.services import enrol_learner, set_unit_completion
from ..notifications.services import notify, site_path
from . import queries
from .models import (
    Cohort,
    CohortInvitation,
    CohortMembership,
    HandCompletion,
    MembershipStatus,
    SignOff,
    TeamMembership,
)
from .notices import SIGN_OFF_GIVEN, SIGN_OFF_WITHDRAWN

# No 0/O, 1/I/L: a code read aloud in a live session or copied from a slide must survive.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_CAPACITY = 100_000
NOTE_LENGTH = 2000


@dataclass
class CohortFields:
    name: str
    language: str
    starts_on: date
    ends_on: date
    time_zone: str
    description: str = ""
    capacity: int | None = None
    is_open: bool = True
    risk_inactive_days: int = 7
    risk_modules_behind: int = 1
    risk_failed_attempts: int = 2
    requires_sign_off: bool = False
    names_peer_reviewers: bool = False


def _validated(fields: CohortFields) -> CohortFields:
    name = validation.text(fields.name, "name", min_length=1, max_length=120)
    description = validation.text(fields.description or "", "description", max_length=5000)
    language = validation.text(fields.language, "language", min_length=2, max_length=16)
    time_zone = validation.timezone(fields.time_zone, "time_zone")
    if not isinstance(fields.starts_on, date) or not isinstance(fields.ends_on, date):
        raise InvalidInput(_("Enter the start and end dates."), field="starts_on")
    if fields.ends_on < fields.starts_on:
        raise InvalidInput(_("The cohort cannot end before it starts."), field="ends_on")
    capacity = None
    if fields.capacity is not None:
        capacity = validation.whole_number(fields.capacity, "capacity", minimum=1, maximum=MAX_CAPACITY)
    return CohortFields(
        name, language, fields.starts_on, fields.ends_on, time_zone, description, capacity, bool(fields.is_open),
        validation.whole_number(fields.risk_inactive_days, "risk_inactive_days", minimum=1, maximum=365),
        validation.whole_number(fields.risk_modules_behind, "risk_modules_behind", minimum=0, maximum=100),
        validation.whole_number(fields.risk_failed_attempts, "risk_failed_attempts", minimum=1, maximum=100),
        bool(fields.requires_sign_off), bool(fields.names_peer_reviewers))


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_LENGTH * 2]


def create_cohort(actor, course, fields: CohortFields) -> Cohort:
    """A new cohort of the course; a facilitator who creates it leads it."""
    if not policy.can_create_cohort(actor, course):
        raise PermissionDenied(_("Only the course's facilitators and administrators create cohorts."))
    valid = _validated(fields)
    cohort = Cohort(course_id=course.id, name=valid.name, description=valid.description, language=valid.language,
                    starts_on=valid.starts_on, ends_on=valid.ends_on, time_zone=valid.time_zone,
                    capacity=valid.capacity, is_open=valid.is_open, join_code=_new_join_code(),
                    created_at=clock.now(), risk_inactive_days=valid.risk_inactive_days,
                    risk_modules_behind=valid.risk_modules_behind, risk_failed_attempts=valid.risk_failed_attempts,
                    requires_sign_off=valid.requires_sign_off, names_peer_reviewers=valid.names_peer_reviewers)
    db.session.add(cohort)
    db.session.flush()
    if not policy.is_admin(actor):
        _grant_facilitator(actor, actor, cohort)
    audit.record(actor, "cohort.create", cohort, course_id=course.id, name=cohort.name)
    announce(CohortCreated(cohort_id=cohort.id, course_id=course.id, actor_id=actor.id))
    return cohort


def update_cohort(actor, cohort: Cohort, fields: CohortFields) -> Cohort:
    _require_manager(actor, cohort)
    valid = _validated(fields)
    if valid.capacity is not None and valid.capacity < seats_taken(cohort):
        raise InvalidInput(_("More learners hold a seat than that: remove some first."), field="capacity")
    if cohort.course_id is None:  # a programme's cohort: no course to complete, no peer review
        valid.requires_sign_off = valid.names_peer_reviewers = False
    sign_off_dropped = cohort.requires_sign_off and not valid.requires_sign_off
    for name in ("name", "description", "language", "starts_on", "ends_on", "time_zone", "capacity", "is_open",
                 "risk_inactive_days", "risk_modules_behind", "risk_failed_attempts", "requires_sign_off",
                 "names_peer_reviewers"):
        setattr(cohort, name, getattr(valid, name))
    db.session.flush()
    _fill_free_seats(cohort)
    audit.record(actor, "cohort.update", cohort, name=cohort.name, requires_sign_off=cohort.requires_sign_off,
                 names_peer_reviewers=cohort.names_peer_reviewers)
    if sign_off_dropped:  # what only the sign-off held back is granted now (bounded queries per 500 learners)
        course = get_course_by_id(cohort.course_id)
        if course is not None:
            process_completions(course)
    return cohort


def _require_manager(actor, cohort: Cohort) -> None:
    if not policy.can_manage_cohort(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators manage it."))


def get_cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_("No such cohort."))
    return cohort


def cohort_by_code(code: str) -> Cohort:
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.join_code == normalise_code(code)))
    if cohort is None:
        raise NotFound(_("No cohort has this code."), field="code")
    return cohort


def membership_of(cohort: Cohort, user_id: int) -> CohortMembership | None:
    return db.session.scalar(sa.select(CohortMembership).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.user_id == user_id))


def seats_taken(cohort: Cohort) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER)) or 0


def _lock_cohort(cohort: Cohort) -> None:
    """Seats are counted, then taken: two joins at once must not both take the last one."""
    db.session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def _add_member(user, cohort: Cohort, course) -> CohortMembership:
    """A seat or a waiting place. course is None for a programme's cohort: nothing to enrol in, and the
    course events are not announced."""
    existing = membership_of(cohort, user.id)
    if existing is not None:
        return existing
    if course is not None:
        enrol_learner(user, course)  # joining a cohort means following its course
    _lock_cohort(cohort)
    full = cohort.capacity is not None and seats_taken(cohort) >= cohort.capacity
    status = MembershipStatus.WAITING if full else MembershipStatus.MEMBER
    membership = CohortMembership(cohort_id=cohort.id, user_id=user.id, status=status, joined_at=clock.now())
    db.session.add(membership)
    db.session.flush()
    if course is None:
        access.forget(user)
        return membership
    access.forget(user, course)
    announce(CohortJoined(cohort_id=cohort.id, course_id=course.id, user_id=user.id, waiting=full))
    return membership


def join_cohort(user, cohort: Cohort, course) -> CohortMembership:
    """A learner joins by the cohort's code or link: a seat, or a place on the waiting list when it is full.
    A closed cohort is joined only by those its facilitators add (or invited by address, roster_import)."""
    if not (policy.can_join_cohort(user, course) if course is not None else policy.can_join_programme_cohort(user)):
        raise PermissionDenied(_("Log in with a confirmed e-mail address to join a cohort."))
    if not cohort.is_open and membership_of(cohort, user.id) is None and not is_invited(cohort, user.email):
        raise Conflict(_("This cohort is closed: its facilitators add its learners."))
    return _add_member(user, cohort, course)


def is_invited(cohort: Cohort, email: str) -> bool:
    """Whether a facilitator invited this address to the cohort (it had no account then)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        CohortInvitation.cohort_id == cohort.id, CohortInvitation.email == email.lower()))))


def add_learner_by_email(actor, cohort: Cohort, course, email: str) -> CohortMembership:
    _require_manager(actor, cohort)
    address = validation.email(email)
    learner = get_user_by_email(address)
    if learner is None or not learner.is_active:
        raise NotFound(_("No account has this e-mail address."), field="email")
    if not (policy.can_enrol(learner, course) if course is not None else learner.is_verified):
        raise Conflict(_("This account cannot enrol yet (its e-mail address is not confirmed)."), field="email")
    membership = _add_member(learner, cohort, course)
    audit.record(actor, "cohort.add_learner", cohort, user_id=learner.id)
    return membership


def remove_learner(actor, cohort: Cohort, learner_id: int) -> None:
    """Out of the cohort (the enrolment in the course stays); a waiting learner takes the freed seat."""
    _require_manager(actor, cohort)
    _remove(cohort, learner_id)
    audit.record(actor, "cohort.remove_learner", cohort, user_id=learner_id)


def leave_cohort(user, cohort: Cohort) -> None:
    if membership_of(cohort, user.id) is None:
        raise NotFound(_("You are not in this cohort."))
    _remove(cohort, user.id)


def _remove(cohort: Cohort, learner_id: int) -> None:
    membership = membership_of(cohort, learner_id)
    if membership is None:
        raise NotFound(_("This learner is not in the cohort."))
    _lock_cohort(cohort)
    db.session.delete(membership)
    db.session.execute(sa.delete(TeamMembership).where(  # out of the cohort is out of its team
        TeamMembership.cohort_id == cohort.id, TeamMembership.user_id == learner_id))
    db.session.flush()
    if cohort.course_id is not None:
        announce(CohortLeft(cohort_id=cohort.id, course_id=cohort.course_id, user_id=learner_id))
    _fill_free_seats(cohort)


def _fill_free_seats(cohort: Cohort) -> None:
    if cohort.capacity is None:
        free = None
    else:
        free = cohort.capacity - seats_taken(cohort)
        if free <= 0:
            return
    waiting = sa.select(CohortMembership).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.WAITING
    ).order_by(CohortMembership.joined_at, CohortMembership.id)
    if free is not None:
        waiting = waiting.limit(free)
    for membership in db.session.scalars(waiting).all():
        membership.status = MembershipStatus.MEMBER
        db.session.flush()
        if cohort.course_id is None:
            continue
        announce(CohortJoined(cohort_id=cohort.id, course_id=cohort.course_id, user_id=membership.user_id,
                              from_waiting_list=True))


def move_learner(actor, cohort: Cohort, learner_id: int, target: Cohort) -> CohortMembership:
    """To another cohort of the same course that the actor also manages (their progress is the course's)."""
    _require_manager(actor, cohort)
    _require_manager(actor, target)
    if target.course_id != cohort.course_id or target.programme_id != cohort.programme_id:
        raise InvalidInput(_("Learners move only between cohorts of the same course."), field="target")
    if target.id == cohort.id:
        raise InvalidInput(_("Choose another cohort."), field="target")
    learner = require_user(learner_id)
    course = get_course_by_id(cohort.course_id)
    _remove(cohort, learner_id)
    membership = _add_member(learner, target, course)
    audit.record(actor, "cohort.move_learner", cohort, user_id=learner_id, to_cohort=target.id)
    return membership


# Facilitators ----------------------------------------------------------------------------------------------

def _grant_facilitator(actor, user, cohort: Cohort) -> None:
    if find_grant(user, "facilitator", ScopeType.COHORT, cohort.id) is None:
        add_role_grant(user, "facilitator", ScopeType.COHORT.value, cohort.id, getattr(actor, "id", None))
        access.forget(user)


def add_facilitator(actor, cohort: Cohort, email: str) -> None:
    """Another facilitator of this cohort (any account: a mentor need not be a course facilitator)."""
    _require_manager(actor, cohort)
    user = get_user_by_email(validation.email(email))
    if user is None or not user.is_active:
        raise NotFound(_("No account has this e-mail address."), field="email")
    _grant_facilitator(actor, user, cohort)
    audit.record(actor, "cohort.add_facilitator", cohort, user_id=user.id)


def remove_facilitator(actor, cohort: Cohort, user_id: int) -> None:
    _require_manager(actor, cohort)
    user = require_user(user_id)
    grant = find_grant(user, "facilitator", ScopeType.COHORT, cohort.id)
    if grant is None:
        raise NotFound(_("This person does not lead the cohort."))
    remove_role_grant(user, grant)
    access.forget(user)
    audit.record(actor, "cohort.remove_facilitator", cohort, user_id=user.id)


# Sign-off -------------------------------------------------------------------------------------------------

def sign_off_of(cohort: Cohort, learner_id: int) -> SignOff | None:
    return db.session.scalar(sa.select(SignOff).where(SignOff.cohort_id == cohort.id, SignOff.user_id == learner_id))


def _seated_learner(cohort: Cohort, learner_id: int):
    membership = membership_of(cohort, learner_id)
    if membership is None or membership.status != MembershipStatus.MEMBER:
        raise NotFound(_("This learner is not in the cohort."))
    return require_user(learner_id)


def sign_off_learner(actor, cohort: Cohort, learner_id: int, note: str = "") -> SignOff:
    """A facilitator of the cohort confirms a learner's work: where the cohort requires it, the last rule of
    completion; the course is checked again at once, so a certificate follows through the usual path."""
    if not policy.can_sign_off(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators sign its learners off."))
    text = validation.text(note or "", "note", max_length=NOTE_LENGTH)
    if not cohort.requires_sign_off:
        raise Conflict(_("This cohort does not ask for a facilitator's sign-off."))
    learner = _seated_learner(cohort, learner_id)
    existing = sign_off_of(cohort, learner.id)
    if existing is not None:
        return existing
    sign_off = SignOff(cohort_id=cohort.id, user_id=learner.id, signed_by_id=actor.id, signed_at=clock.now(),
                       note=text)
    db.session.add(sign_off)
    db.session.flush()
    audit.record(actor, "cohort.sign_off", cohort, user_id=learner.id, note=text)
    course = get_course_by_id(cohort.course_id)
    notify(learner, SIGN_OFF_GIVEN.name, {"cohort": cohort.name, "course": course.title if course else ""},
           link=site_path("cohorts.cohort_page", cohort_id=cohort.id))
    if course is not None:
        record_completion_if_reached(learner.id, course)
    return sign_off


def withdraw_sign_off(actor, cohort: Cohort, learner_id: int, reason: str) -> None:
    """Take a sign-off back, with a reason the learner is told; refused once the course is completed (a
    completion, and the certificate it brings, is never taken back: a course team revokes a certificate)."""
    if not policy.can_sign_off(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators sign its learners off."))
    why = validation.text(reason, "reason", min_length=1, max_length=NOTE_LENGTH)
    sign_off = sign_off_of(cohort, learner_id)
    if sign_off is None:
        raise NotFound(_("This learner has not been signed off."))
    if cohort.course_id is not None and has_completed(learner_id, cohort.course_id):
        raise Conflict(_("The learner has completed the course: the sign-off stays. A course team may revoke "
                         "the certificate instead."))
    db.session.delete(sign_off)
    db.session.flush()
    audit.record(actor, "cohort.withdraw_sign_off", cohort, user_id=learner_id, reason=why)
    learner = require_user(learner_id)
    notify(learner, SIGN_OFF_WITHDRAWN.name, {"cohort": cohort.name, "reason": why},
           link=site_path("cohorts.cohort_page", cohort_id=cohort.id))


def signed_off_ids(cohort: Cohort, learner_ids) -> set[int]:
    """Which of the learners the cohort has signed off: one query."""
    ids = list(learner_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(SignOff.user_id).where(SignOff.cohort_id == cohort.id,
                                                                  SignOff.user_id.in_(ids))))


HAND_COMPLETION_REASON_LENGTH = 500


def complete_unit_for(actor, cohort: Cohort, learner_id: int, unit_key: str, complete: bool,
                      reason: str) -> None:
    """A facilitator of the cohort marks a unit of the course's live version complete for one of its seated
    learners (work done offline, a completion that did not register), or takes such a completion back. The
    completion goes through the learner's own path (learning.services.set_unit_completion), so the course's
    completion follows as when they complete it themselves; the reason is kept and audited."""
    _require_manager(actor, cohort)
    why = validation.text(reason, "reason", min_length=1, max_length=HAND_COMPLETION_REASON_LENGTH)
    course = get_course_by_id(cohort.course_id) if cohort.course_id is not None else None
    version = live_version_of(course) if course is not None else None
    if course is None or version is None:
        raise Conflict(_("This cohort's course has no units to complete."))
    learner = _seated_learner(cohort, learner_id)
    if not queries.version_has_unit(version.id, unit_key):
        raise InvalidInput(_("The course has no such unit."), field="unit_key")
    by_hand = db.session.scalar(sa.select(HandCompletion).where(
        HandCompletion.cohort_id == cohort.id, HandCompletion.user_id == learner.id,
        HandCompletion.unit_key == unit_key))
    if complete:
        if queries.has_completed_unit(learner.id, course.id, unit_key):
            raise Conflict(_("The learner has completed this unit already."))
        if by_hand is None:
            db.session.add(HandCompletion(cohort_id=cohort.id, user_id=learner.id, unit_key=unit_key,
                                          completed_by_id=actor.id, completed_at=clock.now(), reason=why))
        else:  # completed by hand before and taken back by the learner since
            by_hand.completed_by_id, by_hand.completed_at, by_hand.reason = actor.id, clock.now(), why
    else:
        if by_hand is None:
            raise Conflict(_("Only a unit marked complete by hand is marked not complete here."))
        db.session.delete(by_hand)
    db.session.flush()
    set_unit_completion(learner, course, unit_key, complete=complete)
    audit.record(actor, "cohort.unit_completed_by_hand", cohort, user_id=learner.id, unit_key=unit_key,
                 complete=complete, reason=why)
