"""Read-models of the assignments area, each in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..accounts.models import User
from ..catalog.models import Course, CourseVersion, Unit
from ..extensions import db
from ..pagination import Page
from .models import (
    Assessment,
    AssessorRole,
    PeerAllocation,
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

    @property
    def staff_decide(self) -> bool:
        """Course staff accept or ask for a revision; otherwise the learner's self-assessment completes it
        (peer review, when it assesses, will take that place)."""
        return "facilitator" in self.assessed_by

    @property
    def self_assessed(self) -> bool:
        return "self" in self.assessed_by or not self.staff_decide


def _assignment(unit_key: str, title: str, declared: dict[str, Any]) -> Assignment:
    return Assignment(
        unit_key, title, declared.get("instructions_html", ""), tuple(declared.get("hand_in") or ()),
        Rubric.from_declared(declared.get("rubric") or []), tuple(declared.get("assessed_by") or ()),
        declared.get("peer_count"), bool(declared.get("counts_toward_completion", True)))


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


@dataclass(frozen=True)
class QueueFilters:
    unit_key: str = ""
    status: str = "submitted"
    page: int = 1


def review_queue(course: Course, filters: QueueFilters, *, per_page: int = 50) -> tuple[Page, list[tuple[str, str]]]:
    """The course's handed-in work, oldest first, with the units that have an assignment to filter by: the
    same number of queries for 5 submissions or 500. (The cohorts area will narrow it to a facilitator's
    cohorts.)"""
    latest = sa.select(SubmissionVersion.submission_id, sa.func.max(SubmissionVersion.number).label("number")) \
        .where(SubmissionVersion.submitted_at.is_not(None)).group_by(SubmissionVersion.submission_id).subquery()
    query = (sa.select(Submission.id, Submission.unit_key, Submission.status, Submission.submitted_at,
                       Submission.late, User.display_name, latest.c.number)
             .join(User, User.id == Submission.user_id)
             .join(latest, latest.c.submission_id == Submission.id)
             .where(Submission.course_id == course.id))
    if filters.unit_key:
        query = query.where(Submission.unit_key == filters.unit_key)
    if filters.status in tuple(SubmissionStatus):
        query = query.where(Submission.status == filters.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, filters.page), pages)
    rows = db.session.execute(query.order_by(Submission.submitted_at, Submission.id)
                              .limit(per_page).offset((number - 1) * per_page)).all()
    # A unit without an assignment may hold JSON null rather than SQL NULL: filtered here, not in SQL.
    titles = {r.key: r.title for r in db.session.execute(sa.select(Unit.key, Unit.title, Unit.assignment).where(
        Unit.version_id == course.live_version_id).order_by(Unit.position)) if r.assignment}
    items = [QueueRow(r.id, r.unit_key, titles.get(r.unit_key, r.unit_key), r.display_name,
                      SubmissionStatus(r.status), r.submitted_at, r.late, r.number) for r in rows]
    return Page(items, number, pages, total), list(titles.items())


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def course_version(version_id: int) -> CourseVersion | None:
    return db.session.get(CourseVersion, version_id)
