"""Read-models of the assignments area, each in a fixed number of queries."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, aliased

from ..accounts.models import User
from ..catalog.models import Course, CourseVersion, Unit
from ..cohorts.models import Cohort, CohortMembership, MembershipStatus
from ..extensions import db
from ..learning.activity import Moments, Timeline, timeline_row
from ..learning.models import Enrollment, EnrollmentStatus
from ..pagination import Page
from .models import (
    Assessment,
    AssessorRole,
    PeerAllocation,
    ReviewFlag,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    SubmissionVersion,
)
from .rubric import Rubric


@dataclass(frozen=True)
class Assignment:
    """An assignment as one content version declares it on a unit."""

    unit_key: str
    unit_title: str
    instructions_html: str
    hand_in: tuple[str, ...]
    rubric: Rubric
    assessed_by: tuple[str, ...]
    peer_count: int | None
    counts_toward_completion: bool
    declared_pass_mark: int | None = None

    @property
    def staff_decide(self) -> bool:
        """Course staff accept or ask for a revision (and overrule the peers); otherwise the peers' median
        decides where peers assess, and the learner's self-assessment where they cannot."""
        return "facilitator" in self.assessed_by

    @property
    def peers_assess(self) -> bool:
        return "peers" in self.assessed_by

    @property
    def pass_mark(self) -> int:
        """The points a version needs for the peers' median to accept it: as declared, else half the rubric's
        maximum, rounded up."""
        if self.declared_pass_mark is not None:
            return self.declared_pass_mark
        return -(-self.rubric.max_points // 2)

    @property
    def self_assessed(self) -> bool:
        return "self" in self.assessed_by or not self.staff_decide


def _assignment(unit_key: str, title: str, declared: dict[str, Any]) -> Assignment:
    return Assignment(
        unit_key, title, declared.get("instructions_html", ""), tuple(declared.get("hand_in") or ()),
        Rubric.from_declared(declared.get("rubric") or []), tuple(declared.get("assessed_by") or ()),
        declared.get("peer_count"), bool(declared.get("counts_toward_completion", True)),
        declared.get("pass_mark") if isinstance(declared.get("pass_mark"), int) else None)


def assignment_of(version_id: int, unit_key: str) -> Assignment | None:
    row = db.session.execute(sa.select(Unit.title, Unit.assignment).where(
        Unit.version_id == version_id, Unit.key == unit_key)).first()
    if row is None or not row.assignment:
        return None
    return _assignment(unit_key, row.title, row.assignment)


def assignments_of(version_ids: set[int]) -> dict[tuple[int, str], Assignment]:
    """Every assignment of the versions, by (version id, unit key): one query."""
    if not version_ids:
        return {}
    rows = db.session.execute(sa.select(Unit.version_id, Unit.key, Unit.title, Unit.assignment).where(
        Unit.version_id.in_(sorted(version_ids)))).all()
    return {(r.version_id, r.key): _assignment(r.key, r.title, r.assignment) for r in rows if r.assignment}


def live_version_id(course: Course) -> int | None:
    return course.live_version_id


# Who reviews whose work: peers within a cohort, or across self-paced learners --------------------------------

def _seated_cohorts(user_id: int, course_id: int) -> sa.Select:
    """The cohorts of the course the learner holds a seat in (one waiting for a seat studies self-paced). Its
    own aliases: nested in another query over memberships, it must not correlate with it."""
    seat, cohort = aliased(CohortMembership), aliased(Cohort)
    return (sa.select(seat.cohort_id).join(cohort, cohort.id == seat.cohort_id)
            .where(seat.user_id == user_id, cohort.course_id == course_id, seat.status == MembershipStatus.MEMBER))


def same_peer_group(user_id_column: Any, user_id: int, course_id: int) -> sa.ColumnElement[bool]:
    """SQL: the learner in user_id_column studies the course alongside user_id, so that the two review each
    other's work: seated in one of user_id's cohorts of the course, or, where user_id has none, seated in no
    cohort of it either (self-paced learners review each other). The relation is symmetric."""
    mine = _seated_cohorts(user_id, course_id)
    peer, seated, cohort = aliased(CohortMembership), aliased(CohortMembership), aliased(Cohort)
    co_members = sa.select(peer.user_id).where(peer.cohort_id.in_(mine), peer.status == MembershipStatus.MEMBER)
    seated_anywhere = (sa.select(seated.user_id).join(cohort, cohort.id == seated.cohort_id)
                       .where(cohort.course_id == course_id, seated.status == MembershipStatus.MEMBER))
    return sa.or_(sa.and_(mine.exists(), user_id_column.in_(co_members)),
                  sa.and_(~mine.exists(), user_id_column.not_in(seated_anywhere)))


def in_a_cohort(user_id: int, course_id: int) -> bool:
    """Whether the learner holds a seat in a cohort of the course (else they study it self-paced)."""
    return bool(db.session.scalar(sa.select(_seated_cohorts(user_id, course_id).exists())))


def cohort_of(user_id: int, course_id: int) -> Cohort | None:
    """The learner's cohort of the course (the first joined, should they hold seats in two)."""
    return db.session.scalar(
        sa.select(Cohort).join(CohortMembership, CohortMembership.cohort_id == Cohort.id)
        .where(CohortMembership.user_id == user_id, Cohort.course_id == course_id,
               CohortMembership.status == MembershipStatus.MEMBER)
        .order_by(CohortMembership.joined_at, CohortMembership.id).limit(1))


# A learner's own work ------------------------------------------------------------------------------------------

@dataclass
class VersionView:
    version: SubmissionVersion
    files: list[SubmissionFile] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)

    def by(self, role: AssessorRole) -> Assessment | None:
        found = [a for a in self.assessments if a.role == role]
        return found[-1] if found else None


