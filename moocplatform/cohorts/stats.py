"""A cohort's figures for its facilitators: how far its learners have come (in bands of the course's units
completed), how many were active week by week, and how its quizzes went; and the learner x quiz results that the
CSV export streams. Seated learners only (waiting ones are not in the cohort yet). Each figure is one query
whatever the cohort's size; the export reads its rows a chunk of learners at a time."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..accounts.models import User
from ..catalog.models import Unit
from ..database import UTCDateTime
from ..extensions import db
from ..learning.activity import activity_sources
from ..learning.models import UnitProgress
from ..quizzes.models import AttemptStatus, QuizAttempt, QuizDefinition
from .models import Cohort, CohortMembership, MembershipStatus


def _seated(cohort: Cohort) -> sa.ColumnElement[bool]:
    """The CohortMembership row is a seat in the cohort."""
    return sa.and_(CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER)


def _seated_ids(cohort: Cohort) -> sa.Select:
    return sa.select(CohortMembership.user_id).where(_seated(cohort))


# How far the learners have come ----------------------------------------------------------------------------------

# Bands of the share of the live version's units a learner completed, in percent: (lowest, highest).
PROGRESS_BANDS: tuple[tuple[int, int], ...] = ((0, 0), (1, 24), (25, 49), (50, 74), (75, 99), (100, 100))


@dataclass(frozen=True)
class ProgressBand:
    low: int  # percent
    high: int
    learners: int

    @property
    def label(self) -> str:
        return f"{self.low}%" if self.low == self.high else f"{self.low}–{self.high}%"


def progress_distribution(cohort: Cohort, version_id: int) -> list[ProgressBand]:
    """The seated learners per band of PROGRESS_BANDS, every band listed (0 for an empty one): one query. Only
    none and all of the units fall in the first and last bands; a version without units puts everyone in the
    first."""
    units = sa.select(sa.func.count(Unit.id)).where(Unit.version_id == version_id).scalar_subquery()
    done = (sa.select(CohortMembership.user_id, sa.func.count(Unit.id).label("done"))
            .outerjoin(UnitProgress, sa.and_(UnitProgress.user_id == CohortMembership.user_id,
                                             UnitProgress.course_id == cohort.course_id,
                                             UnitProgress.completed_at.is_not(None)))
            .outerjoin(Unit, sa.and_(Unit.version_id == version_id, Unit.key == UnitProgress.unit_key))
            .where(_seated(cohort)).group_by(CohortMembership.user_id).subquery())
    # Whole numbers only: done / units >= low / 100 as 100 * done >= low * units, alike on both engines.
    last = len(PROGRESS_BANDS) - 1
    below_next = [(100 * done.c.done < PROGRESS_BANDS[n + 1][0] * units, n) for n in range(1, last - 1)]
    band = sa.case((done.c.done == 0, 0), (done.c.done >= units, last), *below_next, else_=last - 1)
    # Grouped by the subquery's column, not by the CASE: PostgreSQL would see the CASE's parameters in a GROUP
    # BY of its own as another expression.
    banded = sa.select(band.label("band")).select_from(done).subquery()
    counts = dict(db.session.execute(
        sa.select(banded.c.band, sa.func.count()).group_by(banded.c.band)).tuples().all())
    return [ProgressBand(low, high, counts.get(n, 0)) for n, (low, high) in enumerate(PROGRESS_BANDS)]


# Who was active, week by week -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeekActivity:
    number: int  # 1 for the week the cohort starts with
    starts_on: date  # in the cohort's time zone
    learners: int  # seated learners active in the course that week (each counted once)


def cohort_weeks(cohort: Cohort, now: datetime, weeks: int | None = None) -> list[tuple[int, date, datetime]]:
    """(number, first day, its first moment in UTC) of the cohort's weeks, from its start to the week holding now
    (or its last day, when it has ended), and the moment the last of them ends; the last `weeks` of them when
    given. Weeks run from the cohort's first day, in its time zone; none before it starts."""
    zone = ZoneInfo(cohort.time_zone)
    last_day = min(now.astimezone(zone).date(), cohort.ends_on)
    if last_day < cohort.starts_on:
        return []
    count = (last_day - cohort.starts_on).days // 7 + 1
    first = 0 if weeks is None else max(0, count - weeks)

    def begins(n: int) -> tuple[int, date, datetime]:
        day = cohort.starts_on + timedelta(days=7 * n)
        return n + 1, day, datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))

    return [begins(n) for n in range(first, count + 1)]  # one more: where the last week ends


def weekly_activity(cohort: Cohort, now: datetime, weeks: int | None = None) -> list[WeekActivity]:
    """Per week of cohort_weeks, the seated learners who did anything in the course that learning.activity
    counts (each registered source's moments, in one UNION ALL): one query, none before the cohort starts.
    The weeks are cut at local midnight in the cohort's time zone, as UTC moments bound in the query, so the
    two engines' date functions (and SQLite's lack of time zones) play no part."""
    assert cohort.course_id is not None  # a programme's cohort has no course activity
    bounds = cohort_weeks(cohort, now, weeks)
    if len(bounds) < 2:
        return []
    edges = [sa.literal(moment, UTCDateTime()) for _n, _day, moment in bounds]
    learner = CohortMembership.user_id
    parts = []
    for source in activity_sources.entries():
        moments = source.moments(cohort.course_id, learner)
        moment = moments.selected_columns[0]
        parts.append(moments.with_only_columns(moment.label("moment"), learner.label("user_id"))
                     .where(_seated(cohort), moment >= edges[0], moment < edges[-1]))
    if not parts:
        return [WeekActivity(n, day, 0) for n, day, _moment in bounds[:-1]]
    activity = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()
    # The first week whose end lies after the moment (the moments are those from the first week's start on).
    week = sa.case(*((activity.c.moment < edges[i + 1], bounds[i][0]) for i in range(len(bounds) - 1)))
    bucketed = sa.select(week.label("week"), activity.c.user_id).subquery()  # grouped by name, as above
    counts = dict(db.session.execute(
        sa.select(bucketed.c.week, sa.func.count(sa.distinct(bucketed.c.user_id)))
        .where(bucketed.c.week.is_not(None)).group_by(bucketed.c.week)).tuples().all())
    return [WeekActivity(n, day, counts.get(n, 0)) for n, day, _moment in bounds[:-1]]


