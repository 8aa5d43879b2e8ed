"""Administrative changes to accounts. Every one is audited."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock, policy
from ..accounts.models import COURSE_ROLES, ROLES, RoleGrant, User, UserStatus
from ..accounts.services import clear_login_failures, ensure_not_last_admin, find_grant
from ..errors import InvalidInput, PermissionDenied
from ..extensions import db


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
    grant = RoleGrant(user=user, role=role, course_id=course.id if course else None, granted_at=clock.now(),
                      granted_by_id=getattr(actor, "id", None))
    db.session.add(grant)
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
    user.roles.remove(grant)
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
        user.status = UserStatus.suspended
        audit.record(actor, "user.suspend", user, reason=reason)
    db.session.flush()


def unsuspend_user(actor, user: User) -> None:
    _require_admin(actor)
    if user.status == "suspended":
        user.status = UserStatus.active
        audit.record(actor, "user.unsuspend", user)
    db.session.flush()


def unlock_user(actor, user: User) -> int:
    """Clear the failed log-ins that throttle this account."""
    _require_admin(actor)
    cleared = clear_login_failures(user.email)
    audit.record(actor, "user.unlock", user, failures_cleared=cleared)
    db.session.flush()
    return cleared


def search_users_query(text: str = "", role: str = "", status: str = "") -> sa.Select:
    query = sa.select(User).where(User.status != "deleted") if status != "deleted" else sa.select(User)
    if text.strip():
        pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(pattern, escape="\\"),
                                   sa.func.lower(User.display_name).like(pattern, escape="\\"),
                                   sa.func.lower(User.full_name).like(pattern, escape="\\")))
    if role in ROLES:
        query = query.where(User.roles.any(RoleGrant.role == role))
    if status in ("active", "suspended", "deleted"):
        query = query.where(User.status == status)
    return query.order_by(User.email)
