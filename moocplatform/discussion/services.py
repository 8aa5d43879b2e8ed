"""Writing in spaces: course forums (created with their categories when a version is published), unit
comment threads (created on the first comment), private spaces, posts and replies, editing and deleting
one's own posts. Every service checks the space's membership kind, validates, flushes and never commits."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import clock, events, policy
from ..catalog.queries import users_by_id
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import link_count, render_user_markdown
from ..people import queries as people_queries
from . import follows, notices, queries
from .membership import SpaceRef, describe_key, group_spaces_in_course, is_member, moderates
from .mentions import Mentions, resolve_mentions
from .models import Category, Like, Post, Space, SpaceMember, Thread
from .mutes import refuse_while_muted

MAX_CHARACTERS = 10_000
MAX_LINKS = 5
MAX_TITLE = 200
RATE_WINDOW = timedelta(minutes=10)
RATE_POSTS = 10
EDIT_WINDOW = timedelta(minutes=30)
PRIVATE_SPACE_MAX = 8
# Posts with links from accounts younger than this, or from people with no published post yet, wait for a
# moderator (links are what spam is made of; a person who took part before is trusted with them).
NEW_ACCOUNT = timedelta(hours=24)


class PostingTooFast(InvalidInput):
    """The author reached the posting limit (RATE_POSTS in RATE_WINDOW): the form shows it on the body; the
    API answers 429 with the seconds to wait."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, field="body")
        self.retry_after = retry_after


def new_request_key() -> str:
    """The one-time key a post form carries, so that the same form sent twice makes one post."""
    return secrets.token_urlsafe(24)


# Spaces ----------------------------------------------------------------------------------------------------

def ensure_course_space(course_id: int) -> Space:
    """The course's forum, with the categories of its pack (introductions, one per module, help); categories
    of modules added by a later version are added."""
    space = queries.course_space(course_id)
    now = clock.now()
    if space is None:
        space = Space(key=queries.course_space_key(course_id), membership="course", course_id=course_id,
                      created_at=now)
        db.session.add(space)
        db.session.flush()
    outline = queries.live_outline(course_id)
    wanted = [("introductions", _("Introductions"))]
    wanted += [(f"module-{m.key}", m.title) for m in (outline.modules if outline else ())]
    wanted += [("help", _("Help"))]
    have = set(db.session.scalars(sa.select(Category.key).where(Category.space_id == space.id)))
    for position, (key, title) in enumerate(wanted):
        if key not in have:
            db.session.add(Category(space_id=space.id, key=key, title=title[:200], position=position))
    db.session.flush()
    return space


def on_version_published(event: events.VersionPublished) -> None:
    ensure_course_space(event.course_id)


def open_private_space(actor: Any, people: list[Any], title: str = "", *, key: str | None = None) -> Space:
    """A space of the actor and a few others (a learner and their facilitator, a few cohort-mates), with the
    one thread its conversation is in."""
    members = {p.id: p for p in [actor, *people]}
    if actor is None or len(members) < 2:
        raise InvalidInput(_("A private space needs at least one other person."))
    if len(members) > PRIVATE_SPACE_MAX:
        raise InvalidInput(_("A private space has at most %(n)d people.", n=PRIVATE_SPACE_MAX))
    now = clock.now()
    space = Space(key=key or f"private:{secrets.token_hex(16)}", membership="private", course_id=None,
                  title=_clean_title(title, required=False), created_at=now)
    db.session.add(space)
    db.session.flush()
    for user_id in members:
        db.session.add(SpaceMember(space_id=space.id, user_id=user_id, joined_at=now))
    db.session.add(Thread(space_id=space.id, title=space.title, author_id=actor.id, created_at=now,
                          last_post_at=now))
    db.session.flush()
    return space


