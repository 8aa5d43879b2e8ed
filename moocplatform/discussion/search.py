"""Search within a course's discussion, on each database's own full-text index (dialect.text_search): the
visible posts of the course's space, best match first, each with its highlighted passage. Two queries (a count
and a page) whatever the number of posts. Private spaces are never searched; spaces that later areas add for
a course search the same way once the viewer's memberships are passed in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from .. import dialect
from ..accounts.models import User
from ..extensions import db
from ..html import highlighted
from ..pagination import Page
from .models import Post, Space, Thread

RESULTS_PER_PAGE = 20
MOST_PAGES = 50


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    thread_id: int
    thread_title: str
    author_name: str
    created_at: datetime
    snippet_html: str  # from html.highlighted: escaped text with <mark>s


def search_space(space: Space, text: str, page: int) -> tuple[list[str], Page]:
    """The words searched for and a page of hits (empty when the text holds no word)."""
    terms = dialect.search_terms(text)
    if not terms:
        return terms, Page([], 1, 1, 0)
    search = dialect.text_search(db.session, Post.__table__, "body_source", terms)
    visible = (Post.space_id == space.id, Post.deleted_at.is_(None), Post.hidden_at.is_(None))
    total = db.session.scalar(search.apply(sa.select(sa.func.count()).select_from(Post)).where(*visible)) or 0
    pages = max(1, min(MOST_PAGES, -(-total // RESULTS_PER_PAGE)))
    number = min(max(1, page), pages)
    rows = db.session.execute(
        search.apply(sa.select(Post.id, Post.thread_id, Thread.title, User.display_name, Post.created_at,
                               search.snippet).select_from(Post))
        .join(Thread, Thread.id == Post.thread_id).outerjoin(User, User.id == Post.author_id)
        .where(*visible).order_by(search.rank, Post.id.desc())
        .limit(RESULTS_PER_PAGE).offset((number - 1) * RESULTS_PER_PAGE)).all()
    hits = [SearchHit(post_id, thread_id, title, name or "", created_at,
                      highlighted(snippet or "", dialect.MARK_START, dialect.MARK_END))
            for post_id, thread_id, title, name, created_at, snippet in rows]
    return terms, Page(hits, number, pages, total)
