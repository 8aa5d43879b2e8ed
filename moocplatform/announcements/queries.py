"""Read-models of announcements, each in a fixed number of queries: who an announcement goes to (in batches
by id), the latest a viewer may read (the course page's panel), a page of them, and one; of a course, or of a
programme's cohort (which has no course)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .. import policy
from ..accounts.models import User, UserStatus
from ..catalog.models import Course
from ..cohorts.models import Cohort, CohortMembership, MembershipStatus, Programme, Team, TeamMembership
from ..extensions import db
from ..learning.models import Enrollment, EnrollmentStatus
from ..organisations.models import Organisation
from ..pagination import Page, paginate
from .models import Announcement

PER_PAGE = 20


def audience_after(announcement: Announcement, after_id: int, limit: int) -> list[Any]:
    """The next `limit` people (by id, after `after_id`) an announcement goes to: the course's active
    enrolments, the cohort's seated members, or the seated members of one team of it; never its author nor an
    account that cannot log in. One query on the enrolments' (or memberships') index."""
    if announcement.cohort_id is not None:
        members = (sa.select(CohortMembership.user_id).where(CohortMembership.cohort_id == announcement.cohort_id,
                                                             CohortMembership.status == MembershipStatus.MEMBER))
        if announcement.team_id is not None:
            members = members.where(CohortMembership.user_id.in_(
                sa.select(TeamMembership.user_id).where(TeamMembership.team_id == announcement.team_id)))
    else:
        members = sa.select(Enrollment.user_id).where(Enrollment.course_id == announcement.course_id,
                                                      Enrollment.status == EnrollmentStatus.active)
    query = sa.select(User).where(User.id.in_(members), User.id > after_id, User.status == UserStatus.active)
    if announcement.author_id is not None:
        query = query.where(User.id != announcement.author_id)
    return list(db.session.scalars(query.order_by(User.id).limit(limit)))


def _readable_by(viewer: Any, course: Any) -> sa.ColumnElement[bool]:
    """The course's announcements the viewer reads: staff all of them; a learner the course-wide ones, those of
    the cohorts they are a member of and those of their team there (subqueries, so the page asks no more than
    once)."""
    if policy.is_course_staff(viewer, course):
        return Announcement.course_id == course.id
    mine = sa.select(CohortMembership.cohort_id).where(CohortMembership.user_id == viewer.id,
                                                       CohortMembership.status == MembershipStatus.MEMBER)
    my_teams = sa.select(TeamMembership.team_id).where(TeamMembership.user_id == viewer.id)
    return sa.and_(Announcement.course_id == course.id,
                   sa.or_(Announcement.cohort_id.is_(None),
                          sa.and_(Announcement.cohort_id.in_(mine),
                                  sa.or_(Announcement.team_id.is_(None), Announcement.team_id.in_(my_teams)))))


@dataclass(frozen=True)
class ShownAnnouncement:
    announcement: Announcement
    author_name: str
    cohort_name: str | None  # None: to the whole course
    team_name: str | None = None  # None: to the whole cohort (or course)


def _shown(query: sa.Select) -> sa.Select:
    return (query.add_columns(User.display_name, Cohort.name, Team.name)
            .outerjoin(User, User.id == Announcement.author_id).outerjoin(Cohort, Cohort.id == Announcement.cohort_id)
            .outerjoin(Team, Team.id == Announcement.team_id))


def latest_for(viewer: Any, course: Any) -> ShownAnnouncement | None:
    """The newest announcement the viewer reads in the course: one query."""
    row = db.session.execute(_shown(sa.select(Announcement)).where(_readable_by(viewer, course))
                             .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(1)).first()
    return ShownAnnouncement(row[0], row[1] or "", row[2], row[3]) if row is not None else None


def announcements_page(viewer: Any, course: Any, page: int | str) -> Page:
    """The announcements the viewer reads, newest first: a count and a page."""
    return _page(_readable_by(viewer, course), page)


def _page(readable: sa.ColumnElement[bool], page: int | str, per_page: int = PER_PAGE) -> Page:
    query = (sa.select(Announcement).where(readable)
             .order_by(Announcement.created_at.desc(), Announcement.id.desc()))
    result = paginate(query, page, per_page=per_page)
    if not result.items:
        return result
    names = {row[0]: (row[1] or "", row[2], row[3]) for row in db.session.execute(
        _shown(sa.select(Announcement.id)).where(Announcement.id.in_([a.id for a in result.items])))}
    result.items = [ShownAnnouncement(a, *names[a.id]) for a in result.items]
    return result


def readable_announcement(viewer: Any, course: Any, announcement_id: int) -> ShownAnnouncement | None:
    row = db.session.execute(_shown(sa.select(Announcement)).where(
        _readable_by(viewer, course), Announcement.id == announcement_id)).first()
    return ShownAnnouncement(row[0], row[1] or "", row[2], row[3]) if row is not None else None


def cohorts_to_announce_to(viewer: Any, course: Any) -> list[tuple[int, str]]:
    """The cohorts of the course the viewer may announce to (id, name): all of them for whoever announces to
    the course, the ones they lead for a cohort's facilitator."""
    rows = db.session.execute(sa.select(Cohort).where(Cohort.course_id == course.id)
                              .order_by(Cohort.starts_on, Cohort.id)).scalars()
    return [(c.id, c.name) for c in rows if policy.can_announce_to_cohort(viewer, c, course)]


