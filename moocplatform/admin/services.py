"""Administrative changes to accounts. Every one is audited."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .. import access, audit, policy, validation
from ..access import scope_loader
from ..accounts.models import COURSE_ROLES, ROLES, SCOPE_TYPES, ScopeType
from ..accounts.second_factor import remove_second_factor, tell_of_reset
from ..accounts.services import (
    add_role_grant,
    ensure_not_last_admin,
    find_grant,
    lock_user,
    remove_role_grant,
    set_account_status,
)
from ..accounts.sessions import revoke_credentials
from ..accounts.throttling import clear_login_failures
from ..catalog.queries import get_course_by_id
from ..errors import InvalidInput, PermissionDenied
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import RoleGrant, User


def _require_admin(actor) -> None:
    if actor is not None and not policy.can_administer(actor):
        raise PermissionDenied(_("Only administrators can do that."))


def grant_role(actor, user: User, role: str, course=None, *, scope_type: str | None = None,
               scope_id: int | None = None) -> RoleGrant:
    """Give user a role; actor None means the command line. Granting a role held already changes nothing.

    Staff roles take a scope: a course (`course`, or scope_type "course"), or an organisation or cohort
    whose area registered an access loader for that scope; admin is platform-wide."""
    _require_admin(actor)
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."), field="role")
    if course is not None:
        scope_type, scope_id = ScopeType.COURSE.value, course.id
    scope_type = str(ScopeType(scope_type).value) if scope_type in SCOPE_TYPES else scope_type
    if role not in COURSE_ROLES:
        course, scope_type, scope_id = None, ScopeType.PLATFORM.value, None
    elif scope_type in (None, ScopeType.PLATFORM.value):
        raise InvalidInput(_("This role is given for one course; choose the course."), field="course")
    elif scope_type not in SCOPE_TYPES:
        raise InvalidInput(_("Unknown scope."), field="scope_type")
    elif scope_type != ScopeType.COURSE.value and scope_loader(scope_type) is None:
        raise InvalidInput(_("Roles cannot be given for this kind of scope here."), field="scope_type")
    elif not isinstance(scope_id, int) or scope_id <= 0:
        raise InvalidInput(_("Choose what the role is given for."), field="scope_id")
    elif scope_type == ScopeType.COURSE.value and get_course_by_id(scope_id) is None:
        raise InvalidInput(_("No such course."), field="course")
    lock_user(user)
    existing = find_grant(user, role, scope_type, scope_id)
    if existing is not None:
        return existing
    grant = add_role_grant(user, role, scope_type, scope_id, getattr(actor, "id", None))
    access.forget(user)
    audit.record(actor, "role.grant", user, role=role, scope_type=scope_type, scope_id=scope_id,
                 course=course.slug if course else None)
    db.session.flush()
    return grant


def revoke_role(actor, user: User, grant: RoleGrant) -> None:
    _require_admin(actor)
    if grant.user_id != user.id:
        raise InvalidInput(_("That role belongs to someone else."), field="grant")
    if grant.role == "admin":
        ensure_not_last_admin(user)
    scope_type, scope_id = grant.scope_type, grant.scope_id
    remove_role_grant(user, grant)
    access.forget(user)
    audit.record(actor, "role.revoke", user, role=grant.role, scope_type=scope_type, scope_id=scope_id)
    db.session.flush()


MAX_REASON = 300


def suspend_user(actor, user: User, reason: str = "") -> None:
    _require_admin(actor)
    reason = validation.text(reason or "", "reason", max_length=MAX_REASON)
    if actor is not None and actor.id == user.id:
        raise InvalidInput(_("You cannot suspend yourself."))
    if user.status == "deleted":
        raise InvalidInput(_("This account is deleted."))
    if user.has_role("admin"):
        ensure_not_last_admin(user)
    if user.status != "suspended":
        set_account_status(user, "suspended")
        audit.record(actor, "user.suspend", user, reason=reason)
    revoke_credentials(user)  # signed in nowhere from now on
    db.session.flush()


def unsuspend_user(actor, user: User) -> None:
    _require_admin(actor)
    if user.status == "suspended":
        set_account_status(user, "active")
        audit.record(actor, "user.unsuspend", user)
    db.session.flush()


def unlock_user(actor, user: User) -> int:
    """Clear everything that slows this account's log-ins down: its failures from every address and device."""
    _require_admin(actor)
    cleared = clear_login_failures(user.email)
    audit.record(actor, "user.unlock", user, failures_cleared=cleared)
    db.session.flush()
    return cleared


def reset_second_factor(actor, user: User) -> None:
    """Turn off the account's second factor for someone who lost both the app and the recovery codes (after
    the administrator made sure who asks): every session of the account ends and its address is told."""
    _require_admin(actor)
    if not remove_second_factor(user):
        raise InvalidInput(_("This account has no second factor."))
    audit.record(actor, "user.reset_second_factor", user)
    tell_of_reset(user)
    db.session.flush()
