"""Read-models of cohorts, each in a fixed number of queries, and what the access context asks of them; and the
facilitator dashboard: a cohort's learners x the course's modules, last activity, on plan or behind, and who
is at risk and why. A dashboard page costs the same few aggregate queries whether it shows 5 learners or 50."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from .. import clock
from ..accounts.models import RoleGrant, ScopeType, User, UserStatus
from ..catalog.models import Course, Module, Unit
from ..extensions import db
from ..learning.models import UnitProgress
from ..pagination import Page, paginate
from .models import (
    Attendance,
    Cohort,
    CohortMembership,
    DueExtension,
    HandCompletion,
    MembershipStatus,
    PlanItem,
    PlanItemDone,
    PlanItemKind,
    Programme,
    Team,
    TeamMembership,
)

# What the access context asks (moocplatform.access.AccessLoader) ---------------------------------------------

def courses_of_cohorts(cohort_ids: set[int]) -> dict[int, set[int]]:
    rows = db.session.execute(sa.select(Cohort.id, Cohort.course_id).where(Cohort.id.in_(cohort_ids)))
    return {cohort_id: {course_id} if course_id is not None else set() for cohort_id, course_id in rows}  # programme


def members_of_cohorts(cohort_ids: set[int], learner_ids: Collection[int]) -> set[tuple[int, int]]:
    """(learner id, course id) of those learners in these cohorts, seated or waiting: their facilitators
    place the waiting ones too."""
    rows = db.session.execute(
        sa.select(CohortMembership.user_id, Cohort.course_id)
        .join(Cohort, Cohort.id == CohortMembership.cohort_id)
        .where(CohortMembership.cohort_id.in_(cohort_ids), CohortMembership.user_id.in_(set(learner_ids))))
    return {(user_id, course_id) for user_id, course_id in rows if course_id is not None}  # not a programme's


def viewer_cohort_ids(viewer, course_id: int | None) -> frozenset[int]:
    """The cohorts of the course the viewer belongs to (the fact "cohorts" of the access context)."""
    if course_id is None or not getattr(viewer, "is_authenticated", False):
        return frozenset()
    return frozenset(db.session.scalars(
        sa.select(CohortMembership.cohort_id).join(Cohort, Cohort.id == CohortMembership.cohort_id)
        .where(CohortMembership.user_id == viewer.id, Cohort.course_id == course_id)))


# A learner's own due dates ----------------------------------------------------------------------------------

def _extension_for(user_id) -> sa.ColumnElement[bool]:
    """The outer join of a plan item to the learner's extension of it (DueExtension, cohorts.due_extensions)."""
    return sa.and_(DueExtension.item_id == PlanItem.id, DueExtension.user_id == user_id)


def learner_due_at() -> sa.ColumnElement[datetime]:
    """The plan item's due date for the learner: their extension's, or the cohort's (after _extension_for)."""
    return sa.func.coalesce(DueExtension.due_at, PlanItem.due_at)


def extended_within(start: datetime, end: datetime) -> sa.Select:
    """The ids of the items some learner's extension makes due after start and by end."""
    return sa.select(DueExtension.item_id).where(DueExtension.due_at > start, DueExtension.due_at <= end)


def extensions_of_items(item_ids: Collection[int]) -> dict[tuple[int, int], datetime]:
    """(learner id, item id) -> the learner's own due date, for these items: one query (none for no items)."""
    if not item_ids:
        return {}
    return {(user_id, item_id): due_at for user_id, item_id, due_at in db.session.execute(
        sa.select(DueExtension.user_id, DueExtension.item_id, DueExtension.due_at)
        .where(DueExtension.item_id.in_(list(item_ids)))).tuples()}


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
    return listed_cohorts(Cohort.course_id == course_id, viewer_id, led_ids, today)