@dataclass
class SubmissionView:
    submission: Submission | None
    versions: list[VersionView]  # oldest first; the draft, if any, last

    @property
    def draft(self) -> VersionView | None:
        return self.versions[-1] if self.versions and self.versions[-1].version.is_draft else None

    @property
    def submitted(self) -> list[VersionView]:
        return [v for v in self.versions if not v.version.is_draft]

    @property
    def latest_submitted(self) -> VersionView | None:
        done = self.submitted
        return done[-1] if done else None

    @property
    def status(self) -> SubmissionStatus | None:
        return self.submission.status if self.submission else None

    @property
    def can_edit(self) -> bool:
        return self.submission is None or self.submission.status in (SubmissionStatus.draft,
                                                                     SubmissionStatus.needs_revision)


def submission_reviewed_in(assessment_id: int) -> Submission | None:
    """The submission whose version an assessment scores."""
    return db.session.scalar(
        sa.select(Submission).join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Assessment, Assessment.version_id == SubmissionVersion.id).where(Assessment.id == assessment_id))


def flags_of(submission_id: int) -> dict[int, ReviewFlag]:
    """The flags on the reviews of a submission, by the flagged assessment's id."""
    return {f.assessment_id: f for f in db.session.scalars(sa.select(ReviewFlag).where(
        ReviewFlag.submission_id == submission_id))}


def submission_view(submission: Submission | None) -> SubmissionView:
    """The submission with every version, its files and assessments: three queries at most."""
    if submission is None:
        return SubmissionView(None, [])
    versions = list(db.session.scalars(sa.select(SubmissionVersion).where(
        SubmissionVersion.submission_id == submission.id).order_by(SubmissionVersion.number)))
    views = {v.id: VersionView(v) for v in versions}
    if views:
        for file in db.session.scalars(sa.select(SubmissionFile).where(
                SubmissionFile.version_id.in_(list(views))).order_by(SubmissionFile.id)):
            views[file.version_id].files.append(file)
        for assessment in db.session.scalars(sa.select(Assessment).where(
                Assessment.version_id.in_(list(views))).order_by(Assessment.id)):
            views[assessment.version_id].assessments.append(assessment)
    return SubmissionView(submission, list(views.values()))


