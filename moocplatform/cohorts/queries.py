"""Read-models of cohorts, each in a fixed number of queries, and what the access context asks of them; and the
facilitator dashboard: a cohort's learners x the course's modules, last activity, on plan or behind, and who
is at risk and why. A dashboard page costs the same few aggregate queries whether it shows 5 learners or 50."""
from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import QueryableAttribute, aliased, lazyload

from .. import clock
from ..accounts.models import RoleGrant, ScopeType, User, UserStatus
from ..catalog.models import Course, Module, Unit
from ..dialect import contains_text, greatest
from ..extensions import db
from ..learning.activity import active_since, latest_activity
from ..learning.models import UnitProgress
from ..pagination import Page, paginate
from ..quizzes.models import QuizAttempt, QuizDefinition
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


# The facilitator dashboard ----------------------------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class ModuleColumn:
    key: str
    title: str
    units: int
    due_at: datetime | None  # the cohort's week for it, when the plan has one


@dataclass
class LearnerRow:
    user_id: int
    display_name: str
    joined_at: datetime
    completed: dict[str, int] = field(default_factory=dict)  # module key -> units completed
    extended: set[str] = field(default_factory=set)  # modules whose week is due later than now for this learner
    last_activity: datetime | None = None
    modules_behind: int = 0
    failed_quizzes: dict[str, int] = field(default_factory=dict)  # quiz key -> failed attempts
    reasons: list[str] = field(default_factory=list)  # why at risk; empty: not at risk
    sessions_attended: int = 0
    sessions_excused: int = 0
    sessions_held: int = 0  # the cohort's live sessions that have begun (the same on every row)

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)

    @property
    def on_plan(self) -> bool:
        return self.modules_behind == 0


@dataclass
class Dashboard:
    cohort: Cohort
    modules: list[ModuleColumn]
    rows: list[LearnerRow]
    total: int
    page: int
    pages: int
    expanded: ExpandedModule | None = None

    @property
    def at_risk(self) -> list[LearnerRow]:
        return [row for row in self.rows if row.at_risk]


def module_columns(cohort: Cohort, version_id: int) -> list[ModuleColumn]:
    """The version's modules with their unit counts and the plan's due dates: one query."""
    due = (sa.select(sa.func.max(PlanItem.due_at)).where(
        PlanItem.cohort_id == cohort.id, PlanItem.kind == PlanItemKind.WEEK, PlanItem.module_key == Module.key)
        .correlate(Module).scalar_subquery())
    units = (sa.select(sa.func.count(Unit.id)).where(Unit.module_id == Module.id).correlate(Module)
             .scalar_subquery())
    rows = db.session.execute(sa.select(Module.key, Module.title, units, due)
                              .where(Module.version_id == version_id).order_by(Module.position)).all()
    return [ModuleColumn(key, title, count, due_at) for key, title, count, due_at in rows]