def listed_cohorts(of_host: sa.ColumnElement[bool], viewer_id: int | None, led_ids: Collection[int],
                   today: date) -> CoursePageCohorts:
    """The cohorts of a course or programme (`of_host`) that its page lists to one viewer: the open ones not
    ended, and theirs (joined, waiting or led) whatever their state; one query."""
    is_member = (sa.exists().where(CohortMembership.cohort_id == Cohort.id, CohortMembership.user_id == viewer_id)
                 if viewer_id is not None else sa.false())
    listed = sa.and_(Cohort.is_open.is_(True), Cohort.ends_on >= today)
    ids = set(led_ids)
    rows = db.session.execute(
        sa.select(Cohort, _seated_count(), is_member)
        .where(of_host, sa.or_(listed, is_member, Cohort.id.in_(ids) if ids else sa.false()))
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


# A learner's own cohorts at a glance -----------------------------------------------------------------------------

SESSION_MINUTES_IF_UNSET = 60


@dataclass(frozen=True)
class CohortAgenda:
    """A cohort the learner is seated in, with what comes next in its plan (the phone's home page)."""

    cohort: Cohort
    course_title: str  # a programme's cohort: the programme's title
    course_slug: str | None  # None for a programme's cohort
    next_session: PlanItem | None
    next_due: PlanItem | None
    next_due_at: datetime | None = None  # when next_due is due for the learner (extended, or the cohort's)


def next_items(user_id: int, cohort_ids: Collection[int], now: datetime
               ) -> tuple[dict[int, PlanItem], dict[int, tuple[PlanItem, datetime]]]:
    """cohort id -> its next (or running) live session, and cohort id -> its next due item that user_id has not
    marked done, with when it is due for them (their extension's date, or the cohort's): one query for any
    number of cohorts."""
    if not cohort_ids:
        return {}, {}
    done = sa.exists().where(PlanItemDone.item_id == PlanItem.id, PlanItemDone.user_id == user_id)
    rows = db.session.execute(
        sa.select(PlanItem, learner_due_at()).outerjoin(DueExtension, _extension_for(user_id)).where(
            PlanItem.cohort_id.in_(list(cohort_ids)),
            sa.or_(sa.and_(PlanItem.kind == PlanItemKind.LIVE_SESSION, PlanItem.starts_at >= now - timedelta(days=1)),
                   sa.and_(learner_due_at() >= now, ~done)))
        .order_by(PlanItem.position, PlanItem.id)).tuples().all()
    sessions: dict[int, PlanItem] = {}
    due: dict[int, tuple[PlanItem, datetime]] = {}
    for item, due_at in rows:
        if item.kind == PlanItemKind.LIVE_SESSION and item.starts_at is not None:
            ends = _aware(item.starts_at) + timedelta(minutes=item.minutes or SESSION_MINUTES_IF_UNSET)
            best = sessions.get(item.cohort_id)
            if ends > now and (best is None or _aware(item.starts_at) < _aware(best.starts_at)):
                sessions[item.cohort_id] = item
        if due_at is not None and _aware(due_at) >= now:
            soonest = due.get(item.cohort_id)
            if soonest is None or _aware(due_at) < soonest[1]:
                due[item.cohort_id] = (item, _aware(due_at))
    return sessions, due


def learner_cohort_agenda(user_id: int, now: datetime) -> list[CohortAgenda]:
    """The cohorts user_id is a seated member of and has not seen end, each with its next (or running) live
    session and its next due item not marked done: two queries, whatever the number of cohorts."""
    rows = db.session.execute(
        sa.select(Cohort, sa.func.coalesce(Course.title, Programme.title), Course.slug)
        .join(CohortMembership, CohortMembership.cohort_id == Cohort.id)
        .outerjoin(Course, Course.id == Cohort.course_id).outerjoin(Programme, Programme.id == Cohort.programme_id)
        .where(CohortMembership.user_id == user_id, CohortMembership.status == MembershipStatus.MEMBER,
               Cohort.ends_on >= (now - timedelta(days=1)).date())
        .order_by(Cohort.starts_on, Cohort.id)).all()
    if not rows:
        return []
    sessions, due = next_items(user_id, [cohort.id for cohort, _title, _slug in rows], now)
    return [CohortAgenda(cohort, title, slug, sessions.get(cohort.id), *due.get(cohort.id, (None, None)))
            for cohort, title, slug in rows]


@dataclass(frozen=True)
class Reminder:
    """A coming live session, or something due, in a cohort the learner is seated in."""

    item: PlanItem
    cohort: Cohort
    course_slug: str | None  # None for a programme's cohort
    programme_slug: str | None  # None for a course's cohort
    at: datetime  # when the session starts, or the item is due (UTC)


def learner_reminders(user_id: int, now: datetime, until: datetime, *, limit: int) -> list[Reminder]:
    """What comes up between now and until in the cohorts user_id is seated in (a course's or a programme's),
    soonest first: live sessions (one still running counts), and items due that the learner has not marked
    done. Two queries."""
    cohorts = {cohort.id: (cohort, course, programme) for cohort, course, programme in db.session.execute(
        sa.select(Cohort, Course.slug, Programme.slug).join(CohortMembership, CohortMembership.cohort_id == Cohort.id)
        .outerjoin(Course, Course.id == Cohort.course_id).outerjoin(Programme, Programme.id == Cohort.programme_id)
        .where(CohortMembership.user_id == user_id, CohortMembership.status == MembershipStatus.MEMBER)).tuples()}
    if not cohorts:
        return []
    done = sa.exists().where(PlanItemDone.item_id == PlanItem.id, PlanItemDone.user_id == user_id)
    earliest_start = now - timedelta(days=1)  # a session longer than a day is not planned
    items = db.session.execute(
        sa.select(PlanItem, learner_due_at()).outerjoin(DueExtension, _extension_for(user_id)).where(
            PlanItem.cohort_id.in_(list(cohorts)),
            sa.or_(sa.and_(PlanItem.kind == PlanItemKind.LIVE_SESSION, PlanItem.starts_at >= earliest_start,
                           PlanItem.starts_at <= until),
                   sa.and_(PlanItem.kind != PlanItemKind.LIVE_SESSION, learner_due_at() >= now,
                           learner_due_at() <= until, ~done)))).tuples().all()
    found = []
    for item, due_at in items:
        cohort, course, programme = cohorts[item.cohort_id]
        if item.kind == PlanItemKind.LIVE_SESSION:
            starts = _aware(item.starts_at)
            if starts + timedelta(minutes=item.minutes or SESSION_MINUTES_IF_UNSET) > now:
                found.append(Reminder(item, cohort, course, programme, starts))
        else:
            found.append(Reminder(item, cohort, course, programme, _aware(due_at)))
    found.sort(key=lambda r: (r.at, r.item.id))
    return found[:limit]


@dataclass(frozen=True)
class MyCohort:
    """A cohort of mine in the JSON API: one I am in as a learner, or one I lead (or both)."""

    cohort: Cohort
    course_slug: str | None  # None for a programme's cohort
    programme_slug: str | None  # None for a course's cohort
    membership: MembershipStatus | None  # as a learner: seated or waiting; None when I only lead it
    leads: bool
    team: tuple[int, str] | None  # (id, name) of my team in it
    next_session: PlanItem | None
    next_due: PlanItem | None
    next_due_at: datetime | None = None  # when next_due is due for me (my extension's date, or the cohort's)


def my_cohorts_page(user_id: int, led_ids: Collection[int], now: datetime, *, after_id: int, limit: int
                    ) -> tuple[list[MyCohort], int | None]:
    """The cohorts user_id is in (seated or waiting) or leads, by id after after_id, each with the user's team,
    its next live session and its next due item not marked done; and the last id when more follow. Two queries
    whatever the page holds (one when it is empty)."""
    led = set(led_ids)
    rows = db.session.execute(
        sa.select(Cohort, Course.slug, Programme.slug, CohortMembership.status, Team.id, Team.name)
        .outerjoin(Course, Course.id == Cohort.course_id).outerjoin(Programme, Programme.id == Cohort.programme_id)
        .outerjoin(CohortMembership, sa.and_(CohortMembership.cohort_id == Cohort.id,
                                             CohortMembership.user_id == user_id))
        .outerjoin(TeamMembership, sa.and_(TeamMembership.cohort_id == Cohort.id, TeamMembership.user_id == user_id))
        .outerjoin(Team, Team.id == TeamMembership.team_id)
        .where(Cohort.id > after_id, sa.or_(CohortMembership.id.is_not(None), Cohort.id.in_(led)))
        .order_by(Cohort.id).limit(limit + 1)).tuples().all()
    more = len(rows) > limit
    rows = rows[:limit]
    sessions, due = next_items(user_id, [row[0].id for row in rows], now)
    page = [MyCohort(cohort, course, programme, MembershipStatus(status) if status is not None else None,
                     cohort.id in led, (team_id, team_name) if team_id is not None else None,
                     sessions.get(cohort.id), *due.get(cohort.id, (None, None)))
            for cohort, course, programme, status, team_id, team_name in rows]
    return page, (page[-1].cohort.id if more and page else None)


def cohort_slugs(cohort: Cohort) -> tuple[str | None, str | None]:
    """(course slug, programme slug) of the cohort: one of them is None."""
    if cohort.course_id is not None:
        return db.session.scalar(sa.select(Course.slug).where(Course.id == cohort.course_id)), None
    return None, db.session.scalar(sa.select(Programme.slug).where(Programme.id == cohort.programme_id))


def attended_by(user_id: int, cohort_id: int) -> set[int]:
    """The cohort's live sessions the learner was recorded present at (not excused): one query."""
    return {item_id for item_id, excused in attendance_of(user_id, cohort_id).items() if not excused}


def attendance_of(user_id: int, cohort_id: int) -> dict[int, bool]:
    """The cohort's live sessions the learner was recorded at -> whether that was an excused absence: one query."""
    return {item_id: bool(excused) for item_id, excused in db.session.execute(
        sa.select(Attendance.item_id, Attendance.excused).join(PlanItem, PlanItem.id == Attendance.item_id)
        .where(Attendance.user_id == user_id, PlanItem.cohort_id == cohort_id))}


def _aware(moment: datetime | None) -> datetime:
    """Times read back from SQLite lose their zone; every stored time is UTC."""
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


def running_cohorts(today: date) -> list[tuple[Cohort, str, str, int]]:
    """The cohorts running about today (a day's margin each side, for time zones), each with its course's slug,
    title and live version: one query."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Cohort, Course.slug, Course.title, Course.live_version_id).join(Course, Course.id == Cohort.course_id)
        .where(Cohort.starts_on <= today + timedelta(days=1), Cohort.ends_on >= today - timedelta(days=1),
               Course.live_version_id.is_not(None))
        .order_by(Cohort.id))]


def facilitators_of(cohort_ids: Collection[int]) -> dict[int, list[User]]:
    """cohort id -> the active accounts holding its facilitator grant: one query for any number of cohorts."""
    found: dict[int, list[User]] = {cohort_id: [] for cohort_id in cohort_ids}
    if not found:
        return found
    for cohort_id, user in db.session.execute(
            sa.select(RoleGrant.scope_id, User).join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == "facilitator", RoleGrant.scope_type == ScopeType.COHORT.value,
                   RoleGrant.scope_id.in_(list(found)), User.status == UserStatus.active)
            .order_by(RoleGrant.scope_id, User.id)).tuples():
        if cohort_id is not None:  # a cohort grant always has its scope (a check constraint)
            found[cohort_id].append(user)
    return found


def users_by_id(ids: Collection[int]) -> dict[int, User]:
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(list(ids))))} if ids else {}


def plan_item(cohort_id: int, item_id: int) -> PlanItem | None:
    item = db.session.get(PlanItem, item_id)
    return item if item is not None and item.cohort_id == cohort_id else None


def session_has_begun(item: PlanItem) -> bool:
    return item.starts_at is not None and _aware(item.starts_at) <= clock.now()


def attendance_counts(cohort_id: int) -> dict[int, int]:
    """Live session id -> learners recorded present (a session with only excused absences counts 0): one query."""
    present = sa.func.count(Attendance.id).filter(Attendance.excused.is_(False))
    rows = db.session.execute(
        sa.select(Attendance.item_id, present).join(PlanItem, PlanItem.id == Attendance.item_id)
        .where(PlanItem.cohort_id == cohort_id).group_by(Attendance.item_id))
    return {item_id: count for item_id, count in rows}


PRESENT, EXCUSED, ABSENT = "present", "excused", "absent"


def attendance_sheet(cohort: Cohort, item_id: int) -> list[tuple[int, str, str]]:
    """The cohort's seated learners by name, each with PRESENT, EXCUSED or ABSENT as recorded: one query."""
    recorded = sa.and_(Attendance.item_id == item_id, Attendance.user_id == CohortMembership.user_id)
    rows = db.session.execute(
        sa.select(CohortMembership.user_id, User.display_name, Attendance.excused)
        .join(User, User.id == CohortMembership.user_id).outerjoin(Attendance, recorded)
        .where(CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER)
        .order_by(User.display_name, User.id))
    return [(user_id, name, ABSENT if excused is None else EXCUSED if excused else PRESENT)
            for user_id, name, excused in rows]


def items_done_by(user_id: int, cohort_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(PlanItemDone.item_id).join(PlanItem, PlanItem.id == PlanItemDone.item_id)
        .where(PlanItemDone.user_id == user_id, PlanItem.cohort_id == cohort_id)))



