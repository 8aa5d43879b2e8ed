"""Read-models of discussion, each in a fixed number of queries whatever the number of posts: the unit panel,
the forum's categories, a category's threads, a thread's page, the moderation queue."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, aliased

from .. import clock, dialect, policy
from ..accounts.models import User
from ..catalog.models import Course, CourseVersion, Unit
from ..catalog.queries import Outline, outline_for, unit_body
from ..extensions import db
from ..html import highlighted
from ..learning.activity import Moments, Timeline, timeline_row
from ..pagination import Page
from ..query_args import MAX_PAGE, parse_whole_number
from .membership import SpaceRef, group_spaces_in_course, is_member, moderates
from .models import Category, Like, Mute, Post, Report, Space, SpaceMember, Thread
from .mutes import running_mute_where

PANEL_POSTS = 20
THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 20


def course_space_key(course_id: int) -> str:
    return f"course:{course_id}"


def course_space(course_id: int) -> Space | None:
    return db.session.scalar(sa.select(Space).where(Space.key == course_space_key(course_id)))


def course_space_and_mute(course_id: int, viewer_id: int | None) -> tuple[Space | None, Mute | None]:
    """The course's forum with the viewer's running mute in the course, if any: one query, the one the forum's
    pages run anyway to find the space."""
    row = db.session.execute(_SPACE_AND_MUTE_BY_KEY, {"key": course_space_key(course_id), "viewer_id": viewer_id or 0,
                                                      "now": clock.now()}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def space_and_mute(space_id: int, viewer_id: int | None) -> tuple[Space | None, Mute | None]:
    """A space with the viewer's running mute in its course (none for a private space): one query."""
    row = db.session.execute(_SPACE_AND_MUTE_BY_ID, {"space_id": space_id, "viewer_id": viewer_id or 0,
                                                     "now": clock.now()}).first()
    return (row[0], row[1]) if row is not None else (None, None)


# Every forum and thread page asks one of these: built once.
_SPACE_AND_MUTE = sa.select(Space, Mute).outerjoin(Mute, running_mute_where(
    sa.bindparam("viewer_id", type_=sa.Integer), Space.course_id, sa.bindparam("now")))
_SPACE_AND_MUTE_BY_KEY = _SPACE_AND_MUTE.where(Space.key == sa.bindparam("key"))
_SPACE_AND_MUTE_BY_ID = _SPACE_AND_MUTE.where(Space.id == sa.bindparam("space_id"))


def live_outline(course_id: int) -> Outline | None:
    version = db.session.scalar(sa.select(CourseVersion).join(Course, Course.live_version_id == CourseVersion.id)
                                .where(Course.id == course_id))
    return outline_for(version) if version is not None else None


def live_version(course_id: int) -> CourseVersion | None:
    return db.session.scalar(sa.select(CourseVersion).join(Course, Course.live_version_id == CourseVersion.id)
                             .where(Course.id == course_id))


@dataclass(frozen=True)
class ShownPost:
    post: Post
    author_name: str
    replies: list[ShownPost] = field(default_factory=list)
    author_handle: str = ""
    likes: int = 0  # by people other than the author (nobody likes their own)
    liked: bool = False  # by the viewer
    author_muted_until: datetime | None = None  # the author's running mute in the course, for moderators

    @property
    def is_reply(self) -> bool:
        return self.post.parent_id is not None


def _viewer(viewer_id: int | sa.BindParameter[int] | None) -> Any:
    """The viewer's id in a condition (0 for nobody), or the bind parameter of a statement built once."""
    return viewer_id if isinstance(viewer_id, sa.BindParameter) else (viewer_id or 0)