def submission_of(user_id: int, course_id: int, unit_key: str) -> Submission | None:
    return db.session.scalar(sa.select(Submission).where(
        Submission.user_id == user_id, Submission.course_id == course_id, Submission.unit_key == unit_key))


def bytes_stored_by(user_id: int) -> int:
    """What the learner's files take (a file shared by versions of a submission counts once)."""
    distinct = sa.select(SubmissionFile.storage_key, sa.func.max(SubmissionFile.size).label("size")) \
        .where(SubmissionFile.user_id == user_id).group_by(SubmissionFile.storage_key).subquery()
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(distinct.c.size), 0))) or 0)


@dataclass(frozen=True)
class PanelData:
    assignment: Assignment
    view: SubmissionView
    can_hand_in: bool
    stored_bytes: int
    quota_bytes: int
    peer_reviews_to_do: tuple[PeerAllocation, ...] = ()
    # The reviews of the learner's work by peers are shown once the learner has done their own.
    peer_reviews_visible: bool = False
    flags: dict[int, ReviewFlag] = field(default_factory=dict)  # by assessment id: reviews flagged as unfair
    # By assessment id: who wrote each peer review, where the learner's cohort names reviewers (else empty).
    peer_reviewer_names: dict[int, str] = field(default_factory=dict)
    due_at: datetime | None = None  # when the learner's cohort expects the work; None: self-paced, never due


def peer_reviewer_names(submission_id: int) -> dict[int, str]:
    """The names of the peers who reviewed the submission's versions, by assessment id (an erased reviewer
    has none): one query."""
    return {r.id: r.display_name for r in db.session.execute(
        sa.select(Assessment.id, User.display_name).join(User, User.id == Assessment.assessor_id)
        .join(SubmissionVersion, SubmissionVersion.id == Assessment.version_id)
        .where(SubmissionVersion.submission_id == submission_id, Assessment.role == AssessorRole.peer))}


def is_allocated_peer(reviewer_id: int, version_id: int) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        PeerAllocation.reviewer_id == reviewer_id, PeerAllocation.version_id == version_id)) is not None


# The staff queue -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    submission_id: int
    unit_key: str
    unit_title: str
    learner_name: str
    status: SubmissionStatus
    submitted_at: datetime | None
    late: bool
    version_number: int
    open_flags: int = 0  # reviews of it the learner flagged as unfair, not yet settled by staff


SELF_PACED = "self-paced"  # the queue's cohort filter for learners in no cohort


@dataclass(frozen=True)
class QueueFilters:
    unit_key: str = ""
    status: str = "submitted"
    page: int = 1
    cohort: str = ""  # "": every cohort the reviewer sees; a cohort's id; SELF_PACED


@dataclass(frozen=True)
class ReviewQueue:
    page: Page
    units: list[tuple[str, str]]  # (key, title) of the units with an assignment
    cohorts: list[tuple[str, str]]  # (filter value, label) of the cohorts to filter by