def units_due_at(user_id: int, units: Collection[tuple[int, str]]) -> dict[tuple[int, str], datetime]:
    """unit_due_at for many (course id, unit key) of one learner at once: one query."""
    wanted = set(units)
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(Cohort.course_id, Unit.key, sa.func.min(learner_due_at())).select_from(PlanItem)
        .join(CohortMembership, CohortMembership.cohort_id == PlanItem.cohort_id)
        .outerjoin(DueExtension, _extension_for(user_id))
        .join(Cohort, Cohort.id == PlanItem.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(Module, sa.and_(Module.version_id == Course.live_version_id, Module.key == PlanItem.module_key))
        .join(Unit, Unit.module_id == Module.id)
        .where(CohortMembership.user_id == user_id, CohortMembership.status == MembershipStatus.MEMBER,
               Cohort.course_id.in_({course_id for course_id, _key in wanted}),
               Unit.key.in_({key for _course_id, key in wanted}),
               PlanItem.kind == PlanItemKind.WEEK, PlanItem.due_at.is_not(None))
        .group_by(Cohort.course_id, Unit.key))
    return {(course_id, key): due for course_id, key, due in rows if (course_id, key) in wanted}


def unit_due_at(user_id: int, course_id: int, unit_key: str) -> datetime | None:
    """When the learner's cohorts in the course expect the unit: the due date of the plan's week for the unit's
    module (in the course's live version; the learner's extension of it when they have one), the earliest if
    the learner is in several cohorts. One query."""
    module_key = (sa.select(Module.key).join(Unit, Unit.module_id == Module.id)
                  .join(Course, Course.live_version_id == Unit.version_id)
                  .where(Course.id == course_id, Unit.key == unit_key).scalar_subquery())
    return db.session.scalar(
        sa.select(sa.func.min(learner_due_at())).select_from(PlanItem)
        .join(CohortMembership, CohortMembership.cohort_id == PlanItem.cohort_id)
        .outerjoin(DueExtension, _extension_for(user_id))
        .join(Cohort, Cohort.id == PlanItem.cohort_id)
        .where(CohortMembership.user_id == user_id, CohortMembership.status == MembershipStatus.MEMBER,
               Cohort.course_id == course_id, PlanItem.kind == PlanItemKind.WEEK,
               PlanItem.module_key == module_key, PlanItem.due_at.is_not(None)))


