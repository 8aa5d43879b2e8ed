"""The facilitator dashboard's read-models: a cohort's learners by module (or a module's units), who is at
risk and why (one rule in Python and in SQL), the matrix for its CSV, and the cohorts a facilitator leads with
their at-risk counts. Every page in a number of queries that does not grow with the cohort."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import QueryableAttribute, aliased

from .. import clock
from ..accounts.models import User
from ..catalog.models import Course, Module, Unit
from ..dialect import contains_text, greatest
from ..extensions import db
from ..learning.activity import active_since, latest_activity
from ..learning.models import UnitProgress
from ..quizzes.models import QuizAttempt, QuizDefinition
from .models import (
    Attendance,
    Cohort,
    CohortMembership,
    DueExtension,
    MembershipStatus,
    PlanItem,
    PlanItemKind,
    Programme,
    TeamMembership,
)
from .queries import led_cohort_ids

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