def _fill(cohort: Cohort, version_id: int, modules: list[ModuleColumn], rows: list[LearnerRow],
          now: datetime) -> None:
    """Progress (with the weeks extended for them past now), last activity (every kind learning.activity knows),
    failed attempts, attendance and reasons for these learners: four queries."""
    ids = [row.user_id for row in rows]
    by_id = {row.user_id: row for row in rows}
    if not ids:
        return
    completed = (
        sa.select(UnitProgress.user_id, Module.key.label("module_key"), sa.func.count(UnitProgress.id).label("n"),
                  sa.literal(0).label("extended"))
        .join(Unit, sa.and_(Unit.version_id == version_id, Unit.key == UnitProgress.unit_key))
        .join(Module, Module.id == Unit.module_id)
        .where(UnitProgress.course_id == cohort.course_id, UnitProgress.user_id.in_(ids),
               UnitProgress.completed_at.is_not(None))
        .group_by(UnitProgress.user_id, Module.key))
    for user_id, module_key, count, extended in db.session.execute(
            sa.union_all(completed, _weeks_extended_past(cohort, now, ids, extra=(sa.literal(0), sa.literal(1))))):
        if extended:
            by_id[user_id].extended.add(module_key)
        else:
            by_id[user_id].completed[module_key] = count
    assert cohort.course_id is not None  # a programme's cohort has its own dashboard (programme_queries)
    for user_id, *latest in db.session.execute(
            sa.select(User.id, *latest_activity(cohort.course_id, User.id)).where(User.id.in_(ids))):
        moments = [moment for moment in latest if moment is not None]
        by_id[user_id].last_activity = max(moments) if moments else None
    for user_id, quiz_key, failed in db.session.execute(
            sa.select(QuizAttempt.user_id, QuizAttempt.quiz_key, sa.func.count(QuizAttempt.id))
            .where(QuizAttempt.course_id == cohort.course_id, QuizAttempt.user_id.in_(ids),
                   QuizAttempt.passed.is_(False))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)):
        by_id[user_id].failed_quizzes[quiz_key] = failed
    held: set[int] = set()
    for item_id, user_id, excused in db.session.execute(
            sa.select(PlanItem.id, Attendance.user_id, Attendance.excused)
            .outerjoin(Attendance, sa.and_(Attendance.item_id == PlanItem.id, Attendance.user_id.in_(ids)))
            .where(PlanItem.cohort_id == cohort.id, PlanItem.kind == PlanItemKind.LIVE_SESSION,
                   PlanItem.starts_at <= now)):
        held.add(item_id)
        if user_id is not None and excused:
            by_id[user_id].sessions_excused += 1
        elif user_id is not None:
            by_id[user_id].sessions_attended += 1
    for row in rows:
        row.sessions_held = len(held)
        row.modules_behind = sum(1 for m in overdue_modules(modules, now)
                                 if row.completed.get(m.key, 0) < m.units and m.key not in row.extended)
        row.reasons = risk_reasons(cohort, row, now)


# Who is at risk, one rule in two forms: risk_reasons explains a filled row, and at_risk_clause (its twin in SQL)
# picks the cohort's learners at risk without filling every row. tests/test_cohort_at_risk.py holds them equal.

def quiet_since(row: LearnerRow) -> datetime:
    """When the learner's quiet spell began: their last activity in the course, or joining if later (joining is
    no activity in the course, but it starts the count)."""
    return max(row.last_activity or row.joined_at, row.joined_at)


def quiet_cutoff(cohort: Cohort, now: datetime) -> datetime:
    """A learner quiet since this moment or earlier has been quiet for the cohort's number of days."""
    return now - timedelta(days=cohort.risk_inactive_days)


def is_quiet(cohort: Cohort, row: LearnerRow, now: datetime) -> bool:
    return quiet_since(row) <= quiet_cutoff(cohort, now)


def overdue_modules(modules: list[ModuleColumn], now: datetime) -> list[ModuleColumn]:
    """The modules a learner not done with by now is behind on: due before now, with units (unless their week
    is extended for the learner past now: LearnerRow.extended)."""
    return [m for m in modules if m.due_at is not None and m.due_at < now and m.units > 0]


def _weeks_extended_past(cohort: Cohort, now: datetime, learners, *, extra=(), module_keys=None) -> sa.Select:
    """(learner, module key, *extra) of the cohort's weeks extended for these learners past now: not overdue
    for them, whatever the cohort's date."""
    query = (sa.select(DueExtension.user_id, PlanItem.module_key, *extra)
             .join(PlanItem, PlanItem.id == DueExtension.item_id)
             .where(PlanItem.cohort_id == cohort.id, PlanItem.kind == PlanItemKind.WEEK,
                    PlanItem.module_key.is_not(None), DueExtension.user_id.in_(learners), DueExtension.due_at >= now))
    return query.where(PlanItem.module_key.in_(module_keys)) if module_keys is not None else query


def risk_reasons(cohort: Cohort, row: LearnerRow, now: datetime) -> list[str]:
    reasons = []
    if is_quiet(cohort, row, now):
        reasons.append(ngettext("No activity for %(num)d day", "No activity for %(num)d days",
                                cohort.risk_inactive_days))
    if row.modules_behind > cohort.risk_modules_behind:
        reasons.append(ngettext("Behind the plan by %(num)d module", "Behind the plan by %(num)d modules",
                                row.modules_behind))
    for quiz_key, failed in sorted(row.failed_quizzes.items()):
        if failed >= cohort.risk_failed_attempts:
            reasons.append(_("%(n)d failed attempts at the quiz %(quiz)s", n=failed, quiz=quiz_key))
    return reasons