def review_queue(course: Course, filters: QueueFilters, *, cohort_ids: Collection[int] | None = None,
                 per_page: int = 50) -> ReviewQueue:
    """The handed-in work of the course, oldest first, with the units and cohorts to filter by: the same number
    of queries for 5 submissions or 500. cohort_ids: the cohorts whose learners' work the reviewer sees
    (policy.reviewed_cohort_ids; those of other courses are ignored), None for the whole course."""
    latest = sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number")) \
        .where(SubmissionVersion.submitted_at.is_not(None)).group_by(SubmissionVersion.submission_id).subquery()
    flags = sa.select(ReviewFlag.submission_id, sa.func.count(ReviewFlag.id).label("open_flags")) \
        .where(ReviewFlag.resolved_at.is_(None)).group_by(ReviewFlag.submission_id).subquery()
    query = (sa.select(Submission.id, Submission.unit_key, Submission.status, Submission.submitted_at,
                       Submission.late, User.display_name, latest.c.number,
                       sa.func.coalesce(flags.c.open_flags, 0).label("open_flags"))
             .join(User, User.id == Submission.user_id)
             .join(latest, latest.c.submission_id == Submission.id)
             .outerjoin(flags, flags.c.submission_id == Submission.id)
             .where(Submission.course_id == course.id))
    cohorts_shown = sa.select(Cohort.id, Cohort.name).where(Cohort.course_id == course.id)
    if cohort_ids is not None:
        cohorts_shown = cohorts_shown.where(Cohort.id.in_(sorted(cohort_ids)))
    cohort_rows = db.session.execute(cohorts_shown.order_by(Cohort.starts_on, Cohort.id)).all()
    if cohort_ids is not None:
        query = query.where(Submission.user_id.in_(members_of([r.id for r in cohort_rows])))
    if filters.cohort == SELF_PACED and cohort_ids is None:
        query = query.where(Submission.user_id.not_in(members_of([r.id for r in cohort_rows])))
    elif filters.cohort.isdigit() and int(filters.cohort) in {r.id for r in cohort_rows}:
        query = query.where(Submission.user_id.in_(members_of([int(filters.cohort)])))
    elif filters.cohort:
        query = query.where(sa.false())  # a cohort the reviewer does not see: nothing
    if filters.unit_key:
        query = query.where(Submission.unit_key == filters.unit_key)
    if filters.status in tuple(SubmissionStatus):
        query = query.where(Submission.status == filters.status)
    elif filters.status == "flagged":
        query = query.where(flags.c.open_flags > 0)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, filters.page), pages)
    rows = db.session.execute(query.order_by(Submission.submitted_at, Submission.id)
                              .limit(per_page).offset((number - 1) * per_page)).all()
    titles = _assignment_titles(course)
    items = [QueueRow(r.id, r.unit_key, titles.get(r.unit_key, r.unit_key), r.display_name,
                      SubmissionStatus(r.status), r.submitted_at, r.late, r.number, r.open_flags) for r in rows]
    cohorts = [(str(r.id), r.name) for r in cohort_rows]
    if cohort_ids is None:
        cohorts.append((SELF_PACED, ""))  # the template names it
    return ReviewQueue(Page(items, number, pages, total), list(titles.items()), cohorts)


def members_of(cohort_ids: Collection[int]) -> sa.Select:
    """The learners of these cohorts, seated or waiting: their facilitators reach both (as relations_for)."""
    return sa.select(CohortMembership.user_id).where(CohortMembership.cohort_id.in_(list(cohort_ids)))


def _assignment_titles(course: Course) -> dict[str, str]:
    # A unit without an assignment may hold JSON null rather than SQL NULL: filtered here, not in SQL.
    return {r.key: r.title for r in db.session.execute(sa.select(Unit.key, Unit.title, Unit.assignment).where(
        Unit.version_id == course.live_version_id).order_by(Unit.position)) if r.assignment}


@dataclass(frozen=True)
class ResultRow:
    unit_key: str
    unit_title: str
    handed_in: int  # learners who handed in at least once
    waiting: int
    needs_revision: int
    accepted: int
    late: int
    mean_points: float | None  # of staff's scores that came with a decision; None: none yet
    max_points: int | None


