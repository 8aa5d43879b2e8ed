"""Search within a course's discussion, on each database's own full-text index (dialect.text_search): the
visible posts of the course's space, best match first, each with its highlighted passage. Three queries
whatever the number of posts: a count (capped: nobody pages past the fiftieth page), the page's posts by rank,
and the passages of just those posts (a snippet is costly, so it is not made for every match). Ranking
looks at the newest RANKED_MATCHES matches. Private spaces are never searched; spaces that later areas add for
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
MOST_PAGES = 50  # so at most 1,000 hits are counted and shown
# A common word matches a third of a big forum: ranking every match costs ~10x more than ranking the newest
# few thousand, which is where a learner looks anyway. The best matches among these come first.
RANKED_MATCHES = 2_000


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
    most = MOST_PAGES * RESULTS_PER_PAGE
    matches = search.apply(sa.select(Post.id).select_from(Post)).where(*visible).limit(most + 1).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matches)) or 0
    pages = max(1, min(MOST_PAGES, -(-total // RESULTS_PER_PAGE)))
    number = min(max(1, page), pages)
    newest = (search.apply(sa.select(Post.id).select_from(Post)).where(*visible)
              .order_by(search.newest_first).limit(RANKED_MATCHES).correlate(None))
    rows = db.session.execute(
        search.apply(sa.select(Post.id, Post.thread_id, Thread.title, User.display_name, Post.created_at)
                     .select_from(Post))
        .join(Thread, Thread.id == Post.thread_id).outerjoin(User, User.id == Post.author_id)
        .where(Post.id.in_(newest)).order_by(search.rank, Post.id.desc())
        .limit(RESULTS_PER_PAGE).offset((number - 1) * RESULTS_PER_PAGE)).all()
    snippets: dict[int, str] = {}
    if rows:
        snippets = dict(db.session.execute(search.apply(sa.select(Post.id, search.snippet).select_from(Post))
                                           .where(Post.id.in_([row[0] for row in rows]))).tuples().all())
    hits = [SearchHit(post_id, thread_id, title, name or "", created_at,
                      highlighted(snippets.get(post_id) or "", dialect.MARK_START, dialect.MARK_END))
            for post_id, thread_id, title, name, created_at in rows]
    return terms, Page(hits, number, pages, min(total, most))
