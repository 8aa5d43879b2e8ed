"""What changes organisations: administrators create them, edit their details and approve employers to post
opportunities (or withdraw that); an organisation's admins add and remove its members by e-mail, and put its
members on the course teams of courses it co-owns as a partner (and take them off). Each takes
the acting user, checks the policy, validates, audits and flushes; the unit of work commits."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from .. import access, audit, clock, policy, validation
from ..accounts.models import ScopeType
from ..accounts.services import (
    add_role_grant,
    find_grant,
    get_user_by_email,
    grants_via_organisation,
    lock_user,
    remove_role_grant,
    require_user,
)
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..transaction import add_unless_present
from . import queries
from .countries import country_codes
from .models import ORGANISATION_ROLES, Approval, Organisation, OrganisationKind, OrganisationRole

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


@dataclass
class OrganisationFields:
    name: str
    legal_name: str
    kind: str
    country: str


def _require_platform_admin(actor) -> None:
    if not policy.can_manage_organisations(actor):
        raise PermissionDenied(_("Only administrators manage organisations."))


def _validated(fields: OrganisationFields) -> OrganisationFields:
    name = validation.text(fields.name, "name", min_length=2, max_length=200)
    legal_name = validation.text(fields.legal_name, "legal_name", min_length=2, max_length=300)
    if fields.kind not in {kind.value for kind in OrganisationKind}:
        raise InvalidInput(_("Choose a kind of organisation from the list."), field="kind")
    country = fields.country.strip().upper() if isinstance(fields.country, str) else ""
    if country not in country_codes():
        raise InvalidInput(_("Choose a country from the list (an ISO 3166 code such as DE)."), field="country")
    return OrganisationFields(name, legal_name, fields.kind, country)


def create_organisation(actor, slug: str, fields: OrganisationFields) -> Organisation:
    """A new organisation; an employer starts unapproved. The slug never changes afterwards."""
    _require_platform_admin(actor)
    slug = validation.text(slug, "slug", min_length=2, max_length=64).lower()
    if not SLUG.fullmatch(slug):
        raise InvalidInput(_("Lower-case letters, digits and hyphens, starting and ending with a letter or digit."),
                           field="slug")
    values = _validated(fields)
    organisation = Organisation(slug=slug, name=values.name, legal_name=values.legal_name,
                                kind=OrganisationKind(values.kind), country=values.country,
                                approval=Approval.PENDING, created_at=clock.now())
    if not add_unless_present(organisation):
        raise InvalidInput(_("Another organisation has this slug."), field="slug")
    audit.record(actor, "organisation.create", organisation, slug=slug, kind=values.kind)
    return organisation


def update_organisation(actor, organisation: Organisation, fields: OrganisationFields) -> None:
    _require_platform_admin(actor)
    values = _validated(fields)
    changed = {name: value for name, value in vars(values).items() if getattr(organisation, name) != value}
    if organisation.kind == OrganisationKind.EMPLOYER and "kind" in changed:
        organisation.approval = Approval.PENDING  # approval was given to an employer
    for name, value in changed.items():
        setattr(organisation, name, OrganisationKind(value) if name == "kind" else value)
    if changed:
        audit.record(actor, "organisation.update", organisation, fields=sorted(changed))
    db.session.flush()


def approve_organisation(actor, organisation: Organisation) -> None:
    """Let an employer's members post opportunities."""
    _require_platform_admin(actor)
    if organisation.kind != OrganisationKind.EMPLOYER:
        raise InvalidInput(_("Only employer organisations are approved to post opportunities."), field="kind")
    if organisation.approval != Approval.APPROVED:
        organisation.approval = Approval.APPROVED
        organisation.approval_changed_at = clock.now()
        audit.record(actor, "organisation.approve", organisation)
    db.session.flush()


def withdraw_approval(actor, organisation: Organisation, reason: str = "") -> None:
    """The employer posts nothing new; its postings stay as they are (moderators remove single ones)."""
    _require_platform_admin(actor)
    reason = validation.text(reason or "", "reason", max_length=300)
    if organisation.approval == Approval.APPROVED:
        organisation.approval = Approval.WITHDRAWN
        organisation.approval_changed_at = clock.now()
        audit.record(actor, "organisation.withdraw_approval", organisation, reason=reason)
    db.session.flush()


# Members ---------------------------------------------------------------------------------------------------

def _require_member_manager(actor, organisation: Organisation) -> None:
    if not policy.can_manage_organisation_members(actor, organisation):
        raise PermissionDenied(_("Only the organisation's admins manage its members."))


