"""Read-models of the discussion API: keyset pages (a position, not an offset, so a page costs the same at
the start and 100,000 posts in) of a course space's threads and of a thread's posts, each in a fixed number
of queries whatever the page size."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..catalog.queries import users_by_id
from ..extensions import db
from .models import Category, Post, Space, Thread
from .queries import ShownPost, _replies_of, _shown, _with_authors, shown_to_members, threads_shown_to_members


@dataclass(frozen=True)
class ThreadAfter:
    """The last thread of a page, in the listing's order (pinned first, then latest activity)."""

    pinned: bool
    last_post_at: datetime
    id: int


def categories_of(space: Space) -> list[Category]:
    return list(db.session.scalars(sa.select(Category).where(Category.space_id == space.id)
                                   .order_by(Category.position, Category.id)))


def threads_page(space: Space, *, category_id: int | None, after: ThreadAfter | None, limit: int,
                 viewer_id: int | None = None, moderator: bool = False) -> tuple[list[tuple[Thread, str]], bool]:
    """A page of the space's threads (of one category, if given) with their authors' names, and whether more
    follow: one query on the listing index, one for the authors. Held threads as on the category page."""
    query = sa.select(Thread).where(Thread.space_id == space.id)
    if not moderator:
        query = query.where(threads_shown_to_members(viewer_id))
    if category_id is not None:
        query = query.where(Thread.category_id == category_id)
    if after is not None:
        later_in_group = sa.and_(Thread.pinned.is_(after.pinned), sa.or_(
            Thread.last_post_at < after.last_post_at,
            sa.and_(Thread.last_post_at == after.last_post_at, Thread.id < after.id)))
        # After a pinned thread come the rest of the pinned ones, then every unpinned one.
        query = query.where(sa.or_(later_in_group, Thread.pinned.is_(False)) if after.pinned else later_in_group)
    rows = list(db.session.scalars(query.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(),
                                                  Thread.id.desc()).limit(limit + 1)))
    authors = users_by_id({t.author_id for t in rows[:limit] if t.author_id is not None})
    return ([(t, authors[t.author_id].display_name if t.author_id in authors else "") for t in rows[:limit]],
            len(rows) > limit)


def posts_page(thread: Thread, *, moderator: bool, after: tuple[datetime, int] | None,
               limit: int, viewer_id: int | None = None) -> tuple[list[ShownPost], bool]:
    """A page of the thread's posts, oldest first, each with its replies, and whether more follow: two queries.
    Hidden posts only for moderators (as on the thread page)."""
    query = _with_authors(sa.select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None)), viewer_id)
    if not moderator:
        query = query.where(shown_to_members(viewer_id))
    if after is not None:
        moment, post_id = after
        query = query.where(sa.or_(Post.created_at > moment,
                                   sa.and_(Post.created_at == moment, Post.id > post_id)))
    rows = db.session.execute(query.order_by(Post.created_at, Post.id).limit(limit + 1)).all()
    return _replies_of(_shown(rows[:limit]), include_hidden=moderator, viewer_id=viewer_id), len(rows) > limit


def thread_author_name(thread: Thread) -> str:
    author = users_by_id({thread.author_id}).get(thread.author_id) if thread.author_id is not None else None
    return author.display_name if author is not None else ""
