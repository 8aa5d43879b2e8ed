"""Read-models of people, each in a fixed number of queries: a person's profile as a viewer may see it, the
people of a course or cohort who show their profile, what decides whether one person may write to another,
and the administrators' queue of reported profiles."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .. import policy
from ..accounts.models import RoleGrant, ScopeType, User
from ..catalog.models import CourseCompetence
from ..certificates.models import Certificate, CertificateKind, CertificateStatus
from ..cohorts.models import Cohort, CohortMembership, MembershipStatus
from ..extensions import db
from ..learning.models import Enrollment
from ..pagination import Page
from ..query_args import MAX_PAGE, parse_whole_number
from .models import Block, Profile, ProfileReport, ProfileVisibility, ReportOutcome

PEOPLE_PER_PAGE = 30


@dataclass(frozen=True)
class Settings:
    """A person's profile settings; a person with no profile row has the defaults."""

    visibility: ProfileVisibility = ProfileVisibility.HIDDEN
    allow_messages: bool = False
    links: tuple[str, ...] = ()

    @property
    def visible(self) -> bool:
        return self.visibility == ProfileVisibility.COURSE_MATES


DEFAULTS = Settings()


def _settings(row: Profile | None) -> Settings:
    if row is None:
        return DEFAULTS
    return Settings(row.visibility, row.allow_messages, tuple(row.links or ()))


def profile_row(user_id: int) -> Profile | None:
    return db.session.scalar(sa.select(Profile).where(Profile.user_id == user_id))


def settings_of(user_id: int) -> Settings:
    return _settings(profile_row(user_id))


def settings_for(user_ids: Collection[int]) -> dict[int, Settings]:
    """Every person's settings in one query (the defaults for those without a row)."""
    ids = set(user_ids)
    rows = {p.user_id: p for p in db.session.scalars(sa.select(Profile).where(Profile.user_id.in_(ids)))} if ids else {}
    return {i: _settings(rows.get(i)) for i in ids}


def blocks_between(a: int, b: int) -> set[tuple[int, int]]:
    """The (blocker, blocked) pairs between two people, in one query."""
    rows = db.session.execute(sa.select(Block.blocker_id, Block.blocked_id).where(sa.or_(
        sa.and_(Block.blocker_id == a, Block.blocked_id == b),
        sa.and_(Block.blocker_id == b, Block.blocked_id == a)))).tuples()
    return set(rows)


def has_blocked(blocker_id: int, blocked_id: int) -> bool:
    return (blocker_id, blocked_id) in blocks_between(blocker_id, blocked_id)


def blocked_by(user_id: int) -> list[tuple[int, str]]:
    """The people this person blocked: (id, display name), by name."""
    return list(db.session.execute(
        sa.select(User.id, User.display_name).join(Block, Block.blocked_id == User.id)
        .where(Block.blocker_id == user_id).order_by(User.display_name, User.id)).tuples())


def blocker_ids_among(member_ids: Collection[int], viewer_id: int) -> set[int]:
    """Which of these people blocked the viewer (one query)."""
    ids = set(member_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Block.blocker_id).where(
        Block.blocked_id == viewer_id, Block.blocker_id.in_(ids))))


# May one person write to another ------------------------------------------------------------------------------

def may_message(sender: Any, recipient: Any) -> bool:
    """policy.can_message with its facts: both people's relations, the blocks between them, both settings."""
    if not policy.signed_in(sender) or recipient is None or recipient.status == "deleted":
        return False
    towards = policy.relations(sender, recipient)
    back = policy.relations(recipient, sender)
    settings = settings_for({sender.id, recipient.id})
    return policy.can_message(towards, back, blocked=bool(blocks_between(sender.id, recipient.id)),
                              both_allow=settings[sender.id].allow_messages and settings[recipient.id].allow_messages)


