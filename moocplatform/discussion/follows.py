"""Following a thread: its followers hear of new posts in it. Starting a forum thread or posting in it follows
it (unless the person unfollowed it before: that choice stays); anyone who reads the thread may follow or
unfollow it. A unit's comment stream is followed only by choice: it is many small conversations, and a
comment's author already hears of the replies to it. Private conversations have no followers: every member
hears of every message."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import clock
from ..errors import Conflict
from ..extensions import db
from ..transaction import add_unless_present
from .membership import thread_for_reading
from .models import Follow, Space, Thread


def _row(user_id: int, thread_id: int) -> Follow | None:
    return db.session.scalar(sa.select(Follow).where(Follow.thread_id == thread_id, Follow.user_id == user_id))


def follow_on_posting(actor: Any, space: Space, thread: Thread) -> None:
    """The author of a post in a forum thread follows it from now on, unless they chose not to."""
    if space.membership == "private" or thread.unit_key is not None:
        return
    add_unless_present(Follow(thread_id=thread.id, user_id=actor.id, following=True, created_at=clock.now()))


def set_following(actor: Any, thread_id: int, following: bool) -> Follow:
    """Follow or unfollow a thread the actor reads (services.thread_for_reading checks that); twice is once."""
    thread, space = thread_for_reading(actor, thread_id)
    if space.membership == "private":
        raise Conflict(_("You hear of every message in a conversation already."))
    row = _row(actor.id, thread.id)
    if row is None:
        row = Follow(thread_id=thread.id, user_id=actor.id, following=following, created_at=clock.now())
        if not add_unless_present(row):
            row = _row(actor.id, thread.id)
            assert row is not None
    if row.following != following:
        row.following = following
        row.created_at = clock.now()  # since when the choice holds: a new follower hears of later posts only
    db.session.flush()
    return row


def is_following(user: Any, thread: Thread | None) -> bool:
    if thread is None or not getattr(user, "is_authenticated", False):
        return False
    row = _row(user.id, thread.id)
    return row is not None and row.following


def follower_ids(thread_id: int, before: datetime) -> list[int]:
    """Who followed the thread before a post was made (the worker tells them of it a little later)."""
    return list(db.session.scalars(sa.select(Follow.user_id).where(
        Follow.thread_id == thread_id, Follow.following.is_(True), Follow.created_at < before)
        .order_by(Follow.user_id)))