def open_conversation(actor: Any, other: Any) -> Space:
    """The private conversation of the actor and one other person: the one they have, or a new one when
    policy.can_message lets the actor write to them. Asked twice at once, it makes one."""
    if not policy.signed_in(actor):
        raise PermissionDenied(_("Log in first."))
    if other is None or other.id == actor.id or other.status == "deleted":
        raise NotFound(_("No such person."))
    key = queries.pair_space_key(actor.id, other.id)
    space = queries.space_by_key(key)
    if space is not None:
        return space
    if not people_queries.may_message(actor, other):
        raise PermissionDenied(_("You cannot write to this person."))
    try:
        with db.session.begin_nested():
            space = open_private_space(actor, [other], key=key)
    except IntegrityError:
        space = queries.space_by_key(key)
        if space is None:
            raise
    return space


def private_space_writable(actor: Any, space: Space) -> bool:
    """Who may still write in a private space: in a conversation of two, whoever policy.can_message lets
    write to the other (a block, or messages turned off between co-learners, makes it read-only); in a
    group, anyone not blocked by or blocking another member."""
    others = queries.other_member_ids(space.id, actor.id)
    if queries.is_pair_space(space):
        found = users_by_id(set(others))
        return len(found) == 1 and people_queries.may_message(actor, next(iter(found.values())))
    return not people_queries.blocked_among(actor.id, others)


def send_message(actor: Any, space: Space, body: str, *, request_key: str | None = None) -> Post:
    """A message in a private conversation: a post in its thread, under every rule posts have. The sender
    has read the conversation up to their own message."""
    if space.membership != "private" or not is_member(actor, space):
        raise NotFound(_("No such conversation."))
    thread = queries.conversation_thread(space.id)
    if thread is None:
        raise NotFound(_("No such conversation."))
    post = reply(actor, thread, body, request_key=request_key)
    mark_read(actor, space)
    return post


def mark_read(actor: Any, space: Space) -> None:
    """The member has read the private space up to now."""
    db.session.execute(sa.update(SpaceMember).where(SpaceMember.space_id == space.id,
                                                    SpaceMember.user_id == actor.id)
                       .values(last_read_at=clock.now()), execution_options={"synchronize_session": False})


def space_for_reading(actor: Any, space_id: int) -> Space:
    """A space its member reads; to anybody else it does not exist."""
    space = db.session.get(Space, space_id)
    if space is None or not is_member(actor, space):
        raise NotFound(_("No such discussion."))
    return space


# Threads and posts -----------------------------------------------------------------------------------------