def blocks_with(user_id: int, others: Collection[int]) -> set[int]:
    """Which of `others` blocked this person or were blocked by them, in one query (whom a post by this
    person must not notify)."""
    ids = set(others) - {user_id}
    if not ids:
        return set()
    rows = db.session.execute(sa.select(Block.blocker_id, Block.blocked_id).where(sa.or_(
        sa.and_(Block.blocker_id.in_(ids), Block.blocked_id == user_id),
        sa.and_(Block.blocker_id == user_id, Block.blocked_id.in_(ids))))).tuples()
    return {blocker if blocked == user_id else blocked for blocker, blocked in rows}


def blocked_among(user_id: int, others: Collection[int]) -> bool:
    """Whether anyone of `others` blocked this person or was blocked by them (a group conversation)."""
    ids = set(others) - {user_id}
    if not ids:
        return False
    return db.session.scalar(sa.select(Block.id).where(sa.or_(
        sa.and_(Block.blocker_id.in_(ids), Block.blocked_id == user_id),
        sa.and_(Block.blocker_id == user_id, Block.blocked_id.in_(ids)))).limit(1)) is not None


# A profile page ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProfileView:
    subject: User
    settings: Settings
    relations: frozenset[str]
    competences: list[str]
    blocked_by_viewer: bool  # the viewer blocked this person
    may_message: bool
    may_block: bool

    @property
    def fields(self) -> set[str]:
        return {what for what, allowed in policy.VISIBILITY.items() if allowed & self.relations}


def competences_of(user_id: int) -> list[str]:
    """The competences of the courses whose valid certificate of achievement the person holds (one query)."""
    return list(db.session.scalars(
        sa.select(CourseCompetence.name).join(Certificate, Certificate.course_id == CourseCompetence.course_id)
        .where(Certificate.user_id == user_id, Certificate.status == CertificateStatus.VALID,
               Certificate.kind == CertificateKind.ACHIEVEMENT)
        .group_by(CourseCompetence.name).order_by(CourseCompetence.name)))


def profile_view(viewer: Any, subject_id: int) -> ProfileView | None:
    """The person's profile as the viewer may see it, or None where policy.can_view_profile says no."""
    subject = db.session.get(User, subject_id)
    if subject is None or subject.status == "deleted" or not policy.signed_in(viewer):
        return None
    relations = policy.relations(viewer, subject)
    own = viewer.id == subject.id
    back = frozenset() if own else policy.relations(subject, viewer)
    settings = settings_of(subject.id)
    blocks = blocks_between(viewer.id, subject.id)
    if not policy.can_view_profile(relations, visible=settings.visible, blocked=(subject.id, viewer.id) in blocks,
                                   back=back):
        return None
    return ProfileView(subject, settings, relations, competences_of(subject.id),
                       blocked_by_viewer=(viewer.id, subject.id) in blocks,
                       may_message=not own and may_message(viewer, subject),
                       may_block=not own and policy.can_block(relations, back))


# People lists -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    user_id: int
    display_name: str
    bio: str


def _visible_people(viewer: Any, members: sa.Select) -> sa.Select:
    """The opted-in people among `members` (a select of user ids) who did not block the viewer, by name."""
    return (sa.select(User.id, User.display_name, User.bio)
            .join(Profile, Profile.user_id == User.id)
            .where(User.id.in_(members), Profile.visibility == ProfileVisibility.COURSE_MATES,
                   User.status != "deleted",
                   ~sa.exists().where(Block.blocker_id == User.id, Block.blocked_id == viewer.id))
            .order_by(User.display_name, User.id))


def _viewable(viewer: Any, rows: Sequence[Any], course: Any) -> list[Person]:
    """The rows' people the viewer may see (one relations_for for them all)."""
    relations = policy.relations_for(viewer, [row.id for row in rows], course)
    return [Person(row.id, row.display_name, row.bio) for row in rows
            if policy.can_view_profile(relations[row.id], visible=True, blocked=False)]


def _people_page(viewer: Any, members: sa.Select, page: int | str, course: Any) -> Page:
    """A numbered page of the people among `members` the viewer may see: a count, a page, their relations."""
    query = _visible_people(viewer, members)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PEOPLE_PER_PAGE))
    shown = paginate_number(page, pages)
    rows = db.session.execute(query.limit(PEOPLE_PER_PAGE).offset((shown - 1) * PEOPLE_PER_PAGE)).all()
    return Page(_viewable(viewer, rows, course), shown, pages, total)