# What discussion asks about cohort spaces (cohorts.spaces) ------------------------------------------------------

def seated_cohort_ids(viewer, course_id: int | None) -> frozenset[int]:
    """The cohorts of the course the viewer has a seat in (waiting for one does not count): the access
    context's fact "cohort-seats", which cohort spaces ask."""
    if course_id is None or not getattr(viewer, "is_authenticated", False):
        return frozenset()
    return frozenset(db.session.scalars(
        sa.select(CohortMembership.cohort_id).join(Cohort, Cohort.id == CohortMembership.cohort_id)
        .where(CohortMembership.user_id == viewer.id, CohortMembership.status == MembershipStatus.MEMBER,
               Cohort.course_id == course_id)))


def _cohorts_read_statement(every: bool) -> sa.Select:
    seated = sa.exists().where(CohortMembership.cohort_id == Cohort.id,
                               CohortMembership.user_id == sa.bindparam("viewer_id"),
                               CohortMembership.status == MembershipStatus.MEMBER)
    own = sa.or_(seated, Cohort.id.in_(sa.bindparam("led_ids", expanding=True)))
    query = sa.select(Cohort.id, Cohort.name, own.label("own")).where(Cohort.course_id == sa.bindparam("course_id"))
    return (query if every else query.where(own)).order_by(Cohort.starts_on, Cohort.id)


