"""Likes and accepted answers. A member likes a post once (never their own; the unique row makes two clicks
one like) and may take the like back; the thread keeps the count of its posts' likes for the "most liked"
order. In a help category the thread's author, or a moderator, marks the reply that answered it."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock
from ..errors import Conflict, NotFound, PermissionDenied
from ..extensions import db
from ..transaction import add_unless_present
from .membership import moderates, thread_for_reading
from .models import Category, Like, Post, Space, Thread
from .mutes import refuse_while_muted
from .services import get_post

HELP_CATEGORY = "help"


def _likeable(actor: Any, post_id: int) -> tuple[Post, Space]:
    post, space = get_post(actor, post_id)
    if space.membership == "private":
        raise Conflict(_("Messages in a conversation take no likes."))
    refuse_while_muted(actor, space.course_id)
    # Read the post again under a shared lock: a moderator hiding it meanwhile either waits for this like (and
    # then takes it out of the thread's count) or has hidden it, and the like is refused.
    db.session.refresh(post, with_for_update={"read": True})
    if not post.visible:
        raise Conflict(_("This post is not shown any more."))
    if post.author_id == actor.id:
        raise Conflict(_("You cannot like your own post."))
    return post, space


def _count_like(post: Post, delta: int) -> None:
    db.session.execute(sa.update(Thread).where(Thread.id == post.thread_id)
                       .values(like_count=Thread.like_count + delta), execution_options={"synchronize_session": False})


def like_post(actor: Any, post_id: int) -> bool:
    """Like a post of a space the actor belongs to. Returns False when they liked it already."""
    post, _space = _likeable(actor, post_id)
    if not add_unless_present(Like(post_id=post.id, user_id=actor.id, created_at=clock.now())):
        return False
    _count_like(post, 1)
    return True


def unlike_post(actor: Any, post_id: int) -> bool:
    """Take a like back. Returns False when there was none. Only a shown post's likes are in its thread's
    count (hiding or deleting a post takes its likes out of it)."""
    post, _space = get_post(actor, post_id)
    db.session.refresh(post, with_for_update={"read": True})
    result = db.session.execute(sa.delete(Like).where(Like.post_id == post.id, Like.user_id == actor.id),
                                execution_options={"synchronize_session": False})
    if not getattr(result, "rowcount", 0):
        return False
    if post.visible:
        _count_like(post, -1)
    return True


def is_help_thread(thread: Thread) -> bool:
    if thread.category_id is None:
        return False
    return db.session.scalar(sa.select(Category.key).where(Category.id == thread.category_id)) == HELP_CATEGORY


def may_accept(actor: Any, thread: Thread, space: Space) -> bool:
    return thread.author_id == actor.id or moderates(actor, space)


def opening_post_id(thread_id: int) -> int | None:
    return db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread_id, Post.parent_id.is_(None))
                             .order_by(Post.created_at, Post.id).limit(1))


def accept_answer(actor: Any, post_id: int) -> Thread:
    """Mark a post of a help thread as its answer (a later choice replaces an earlier one)."""
    post, space = get_post(actor, post_id)
    thread = db.session.get_one(Thread, post.thread_id)
    if not is_help_thread(thread):
        raise NotFound(_("Only questions in the help category have an accepted answer."))
    if not may_accept(actor, thread, space):
        raise PermissionDenied(_("Only the person who asked, or a moderator, accepts an answer."))
    if not post.visible or post.id == opening_post_id(thread.id):
        raise Conflict(_("Choose one of the replies as the answer."))
    thread.accepted_post_id = post.id
    audit.record(actor, "discussion.answer_accepted", thread, post_id=post.id)
    db.session.flush()
    return thread


def clear_answer(actor: Any, thread_id: int) -> Thread:
    thread, space = thread_for_reading(actor, thread_id)
    if not may_accept(actor, thread, space):
        raise PermissionDenied(_("Only the person who asked, or a moderator, accepts an answer."))
    thread.accepted_post_id = None
    audit.record(actor, "discussion.answer_cleared", thread)
    db.session.flush()
    return thread
