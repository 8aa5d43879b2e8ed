"""Membership kinds: who belongs to a space and who moderates it. A space names its kind; the cohorts area
will register "cohort" and "team" here, so every space is read, written and moderated the same way."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import policy
from ..errors import NotFound
from ..extensions import db
from .models import Space, SpaceMember, Thread


@dataclass(frozen=True)
class MembershipKind:
    name: str
    is_member: Callable[[Any, Space], bool]  # may read and post
    moderates: Callable[[Any, Space], bool]  # may hide, pin, lock


_kinds: dict[str, MembershipKind] = {}


def register_membership(kind: MembershipKind) -> MembershipKind:
    if _kinds.get(kind.name, kind) != kind:
        raise ValueError(f"membership kind {kind.name!r} is registered already")
    _kinds[kind.name] = kind
    return kind


def membership_of(space: Space) -> MembershipKind:
    try:
        return _kinds[space.membership]
    except KeyError:
        raise LookupError(f"no membership kind {space.membership!r}") from None


def is_member(user: Any, space: Space) -> bool:
    return policy.signed_in(user) and membership_of(space).is_member(user, space)


def moderates(user: Any, space: Space) -> bool:
    return policy.signed_in(user) and membership_of(space).moderates(user, space)


def may_read_thread(user: Any, thread: Thread, space: Space) -> bool:
    """Members of its space read a thread; one held for review (its opening post waits for a moderator) only
    its author and the space's moderators."""
    if not is_member(user, space):
        return False
    return thread.held_at is None or thread.author_id == user.id or moderates(user, space)


def thread_for_reading(user: Any, thread_id: int) -> tuple[Thread, Space]:
    """A thread and its space for a member of the space; to anybody else it does not exist."""
    thread = db.session.get(Thread, thread_id)
    space = db.session.get(Space, thread.space_id) if thread is not None else None
    if thread is None or space is None or not may_read_thread(user, thread, space):
        raise NotFound(_("No such thread."))
    return thread, space


def _listed_member(user: Any, space: Space) -> bool:
    return db.session.scalar(sa.select(SpaceMember.id).where(
        SpaceMember.space_id == space.id, SpaceMember.user_id == user.id)) is not None


COURSE = register_membership(MembershipKind(
    "course",
    is_member=lambda user, space: policy.can_take_part_in_discussion(user, space.course_id),
    moderates=lambda user, space: policy.can_moderate_discussion(user, space.course_id),
))
# Only the people listed: nobody else reads it, administrators included.
PRIVATE = register_membership(MembershipKind(
    "private", is_member=_listed_member, moderates=lambda user, space: False))