_Seat = aliased(CohortMembership)  # the cohort's seats inside a clause about one CohortMembership row


def at_risk_clause(cohort: Cohort, version_id: int, modules: list[ModuleColumn],
                   now: datetime) -> sa.ColumnElement[bool]:
    """Whether the CohortMembership row's learner has a reason in risk_reasons, in SQL: the activity _fill
    reads, the modules overdue that they have not completed, and their failed attempts per quiz."""
    cutoff = quiet_cutoff(cohort, now)
    learner = CohortMembership.user_id
    assert cohort.course_id is not None
    quiet = sa.and_(CohortMembership.joined_at <= cutoff, ~active_since(cohort.course_id, learner, cutoff))
    seated = sa.select(_Seat.user_id).where(_Seat.cohort_id == cohort.id).correlate(None)
    overdue = {m.key: m.units for m in overdue_modules(modules, now)}
    # Behind by more than the threshold: fewer than (overdue - threshold) of the overdue modules completed or
    # extended for the learner past now.
    enough = len(overdue) - cohort.risk_modules_behind
    behind: sa.ColumnElement[bool] = sa.false()
    if enough > 0:
        finished = (sa.select(UnitProgress.user_id.label("user_id"), Module.key.label("module_key"))
                    .join(Unit, sa.and_(Unit.version_id == version_id, Unit.key == UnitProgress.unit_key))
                    .join(Module, Module.id == Unit.module_id)
                    .where(UnitProgress.course_id == cohort.course_id, UnitProgress.user_id.in_(seated),
                           UnitProgress.completed_at.is_not(None), Module.key.in_(list(overdue)))
                    .group_by(UnitProgress.user_id, Module.key)
                    .having(sa.func.count(UnitProgress.id) >= sa.case(overdue, value=Module.key)))
        settled = sa.union(finished, _weeks_extended_past(cohort, now, seated, module_keys=list(overdue))).subquery()
        on_track = (sa.select(settled.c.user_id).group_by(settled.c.user_id)
                    .having(sa.func.count() >= enough))
        behind = learner.not_in(on_track)
    failing = (sa.select(QuizAttempt.user_id)
               .where(QuizAttempt.course_id == cohort.course_id, QuizAttempt.user_id.in_(seated),
                      QuizAttempt.passed.is_(False))
               .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)
               .having(sa.func.count(QuizAttempt.id) >= cohort.risk_failed_attempts))
    return sa.or_(quiet, behind, learner.in_(failing))


class DashboardSort(StrEnum):
    NAME = "name"
    QUIET = "quiet"  # quiet the longest first: last activity (or joining, if later) the earliest
    LEAST_PROGRESS = "least-progress"  # fewest of the version's units completed first
    MOST_PROGRESS = "most-progress"


@dataclass(frozen=True)
class DashboardView:
    """How the facilitator asked to see the matrix: which learners (at risk only, a team's, names containing a
    text), in which order, and which module opened into its units."""

    sort: DashboardSort = DashboardSort.NAME
    at_risk_only: bool = False
    team_id: int | None = None
    search: str = ""
    module_key: str | None = None


def _completed_in_version(version_id: int, learner: QueryableAttribute[int], course_id: int) -> sa.ScalarSelect:
    return (sa.select(sa.func.count(UnitProgress.id))
            .join(Unit, sa.and_(Unit.version_id == version_id, Unit.key == UnitProgress.unit_key))
            .where(UnitProgress.user_id == learner, UnitProgress.course_id == course_id,
                   UnitProgress.completed_at.is_not(None))
            .correlate(learner.parent.selectable).scalar_subquery())


def _order(cohort: Cohort, version_id: int | None, sort: DashboardSort) -> list[sa.ColumnElement]:
    """The members' order for the sort asked, names (then ids) breaking ties so that pages are stable."""
    by_name: list[sa.ColumnElement] = [User.display_name.expression, User.id.expression]
    if cohort.course_id is None or version_id is None or sort == DashboardSort.NAME:
        return by_name
    if sort == DashboardSort.QUIET:  # quiet_since in SQL: the latest of every kind of activity and joining
        joined = CohortMembership.joined_at
        latest = [sa.func.coalesce(moment, joined)
                  for moment in latest_activity(cohort.course_id, CohortMembership.user_id)]
        return [greatest(joined, *latest).asc(), *by_name]
    done = _completed_in_version(version_id, CohortMembership.user_id, cohort.course_id)
    return [done.asc() if sort == DashboardSort.LEAST_PROGRESS else done.desc(), *by_name]


