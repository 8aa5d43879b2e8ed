"""The unit page's comments, each kept rendered in memory: the same posts are shown on every learner's visit,
and rendering them was half of the page's time. A post's HTML is a function of what its key holds: the post as
stored (its text, moments, moderation state), its author's name, handle and mute, its likes, the viewer's relation
to it (author, liker, muted), the page it returns to and the locale and time zone it is written in; any change to
one of them is another key, so nothing is invalidated and no viewer sees another's. The CSRF token differs per
session: it is put in after, where the cached HTML has a placeholder."""
from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from ..memory_cache import memory_cache
from ..templating import page_csrf_token
from .queries import ShownPost

CACHE_SIZE = 4096  # posts × the ways they are seen; a few KB each
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


def panel_post(shown: ShownPost, back: str, muted: bool, links: Any, viewer_id: int | None) -> Markup:
    """_posts.html's panel_post for this post and viewer, rendered once for everyone who sees it alike."""
    post = shown.post
    key = (post.id, post.body_html, post.created_at, post.edited_at, post.hidden_at, post.held_at, post.deleted_at,
           post.moderator_note, post.author_id == viewer_id, shown.author_name, shown.author_handle,
           shown.author_muted_until, shown.likes, shown.liked, bool(muted), back, request.script_root,
           str(get_locale()), str(get_timezone()))
    html = memory_cache("discussion.panel-posts", CACHE_SIZE).get(key, lambda: _render(shown, back, muted, links,
                                                                                        viewer_id))
    return Markup(html.replace(_TOKEN_PLACEHOLDER, page_csrf_token()))


def _render(shown: ShownPost, back: str, muted: bool, links: Any, viewer_id: int | None) -> str:
    macros = current_app.jinja_env.get_template("discussion/_posts.html").module
    return str(macros.panel_post(shown, back, muted, links, viewer_id, _TOKEN_PLACEHOLDER))  # type: ignore[attr-defined]
