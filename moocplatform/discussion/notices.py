"""What discussion tells people, through the platform's notification system: replies to their posts and in
their threads, and what moderators decided about their posts."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..catalog.queries import users_by_id
from ..extensions import db
from ..notifications.kinds import NotificationKind, register_notification_kind
from ..notifications.models import Channel
from ..notifications.services import notify, site_path
from .models import Thread

REPLY = register_notification_kind(NotificationKind(
    "discussion.reply", label=lambda: str(_l("Replies to your posts and in your threads")),
    describe=lambda p: _("%(name)s replied in “%(thread)s”", name=p.get("name", ""), thread=p.get("thread", "")),
    default_channel=Channel.email))
MODERATION = register_notification_kind(NotificationKind(
    "discussion.moderation", label=lambda: str(_l("Moderators' decisions about your posts")),
    describe=lambda p: (_("A moderator hid your post in “%(thread)s”", thread=p.get("thread", "")) if p.get("hidden")
                        else _("A moderator restored your post in “%(thread)s”", thread=p.get("thread", ""))),
    default_channel=Channel.in_app))


def thread_link(thread: Any, post: Any) -> str:
    return site_path("discussion.show_post", post_id=post.id)


def post_added(actor: Any, space: Any, thread: Any, post: Any, parent: Any) -> None:
    """The author of the post replied to, or else the thread's author, hears of it (never the poster)."""
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