# Asked on every unit page (the comment panel's cohort spaces): built once, as discussion/queries.py does.
_COHORTS_READ = {every: _cohorts_read_statement(every) for every in (False, True)}


def cohorts_read_in_course(viewer_id: int, course_id: int, led_ids: Collection[int], *,
                           every: bool) -> list[tuple[int, str, bool]]:
    """(id, name, whether the viewer has a seat in it or leads it) of the course's cohorts whose space the
    viewer reads: every one (for the course-wide moderators), or those they have a seat in or lead. One
    query."""
    rows = db.session.execute(_COHORTS_READ[every], {"viewer_id": viewer_id, "course_id": course_id,
                                                     "led_ids": list(led_ids) or [0]}).tuples()
    return [(cohort_id, name, bool(mine)) for cohort_id, name, mine in rows]


def cohort_course_and_name(cohort_id: int) -> tuple[int | None, str] | None:
    """(course id, name) of a cohort; the course id is None for a programme's cohort."""
    row = db.session.execute(sa.select(Cohort.course_id, Cohort.name).where(Cohort.id == cohort_id)).first()
    return (row[0], row[1]) if row is not None else None


def programme_of_cohort(cohort_id: int) -> Programme | None:
    """The programme a cohort goes through (None for a course's cohort): one query."""
    return db.session.scalar(sa.select(Programme).join(Cohort, Cohort.programme_id == Programme.id)
                             .where(Cohort.id == cohort_id))