def teams_of_cohorts(cohort_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """The teams (id, name) of each of those cohorts, by name: one query, none for no cohort."""
    found: dict[int, list[tuple[int, str]]] = {}
    if not cohort_ids:
        return found
    for team_id, cohort_id, name in db.session.execute(
            sa.select(Team.id, Team.cohort_id, Team.name).where(Team.cohort_id.in_(cohort_ids))
            .order_by(Team.name, Team.id)).tuples():
        found.setdefault(cohort_id, []).append((team_id, name))
    return found


def team_of(team_id: int) -> Team | None:
    return db.session.get(Team, team_id)


def cohort_of(cohort_id: int) -> Cohort | None:
    return db.session.get(Cohort, cohort_id)


def announcement_by_id(announcement_id: int) -> Announcement | None:
    return db.session.get(Announcement, announcement_id)


def course_of(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


# A programme's cohort -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgrammeCohort:
    """A programme's cohort with what its announcements' rules ask: its programme and the programme's
    organisation (whose admins edit it), and the viewer's membership (None: not in it)."""
    cohort: Cohort
    programme: Programme
    organisation: Organisation | None
    membership: CohortMembership | None


def programme_cohort(cohort_id: int, viewer: Any) -> ProgrammeCohort | None:
    """The cohort if it is a programme's, with its programme, organisation and the viewer's membership: one
    query."""
    viewer_id = viewer.id if policy.signed_in(viewer) else None
    row = db.session.execute(
        sa.select(Cohort, Programme, Organisation, CohortMembership)
        .join(Programme, Programme.id == Cohort.programme_id)
        .outerjoin(Organisation, Organisation.id == Programme.organisation_id)
        .outerjoin(CohortMembership, sa.and_(CohortMembership.cohort_id == Cohort.id,
                                             CohortMembership.user_id == viewer_id))
        .where(Cohort.id == cohort_id)).first()
    return ProgrammeCohort(*row) if row is not None else None


def _readable_in_cohort(viewer: Any, cohort: Any, *, staff: bool) -> sa.ColumnElement[bool]:
    """A programme cohort's announcements the viewer reads (the view has checked they read the cohort's): its
    staff all of them; a learner those to the cohort and those to their team (a subquery)."""
    if staff:
        return Announcement.cohort_id == cohort.id
    my_teams = sa.select(TeamMembership.team_id).where(TeamMembership.user_id == viewer.id)
    return sa.and_(Announcement.cohort_id == cohort.id,
                   sa.or_(Announcement.team_id.is_(None), Announcement.team_id.in_(my_teams)))


def cohort_announcements_page(viewer: Any, cohort: Any, page: int | str, *, staff: bool,
                              per_page: int = PER_PAGE) -> Page:
    """A programme cohort's announcements the viewer reads, newest first: a count and a page."""
    return _page(_readable_in_cohort(viewer, cohort, staff=staff), page, per_page)


def readable_cohort_announcement(viewer: Any, cohort: Any, announcement_id: int, *,
                                 staff: bool) -> ShownAnnouncement | None:
    row = db.session.execute(_shown(sa.select(Announcement)).where(
        _readable_in_cohort(viewer, cohort, staff=staff), Announcement.id == announcement_id)).first()
    return ShownAnnouncement(row[0], row[1] or "", row[2], row[3]) if row is not None else None


def programme_of(cohort: Cohort) -> Programme | None:
    return db.session.get(Programme, cohort.programme_id) if cohort.programme_id is not None else None
