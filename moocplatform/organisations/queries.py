"""Read-models of organisations, and what the access context asks of them."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..accounts.models import RoleGrant, ScopeType, User
from ..catalog.models import Course, CoursePartner, CourseStatus
from ..extensions import db
from ..pagination import Page, paginate
from .models import ORGANISATION_ROLES, Organisation, OrganisationRole

# What the access context asks (moocplatform.access.AccessLoader) ---------------------------------------------


def viewer_organisations(viewer, course_id: int | None) -> dict[int, str]:
    """{organisation id: role} of the viewer (the fact "organisations"): from the grants that come with the
    signed-in user, so no query. An admin of an organisation is listed as its admin only."""
    found: dict[int, str] = {}
    if not getattr(viewer, "is_authenticated", False):
        return found
    for grant in viewer.roles:
        ours = grant.scope_type == ScopeType.ORGANISATION and grant.role in ORGANISATION_ROLES and grant.scope_id
        if ours and found.get(grant.scope_id) != OrganisationRole.ADMIN:
            found[grant.scope_id] = grant.role
    return found


def courses_of_organisations(organisation_ids: set[int]) -> dict[int, set[int]]:
    """An organisation's grants reach no course: its roles are about the organisation itself (members,
    postings, applications), never about learners' data in a course."""
    return {organisation_id: set() for organisation_id in organisation_ids}


def members_in_courses(organisation_ids: set[int], learner_ids: Collection[int]) -> set[tuple[int, int]]:
    return set()


# Pages --------------------------------------------------------------------------------------------------------

def get_organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id)


def organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))


def organisations_by_id(ids: Collection[int]) -> dict[int, Organisation]:
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(set(ids))))}


def organisations_page(page: int, *, per_page: int = 50) -> Page:
    return paginate(sa.select(Organisation).order_by(Organisation.name, Organisation.id), page, per_page=per_page)


def organisations_of(user) -> list[Organisation]:
    """The organisations the user belongs to, by name (one query; none when they belong to none)."""
    ids = set(viewer_organisations(user, None))
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.name)))


@dataclass(frozen=True)
class Member:
    user_id: int
    display_name: str
    email: str
    role: str


def members_of(organisation: Organisation) -> list[Member]:
    """The organisation's people with their role, admins first: one query."""
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.email, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.scope_type == ScopeType.ORGANISATION.value, RoleGrant.scope_id == organisation.id,
               RoleGrant.role.in_(ORGANISATION_ROLES))
        .order_by(RoleGrant.role, User.display_name, User.id)).all()
    return [Member(*row) for row in rows]


def member_ids(organisation_id: int) -> set[int]:
    """Everyone holding a role in the organisation (to tell them of something)."""
    return set(db.session.scalars(
        sa.select(RoleGrant.user_id).where(RoleGrant.scope_type == ScopeType.ORGANISATION.value,
                                           RoleGrant.scope_id == organisation_id,
                                           RoleGrant.role.in_(ORGANISATION_ROLES))))


# Courses co-owned as a partner ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartnerCourse:
    id: int
    slug: str
    title: str


def partner_courses(organisation: Organisation) -> list[PartnerCourse]:
    """The published, active courses whose live version names the organisation as a partner, by title: one
    query."""
    rows = db.session.execute(
        sa.select(Course.id, Course.slug, Course.title).join(CoursePartner, CoursePartner.course_id == Course.id)
        .where(CoursePartner.slug == organisation.slug, Course.status == CourseStatus.active,
               Course.live_version_id.is_not(None))
        .order_by(Course.title, Course.id)).all()
    return [PartnerCourse(*row) for row in rows]


def contributed_team(organisation: Organisation, course_ids: Collection[int]) -> dict[int, list[tuple[int, str]]]:
    """course id -> the organisation's people it put on the course's team, (user id, name) by name: one
    query."""
    found: dict[int, list[tuple[int, str]]] = {course_id: [] for course_id in course_ids}
    if not found:
        return found
    team = aliased(RoleGrant)
    rows = db.session.execute(
        sa.select(team.scope_id, User.id, User.display_name)
        .join(RoleGrant, RoleGrant.user_id == User.id).join(team, team.user_id == User.id)
        .where(RoleGrant.scope_type == ScopeType.ORGANISATION.value, RoleGrant.scope_id == organisation.id,
               RoleGrant.role.in_(ORGANISATION_ROLES), team.role == "course_team",
               team.via_organisation_id == organisation.id,
               team.scope_type == ScopeType.COURSE.value, team.scope_id.in_(list(found)))
        .distinct().order_by(User.display_name, User.id)).all()
    for course_id, user_id, name in rows:
        found[course_id].append((user_id, name))
    return found


def grants_of_former_partners(course_id: int | None = None) -> list[tuple[Organisation, RoleGrant]]:
    """Course grants an organisation gave on a course whose live version no longer names it as a partner
    (on one course, or on all): one query."""
    still_partner = sa.exists().where(CoursePartner.course_id == RoleGrant.scope_id,
                                      CoursePartner.slug == Organisation.slug)
    query = (sa.select(Organisation, RoleGrant).join(Organisation, Organisation.id == RoleGrant.via_organisation_id)
             .where(RoleGrant.scope_type == ScopeType.COURSE.value, ~still_partner)
             .options(joinedload(RoleGrant.user)))
    if course_id is not None:
        query = query.where(RoleGrant.scope_id == course_id)
    return [(organisation, grant) for organisation, grant in db.session.execute(query.order_by(RoleGrant.id))]