def is_seated(cohort_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(CohortMembership.id).where(
        CohortMembership.cohort_id == cohort_id, CohortMembership.user_id == user_id,
        CohortMembership.status == MembershipStatus.MEMBER)) is not None


def seated_learners_page(cohort_id: int, page: int, *, per_page: int) -> Page:
    """The cohort's seated learners (User rows) by name, a page of them: two queries (their role grants are
    not loaded)."""
    return paginate(
        sa.select(User).options(lazyload(User.roles)).join(CohortMembership, CohortMembership.user_id == User.id)
        .where(CohortMembership.cohort_id == cohort_id, CohortMembership.status == MembershipStatus.MEMBER)
        .order_by(User.display_name, User.id), page, per_page=per_page)


# Teams inside a cohort ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamMember:
    user_id: int
    display_name: str
    email: str
    timezone: str


@dataclass
class TeamView:
    id: int
    name: str
    members: list[TeamMember] = field(default_factory=list)


@dataclass(frozen=True)
class CohortTeams:
    teams: list[TeamView]
    unassigned: list[TeamMember]  # seated learners in no team


def seated_time_zones(cohort_id: int) -> list[tuple[int, str]]:
    """(user id, account time zone) of the cohort's seated learners, by id: what forming teams looks at."""
    return list(db.session.execute(
        sa.select(CohortMembership.user_id, User.timezone).join(User, User.id == CohortMembership.user_id)
        .where(CohortMembership.cohort_id == cohort_id, CohortMembership.status == MembershipStatus.MEMBER)
        .order_by(CohortMembership.user_id)).tuples())


def cohort_teams(cohort_id: int) -> CohortTeams:
    """The cohort's teams with their members, and its seated learners in none: two queries."""
    teams = {team_id: TeamView(team_id, name) for team_id, name in db.session.execute(
        sa.select(Team.id, Team.name).where(Team.cohort_id == cohort_id).order_by(Team.name, Team.id)).tuples()}
    unassigned = []
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.email, User.timezone, TeamMembership.team_id)
        .join(CohortMembership, CohortMembership.user_id == User.id)
        .outerjoin(TeamMembership, sa.and_(TeamMembership.cohort_id == CohortMembership.cohort_id,
                                           TeamMembership.user_id == User.id))
        .where(CohortMembership.cohort_id == cohort_id, CohortMembership.status == MembershipStatus.MEMBER)
        .order_by(User.display_name, User.id)).tuples()
    for user_id, name, email, zone, team_id in rows:
        member = TeamMember(user_id, name, email, zone)
        if team_id is not None and team_id in teams:
            teams[team_id].members.append(member)
        else:
            unassigned.append(member)
    return CohortTeams(list(teams.values()), unassigned)


def team_choices(cohort_id: int) -> list[tuple[int, str]]:
    """The cohort's teams (id, name) by name: one query."""
    return [(team_id, name) for team_id, name in db.session.execute(
        sa.select(Team.id, Team.name).where(Team.cohort_id == cohort_id).order_by(Team.name, Team.id))]


def team_placements(cohort_id: int) -> list[tuple[int, int, str]]:
    """(user id, team id, team name) of every learner in a team of the cohort: one query."""
    return list(db.session.execute(
        sa.select(TeamMembership.user_id, Team.id, Team.name).join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.cohort_id == cohort_id)).tuples())