def assignment_results(course: Course) -> list[ResultRow]:
    """The course team's view: per assignment, how many learners handed in, in which state, how many late, and
    the mean staff score, with no learner named. Three queries (units, counts, scores) whatever the size."""
    titles = _assignment_titles(course)
    counts = {r.unit_key: r for r in db.session.execute(
        sa.select(Submission.unit_key, sa.func.count(Submission.id).label("handed_in"),
                  *[sa.func.sum(sa.case((Submission.status == status, 1), else_=0)).label(status.value)
                    for status in (SubmissionStatus.submitted, SubmissionStatus.needs_revision,
                                   SubmissionStatus.accepted)],
                  sa.func.sum(sa.case((Submission.late.is_(True), 1), else_=0)).label("late"))
        .where(Submission.course_id == course.id, Submission.submitted_at.is_not(None))
        .group_by(Submission.unit_key))}
    scores = {r.unit_key: r for r in db.session.execute(
        sa.select(Submission.unit_key, sa.func.avg(Assessment.points).label("mean"),
                  sa.func.max(Assessment.max_points).label("max_points"))
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Assessment, Assessment.version_id == SubmissionVersion.id)
        .where(Submission.course_id == course.id, Assessment.role == AssessorRole.facilitator,
               Assessment.decision.is_not(None))
        .group_by(Submission.unit_key))}
    found = []
    for key, title in titles.items():
        row, score = counts.get(key), scores.get(key)
        found.append(ResultRow(key, title, row.handed_in if row else 0, int(row.submitted or 0) if row else 0,
                               int(row.needs_revision or 0) if row else 0, int(row.accepted or 0) if row else 0,
                               int(row.late or 0) if row else 0,
                               round(float(score.mean), 1) if score and score.mean is not None else None,
                               score.max_points if score else None))
    return found


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def course_version(version_id: int) -> CourseVersion | None:
    return db.session.get(CourseVersion, version_id)


def courses_by_id(course_ids: set[int]) -> dict[int, Course]:
    if not course_ids:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(Course).where(Course.id.in_(sorted(course_ids))))}


# The API: my assignments, my submissions, my reviews to do (each page in a fixed number of queries) ----------

@dataclass(frozen=True)
class MyAssignmentRow:
    unit_id: int
    course_id: int
    course_slug: str
    course_title: str
    assignment: Assignment
    status: SubmissionStatus | None
    submitted_at: datetime | None = None  # of the latest hand-in
    late: bool = False  # the latest hand-in came after the cohort's due date