def add_member(actor, organisation: Organisation, email: str, role: str = OrganisationRole.MEMBER) -> None:
    """Give an existing account a role in the organisation (replacing the role they had there)."""
    _require_member_manager(actor, organisation)
    if role not in ORGANISATION_ROLES:
        raise InvalidInput(_("Choose admin or member."), field="role")
    user = get_user_by_email(validation.email(email))
    if user is None or not user.is_active:
        raise NotFound(_("No account has this e-mail address."), field="email")
    lock_user(user)
    for other in ORGANISATION_ROLES:
        grant = find_grant(user, other, ScopeType.ORGANISATION, organisation.id)
        if other != role and grant is not None:
            remove_role_grant(user, grant)
    if find_grant(user, role, ScopeType.ORGANISATION, organisation.id) is None:
        add_role_grant(user, role, ScopeType.ORGANISATION.value, organisation.id, getattr(actor, "id", None))
        audit.record(actor, "organisation.add_member", organisation, user_id=user.id, role=role)
    access.forget(user)


def remove_member(actor, organisation: Organisation, user_id: int) -> None:
    _require_member_manager(actor, organisation)
    user = require_user(user_id)
    grants = [g for role in ORGANISATION_ROLES
              if (g := find_grant(user, role, ScopeType.ORGANISATION, organisation.id)) is not None]
    if not grants:
        raise NotFound(_("This person is not in the organisation."))
    lock_user(user)
    for grant in grants:
        remove_role_grant(user, grant)
    audit.record(actor, "organisation.remove_member", organisation, user_id=user.id)
    # What the organisation gave them goes with them; the same role held another way stays.
    for grant in grants_via_organisation(organisation.id, user_id=user.id):
        _revoke_contributed(actor, organisation, grant, reason="left_organisation")
    access.forget(user)


# Course teams of the courses co-owned as a partner ------------------------------------------------------------

COURSE_TEAM = "course_team"


def _require_partner_team_manager(actor, organisation: Organisation, course) -> None:
    if not policy.can_manage_partner_course_team(actor, organisation, course):
        raise PermissionDenied(_("Only the admins of a partner organisation of this course manage what it "
                                 "contributes to the course team."))


def _own_member(organisation: Organisation, user_id: int):
    user = require_user(user_id)
    if not any(find_grant(user, role, ScopeType.ORGANISATION, organisation.id) for role in ORGANISATION_ROLES):
        raise InvalidInput(_("Only the organisation's own members join a course team through it."), field="user_id")
    return user


def add_to_course_team(actor, organisation: Organisation, course, user_id: int) -> None:
    """Give a member of the organisation the course-team role on a course the organisation co-owns (joint
    teaching: each partner contributes its people). Holding it already changes nothing."""
    _require_partner_team_manager(actor, organisation, course)
    user = _own_member(organisation, user_id)
    if not user.is_active:
        raise InvalidInput(_("This account is not active."), field="user_id")
    lock_user(user)
    if find_grant(user, COURSE_TEAM, ScopeType.COURSE, course.id, via_organisation_id=organisation.id) is None:
        add_role_grant(user, COURSE_TEAM, ScopeType.COURSE.value, course.id, getattr(actor, "id", None),
                       via_organisation_id=organisation.id)
        access.forget(user)
        audit.record(actor, "organisation.add_course_team", organisation, course=course.slug, user_id=user.id)


def remove_from_course_team(actor, organisation: Organisation, course, user_id: int) -> None:
    """Take back the course-team role on the course that the organisation gave one of its members. The same
    role given directly or by another partner stays (those who gave it take it back)."""
    _require_partner_team_manager(actor, organisation, course)
    user = _own_member(organisation, user_id)
    lock_user(user)
    grant = find_grant(user, COURSE_TEAM, ScopeType.COURSE, course.id, via_organisation_id=organisation.id)
    if grant is None:
        raise NotFound(_("This person is not on the course team through this organisation."))
    remove_role_grant(user, grant)
    access.forget(user)
    audit.record(actor, "organisation.remove_course_team", organisation, course=course.slug, user_id=user.id)


def _revoke_contributed(actor, organisation: Organisation, grant, *, reason: str) -> None:
    """Take away one grant the organisation gave, audited (its holder's row is locked by the caller)."""
    user = grant.user
    details = {"user_id": user.id, "role": grant.role, "scope_type": grant.scope_type,
               "scope_id": grant.scope_id, "reason": reason}
    remove_role_grant(user, grant)
    access.forget(user)
    audit.record(actor, "organisation.revoke_contributed", organisation, **details)


def drop_former_partner_grants(actor, course_id: int | None = None) -> int:
    """Take away the grants that organisations gave on courses they no longer co-own (the live version no
    longer names them): on one course, or everywhere. Returns how many went."""
    dropped = 0
    for organisation, grant in queries.grants_of_former_partners(course_id):
        lock_user(grant.user)
        _revoke_contributed(actor, organisation, grant, reason="no_longer_partner")
        dropped += 1
    return dropped


def get_organisation(slug: str) -> Organisation:
    organisation = queries.organisation_by_slug(slug)
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation
