"""Administrative changes to accounts. Every one is audited."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .. import audit, policy
from ..accounts.models import COURSE_ROLES, ROLES
from ..accounts.services import (add_role_grant, clear_login_failures, ensure_not_last_admin, find_grant,
                                 remove_role_grant, set_account_status)
from ..errors import InvalidInput, PermissionDenied
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import RoleGrant, User


def _require_admin(actor) -> None:
    if actor is not None and not policy.can_administer(actor):
        raise PermissionDenied(_("Only administrators can do that."))


def grant_role(actor, user: User, role: str, course=None) -> RoleGrant:
    """Give user a role; actor None means the command line. Granting a role held already changes nothing."""
    _require_admin(actor)
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."), field="role")
    if role in COURSE_ROLES and course is None:
        raise InvalidInput(_("This role is given for one course; choose the course."), field="course")
    if role not in COURSE_ROLES:
        course = None
    existing = find_grant(user, role, course.id if course else None)
    if existing is not None:
        return existing
    grant = add_role_grant(user, role, course.id if course else None, getattr(actor, "id", None))
    audit.record(actor, "role.grant", user, role=role, course=course.slug if course else None)
    db.session.flush()
    return grant


def revoke_role(actor, user: User, grant: RoleGrant) -> None:
    _require_admin(actor)
    if grant.user_id != user.id:
        raise InvalidInput(_("That role belongs to someone else."))
    if grant.role == "admin":
        ensure_not_last_admin(user)
    course_id = grant.course_id
    remove_role_grant(user, grant)
    audit.record(actor, "role.revoke", user, role=grant.role, course_id=course_id)
    db.session.flush()


def suspend_user(actor, user: User, reason: str = "") -> None:
    _require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise InvalidInput(_("You cannot suspend yourself."))
    if user.status == "deleted":
        raise InvalidInput(_("This account is deleted."))
    if user.has_role("admin"):
        ensure_not_last_admin(user)
    if user.status != "suspended":
        set_account_status(user, "suspended")
        audit.record(actor, "user.suspend", user, reason=reason)
    db.session.flush()


def unsuspend_user(actor, user: User) -> None:
    _require_admin(actor)
    if user.status == "suspended":
        set_account_status(user, "active")
        audit.record(actor, "user.unsuspend", user)
    db.session.flush()


def unlock_user(actor, user: User) -> int:
    """Clear the failed log-ins that throttle this account."""
    _require_admin(actor)
    cleared = clear_login_failures(user.email)
    audit.record(actor, "user.unlock", user, failures_cleared=cleared)
    db.session.flush()
    return cleared
