"""Read-models of cohorts, each in a fixed number of queries, and what the access context asks of them."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..accounts.models import RoleGrant, ScopeType, User
from ..catalog.models import Module, Unit
from ..extensions import db
from .models import Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemDone

# What the access context asks (moocplatform.access.AccessLoader) ---------------------------------------------

def courses_of_cohorts(cohort_ids: set[int]) -> dict[int, set[int]]:
    rows = db.session.execute(sa.select(Cohort.id, Cohort.course_id).where(Cohort.id.in_(cohort_ids)))
    return {cohort_id: {course_id} for cohort_id, course_id in rows}


def members_of_cohorts(cohort_ids: set[int], learner_ids: Collection[int]) -> set[tuple[int, int]]:
    """(learner id, course id) of those learners in these cohorts, seated or waiting: their facilitators
    place the waiting ones too."""
    rows = db.session.execute(
        sa.select(CohortMembership.user_id, Cohort.course_id)
        .join(Cohort, Cohort.id == CohortMembership.cohort_id)
        .where(CohortMembership.cohort_id.in_(cohort_ids), CohortMembership.user_id.in_(set(learner_ids))))
    return {(user_id, course_id) for user_id, course_id in rows}


def viewer_cohort_ids(viewer, course_id: int | None) -> frozenset[int]:
    """The cohorts of the course the viewer belongs to (the fact "cohorts" of the access context)."""
    if course_id is None or not getattr(viewer, "is_authenticated", False):
        return frozenset()
    return frozenset(db.session.scalars(
        sa.select(CohortMembership.cohort_id).join(Cohort, Cohort.id == CohortMembership.cohort_id)
        .where(CohortMembership.user_id == viewer.id, Cohort.course_id == course_id)))


# Pages --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenCohort:
    id: int
    name: str
    language: str
    starts_on: date
    ends_on: date
    time_zone: str
    join_code: str
    seats_left: int | None  # None: no limit


def _seated_count():
    return (sa.select(sa.func.count(CohortMembership.id))
            .where(CohortMembership.cohort_id == Cohort.id, CohortMembership.status == MembershipStatus.MEMBER)
            .correlate(Cohort).scalar_subquery())


def _open_cohort(cohort: Cohort, seated: int) -> OpenCohort:
    return OpenCohort(cohort.id, cohort.name, cohort.language, cohort.starts_on, cohort.ends_on, cohort.time_zone,
                      cohort.join_code, None if cohort.capacity is None else max(cohort.capacity - seated, 0))


def open_cohorts(course_id: int, today: date) -> list[OpenCohort]:
    """Open cohorts of the course that have not ended, soonest first, with their free seats: one query."""
    rows = db.session.execute(
        sa.select(Cohort, _seated_count()).where(Cohort.course_id == course_id, Cohort.is_open.is_(True),
                                                 Cohort.ends_on >= today)
        .order_by(Cohort.starts_on, Cohort.id)).all()
    return [_open_cohort(c, count) for c, count in rows]


@dataclass(frozen=True)
class CoursePageCohorts:
    open: list[OpenCohort]  # open, not ended, and the viewer is in none of them
    mine: list[OpenCohort]  # the viewer is in them (seated or waiting) or leads them


def course_page_cohorts(course_id: int, viewer_id: int | None, led_ids: Collection[int],
                        today: date) -> CoursePageCohorts:
    """The course page's cohorts for one viewer, in one query whatever they are to them."""
    is_member = (sa.exists().where(CohortMembership.cohort_id == Cohort.id, CohortMembership.user_id == viewer_id)
                 if viewer_id is not None else sa.false())
    listed = sa.and_(Cohort.is_open.is_(True), Cohort.ends_on >= today)
    ids = set(led_ids)
    rows = db.session.execute(
        sa.select(Cohort, _seated_count(), is_member)
        .where(Cohort.course_id == course_id, sa.or_(listed, is_member, Cohort.id.in_(ids) if ids else sa.false()))
        .order_by(Cohort.starts_on, Cohort.id)).all()
    found = CoursePageCohorts([], [])
    for cohort, seated, member in rows:
        (found.mine if member or cohort.id in ids else found.open).append(_open_cohort(cohort, seated))
    return found


@dataclass(frozen=True)
class Member:
    user_id: int
    display_name: str
    email: str
    status: str
    joined_at: object


@dataclass(frozen=True)
class Roster:
    cohort: Cohort
    members: list[Member]
    waiting: list[Member]
    facilitators: list[tuple[int, str]]


def cohort_roster(cohort: Cohort) -> Roster:
    """The people of the cohort for its facilitators: two queries."""
    rows = db.session.execute(
        sa.select(CohortMembership, User.display_name, User.email)
        .join(User, User.id == CohortMembership.user_id)
        .where(CohortMembership.cohort_id == cohort.id)
        .order_by(CohortMembership.joined_at, CohortMembership.id)).all()
    people = [Member(m.user_id, name, email, m.status, m.joined_at) for m, name, email in rows]
    facilitators = db.session.execute(
        sa.select(User.id, User.display_name).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "facilitator", RoleGrant.scope_type == ScopeType.COHORT.value,
               RoleGrant.scope_id == cohort.id).order_by(User.display_name)).tuples().all()
    return Roster(cohort, [p for p in people if p.status == MembershipStatus.MEMBER],
                  [p for p in people if p.status == MembershipStatus.WAITING], list(facilitators))


def other_cohorts(cohort: Cohort, *, manager_cohort_ids: set[int] | None) -> list[tuple[int, str]]:
    """The course's other cohorts, to move learners to: those the viewer manages (manager_cohort_ids; None
    for an administrator, who manages all)."""
    others = sa.select(Cohort.id, Cohort.name).where(Cohort.course_id == cohort.course_id, Cohort.id != cohort.id)
    if manager_cohort_ids is not None:
        others = others.where(Cohort.id.in_(manager_cohort_ids))
    return [(cohort_id, name) for cohort_id, name in db.session.execute(others.order_by(Cohort.name))]


def led_cohort_ids(user) -> set[int]:
    """The cohorts whose facilitator grants the user holds (they come with the user: no query)."""
    return {g.scope_id for g in user.roles
            if g.role == "facilitator" and g.scope_type == ScopeType.COHORT and g.scope_id is not None}


def cohorts_led_by(user, course_id: int | None = None) -> list[Cohort]:
    """Cohorts the user leads (a cohort-scoped facilitator grant), newest first."""
    ids = led_cohort_ids(user)
    if not ids:
        return []
    query = sa.select(Cohort).where(Cohort.id.in_(ids))
    if course_id is not None:
        query = query.where(Cohort.course_id == course_id)
    return list(db.session.scalars(query.order_by(Cohort.starts_on.desc(), Cohort.id.desc())))


# The plan -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackSession:
    unit_key: str
    unit_title: str
    module_key: str
    session: dict


@dataclass(frozen=True)
class PackPlanSource:
    modules: list[tuple[str, str]]  # (key, title) in order
    sessions: list[PackSession]  # the units with a live session, in order


def pack_plan_source(version_id: int) -> PackPlanSource:
    """What a cohort's plan is pre-filled from: the version's modules and its units' live sessions (two queries)."""
    modules = db.session.execute(sa.select(Module.id, Module.key, Module.title)
                                 .where(Module.version_id == version_id).order_by(Module.position)).all()
    module_keys = {m.id: m.key for m in modules}
    sessions = db.session.execute(
        sa.select(Unit.key, Unit.title, Unit.module_id, Unit.session)
        .where(Unit.version_id == version_id, Unit.session.is_not(None)).order_by(Unit.position)).all()
    return PackPlanSource([(m.key, m.title) for m in modules],
                          [PackSession(u.key, u.title, module_keys[u.module_id], u.session) for u in sessions
                           if isinstance(u.session, dict)])


def plan_items(cohort_id: int) -> list[PlanItem]:
    return list(db.session.scalars(sa.select(PlanItem).where(PlanItem.cohort_id == cohort_id)
                                   .order_by(PlanItem.position, PlanItem.id)))


def items_done_by(user_id: int, cohort_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(PlanItemDone.item_id).join(PlanItem, PlanItem.id == PlanItemDone.item_id)
        .where(PlanItemDone.user_id == user_id, PlanItem.cohort_id == cohort_id)))