def _clean_title(title: str, *, required: bool = True) -> str:
    title = " ".join((title or "").split())
    if required and not title:
        raise InvalidInput(_("Give the thread a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("The title is too long (at most %(n)d characters).", n=MAX_TITLE), field="title")
    return title


def _render_body(body: str, space: Space) -> tuple[str, str, Mentions]:
    """The cleaned source, its sanitised HTML (mentions of the space's members with a public profile as
    links to it) and the members it mentions."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput(_("Write something first."), field="body")
    if len(body) > MAX_CHARACTERS:
        raise InvalidInput(_("A post has at most %(n)d characters.", n=MAX_CHARACTERS), field="body")
    mentions = resolve_mentions(space, body)
    html = render_user_markdown(body, mentions=mentions.links)
    if link_count(html) > MAX_LINKS:
        raise InvalidInput(_("A post has at most %(n)d links.", n=MAX_LINKS), field="body")
    return body, html, mentions


def _check_can_write(actor: Any, space: Space, thread: Thread | None) -> None:
    if not is_member(actor, space):
        raise NotFound(_("No such discussion."))
    if space.membership == "private" and not private_space_writable(actor, space):
        raise Conflict(_("This conversation is read-only: you can no longer write to this person."))
    if thread is not None and thread.locked:
        raise Conflict(_("This thread is locked: it takes no new posts."))
    if space.course_id is not None:
        outline = queries.live_outline(space.course_id)
        if thread is not None and thread.unit_key and (outline is None or thread.unit_key not in outline.by_key):
            raise Conflict(_("This unit is no longer part of the course: its discussion is read-only."))
        refuse_while_muted(actor, space.course_id)
    since = clock.now() - RATE_WINDOW
    recent = db.session.execute(sa.select(sa.func.count(), sa.func.min(Post.created_at)).where(
        Post.author_id == actor.id, Post.created_at > since)).one()
    if recent[0] >= RATE_POSTS:
        wait = int((recent[1] - since).total_seconds()) + 1
        raise PostingTooFast(_("You have posted %(n)d times in ten minutes: please wait a little.", n=RATE_POSTS),
                             retry_after=max(1, wait))


def _earlier_post(actor: Any, request_key: str | None) -> Post | None:
    if not request_key:
        return None
    return db.session.scalar(sa.select(Post).where(Post.author_id == actor.id, Post.request_key == request_key))


def _add_post(actor: Any, space: Space, thread: Thread, body: str, *, parent: Post | None,
              request_key: str | None) -> Post:
    source, html, mentions = _render_body(body, space)
    now = clock.now()
    held = needs_review(actor, space, html)
    post = Post(thread_id=thread.id, space_id=space.id, parent_id=parent.id if parent else None, author_id=actor.id,
                body_source=source, body_html=html, created_at=now, request_key=request_key or None,
                held_at=now if held else None)
    try:
        with db.session.begin_nested():  # the same form sent twice at once: the second finds the first
            db.session.add(post)
    except IntegrityError:
        earlier = _earlier_post(actor, request_key)
        if earlier is None:
            raise
        return earlier
    follows.follow_on_posting(actor, space, thread)
    if held:  # nobody else sees it, counts it or hears of it until a moderator approves it
        db.session.flush()
        return post
    publish_counts(thread, post)
    notices.post_added(actor, space, thread, post, parent, mentions.members)
    return post


def publish_counts(thread: Thread, post: Post) -> None:
    """A post others now see counts in its thread and category, and is the thread's latest activity."""
    thread.post_count += 1
    thread.last_post_at = max(thread.last_post_at, post.created_at)
    if thread.category_id is not None:
        db.session.execute(sa.update(Category).where(Category.id == thread.category_id)
                           .values(post_count=Category.post_count + 1))
    db.session.flush()


def needs_review(actor: Any, space: Space, html: str) -> bool:
    """Whether a post is held for review: it has links, its space has moderators (a private conversation has
    none: its members block or report), its author moderates neither it nor the platform, and the author's
    account is younger than NEW_ACCOUNT or has no published post (one not held, hidden or deleted)."""
    if space.membership == "private" or not link_count(html):
        return False
    if moderates(actor, space) or policy.is_admin(actor):
        return False
    if clock.now() - actor.created_at < NEW_ACCOUNT:
        return True
    published = db.session.scalar(sa.select(Post.id).where(
        Post.author_id == actor.id, Post.held_at.is_(None), Post.hidden_at.is_(None),
        Post.deleted_at.is_(None)).limit(1))
    return published is None


def start_thread(actor: Any, space: Space, category_id: int | None, title: str, body: str, *,
                 request_key: str | None = None) -> Thread:
    earlier = _earlier_post(actor, request_key)
    if earlier is not None:
        return db.session.get_one(Thread, earlier.thread_id)
    _check_can_write(actor, space, None)
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category is None and category_id is not None or category is not None and category.space_id != space.id:
        raise InvalidInput(_("Choose a category."), field="category")
    now = clock.now()
    thread = Thread(space_id=space.id, category_id=category.id if category else None, title=_clean_title(title),
                    author_id=actor.id, created_at=now, last_post_at=now)
    db.session.add(thread)
    db.session.flush()
    post = _add_post(actor, space, thread, body, parent=None, request_key=request_key)
    if post.held_at is not None:  # the thread waits with its opening post
        thread.held_at = post.held_at
    elif category is not None:
        category.thread_count += 1
    db.session.flush()
    return thread


def ensure_group_space(ref: SpaceRef) -> Space:
    """The row of a group's space (a cohort's), made on its first post; two first posts at once make one."""
    space = queries.space_by_key(ref.key)
    if space is not None:
        return space
    try:
        with db.session.begin_nested():
            space = Space(key=ref.key, membership=ref.membership, course_id=ref.course_id, title=ref.title[:200],
                          created_at=clock.now())
            db.session.add(space)
    except IntegrityError:
        space = queries.space_by_key(ref.key)
        if space is None:
            raise
    return space


def group_space_for_writing(actor: Any, key: str) -> Space:
    """A group's space (by its key) for a member who writes in it; to anybody else it does not exist."""
    ref = describe_key(key)
    if ref is None or not is_member(actor, ref.stand_in()):
        raise NotFound(_("No such discussion."))
    return ensure_group_space(ref)


def unit_thread(course_id: int, unit_key: str, space: Space | None = None) -> Thread:
    """The thread of a unit's comments in the course's space, or in a group's space of the course (its
    cohort-only comments), made on the first comment (a discussion unit's is pinned)."""
    space = space or ensure_course_space(course_id)
    thread = db.session.scalar(sa.select(Thread).where(Thread.space_id == space.id, Thread.unit_key == unit_key))
    if thread is not None:
        return thread
    outline = queries.live_outline(course_id)
    unit = outline.by_key.get(unit_key) if outline else None
    if unit is None:
        raise NotFound(_("No such unit."))
    now = clock.now()
    thread = Thread(space_id=space.id, unit_key=unit_key, title=unit.title, created_at=now, last_post_at=now,
                    pinned=unit.type == "discussion")
    try:
        with db.session.begin_nested():  # two first comments at once: one thread
            db.session.add(thread)
    except IntegrityError:
        thread = db.session.scalars(sa.select(Thread).where(Thread.space_id == space.id,
                                                            Thread.unit_key == unit_key)).one()
    return thread


COURSE_AUDIENCE = "course"


def comment_on_unit(actor: Any, course: Any, unit_key: str, body: str, *, audience: str = COURSE_AUDIENCE,
                    request_key: str | None = None) -> Post:
    """A comment under a unit for the whole course (`audience` "course"), or for one of the actor's groups
    only (`audience` the key of a cohort's space they belong to): its members, its facilitators and the
    course's moderators read it; nobody else sees it anywhere."""
    earlier = _earlier_post(actor, request_key)
    if earlier is not None:
        return earlier
    space_stub = Space(key=queries.course_space_key(course.id), membership="course", course_id=course.id)
    if not is_member(actor, space_stub):
        raise PermissionDenied(_("Enrol in the course to take part in its discussions."))
    if course.is_archived:
        raise Conflict(_("The course is archived: its discussions are read-only."))
    group: Space | None = None
    if audience and audience != COURSE_AUDIENCE:
        ref = next((r for r in group_spaces_in_course(actor, course.id) if r.key == audience and r.own), None)
        if ref is None:  # a cohort not the actor's does not exist for them
            raise NotFound(_("Choose who reads your comment."))
        group = ensure_group_space(ref)
    thread = unit_thread(course.id, unit_key, group)
    space = group or db.session.get_one(Space, thread.space_id)
    _check_can_write(actor, space, thread)
    return _add_post(actor, space, thread, body, parent=None, request_key=request_key)


def reply(actor: Any, thread: Thread, body: str, *, parent_id: int | None = None,
          request_key: str | None = None) -> Post:
    """A post in a thread, or a reply to one of its posts (a reply to a reply answers its post: one level)."""
    earlier = _earlier_post(actor, request_key)
    if earlier is not None:
        return earlier
    space = db.session.get_one(Space, thread.space_id)
    _check_can_write(actor, space, thread)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Post, parent_id)
        if parent is None or parent.thread_id != thread.id or not parent.visible:
            raise InvalidInput(_("That post is not there any more."), field="body")
        if parent.parent_id is not None:
            parent = db.session.get_one(Post, parent.parent_id)
    return _add_post(actor, space, thread, body, parent=parent, request_key=request_key)


def get_post(actor: Any, post_id: int) -> tuple[Post, Space]:
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(_("No such post."))
    space = db.session.get_one(Space, post.space_id)
    if not is_member(actor, space):
        raise NotFound(_("No such post."))
    if post.held_at is not None and post.author_id != actor.id and not moderates(actor, space):
        raise NotFound(_("No such post."))  # held for review: only its author and the moderators see it
    return post, space


def may_edit(actor: Any, post: Post, space: Space) -> bool:
    """Authors edit within the edit window; moderators any time (the post says it was edited)."""
    own = post.author_id == actor.id
    return moderates(actor, space) or own and clock.now() - post.created_at <= EDIT_WINDOW


MAX_NOTE = 500


def edit_post(actor: Any, post_id: int, body: str, note: str = "") -> Post:
    """The author edits their post; a moderator edits anyone's with a note that is shown with it."""
    post, space = get_post(actor, post_id)
    own = post.author_id == actor.id
    if not may_edit(actor, post, space):
        raise PermissionDenied(_("This post can no longer be edited.") if own
                               else _("You can only edit your own posts."))
    if post.deleted_at is not None:
        raise Conflict(_("A deleted post cannot be edited."))
    if space.membership == "private" and not private_space_writable(actor, space):
        raise Conflict(_("This conversation is read-only: you can no longer write to this person."))
    moderator = moderates(actor, space)
    if space.course_id is not None and not moderator:
        refuse_while_muted(actor, space.course_id)
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("The note is too long (at most %(n)d characters).", n=MAX_NOTE), field="note")
    if not own and moderator and not note:
        raise InvalidInput(_("Say why you edit someone else's post: the note is shown with it."), field="note")
    post.body_source, post.body_html, mentions = _render_body(body, space)
    post.edited_at = clock.now()
    if not own:
        post.moderator_note = note
    if own and post.held_at is None and needs_review(actor, space, post.body_html):
        # links added to a published post by an author who would be held: it waits again
        set_visibility(post, lambda: setattr(post, "held_at", clock.now()))
    db.session.flush()
    if post.visible:
        notices.post_edited(actor, space, post, mentions.members)
    return post