def my_assignments_page(user_id: int, *, after_unit_id: int, limit: int) -> tuple[list[MyAssignmentRow], int | None]:
    """The assignments of the live versions of the courses the learner is enrolled in, by unit, with the state
    of their work: one query. Returns the rows and the unit id to continue after (None: the last page); a page
    may hold fewer than limit rows (activity units without an assignment are skipped)."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.key, Unit.title, Unit.assignment, Course.id.label("course_id"), Course.slug,
                  Course.title.label("course_title"), Submission.status, Submission.submitted_at, Submission.late)
        .join(Course, Course.live_version_id == Unit.version_id)
        .join(Enrollment, sa.and_(Enrollment.course_id == Course.id, Enrollment.user_id == user_id,
                                  Enrollment.status == EnrollmentStatus.active))
        .outerjoin(Submission, sa.and_(Submission.user_id == user_id, Submission.course_id == Course.id,
                                       Submission.unit_key == Unit.key))
        .where(Unit.type == "activity", Unit.id > after_unit_id)
        .order_by(Unit.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    found = [MyAssignmentRow(r.id, r.course_id, r.slug, r.course_title, _assignment(r.key, r.title, r.assignment),
                             SubmissionStatus(r.status) if r.status else None, r.submitted_at, bool(r.late))
             for r in rows if r.assignment]
    return found, (rows[-1].id if more else None)


@dataclass(frozen=True)
class MySubmissionRow:
    submission: Submission
    course_slug: str
    unit_title: str
    versions_submitted: int
    latest_assessments: list[Assessment]


def my_submissions_page(user_id: int, *, after_id: int, limit: int) -> tuple[list[MySubmissionRow], bool]:
    """The learner's submissions, oldest first, with the assessments of each one's latest handed-in version:
    three queries."""
    latest = sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number"),
                       sa.func.count(SubmissionVersion.id).label("handed_in")) \
        .where(SubmissionVersion.submitted_at.is_not(None)).group_by(SubmissionVersion.submission_id).subquery()
    rows = db.session.execute(
        sa.select(Submission, Course.slug, Course.live_version_id, latest.c.number, latest.c.handed_in)
        .join(Course, Course.id == Submission.course_id)
        .outerjoin(latest, latest.c.submission_id == Submission.id)
        .where(Submission.user_id == user_id, Submission.id > after_id)
        .order_by(Submission.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], False
    titles = {(r.version_id, r.key): r.title for r in db.session.execute(
        sa.select(Unit.version_id, Unit.key, Unit.title).where(
            Unit.version_id.in_({r.live_version_id for r in rows if r.live_version_id}),
            Unit.key.in_({r[0].unit_key for r in rows})))}
    wanted = [(r[0].id, r.number) for r in rows if r.number]
    assessments: dict[int, list[Assessment]] = {}
    if wanted:
        for assessment, submission_id in db.session.execute(
                sa.select(Assessment, SubmissionVersion.submission_id)
                .join(SubmissionVersion, SubmissionVersion.id == Assessment.version_id)
                .where(sa.tuple_(SubmissionVersion.submission_id, SubmissionVersion.number).in_(wanted))
                .order_by(Assessment.id)):
            assessments.setdefault(submission_id, []).append(assessment)
    return [MySubmissionRow(r[0], r.slug, titles.get((r.live_version_id, r[0].unit_key), r[0].unit_key),
                            r.handed_in or 0, assessments.get(r[0].id, [])) for r in rows], more


@dataclass(frozen=True)
class MyReviewRow:
    allocation: PeerAllocation
    course_slug: str
    unit_key: str
    unit_title: str


def my_reviews_to_do(user_id: int, *, after_id: int, limit: int) -> tuple[list[MyReviewRow], bool]:
    """The peer reviews given to the learner and not done (nor taken back), oldest first: one query. Nothing of
    the author: the reviews are anonymous."""
    rows = db.session.execute(
        sa.select(PeerAllocation, Course.slug, Submission.unit_key, Unit.title)
        .join(SubmissionVersion, SubmissionVersion.id == PeerAllocation.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Course, Course.id == Submission.course_id)
        .outerjoin(Unit, sa.and_(Unit.version_id == SubmissionVersion.course_version_id,
                                 Unit.key == Submission.unit_key))
        .where(PeerAllocation.reviewer_id == user_id, PeerAllocation.completed_at.is_(None),
               PeerAllocation.released_at.is_(None), PeerAllocation.id > after_id)
        .order_by(PeerAllocation.id).limit(limit + 1)).all()
    more = len(rows) > limit
    return [MyReviewRow(r[0], r.slug, r.unit_key, r.title or r.unit_key) for r in rows[:limit]], more


def submission_moments(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    """When the learner last handed in work on each of the course's assignments: activity (learning.activity)."""
    return sa.select(Submission.submitted_at).where(
        Submission.user_id == learner, Submission.course_id == course_id, Submission.submitted_at.is_not(None))


def submission_timeline(course_id: int, user_id: int) -> Timeline:
    """Each version of work the learner handed in on the course's assignments, titled by the unit as the
    version it answers has it; the key is the unit's: rows of learning.activity's timeline."""
    unit = sa.and_(Unit.version_id == SubmissionVersion.course_version_id, Unit.key == Submission.unit_key)
    return (sa.select(*timeline_row("submission", SubmissionVersion.submitted_at,
                                    sa.func.coalesce(Unit.title, Submission.unit_key), Submission.unit_key))
            .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id).outerjoin(Unit, unit)
            .where(Submission.user_id == user_id, Submission.course_id == course_id,
                   SubmissionVersion.submitted_at.is_not(None)))
