"""What discussion tells people, through the platform's notification system: replies to their posts and in
their threads, and what moderators decided about their posts."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..catalog.queries import users_by_id
from ..extensions import db
from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel
from ..notifications.services import notify, site_path
from .models import SpaceMember, Thread

REPLY = register_notification_kind(NotificationKind(
    "discussion.reply", label=lambda: str(_l("Replies to your posts and in your threads")),
    describe=lambda p: _("%(name)s replied in “%(thread)s”", name=p.get("name", ""), thread=p.get("thread", "")),
    default_channel=Channel.email))
MODERATION = register_notification_kind(NotificationKind(
    "discussion.moderation", label=lambda: str(_l("Moderators' decisions about your posts")),
    describe=lambda p: (_("A moderator hid your post in “%(thread)s”", thread=p.get("thread", "")) if p.get("hidden")
                        else _("A moderator restored your post in “%(thread)s”", thread=p.get("thread", ""))),
    default_channel=Channel.in_app))

MESSAGE = register_notification_kind(NotificationKind(
    "discussion.message", label=lambda: str(_l("Private messages to you")),
    describe=lambda p: _("%(name)s wrote to you", name=p.get("name", "")),
    default_channel=Channel.email))


def thread_link(thread: Any, post: Any) -> str:
    return site_path("discussion.show_post", post_id=post.id)


def post_added(actor: Any, space: Any, thread: Any, post: Any, parent: Any) -> None:
    """The author of the post replied to, or else the thread's author, hears of it (never the poster); in a
    private conversation every other member does, as a message."""
    if space.membership == "private":
        _message_added(actor, space, post)
        return
    told = parent.author_id if parent is not None else thread.author_id
    if told is None or told == actor.id:
        return
    recipient = users_by_id({told}).get(told)
    if recipient is None:
        return
    notify(recipient, REPLY.name, {"name": actor.display_name, "thread": thread.title},
           link=thread_link(thread, post))


def moderation_outcome(post: Any, *, hidden: bool) -> None:
    if post.author_id is None:
        return
    recipient = users_by_id({post.author_id}).get(post.author_id)
    thread = db.session.get_one(Thread, post.thread_id)
    if recipient is not None:
        notify(recipient, MODERATION.name, {"thread": thread.title, "hidden": hidden}, link=thread_link(thread, post))


def _message_added(actor: Any, space: Any, post: Any) -> None:
    others = set(db.session.scalars(sa.select(SpaceMember.user_id).where(
        SpaceMember.space_id == space.id, SpaceMember.user_id != actor.id)))
    link = site_path("discussion.conversation", space_id=space.id, _anchor=f"post-{post.id}")
    for recipient in users_by_id(others).values():
        notify(recipient, MESSAGE.name, {"name": actor.display_name}, link=link)