def delete_own_post(actor: Any, post_id: int) -> Post:
    """The author takes a post back: its text is gone, its replies stay."""
    post, space = get_post(actor, post_id)
    if post.author_id != actor.id:
        raise PermissionDenied(_("You can only delete your own posts."))
    if post.deleted_at is None:
        set_visibility(post, lambda: setattr(post, "deleted_at", clock.now()))
        post.body_source = ""
        post.body_html = ""
        thread = db.session.get_one(Thread, post.thread_id)
        if thread.accepted_post_id == post.id:  # a deleted answer answers nothing
            thread.accepted_post_id = None
    db.session.flush()
    return post


def set_visibility(post: Post, change: Any) -> None:
    """Apply a change to whether others see a post (hide, restore, delete, hold, approve) and keep its thread's
    counters to the visible posts: the post and category counts and the likes the "most liked" order uses.
    The post's row is written first, so a like made meanwhile either waits for it (reactions lock the row)
    or is counted here."""
    before = post.visible
    change()
    db.session.flush()
    if before == post.visible:
        return
    delta = 1 if post.visible else -1
    thread = db.session.get_one(Thread, post.thread_id)
    thread.post_count += delta
    likes = sa.select(sa.func.count()).select_from(Like).where(Like.post_id == post.id).scalar_subquery()
    db.session.execute(sa.update(Thread).where(Thread.id == thread.id)
                       .values(like_count=Thread.like_count + delta * likes),
                       execution_options={"synchronize_session": False})
    db.session.expire(thread, ["like_count"])
    if thread.category_id is not None:
        db.session.execute(sa.update(Category).where(Category.id == thread.category_id)
                           .values(post_count=Category.post_count + delta))
    db.session.flush()
