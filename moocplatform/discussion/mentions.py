"""@mentions in posts: which of the handles a post names belong to members of its space. Only those are told
(a mention grants no access), and only those with a public profile become a link to it; every other @handle
stays the text it was, so a post says nothing about people outside the space."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..accounts.handles import users_by_handle
from ..html import mentioned_handles
from ..notifications.services import site_path
from ..people import queries as people_queries
from .membership import is_member
from .models import Space

# Beyond this many handles in one post the rest stay plain text and tell nobody (a post is not a mailing list).
MAX_MENTIONS = 10


@dataclass(frozen=True)
class Mentions:
    members: list[Any] = field(default_factory=list)  # the mentioned members of the space (Users), in order
    links: dict[str, str] = field(default_factory=dict)  # {handle: profile path} for html.render_user_markdown


def resolve_mentions(space: Space, source: str) -> Mentions:
    """The members a post's Markdown mentions: one query for the handles, the membership rule per person (at
    most MAX_MENTIONS), one query for their profile settings."""
    handles = mentioned_handles(source)[:MAX_MENTIONS]
    if not handles:
        return Mentions()
    found = users_by_handle(set(handles))
    members = [user for handle in handles if (user := found.get(handle)) is not None and is_member(user, space)]
    settings = people_queries.settings_for({u.id for u in members})
    links = {u.handle: site_path("people.profile", user_id=u.id)
             for u in members if u.handle and settings[u.id].visible}
    return Mentions(members, links)