def _with_authors(query: sa.Select, viewer_id: int | sa.BindParameter[int] | None = None, *,
                  mutes_in: int | None = None) -> sa.Select:
    """Each post with its author's name and handle, its likes and whether the viewer liked it: columns of the
    same query (correlated counts on the likes' unique index), so likes add no query to a page. `mutes_in`
    (a course id, for a moderator's page): the end of the author's running mute there, a column too."""
    likes = (sa.select(sa.func.count()).select_from(Like).where(Like.post_id == Post.id)
             .correlate(Post).scalar_subquery())
    liked = sa.exists().where(Like.post_id == Post.id, Like.user_id == _viewer(viewer_id)).correlate(Post)
    muted: Any = sa.null()
    if mutes_in is not None:
        muted = (sa.select(sa.func.max(Mute.ends_at))
                 .where(Mute.course_id == mutes_in, Mute.user_id == Post.author_id, Mute.lifted_at.is_(None),
                        Mute.ends_at > clock.now()).correlate(Post).scalar_subquery())
    return (query.add_columns(User.display_name, User.handle, likes.label("likes"), liked.label("liked"),
                              muted.label("muted_until"))
            .outerjoin(User, User.id == Post.author_id))


def _shown(rows) -> list[ShownPost]:
    return [ShownPost(post, name or "", author_handle=handle or "", likes=likes or 0, liked=bool(liked),
                      author_muted_until=muted_until)
            for post, name, handle, likes, liked, muted_until in rows]


def shown_to_members(viewer_id: int | sa.BindParameter[int] | None) -> sa.ColumnElement[bool]:
    """The posts a member who moderates nothing sees: not hidden, and not held for review unless their own
    (its author sees it, marked as waiting). Deleted posts keep their place."""
    return sa.and_(Post.hidden_at.is_(None), sa.or_(Post.held_at.is_(None), Post.author_id == _viewer(viewer_id)))


def threads_shown_to_members(viewer_id: int | None) -> sa.ColumnElement[bool]:
    """Threads opened by a held post are listed for their author (and moderators) only."""
    return sa.or_(Thread.held_at.is_(None), Thread.author_id == (viewer_id or 0))


def _replies_of(top: list[ShownPost], *, include_hidden: bool, viewer_id: int | None = None,
                mutes_in: int | None = None) -> list[ShownPost]:
    """Attach every reply of these posts, in one query."""
    if not top:
        return top
    # The thread too, so the planner takes the thread index rather than walking every post in date order
    # (SQLite did, for the ORDER BY: 50 ms on a forum of 100,000 posts).
    threads = sorted({s.post.thread_id for s in top})
    parents = [s.post.id for s in top]
    if mutes_in is None:
        rows = db.session.execute(_REPLIES[include_hidden], {"thread_ids": threads, "parent_ids": parents,
                                                             "viewer_id": viewer_id or 0}).all()
    else:
        query = _with_authors(sa.select(Post).where(Post.thread_id.in_(threads), Post.parent_id.in_(parents)),
                              viewer_id, mutes_in=mutes_in)
        if not include_hidden:
            query = query.where(shown_to_members(viewer_id))
        rows = db.session.execute(query.order_by(Post.created_at, Post.id)).all()
    by_parent: dict[int, list[ShownPost]] = {}
    for reply in _shown(rows):
        by_parent.setdefault(reply.post.parent_id or 0, []).append(reply)
    return [replace(s, replies=by_parent.get(s.post.id, [])) for s in top]


# The statements of the unit panel and of replies, built once with bind parameters for what varies (as
# api/queries.py does): SQLAlchemy finds them compiled without building and hashing them on every page.
_VIEWER: sa.BindParameter[int] = sa.bindparam("viewer_id", type_=sa.Integer)


def _replies_statement(include_hidden: bool) -> sa.Select:
    query = _with_authors(sa.select(Post).where(Post.thread_id.in_(sa.bindparam("thread_ids", expanding=True)),
                                                Post.parent_id.in_(sa.bindparam("parent_ids", expanding=True))),
                          _VIEWER)
    return (query if include_hidden else query.where(shown_to_members(_VIEWER))).order_by(Post.created_at, Post.id)


def _panel_comments_statement(moderator: bool) -> sa.Select:
    query = _with_authors(sa.select(Post).where(Post.thread_id.in_(sa.bindparam("thread_ids", expanding=True)),
                                                Post.parent_id.is_(None)), _VIEWER)
    if not moderator:
        # A group's moderator who moderates nothing course-wide sees what members see (held posts of their
        # group wait in the course's queue).
        query = query.where(shown_to_members(_VIEWER))
    return query.order_by(Post.created_at.desc(), Post.id.desc()).limit(PANEL_POSTS + 1)