def _people_after(viewer: Any, members: sa.Select, course: Any, *, after: tuple[str, int] | None,
                  limit: int) -> tuple[list[Person], tuple[str, int] | None]:
    """The people after (name, id), at most limit, and the position to go on from (None on the last page)."""
    query = _visible_people(viewer, members)
    if after is not None:
        query = query.where(sa.or_(User.display_name > after[0],
                                   sa.and_(User.display_name == after[0], User.id > after[1])))
    rows = db.session.execute(query.limit(limit + 1)).all()
    last = (rows[limit - 1].display_name, rows[limit - 1].id) if len(rows) > limit else None
    return _viewable(viewer, rows[:limit], course), last


def paginate_number(page: int | str, pages: int) -> int:
    asked = page if isinstance(page, int) else parse_whole_number(page, 1, minimum=1, maximum=MAX_PAGE)
    return min(max(1, asked), pages)


def _course_members(course: Any) -> sa.Select:
    return sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.status == "active")


def _cohort_members(cohort: Cohort) -> sa.Select:
    return (sa.select(CohortMembership.user_id)
            .join(Enrollment, sa.and_(Enrollment.user_id == CohortMembership.user_id,
                                      Enrollment.course_id == cohort.course_id, Enrollment.status == "active"))
            .where(CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER))


def course_people(viewer: Any, course: Any, page: int | str = 1) -> Page:
    return _people_page(viewer, _course_members(course), page, course)


def cohort_people(viewer: Any, cohort: Cohort, course: Any, page: int | str = 1) -> Page:
    return _people_page(viewer, _cohort_members(cohort), page, course)


def course_people_after(viewer: Any, course: Any, *, after: tuple[str, int] | None,
                        limit: int) -> tuple[list[Person], tuple[str, int] | None]:
    return _people_after(viewer, _course_members(course), course, after=after, limit=limit)


def cohort_people_after(viewer: Any, cohort: Cohort, course: Any, *, after: tuple[str, int] | None,
                        limit: int) -> tuple[list[Person], tuple[str, int] | None]:
    return _people_after(viewer, _cohort_members(cohort), course, after=after, limit=limit)


def cohort_facilitators(cohort_id: int) -> list[tuple[int, str]]:
    """Who leads the cohort (their cohort-scoped grants): (id, display name), by name."""
    return list(db.session.execute(
        sa.select(User.id, User.display_name).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "facilitator", RoleGrant.scope_type == ScopeType.COHORT.value,
               RoleGrant.scope_id == cohort_id, User.status != "deleted")
        .order_by(User.display_name, User.id)).tuples())


def cohort_by_id(cohort_id: int) -> Cohort | None:
    return db.session.get(Cohort, cohort_id)


def is_cohort_member(cohort_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(CohortMembership.id).where(
        CohortMembership.cohort_id == cohort_id, CohortMembership.user_id == user_id,
        CohortMembership.status == MembershipStatus.MEMBER)) is not None


# Reports ------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportedProfile:
    subject_id: int
    display_name: str
    bio: str
    reasons: list[str]
    oldest: datetime


def reported_profiles() -> list[ReportedProfile]:
    """Profiles with open reports, oldest report first: one query."""
    rows = db.session.execute(
        sa.select(ProfileReport.subject_id, ProfileReport.reason, ProfileReport.created_at, User.display_name,
                  User.bio)
        .join(User, User.id == ProfileReport.subject_id)
        .where(ProfileReport.outcome == ReportOutcome.OPEN).order_by(ProfileReport.created_at, ProfileReport.id)).all()
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.subject_id, []).append(row)
    return [ReportedProfile(subject_id, found[0].display_name, found[0].bio, [r.reason for r in found],
                            found[0].created_at) for subject_id, found in grouped.items()]
