"""What discussion tells people, through the platform's notification system: mentions of them, replies to their
posts and in their threads, new posts in threads they follow, messages, and what moderators decided about
their posts. Each person hears of one post once (PostNotice), for the strongest reason (a mention, then a
reply, then following), never of their own post, and never of a post by someone they blocked or who blocked
them. Followers are told by the outbox worker after the post commits: a busy thread has many followers."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import clock, outbox
from ..catalog.queries import users_by_id
from ..extensions import db
from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel
from ..notifications.services import notify, site_path
from ..people import queries as people_queries
from ..transaction import add_unless_present
from .follows import follower_ids
from .membership import is_member
from .models import NoticeReason, Post, PostNotice, Space, SpaceMember, Thread

TELL_FOLLOWERS = "discussion.tell-followers"

REPLY = register_notification_kind(NotificationKind(
    "discussion.reply", label=lambda: str(_l("Replies to your posts and in your threads")),
    describe=lambda p: _("%(name)s replied in “%(thread)s”", name=p.get("name", ""), thread=p.get("thread", "")),
    default_channel=Channel.email))
MODERATION = register_notification_kind(NotificationKind(
    "discussion.moderation", label=lambda: str(_l("Moderators' decisions about your posts")),
    describe=lambda p: _describe_moderation(p),
    default_channel=Channel.in_app))

MENTION = register_notification_kind(NotificationKind(
    "discussion.mention", label=lambda: str(_l("Mentions of you (@your handle) in posts")),
    describe=lambda p: _("%(name)s mentioned you in “%(thread)s”", name=p.get("name", ""), thread=p.get("thread", "")),
    default_channel=Channel.email))
FOLLOWED = register_notification_kind(NotificationKind(
    "discussion.followed", label=lambda: str(_l("New posts in threads you follow")),
    describe=lambda p: _("%(name)s posted in “%(thread)s”, which you follow", name=p.get("name", ""),
                         thread=p.get("thread", "")),
    default_channel=Channel.digest))
MESSAGE = register_notification_kind(NotificationKind(
    "discussion.message", label=lambda: str(_l("Private messages to you")),
    describe=lambda p: _("%(name)s wrote to you", name=p.get("name", "")),
    default_channel=Channel.email))


def thread_link(thread: Any, post: Any) -> str:
    return site_path("discussion.show_post", post_id=post.id)


def _tell(actor: Any, post: Post, recipients: list[Any], reason: NoticeReason, kind: str, params: dict[str, Any],
          link: str) -> None:
    """Tell each recipient once about this post: not the actor, nobody erased, nobody with a block between
    them and the actor, nobody told of this post already (the unique row decides, under races too)."""
    wanted = {u.id: u for u in recipients if u is not None and u.id != actor.id and u.status != "deleted"}
    if not wanted:
        return
    blocked = people_queries.blocks_with(actor.id, set(wanted))
    told = set(db.session.scalars(sa.select(PostNotice.user_id).where(
        PostNotice.post_id == post.id, PostNotice.user_id.in_(set(wanted)))))
    for user_id, recipient in wanted.items():
        if user_id in blocked or user_id in told:
            continue
        if add_unless_present(PostNotice(post_id=post.id, user_id=user_id, reason=reason, created_at=clock.now())):
            notify(recipient, kind, params, link=link)


def post_added(actor: Any, space: Any, thread: Any, post: Any, parent: Any, mentioned: list[Any]) -> None:
    """Mentioned members, then the author of the post replied to (or else the thread's author) at once; the
    thread's followers through the worker. In a private conversation every other member hears of it, as a
    message."""
    params = {"name": actor.display_name, "thread": thread.title}
    if space.membership == "private":
        _message_added(actor, space, post)
        return
    link = thread_link(thread, post)
    _tell(actor, post, mentioned, NoticeReason.MENTION, MENTION.name, params, link)
    told = parent.author_id if parent is not None else thread.author_id
    recipient = users_by_id({told}).get(told) if told is not None else None
    if recipient is not None and is_member(recipient, space):  # one who left a cohort hears nothing of its space
        _tell(actor, post, [recipient], NoticeReason.REPLY, REPLY.name, params, link)
    outbox.enqueue(TELL_FOLLOWERS, {"post_id": post.id}, key=f"post:{post.id}")


def post_edited(actor: Any, space: Any, post: Any, mentioned: list[Any]) -> None:
    """An edit tells only the members it newly mentions (nobody hears of one post twice)."""
    if space.membership == "private" or not mentioned:
        return
    thread = db.session.get_one(Thread, post.thread_id)
    _tell(actor, post, mentioned, NoticeReason.MENTION, MENTION.name,
          {"name": actor.display_name, "thread": thread.title}, thread_link(thread, post))


def tell_followers(payload: dict[str, Any], _row: object) -> None:
    """The outbox kind TELL_FOLLOWERS: the followers of a new post's thread who still belong to its space and
    were not told of it for another reason. A post hidden or deleted meanwhile tells nobody."""
    post = db.session.get(Post, payload.get("post_id"))
    if post is None or not post.visible or post.author_id is None:
        return
    thread = db.session.get_one(Thread, post.thread_id)
    space = db.session.get_one(Space, post.space_id)
    people = users_by_id({post.author_id, *follower_ids(thread.id, post.created_at)})
    actor = people.get(post.author_id)
    if actor is None:
        return
    followers = [u for user_id, u in people.items() if user_id != actor.id and is_member(u, space)]
    _tell(actor, post, followers, NoticeReason.FOLLOW, FOLLOWED.name,
          {"name": actor.display_name, "thread": thread.title}, thread_link(thread, post))


def subscribe() -> None:
    outbox.register_kind(TELL_FOLLOWERS, tell_followers, transactional=True)


def moderation_outcome(post: Any, *, hidden: bool, outcome: str = "") -> None:
    """Tell the author what a moderator decided: hidden or restored, or (for a held post) approved or not."""
    if post.author_id is None:
        return
    recipient = users_by_id({post.author_id}).get(post.author_id)
    thread = db.session.get_one(Thread, post.thread_id)
    params: dict[str, Any] = {"thread": thread.title, "hidden": hidden}
    if outcome:
        params["outcome"] = outcome
    if recipient is not None:
        notify(recipient, MODERATION.name, params, link=thread_link(thread, post))


def _describe_moderation(p: dict[str, Any]) -> str:
    thread = p.get("thread", "")
    if p.get("outcome") == "approved":
        return _("A moderator approved your post in “%(thread)s”: everyone sees it now", thread=thread)
    if p.get("outcome") == "rejected":
        return _("A moderator did not approve your post in “%(thread)s”", thread=thread)
    if p.get("hidden"):
        return _("A moderator hid your post in “%(thread)s”", thread=thread)
    return _("A moderator restored your post in “%(thread)s”", thread=thread)


def _message_added(actor: Any, space: Any, post: Any) -> None:
    others = set(db.session.scalars(sa.select(SpaceMember.user_id).where(
        SpaceMember.space_id == space.id, SpaceMember.user_id != actor.id)))
    link = site_path("discussion.conversation", space_id=space.id, _anchor=f"post-{post.id}")
    _tell(actor, post, list(users_by_id(others).values()), NoticeReason.MESSAGE, MESSAGE.name,
          {"name": actor.display_name}, link)