# How the quizzes went --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuizFigures:
    key: str
    title: str
    attempted: int  # seated learners with a submitted attempt
    passed: int  # of them, those with a passing one
    mean_best_score: float | None  # percent: the mean of each of them's best score; None when nobody attempted


def _passed_flag() -> sa.ColumnElement[int]:
    # max() of a boolean: PostgreSQL has none, so 1 or 0.
    return sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0))


def _quizzes_in_order(version_id: int) -> sa.Select:
    return (sa.select(QuizDefinition.key, QuizDefinition.title)
            .outerjoin(Unit, sa.and_(Unit.version_id == QuizDefinition.version_id, Unit.key == QuizDefinition.unit_key))
            .where(QuizDefinition.version_id == version_id))


def quiz_figures(cohort: Cohort, version_id: int) -> list[QuizFigures]:
    """Each quiz of the live version, in the course's order, with its seated learners who attempted and passed
    it and their mean best score: one query."""
    best = (sa.select(QuizAttempt.user_id, QuizAttempt.quiz_key, sa.func.max(QuizAttempt.score).label("best"),
                      _passed_flag().label("passed"))
            .where(QuizAttempt.course_id == cohort.course_id, QuizAttempt.status == AttemptStatus.submitted,
                   QuizAttempt.user_id.in_(_seated_ids(cohort)))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key).subquery())
    rows = db.session.execute(
        _quizzes_in_order(version_id)
        .add_columns(sa.func.count(best.c.user_id), sa.func.coalesce(sa.func.sum(best.c.passed), 0),
                     sa.func.avg(best.c.best))
        .outerjoin(best, best.c.quiz_key == QuizDefinition.key)
        .group_by(QuizDefinition.id, QuizDefinition.key, QuizDefinition.title, Unit.position)
        .order_by(Unit.position, QuizDefinition.key)).tuples()
    return [QuizFigures(key, title, attempted, int(passed), float(mean) if mean is not None else None)
            for key, title, attempted, passed, mean in rows]


# The learner x quiz results, for the CSV ---------------------------------------------------------------------

@dataclass(frozen=True)
class QuizResult:
    user_id: int
    display_name: str
    quiz_key: str
    quiz_title: str
    attempts: int  # submitted
    best_score: float | None
    passed: bool
    last_attempt_at: datetime | None  # the last submitted one's


def quiz_results(cohort: Cohort, version_id: int, chunk: int = 500) -> Iterator[list[QuizResult]]:
    """Every seated learner x every quiz of the live version, by learner name (then id) and the course's order of
    the quizzes, in chunks of `chunk` learners read by keyset: one query a chunk, and never the whole cohort in
    memory."""
    after: tuple[str, int] | None = None
    while True:
        members = (sa.select(CohortMembership.user_id, User.display_name)
                   .join(User, User.id == CohortMembership.user_id).where(_seated(cohort)))
        if after is not None:
            members = members.where(sa.tuple_(User.display_name, User.id)
                                    > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
        page = members.order_by(User.display_name, User.id).limit(chunk).cte("learners")
        tried = (sa.select(QuizAttempt.user_id, QuizAttempt.quiz_key, sa.func.count(QuizAttempt.id).label("attempts"),
                           sa.func.max(QuizAttempt.score).label("best"), _passed_flag().label("passed"),
                           sa.func.max(QuizAttempt.submitted_at).label("last"))
                 .where(QuizAttempt.course_id == cohort.course_id, QuizAttempt.status == AttemptStatus.submitted,
                        QuizAttempt.user_id.in_(sa.select(page.c.user_id)))
                 .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key).subquery())
        rows = db.session.execute(
            sa.select(page.c.user_id, page.c.display_name, QuizDefinition.key, QuizDefinition.title,
                      tried.c.attempts, tried.c.best, tried.c.passed, tried.c.last)
            .select_from(page).join(QuizDefinition, QuizDefinition.version_id == version_id)
            .outerjoin(Unit, sa.and_(Unit.version_id == QuizDefinition.version_id,
                                     Unit.key == QuizDefinition.unit_key))
            .outerjoin(tried, sa.and_(tried.c.user_id == page.c.user_id, tried.c.quiz_key == QuizDefinition.key))
            .order_by(page.c.display_name, page.c.user_id, Unit.position, QuizDefinition.key)).tuples().all()
        if not rows:
            return
        yield [QuizResult(user_id, name, key, title, attempts or 0, best, bool(passed), last)
               for user_id, name, key, title, attempts, best, passed, last in rows]
        last_row = rows[-1]
        after = (last_row[1], last_row[0])