_REPLIES = {include_hidden: _replies_statement(include_hidden) for include_hidden in (False, True)}
_PANEL_COMMENTS = {moderator: _panel_comments_statement(moderator) for moderator in (False, True)}
# The unit's threads in the course's space and the viewer's groups', with the viewer's running mute.
_PANEL_THREADS = (
    sa.select(Space.key, Thread, Mute).select_from(Space)
    .outerjoin(Thread, sa.and_(Thread.space_id == Space.id, Thread.unit_key == sa.bindparam("unit_key")))
    .outerjoin(Mute, running_mute_where(_VIEWER, Space.course_id, sa.bindparam("now")))
    .where(Space.key.in_(sa.bindparam("keys", expanding=True))).order_by(Thread.id)
)

PANEL_FILTERS = ("all", "group")  # every comment the viewer may read, or their groups' (cohort-only) ones


@dataclass(frozen=True)
class UnitPanelData:
    thread: Thread | None  # the course's comment thread of the unit
    posts: list[ShownPost]
    can_post: bool
    can_moderate: bool
    read_only: bool
    more: bool  # older comments than the panel shows: the thread page has them all
    form: Any = None  # the comment form, made by the panel's loader
    mute: Mute | None = None  # the viewer's running mute in the course: the panel says so instead of a form
    # The groups' (cohorts') spaces the viewer reads in the course, and the unit's thread in each that has one.
    groups: list[SpaceRef] = field(default_factory=list)
    group_threads: list[tuple[SpaceRef, Thread]] = field(default_factory=list)
    space_titles: dict[int, str] = field(default_factory=dict)  # {space id: group title} of the posts shown
    shown: str = "all"  # the filter (PANEL_FILTERS)

    @property
    def audiences(self) -> list[SpaceRef]:
        """The groups the viewer may post a comment to only (their own, not those they read as moderator)."""
        return [ref for ref in self.groups if ref.own]


def unit_panel(viewer: Any, course: Any, unit_key: str, shown: str = "all") -> UnitPanelData:
    """The newest comments on a unit, the course's and those of the viewer's groups (cohort-only comments,
    each marked with its group): one query for the viewer's groups, one for the unit's threads (with the
    viewer's running mute in the course), one for a page of comments with their authors, one for their
    replies; a unit nobody discussed yet costs the first two only. `shown` "group" keeps the groups' comments
    only."""
    shown = shown if shown in PANEL_FILTERS else "all"
    space_like = Space(key=course_space_key(course.id), membership="course", course_id=course.id)
    member = is_member(viewer, space_like)
    moderator = moderates(viewer, space_like)
    groups = group_spaces_in_course(viewer, course.id) if member else []
    by_key = {ref.key: ref for ref in groups}
    keys = [course_space_key(course.id), *by_key]
    thread = None
    group_threads: list[tuple[SpaceRef, Thread]] = []
    titles: dict[int, str] = {}
    mute: Mute | None = None
    viewer_id = getattr(viewer, "id", None) if policy.signed_in(viewer) else None
    for key, found, running in db.session.execute(
            _PANEL_THREADS, {"unit_key": unit_key, "viewer_id": viewer_id or 0, "keys": keys,
                             "now": clock.now()}).tuples():
        mute = mute or running
        if found is None:
            continue
        if key in by_key:
            group_threads.append((by_key[key], found))
            titles[found.space_id] = by_key[key].title
        else:
            thread = found
    if not groups:
        shown = "all"
    listed = [t for _ref, t in group_threads] + ([thread] if thread is not None and shown == "all" else [])
    posts: list[ShownPost] = []
    more = False
    if listed and member:
        rows = db.session.execute(_PANEL_COMMENTS[moderator], {"thread_ids": [t.id for t in listed],
                                                               "viewer_id": viewer.id}).all()
        more = len(rows) > PANEL_POSTS
        posts = _replies_of(_shown(rows[:PANEL_POSTS]), include_hidden=moderator, viewer_id=viewer.id)
    locked = thread is not None and thread.locked
    return UnitPanelData(thread, posts, can_post=member and not locked and not course.is_archived,
                         can_moderate=moderator, read_only=locked or course.is_archived, more=more,
                         groups=groups, group_threads=group_threads, space_titles=titles, shown=shown,
                         mute=mute if member else None)