def _members(cohort: Cohort, view: DashboardView | None = None, version_id: int | None = None):
    """The cohort's seated learners (id, name, joined), narrowed and ordered as the view asks."""
    view = view or DashboardView()
    query = (sa.select(CohortMembership.user_id, User.display_name, CohortMembership.joined_at)
             .join(User, User.id == CohortMembership.user_id)
             .where(CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER))
    if view.team_id is not None:
        query = query.where(CohortMembership.user_id.in_(sa.select(TeamMembership.user_id).where(
            TeamMembership.cohort_id == cohort.id, TeamMembership.team_id == view.team_id)))
    if view.search.strip():
        query = query.where(contains_text(User.display_name, view.search.strip()))
    return query.order_by(*_order(cohort, version_id, view.sort))


def cohort_dashboard(cohort: Cohort, version_id: int, now: datetime, page: int = 1, *,
                     at_risk_only: bool = False, view: DashboardView | None = None) -> Dashboard:
    """One page of the matrix: seven queries whatever the page's size, and three more for a module opened into
    its units (expand_module). view.at_risk_only keeps the learners at risk (the link facilitators are sent
    when learners go quiet): at_risk_clause picks them and one query counts and pages them, so only the page's
    learners are filled and explained, in six queries."""
    view = view or DashboardView(at_risk_only=at_risk_only)
    modules = module_columns(cohort, version_id)
    if view.at_risk_only:
        rows, total, page = _at_risk_page(cohort, version_id, modules, now, page, view)
    else:
        members = _members(cohort, view, version_id)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(members.order_by(None).subquery())) or 0
        page = min(max(page, 1), max(1, -(-total // PAGE_SIZE)))
        rows = [LearnerRow(user_id, name, joined) for user_id, name, joined in
                db.session.execute(members.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))]
    _fill(cohort, version_id, modules, rows, now)
    board = Dashboard(cohort, modules, rows, total, page, max(1, -(-total // PAGE_SIZE)))
    opened = next((m for m in modules if m.key == view.module_key), None)
    if opened is not None:
        board.expanded = expand_module(cohort, version_id, opened, rows)
    return board


def learner_row(cohort: Cohort, version_id: int, user_id: int, now: datetime | None = None
                ) -> tuple[list[ModuleColumn], LearnerRow] | None:
    """The modules and one seated learner's row of the dashboard (progress, last activity, at-risk reasons),
    filled by what fills the dashboard's page (as matrix_rows gives them), or None for someone with no seat in
    the cohort: six queries."""
    modules = module_columns(cohort, version_id)
    found = db.session.execute(_members(cohort).where(CohortMembership.user_id == user_id)).first()
    if found is None:
        return None
    row = LearnerRow(found.user_id, found.display_name, found.joined_at)
    _fill(cohort, version_id, modules, [row], now or clock.now())
    return modules, row


def _at_risk_page(cohort: Cohort, version_id: int, modules: list[ModuleColumn], now: datetime,
                  page: int, view: DashboardView) -> tuple[list[LearnerRow], int, int]:
    """The page's learners at risk, their number and the page shown (the last one for a page past it), in one
    query that evaluates the rule once."""
    members = _members(cohort, view, version_id)
    ranked = (members.where(at_risk_clause(cohort, version_id, modules, now)).order_by(None)
              .add_columns(sa.func.row_number().over(order_by=_order(cohort, version_id, view.sort)).label("n"),
                           sa.func.count().over().label("total"))
              .subquery())
    wanted = (max(page, 1) - 1) * PAGE_SIZE
    last = (ranked.c.total - 1) // PAGE_SIZE * PAGE_SIZE
    first = sa.case((last < wanted, last), else_=wanted)
    found = db.session.execute(
        sa.select(ranked.c.user_id, ranked.c.display_name, ranked.c.joined_at, ranked.c.n, ranked.c.total)
        .where(ranked.c.n > first, ranked.c.n <= first + PAGE_SIZE).order_by(ranked.c.n)).all()
    if not found:
        return [], 0, 1
    rows = [LearnerRow(user_id, name, joined) for user_id, name, joined, _n, _total in found]
    return rows, found[0].total, (found[0].n - 1) // PAGE_SIZE + 1


# A module opened into its units and quizzes ---------------------------------------------------------------------

@dataclass(frozen=True)
class UnitColumn:
    key: str
    title: str
    type: str
    quiz_key: str | None  # the quiz the unit holds, if it holds one


@dataclass(frozen=True)
class UnitCell:
    completed: bool = False
    viewed: bool = False
    best_score: float | None = None  # percent, of the submitted attempts at the unit's quiz
    attempts: int = 0


@dataclass(frozen=True)
class ExpandedModule:
    module: ModuleColumn
    units: list[UnitColumn]
    cells: dict[tuple[int, str], UnitCell]  # (learner id, unit key) -> what they did; absent: nothing

    def cell(self, user_id: int, unit_key: str) -> UnitCell:
        return self.cells.get((user_id, unit_key), UnitCell())


def expand_module(cohort: Cohort, version_id: int, module: ModuleColumn, rows: list[LearnerRow]) -> ExpandedModule:
    """The module's units (and the quiz each holds) and, for the page's learners, each unit viewed or completed
    and each quiz's best score and attempts: three queries whatever the number of learners or units."""
    units = [UnitColumn(*row) for row in db.session.execute(
        sa.select(Unit.key, Unit.title, Unit.type, QuizDefinition.key)
        .join(Module, Module.id == Unit.module_id)
        .outerjoin(QuizDefinition, sa.and_(QuizDefinition.version_id == version_id,
                                           QuizDefinition.unit_key == Unit.key))
        .where(Unit.version_id == version_id, Module.key == module.key).order_by(Unit.position))]
    ids = [row.user_id for row in rows]
    cells: dict[tuple[int, str], UnitCell] = {}
    if not ids or not units:
        return ExpandedModule(module, units, cells)
    for user_id, unit_key, completed_at, viewed_at in db.session.execute(
            sa.select(UnitProgress.user_id, UnitProgress.unit_key, UnitProgress.completed_at,
                      UnitProgress.first_viewed_at)
            .where(UnitProgress.course_id == cohort.course_id, UnitProgress.user_id.in_(ids),
                   UnitProgress.unit_key.in_([u.key for u in units]))):
        cells[(user_id, unit_key)] = UnitCell(completed=completed_at is not None, viewed=viewed_at is not None)
    unit_of_quiz = {u.quiz_key: u.key for u in units if u.quiz_key}
    if unit_of_quiz:
        for user_id, quiz_key, best, attempts in db.session.execute(
                sa.select(QuizAttempt.user_id, QuizAttempt.quiz_key, sa.func.max(QuizAttempt.score),
                          sa.func.count(QuizAttempt.id))
                .where(QuizAttempt.course_id == cohort.course_id, QuizAttempt.user_id.in_(ids),
                       QuizAttempt.quiz_key.in_(list(unit_of_quiz)), QuizAttempt.submitted_at.is_not(None))
                .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)):
            key = (user_id, unit_of_quiz[quiz_key])
            seen = cells.get(key, UnitCell())
            cells[key] = UnitCell(seen.completed, seen.viewed, best, attempts)
    return ExpandedModule(module, units, cells)


@dataclass(frozen=True)
class LedCohort:
    """A cohort its facilitator leads, for "My learning": where it runs and how many of its learners are at risk
    (None for a programme's cohort, whose dashboard has no such list)."""

    cohort: Cohort
    host_title: str  # its course's or programme's
    at_risk: int | None


def led_cohorts_at_risk(user: object, now: datetime) -> list[LedCohort]:
    """The cohorts the user leads that have not ended a week ago or more, soonest first, each with its number of
    learners at risk by its own thresholds: three queries whatever their number (the cohorts, their modules, the
    counts), none for a user who leads none."""
    ids = led_cohort_ids(user)
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Cohort, sa.func.coalesce(Course.title, Programme.title), Course.live_version_id)
        .outerjoin(Course, Course.id == Cohort.course_id).outerjoin(Programme, Programme.id == Cohort.programme_id)
        .where(Cohort.id.in_(ids), Cohort.ends_on >= (now - timedelta(days=7)).date())
        .order_by(Cohort.starts_on, Cohort.id)).all()
    of_courses = [(cohort, version_id) for cohort, _title, version_id in rows
                  if cohort.course_id is not None and version_id is not None]
    modules = _module_columns_of(of_courses)
    counts: dict[int, int] = {}
    if of_courses:
        per_cohort = [sa.select(sa.literal(cohort.id).label("cohort_id"), sa.func.count().label("n"))
                      .select_from(CohortMembership)
                      .where(CohortMembership.cohort_id == cohort.id,
                             CohortMembership.status == MembershipStatus.MEMBER,
                             at_risk_clause(cohort, version_id, modules.get(cohort.id, []), now))
                      for cohort, version_id in of_courses]
        statement = per_cohort[0] if len(per_cohort) == 1 else sa.union_all(*per_cohort)
        counts = {cohort_id: n for cohort_id, n in db.session.execute(statement)}
    return [LedCohort(cohort, title or "", counts.get(cohort.id, 0) if cohort.course_id is not None else None)
            for cohort, title, _version_id in rows]


def _module_columns_of(cohorts: list[tuple[Cohort, int]]) -> dict[int, list[ModuleColumn]]:
    """module_columns for several cohorts (each with its course's version) in one query."""
    if not cohorts:
        return {}
    version_of = {cohort.id: version_id for cohort, version_id in cohorts}
    due = (sa.select(sa.func.max(PlanItem.due_at)).where(
        PlanItem.cohort_id == Cohort.id, PlanItem.kind == PlanItemKind.WEEK, PlanItem.module_key == Module.key)
        .correlate(Cohort, Module).scalar_subquery())
    units = (sa.select(sa.func.count(Unit.id)).where(Unit.module_id == Module.id).correlate(Module)
             .scalar_subquery())
    found: dict[int, list[ModuleColumn]] = {cohort_id: [] for cohort_id in version_of}
    for cohort_id, key, title, count, due_at in db.session.execute(
            sa.select(Cohort.id, Module.key, Module.title, units, due)
            .join(Course, Course.id == Cohort.course_id).join(Module, Module.version_id == Course.live_version_id)
            .where(Cohort.id.in_(version_of)).order_by(Cohort.id, Module.position)):
        found[cohort_id].append(ModuleColumn(key, title, count, due_at))
    return found


def matrix_rows(cohort: Cohort, version_id: int, now: datetime, chunk: int = 500
                ) -> Iterator[tuple[list[ModuleColumn], list[LearnerRow]]]:
    """The whole matrix in chunks of learners (keyset pagination), for a streamed export."""
    modules = module_columns(cohort, version_id)
    after: tuple[str, int] | None = None
    while True:
        query = _members(cohort)
        if after is not None:
            name, user_id = after
            query = query.where(sa.tuple_(User.display_name, User.id)
                                > sa.tuple_(sa.literal(name), sa.literal(user_id)))
        rows = [LearnerRow(user_id, name, joined) for user_id, name, joined in
                db.session.execute(query.limit(chunk))]
        if not rows:
            return
        _fill(cohort, version_id, modules, rows, now)
        yield modules, rows
        after = (rows[-1].display_name, rows[-1].user_id)


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


def cohorts_read_in_course(viewer_id: int, course_id: int, led_ids: Collection[int], *,
                           every: bool) -> list[tuple[int, str, bool]]:
    """(id, name, whether the viewer has a seat in it or leads it) of the course's cohorts whose space the
    viewer reads: every one (for the course-wide moderators), or those they have a seat in or lead. One
    query."""
    seated = sa.exists().where(CohortMembership.cohort_id == Cohort.id, CohortMembership.user_id == viewer_id,
                               CohortMembership.status == MembershipStatus.MEMBER)
    own = sa.or_(seated, Cohort.id.in_(set(led_ids) or {0}))
    query = sa.select(Cohort.id, Cohort.name, own.label("own")).where(Cohort.course_id == course_id)
    if not every:
        query = query.where(own)
    return [(cohort_id, name, bool(mine)) for cohort_id, name, mine
            in db.session.execute(query.order_by(Cohort.starts_on, Cohort.id)).tuples()]


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
