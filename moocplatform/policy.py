"""Every permission rule, once. Views, templates (as Jinja globals), services and the CLI ask these predicates.

The visibility rules say what each kind of viewer may see of a learner; later areas (discussion, cohorts,
portfolio, quizzes) ask `can_see` instead of deciding again.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .extensions import db
from .learning.models import Enrollment

# What each relation to a learner lets a viewer see. A relation holds within a course (co-learner,
# facilitator, course team) or everywhere (self, admin).
VISIBILITY: dict[str, frozenset[str]] = {
    "display_name": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "bio": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "posts": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "full_name": frozenset({"self", "facilitator", "admin"}),
    "email": frozenset({"self", "admin"}),
    "preferences": frozenset({"self", "admin"}),  # language and time zone
    "progress": frozenset({"self", "facilitator", "course_team", "admin"}),
    "reflections": frozenset({"self", "facilitator"}),
    "notes": frozenset({"self"}),
}


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_admin(user: Any) -> bool:
    return _signed_in(user) and user.has_role("admin")


def is_course_team(user: Any, course: Any) -> bool:
    return _signed_in(user) and user.has_role("course_team", course.id)


def is_facilitator(user: Any, course: Any) -> bool:
    return _signed_in(user) and user.has_role("facilitator", course.id)


def is_course_staff(user: Any, course: Any) -> bool:
    return is_admin(user) or is_course_team(user, course) or is_facilitator(user, course)


# Catalogue and content -----------------------------------------------------------------------------------

def can_view_course(user: Any, course: Any, *, enrolled: bool = False) -> bool:
    """Archived courses stay readable to their enrolled learners and staff, and leave the catalogue."""
    return not course.is_archived or enrolled or is_course_staff(user, course)


def can_enrol(user: Any, course: Any) -> bool:
    return _signed_in(user) and user.is_verified and not course.is_archived


def can_view_unit(user: Any, course: Any, unit: Any, *, enrolled: bool) -> bool:
    if not can_view_course(user, course, enrolled=enrolled):
        return False
    return unit.preview or enrolled or is_course_staff(user, course)


def can_track_progress(user: Any, course: Any, *, enrolled: bool) -> bool:
    return _signed_in(user) and enrolled and not course.is_archived


def can_manage_course(user: Any, course: Any) -> bool:
    return is_admin(user) or is_course_team(user, course)


def can_create_course(user: Any) -> bool:
    return is_admin(user)


def can_invite(user: Any, course: Any) -> bool:
    return can_manage_course(user, course)


# Quizzes -------------------------------------------------------------------------------------------------

def can_take_quiz(user: Any, course: Any, *, enrolled: bool) -> bool:
    """Attempts are learning data: only enrolled learners of a course that is not archived make them."""
    return can_track_progress(user, course, enrolled=enrolled)


def can_grant_quiz_exception(user: Any, course: Any) -> bool:
    """Extra attempts or minutes for one learner. Facilitators of the course may be added here later."""
    return can_manage_course(user, course)


def can_view_quiz_statistics(user: Any, course: Any) -> bool:
    """The whole course's statistics. (Facilitators will get their cohorts' figures through a narrower rule.)"""
    return can_manage_course(user, course)


def can_view_quiz_attempt(viewer: Any, learner: Any, course: Any) -> bool:
    """A learner's attempt and score: whoever may see the learner's progress. Reflection answers inside it
    follow `can_see(viewer, learner, "reflections", course)`."""
    return can_see(viewer, learner, "progress", course)


# Administration ------------------------------------------------------------------------------------------

def can_administer(user: Any) -> bool:
    return is_admin(user)


def can_view_audit_log(user: Any) -> bool:
    return is_admin(user)


def can_archive_course(user: Any, course: Any) -> bool:
    return is_admin(user)


def can_grant_role(user: Any, role: str) -> bool:
    return is_admin(user)


# Tokens (personal access tokens, feed and link secrets) -----------------------------------------------

def can_issue_token(user: Any, owner_id: int) -> bool:
    """Only the owner issues a token: it acts as them."""
    return _signed_in(user) and user.id == owner_id


def can_manage_tokens(user: Any, owner_id: int) -> bool:
    """The owner lists and revokes their tokens; an administrator may too (a leaked token)."""
    return _signed_in(user) and (user.id == owner_id or user.has_role("admin"))


# Visibility of a learner's data ---------------------------------------------------------------------------

def relations(viewer: Any, subject: Any, course: Any = None) -> set[str]:
    """How viewer stands to subject: self, admin, and within courses co_learner, facilitator, course_team.

    With a course, only that course counts; without, any course they share.
    """
    if not _signed_in(viewer) or subject is None:
        return set()
    found: set[str] = set()
    if viewer.id == subject.id:
        found.add("self")
    if viewer.has_role("admin"):
        found.add("admin")
    subject_courses = _active_course_ids(subject.id, course)
    if not subject_courses:
        return found
    for role in ("facilitator", "course_team"):
        if viewer.course_ids_with_role(role) & subject_courses:
            found.add(role)
    if viewer.id != subject.id and _active_course_ids(viewer.id, course) & subject_courses:
        found.add("co_learner")
    return found


def can_see(viewer: Any, subject: Any, what: str, course: Any = None) -> bool:
    """May viewer see this part (a key of VISIBILITY) of subject's data, within course if given?"""
    return bool(VISIBILITY[what] & relations(viewer, subject, course))


def visible_fields(viewer: Any, subject: Any) -> set[str]:
    found = relations(viewer, subject)
    return {what for what, allowed in VISIBILITY.items() if allowed & found}


def _active_course_ids(user_id: int, course: Any) -> set[int]:
    query = sa.select(Enrollment.course_id).where(Enrollment.user_id == user_id, Enrollment.status == "active")
    if course is not None:
        query = query.where(Enrollment.course_id == course.id)
    return set(db.session.scalars(query))


JINJA_GLOBALS = {
    name: obj for name, obj in dict(globals()).items()
    if callable(obj) and (name.startswith("can_") or name.startswith("is_"))
}