@dataclass(frozen=True)
class ForumIndex:
    space: Space
    categories: list[Category]
    discussion_units: list[tuple[Any, Thread | None]]  # (unit outline, its thread if anyone posted)


def forum_index(space: Space, outline: Outline | None) -> ForumIndex:
    """Categories with their stored counters, and the course's discussion units as pinned threads: two
    queries."""
    categories = list(db.session.scalars(sa.select(Category).where(Category.space_id == space.id)
                                         .order_by(Category.position, Category.id)))
    units = [u for u in (outline.units if outline else ()) if u.type == "discussion"]
    threads = {t.unit_key: t for t in db.session.scalars(sa.select(Thread).where(
        Thread.space_id == space.id, Thread.unit_key.in_([u.key for u in units])))} if units else {}
    return ForumIndex(space, categories, [(u, threads.get(u.key)) for u in units])


def forum_categories(space: Space) -> list[Category]:
    """The space's categories in their order (where a moderator may move a thread): one query."""
    return list(db.session.scalars(sa.select(Category).where(Category.space_id == space.id)
                                   .order_by(Category.position, Category.id)))


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    author_name: str


THREAD_SORTS = ("activity", "newest", "liked", "unanswered")
POST_SORTS = ("oldest", "newest", "liked")


def category_threads(category: Category, page_text: str, sort: str = "activity", *, viewer_id: int | None = None,
                     moderator: bool = False) -> Page:
    """Threads of a category, pinned first, then by the order asked for: latest activity (the default), newest,
    most liked, or unanswered only (nobody replied yet; newest first). The total comes from the stored
    counter, except for unanswered, which counts. Threads held for review only for their author and the
    moderators."""
    sort = sort if sort in THREAD_SORTS else "activity"
    query = (sa.select(Thread, User.display_name).outerjoin(User, User.id == Thread.author_id)
             .where(Thread.space_id == category.space_id, Thread.category_id == category.id))
    if not moderator:
        query = query.where(threads_shown_to_members(viewer_id))
    order = {"activity": (Thread.last_post_at.desc(),), "newest": (Thread.created_at.desc(),),
             "liked": (Thread.like_count.desc(), Thread.last_post_at.desc()),
             "unanswered": (Thread.created_at.desc(),)}[sort]
    if sort == "unanswered":
        query = query.where(Thread.post_count <= 1)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    else:
        total = category.thread_count
    pages = max(1, -(-total // THREADS_PER_PAGE))
    number = min(max(1, int(page_text) if page_text.isdigit() else 1), pages)
    rows = db.session.execute(query.order_by(Thread.pinned.desc(), *order, Thread.id.desc())
                              .limit(THREADS_PER_PAGE).offset((number - 1) * THREADS_PER_PAGE)).all()
    return Page([ThreadRow(t, name or "") for t, name in rows], number, pages, total)


def thread_posts(thread: Thread, page_text: str, *, moderator: bool, viewer_id: int | None = None,
                 sort: str = "oldest", course_id: int | None = None) -> Page:
    """A page of a thread's posts (oldest first, newest first or most liked first), each with its replies,
    likes and the viewer's likes, and for a moderator in a course (`course_id`) their authors' running mutes:
    a count and two queries."""
    mutes_in = course_id if moderator else None
    base = sa.select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
    if not moderator:
        base = base.where(shown_to_members(viewer_id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // POSTS_PER_PAGE))
    number = min(max(1, int(page_text) if page_text.isdigit() else 1), pages)
    query = _with_authors(base, viewer_id, mutes_in=mutes_in)
    if sort == "newest":
        query = query.order_by(Post.created_at.desc(), Post.id.desc())
    elif sort == "liked":
        query = query.order_by(sa.desc("likes"), Post.created_at, Post.id)
    else:
        query = query.order_by(Post.created_at, Post.id)
    rows = db.session.execute(query
                              .limit(POSTS_PER_PAGE).offset((number - 1) * POSTS_PER_PAGE)).all()
    return Page(_replies_of(_shown(rows), include_hidden=moderator, viewer_id=viewer_id, mutes_in=mutes_in),
                number, pages, total)


def page_of_post(post: Post, *, moderator: bool, viewer_id: int | None = None) -> int:
    """The page of its thread that shows a post (a reply shows under its parent): one count."""
    top = db.session.get_one(Post, post.parent_id) if post.parent_id is not None else post
    earlier = sa.select(sa.func.count()).select_from(Post).where(
        Post.thread_id == top.thread_id, Post.parent_id.is_(None),
        sa.or_(Post.created_at < top.created_at, sa.and_(Post.created_at == top.created_at, Post.id < top.id)))
    if not moderator:
        earlier = earlier.where(shown_to_members(viewer_id))
    return (db.session.scalar(earlier) or 0) // POSTS_PER_PAGE + 1


def unit_prompt_html(course_id: int, unit_key: str) -> str:
    """The prompt a discussion unit's thread opens with: the unit's own text (from memory after once)."""
    version = live_version(course_id)
    if version is None or unit_key not in outline_for(version).by_key:
        return ""
    return unit_body(version, unit_key).body_html


@dataclass(frozen=True)
class QueueItem:
    post: Post
    author_name: str
    thread: Thread
    reports: int
    reasons: list[str]
    oldest: datetime


def _queue_items(reports: Sequence[Any]) -> list[QueueItem]:
    """The reported posts of these open reports (post_id, reason, created_at rows, oldest first), each with its
    author's name, thread and reasons: one query."""
    if not reports:
        return []
    author = aliased(User)
    posts = {p.id: (p, name, t) for p, name, t in db.session.execute(
        sa.select(Post, author.display_name, Thread).outerjoin(author, author.id == Post.author_id)
        .join(Thread, Thread.id == Post.thread_id).where(Post.id.in_({r.post_id for r in reports}))).all()}
    grouped: dict[int, list[Any]] = {}
    for row in reports:
        grouped.setdefault(row.post_id, []).append(row)
    return [QueueItem(posts[pid][0], posts[pid][1] or "", posts[pid][2], len(rows), [r.reason for r in rows],
                      rows[0].created_at) for pid, rows in grouped.items() if pid in posts]


def _with_groups(space: Space | None, also: Sequence[str], inline: bool = False) -> sa.ColumnElement[bool]:
    """The posts of a space (None: no space of its own) and of the group spaces (cohorts') keyed `also`, those
    the moderator reads. `inline`: the ids and keys are written into the statement (see dialect.inlined)."""
    space_id: Any = None if space is None else dialect.inlined(space.id) if inline else space.id
    if not also:
        return sa.false() if space_id is None else Post.space_id == space_id
    keys: Any = (sa.bindparam(None, list(also), expanding=True, literal_execute=True) if inline
                 else list(also))
    in_groups = Space.key.in_(keys)
    return Post.space_id.in_(sa.select(Space.id).where(
        in_groups if space_id is None else sa.or_(Space.id == space_id, in_groups)))


def moderation_queue(space: Space | None, also: Sequence[str] = ()) -> list[QueueItem]:
    """Posts with open reports in the space (None for a moderator of group spaces only) and in the group spaces
    keyed `also` (the course's cohorts whose spaces the moderator reads), oldest report first: one query for
    the reports, one for their posts."""
    reports = db.session.execute(sa.select(Report.post_id, Report.reason, Report.created_at)
                                 .join(Post, Post.id == Report.post_id)
                                 .where(_with_groups(space, also), Report.resolved_at.is_(None))
                                 .order_by(Report.created_at)).all()
    return _queue_items(reports)


def held_posts(space: Space | None, also: Sequence[str] = ()) -> list[QueueItem]:
    """Posts waiting for review in the space and the group spaces keyed `also` (not rejected, not deleted),
    longest waiting first, each with its author's name and thread: one query."""
    author = aliased(User)
    rows = db.session.execute(
        sa.select(Post, author.display_name, Thread).outerjoin(author, author.id == Post.author_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(_with_groups(space, also), Post.held_at.is_not(None), Post.hidden_at.is_(None),
               Post.deleted_at.is_(None))
        .order_by(Post.held_at, Post.id)).all()
    return [QueueItem(post, name or "", thread, 0, [], post.held_at) for post, name, thread in rows]


@dataclass(frozen=True)
class MuteRow:
    mute: Mute
    learner_name: str
    muted_by_name: str


def running_mutes(course_id: int) -> list[MuteRow]:
    """The course's mutes still running, soonest ending first, with the names: one query."""
    learner, muter = aliased(User), aliased(User)
    rows = db.session.execute(
        sa.select(Mute, learner.display_name, muter.display_name)
        .join(learner, learner.id == Mute.user_id).outerjoin(muter, muter.id == Mute.muted_by_id)
        .where(Mute.course_id == course_id, Mute.lifted_at.is_(None), Mute.ends_at > clock.now())
        .order_by(Mute.ends_at, Mute.id)).all()
    return [MuteRow(mute, name or "", by or "") for mute, name, by in rows]


def participation_rules(context: Any) -> dict[str, dict[str, Any]]:
    """The listed discussion units of the version that state a rule: {unit key: {posts, replies}}."""
    listed = context.rules.get("discussions") or []
    if listed == "all":
        listed = None
    elif not listed:
        return {}
    query = sa.select(Unit.key, Unit.participation).where(
        Unit.version_id == context.version.id, Unit.type == "discussion", Unit.participation.is_not(None))
    rules = {key: rule for key, rule in db.session.execute(query).tuples() if rule}
    return rules if listed is None else {k: v for k, v in rules.items() if k in set(listed)}


def courses_with_live_version() -> list[int]:
    return list(db.session.scalars(sa.select(Course.id).where(Course.live_version_id.is_not(None))
                                   .order_by(Course.id)))


def unit_thread_of(space_id: int, unit_key: str) -> Thread | None:
    return db.session.scalar(sa.select(Thread).where(Thread.space_id == space_id, Thread.unit_key == unit_key))


def course_of(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


# Search ---------------------------------------------------------------------------------------------------
# Search within a course's discussion, on each database's own full-text index (dialect.text_search): the
# visible posts of the course's space, best match first, each with its highlighted passage. Three queries
# whatever the number of posts: a count (capped: nobody pages past the fiftieth page), the page's posts by rank,
# and the passages of just those posts (a snippet is costly, so it is not made for every match). Ranking
# looks at the newest RANKED_MATCHES matches. Private spaces are never searched; the group spaces (cohorts') of
# the course that the viewer reads are searched with the forum.

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


def search_space(space: Space, text: str, page: int, *, also: Sequence[str] = ()) -> tuple[list[str], Page]:
    """The words searched for and a page of hits (empty when the text holds no word), in the space and in
    the spaces keyed `also` (the viewer's groups in the course, whose membership the caller checked)."""
    terms = dialect.search_terms(text)
    if not terms:
        return terms, Page([], 1, 1, 0)
    search = dialect.text_search(db.session, Post.__table__, "body_source", terms)
    visible = (_with_groups(space, also, inline=True), Post.deleted_at.is_(None), Post.hidden_at.is_(None),
               Post.held_at.is_(None))
    most = MOST_PAGES * RESULTS_PER_PAGE
    matches = (search.apply(sa.select(Post.id).select_from(Post)).where(*visible)
               .limit(dialect.inlined(most + 1)).subquery())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matches)) or 0
    pages = max(1, min(MOST_PAGES, -(-total // RESULTS_PER_PAGE)))
    number = min(max(1, page), pages)
    # The newest matches with their scores in one pass over the index, the page's best of those, and only
    # then the page's threads and authors.
    newest = (search.apply(sa.select(Post.id.label("id"), search.score.label("score")).select_from(Post))
              .where(*visible).order_by(search.newest_first).limit(dialect.inlined(RANKED_MATCHES)).subquery())
    best = (sa.select(newest.c.id, newest.c.score)
            .order_by(search.best_first(newest.c.score), newest.c.id.desc())
            .limit(dialect.inlined(RESULTS_PER_PAGE))
            .offset(dialect.inlined((number - 1) * RESULTS_PER_PAGE)).subquery())
    rows = db.session.execute(
        sa.select(best.c.id, Post.thread_id, Thread.title, User.display_name, Post.created_at)
        .select_from(best).join(Post, Post.id == best.c.id)
        .join(Thread, Thread.id == Post.thread_id).outerjoin(User, User.id == Post.author_id)
        .order_by(search.best_first(best.c.score), best.c.id.desc())).all()
    snippets: dict[int, str] = {}
    if rows:
        snippets = dict(db.session.execute(search.snippets([row[0] for row in rows])).tuples().all())
    hits = [SearchHit(post_id, thread_id, title, name or "", created_at,
                      highlighted(snippets.get(post_id) or "", dialect.MARK_START, dialect.MARK_END))
            for post_id, thread_id, title, name, created_at in rows]
    return terms, Page(hits, number, pages, min(total, most))


# Private conversations -------------------------------------------------------------------------------------------

PAIR_PREFIX = "private:pair:"
INBOX_PER_PAGE = 25


def pair_space_key(a: int, b: int) -> str:
    """The one conversation of two people is named by both ids, so that two requests to open it agree."""
    low, high = sorted((a, b))
    return f"{PAIR_PREFIX}{low}-{high}"


def is_pair_space(space: Space) -> bool:
    return space.key.startswith(PAIR_PREFIX)


def space_by_key(key: str) -> Space | None:
    return db.session.scalar(sa.select(Space).where(Space.key == key))


def other_member_ids(space_id: int, user_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(SpaceMember.user_id).where(
        SpaceMember.space_id == space_id, SpaceMember.user_id != user_id).order_by(SpaceMember.user_id)))


def conversation_thread(space_id: int) -> Thread | None:
    """A private space's conversation: its one thread."""
    return db.session.scalar(sa.select(Thread).where(Thread.space_id == space_id).order_by(Thread.id).limit(1))


@dataclass(frozen=True)
class Conversation:
    space: Space
    thread_id: int
    last_post_at: datetime
    post_count: int
    unread: bool
    others: list[str]  # the other members' names

    def title(self) -> str:
        return self.space.title or ", ".join(self.others)


def inbox(viewer: Any, page_text: str | int = 1) -> Page:
    """The viewer's private conversations, latest activity first, each marked unread when it has a post newer
    than the viewer's last reading: a count, a page, and the other members' names of the page."""
    me = aliased(SpaceMember)
    base = (sa.select(Space, Thread.id, Thread.last_post_at, Thread.post_count, me.last_read_at)
            .join(me, sa.and_(me.space_id == Space.id, me.user_id == viewer.id))
            .join(Thread, Thread.space_id == Space.id)
            .where(Space.membership == "private"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // INBOX_PER_PAGE))
    asked = page_text if isinstance(page_text, int) else parse_whole_number(page_text, 1, minimum=1,
                                                                            maximum=MAX_PAGE)
    number = min(max(1, asked), pages)
    rows = db.session.execute(base.order_by(Thread.last_post_at.desc(), Space.id.desc())
                              .limit(INBOX_PER_PAGE).offset((number - 1) * INBOX_PER_PAGE)).all()
    names: dict[int, list[str]] = {}
    if rows:
        for space_id, name in db.session.execute(
                sa.select(SpaceMember.space_id, User.display_name).join(User, User.id == SpaceMember.user_id)
                .where(SpaceMember.space_id.in_([row[0].id for row in rows]), SpaceMember.user_id != viewer.id)
                .order_by(User.display_name)).tuples():
            names.setdefault(space_id, []).append(name)
    items = [Conversation(space, thread_id, last_post_at, post_count,
                          unread=post_count > 0 and (last_read is None or last_post_at > last_read),
                          others=names.get(space.id, []))
             for space, thread_id, last_post_at, post_count, last_read in rows]
    return Page(items, number, pages, total)


def member_names(space_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(
        sa.select(User.id, User.display_name).join(SpaceMember, SpaceMember.user_id == User.id)
        .where(SpaceMember.space_id == space_id).order_by(User.display_name)).tuples())


def reported_private_posts() -> list[QueueItem]:
    """Messages of private conversations with open reports, oldest report first (for the administrators, who
    see only what a member reported to them): one query for the reports, one for their posts."""
    reports = db.session.execute(sa.select(Report.post_id, Report.reason, Report.created_at)
                                 .join(Post, Post.id == Report.post_id).join(Space, Space.id == Post.space_id)
                                 .where(Space.membership == "private", Report.resolved_at.is_(None))
                                 .order_by(Report.created_at)).all()
    return _queue_items(reports)


# Group spaces (a cohort's) ---------------------------------------------------------------------------------------

def space_threads(space: Space | None, page_text: str, *, viewer_id: int | None = None,
                  moderator: bool = False) -> Page:
    """A group space's own threads (not its unit comment threads), pinned first, then by latest activity: a
    count and a page with the authors' names; nothing before the space's first post."""
    if space is None:
        return Page([], 1, 1, 0)
    query = (sa.select(Thread, User.display_name).outerjoin(User, User.id == Thread.author_id)
             .where(Thread.space_id == space.id, Thread.unit_key.is_(None)))
    if not moderator:
        query = query.where(threads_shown_to_members(viewer_id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // THREADS_PER_PAGE))
    number = min(max(1, int(page_text) if page_text.isdigit() else 1), pages)
    rows = db.session.execute(query.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
                              .limit(THREADS_PER_PAGE).offset((number - 1) * THREADS_PER_PAGE)).all()
    return Page([ThreadRow(t, name or "") for t, name in rows], number, pages, total)


def post_moments(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    """The learner's posts in the course's spaces (its forum, its cohorts' and teams' spaces, conversations
    about it), whatever became of them since: activity (learning.activity)."""
    return (sa.select(Post.created_at).join(Space, Space.id == Post.space_id)
            .where(Post.author_id == learner, Space.course_id == course_id))


def post_timeline(course_id: int, user_id: int) -> Timeline:
    """The learner's posts in the course's forum that its every reader sees (not deleted, hidden or held), titled
    by their thread; the key is the post's id: rows of learning.activity's timeline. A group's or a private
    space's posts are not listed there, as the timeline does not know its reader: `learner_posts` asks."""
    return (sa.select(*timeline_row("post", Post.created_at, Thread.title, Post.id))
            .join(Thread, Thread.id == Post.thread_id).join(Space, Space.id == Post.space_id)
            .where(Post.author_id == user_id, Space.key == course_space_key(course_id), _plainly_visible()))


def _plainly_visible() -> sa.ColumnElement[bool]:
    """A post every member of its space sees, in a thread every member sees (after joining Thread)."""
    return sa.and_(Post.deleted_at.is_(None), Post.hidden_at.is_(None), Post.held_at.is_(None),
                   Thread.held_at.is_(None))


LEARNER_POSTS = 50


@dataclass(frozen=True)
class LearnerPost:
    post_id: int
    thread_id: int
    thread_title: str
    space_key: str
    space_title: str  # "" for the course's forum
    created_at: datetime
    body_html: str  # sanitised when written


def readable_spaces_in_course(viewer: Any, course_id: int) -> dict[str, str]:
    """Key -> title of the course's spaces the viewer reads: its forum ("" as title) and the group spaces
    (cohorts', teams') their membership kinds let the viewer read; none for a viewer who is no member of the
    course's discussion. One query per group kind that has spaces there (see group_spaces_in_course)."""
    forum = Space(key=course_space_key(course_id), membership="course", course_id=course_id)
    if not is_member(viewer, forum):
        return {}
    return {forum.key: "", **{ref.key: ref.title for ref in group_spaces_in_course(viewer, course_id)}}


def learner_posts(viewer: Any, course_id: int, author_id: int, limit: int = LEARNER_POSTS) -> list[LearnerPost]:
    """The author's latest posts, at most `limit`, in the course's spaces the viewer reads, those that every
    member of the space sees (not deleted, hidden or held): what readable_spaces_in_course asks, and one
    query."""
    spaces = readable_spaces_in_course(viewer, course_id)
    if not spaces:
        return []
    rows = db.session.execute(
        sa.select(Post.id, Thread.id, Thread.title, Space.key, Post.created_at, Post.body_html)
        .join(Thread, Thread.id == Post.thread_id).join(Space, Space.id == Post.space_id)
        .where(Post.author_id == author_id, Space.key.in_(list(spaces)), _plainly_visible())
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit))
    return [LearnerPost(post_id, thread_id, title, key, spaces.get(key, ""), created_at, body_html)
            for post_id, thread_id, title, key, created_at, body_html in rows]
