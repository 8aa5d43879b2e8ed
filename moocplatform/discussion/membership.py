"""Membership kinds: who belongs to a space and who moderates it. A space names its kind; the cohorts area
registers "cohort" here, so every space is read, written and moderated the same way.

A kind whose spaces lie inside a course (a cohort's) also says which of them a viewer belongs to there
(`spaces_in_course`) and what one of its spaces is (`describe`): discussion then shows their unit comments
beside the course's, lets a member post to one, and counts participation in it, without knowing what a cohort
is. Such a space's row is made on its first post; until then a `SpaceRef` stands for it."""
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
class SpaceRef:
    """A space of a group (inside a course, or outside any), named by its key whether or not its row exists."""

    key: str  # "<kind>:<id>", e.g. "cohort:12"
    membership: str
    course_id: int | None  # None: a group outside any course (a programme's cohort)
    title: str
    own: bool = True  # the viewer belongs to it (a seat, leading it), not only reads it as a moderator

    def stand_in(self) -> Space:
        """A Space not added to the session, for asking the membership rule before the row exists."""
        return Space(key=self.key, membership=self.membership, course_id=self.course_id, title=self.title)


@dataclass(frozen=True)
class MembershipKind:
    name: str
    is_member: Callable[[Any, Space], bool]  # may read and post
    moderates: Callable[[Any, Space], bool]  # may hide, pin, lock
    # The kind's spaces in a course the viewer reads (members, and whoever moderates them), in one query.
    spaces_in_course: Callable[[Any, int], list[SpaceRef]] | None = None
    # The space a key names ("cohort:12" -> its ref), or None when there is no such group.
    describe: Callable[[int], SpaceRef | None] | None = None


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


def group_kind(name: str) -> MembershipKind | None:
    """A registered kind of group space (one with `describe`), or None."""
    kind = _kinds.get(name)
    return kind if kind is not None and kind.describe is not None else None


def group_spaces_in_course(viewer: Any, course_id: int) -> list[SpaceRef]:
    """The group spaces (cohorts') of a course the viewer reads: one query per kind that has any."""
    if not policy.signed_in(viewer):
        return []
    return [ref for kind in _kinds.values() if kind.spaces_in_course is not None
            for ref in kind.spaces_in_course(viewer, course_id)]


def describe_key(key: str) -> SpaceRef | None:
    """The group space a key names, or None."""
    name, _sep, ref = key.partition(":")
    kind = group_kind(name)
    return kind.describe(int(ref)) if kind is not None and kind.describe is not None and ref.isdigit() else None


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