def seated_users(cohort_id: int, user_ids: Collection[int]) -> list[User]:
    """Those of the users who have a seat in the cohort (their role grants not loaded): one query."""
    if not user_ids:
        return []
    return list(db.session.scalars(
        sa.select(User).options(lazyload(User.roles)).join(CohortMembership, CohortMembership.user_id == User.id)
        .where(CohortMembership.cohort_id == cohort_id, CohortMembership.status == MembershipStatus.MEMBER,
               User.id.in_(set(user_ids)))))


def team_of(cohort_id: int, user_id: int) -> TeamView | None:
    """The learner's team in the cohort with its members (not their e-mail addresses): two queries."""
    found = db.session.execute(
        sa.select(Team.id, Team.name).join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.cohort_id == cohort_id, TeamMembership.user_id == user_id)).first()
    if found is None:
        return None
    team = TeamView(found[0], found[1])
    team.members = [TeamMember(uid, name, "", zone) for uid, name, zone in db.session.execute(
        sa.select(User.id, User.display_name, User.timezone).join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id).order_by(User.display_name, User.id)).tuples()]
    return team


def teams_of_cohorts_in_course(course_id: int, cohort_ids: Collection[int]) -> list[tuple[int, str, str]]:
    """(team id, team name, cohort name) of the teams of those cohorts that lie in the course: one query."""
    return list(db.session.execute(
        sa.select(Team.id, Team.name, Cohort.name).join(Cohort, Cohort.id == Team.cohort_id)
        .where(Cohort.course_id == course_id, Cohort.id.in_(set(cohort_ids)))
        .order_by(Cohort.starts_on, Cohort.id, Team.name, Team.id)).tuples())


def team_space_facts(team_id: int) -> tuple[int, int | None, str, str] | None:
    """(cohort id, course id (None for a programme's cohort), team name, cohort name) of a team, for its
    discussion space."""
    row = db.session.execute(
        sa.select(Team.cohort_id, Cohort.course_id, Team.name, Cohort.name).join(Cohort, Cohort.id == Team.cohort_id)
        .where(Team.id == team_id)).first()
    return (row[0], row[1], row[2], row[3]) if row is not None else None


def team_cohort_if_member(team_id: int, user_id: int) -> tuple[int, bool] | None:
    """(the team's cohort, whether the user is in the team with a seat in the cohort), or None for no team:
    one query."""
    seated_in_team = sa.exists().where(
        TeamMembership.team_id == Team.id, TeamMembership.user_id == user_id,
        CohortMembership.cohort_id == Team.cohort_id, CohortMembership.user_id == user_id,
        CohortMembership.status == MembershipStatus.MEMBER)
    row = db.session.execute(sa.select(Team.cohort_id, seated_in_team).where(Team.id == team_id)).first()
    return (row[0], bool(row[1])) if row is not None else None


@dataclass(frozen=True)
class LearnerUnit:
    key: str
    title: str
    module_title: str
    completed_at: datetime | None
    by_hand_reason: str | None  # why a facilitator of this cohort marked it complete, when they did


def learner_units(cohort: Cohort, version_id: int, user_id: int) -> list[LearnerUnit]:
    """The units of the live version in order, each with the learner's completion and whether a facilitator of
    the cohort gave it by hand: one query."""
    progress = sa.and_(UnitProgress.user_id == user_id, UnitProgress.course_id == cohort.course_id,
                       UnitProgress.unit_key == Unit.key)
    by_hand = sa.and_(HandCompletion.cohort_id == cohort.id, HandCompletion.user_id == user_id,
                      HandCompletion.unit_key == Unit.key)
    rows = db.session.execute(
        sa.select(Unit.key, Unit.title, Module.title, UnitProgress.completed_at, HandCompletion.reason)
        .join(Module, Module.id == Unit.module_id).outerjoin(UnitProgress, progress)
        .outerjoin(HandCompletion, by_hand)
        .where(Unit.version_id == version_id).order_by(Unit.position))
    return [LearnerUnit(key, title, module_title, completed_at,
                        reason if completed_at is not None else None)
            for key, title, module_title, completed_at, reason in rows]


def version_has_unit(version_id: int, unit_key: str) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Unit.version_id == version_id, Unit.key == unit_key))) or False


def has_completed_unit(user_id: int, course_id: int, unit_key: str) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        UnitProgress.user_id == user_id, UnitProgress.course_id == course_id, UnitProgress.unit_key == unit_key,
        UnitProgress.completed_at.is_not(None)))) or False
