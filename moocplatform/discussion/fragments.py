"""Posts kept rendered in memory, on the unit page's comment panel and on thread pages: the same posts are shown
on every reader's visit, and rendering them was half of those pages' time. A post's HTML is a function of what
its key holds: the post as stored (its text, moments, moderation state), its author's name, handle and mute, its
likes, the viewer's relation to it (author, liker, muted, moderator, within the edit window), the page it returns
to, and the locale and time zone it is written in. Any change to one of them makes another key, so nothing is
invalidated and no viewer is shown another's. The CSRF token differs per session: the kept HTML has a
placeholder where each page puts its own."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup, escape

from ..memory_cache import memory_cache
from ..templating import csrf_placeholder, page_csrf_token
from .queries import ShownPost

CACHE_SIZE = 4096  # posts × the ways they are seen; a few KB each
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_REQUEST_KEY_PLACEHOLDER = f"request-key-{secrets.token_hex(16)}"


def _post_key(shown: ShownPost, viewer_id: int | None, back: str, muted: bool) -> tuple:
    post = shown.post
    return (post.id, post.body_html, post.created_at, post.edited_at, post.hidden_at, post.held_at, post.deleted_at,
            post.moderator_note, post.author_id is None, post.author_id == viewer_id, shown.author_name,
            shown.author_handle, shown.author_muted_until, shown.likes, shown.liked, bool(muted), back,
            request.script_root, str(get_locale()), str(get_timezone()))


def _kept(key: tuple, render: Callable[[Any], Any], template: str = "discussion/_posts.html") -> str:
    def rendered() -> str:
        with csrf_placeholder(_TOKEN_PLACEHOLDER):
            return str(render(current_app.jinja_env.get_template(template).module))
    return memory_cache("discussion.posts", CACHE_SIZE).get(key, rendered).replace(_TOKEN_PLACEHOLDER,
                                                                                   page_csrf_token())


def panel_post(shown: ShownPost, back: str, muted: bool, links: Any, viewer_id: int | None) -> Markup:
    """_posts.html's panel_post for this post and viewer, rendered once for everyone who sees it alike."""
    return Markup(_kept(("panel", *_post_key(shown, viewer_id, back, muted)),
                        lambda macros: macros.panel_post(shown, back, muted, links, viewer_id)))


def thread_post(shown: ShownPost, thread: Any, can_moderate: bool, report_form: Any, edit_window: timedelta | None,
                now: datetime, back: str, may_accept: bool, opening_id: int | None, muted: bool, can_mute: bool,
                mute_days: Any) -> Markup:
    """_posts.html's thread_post (the post and its actions) for this post and viewer, rendered once for everyone
    who sees it alike."""
    post = shown.post
    key = ("thread", *_post_key(shown, current_user.id, back, muted), thread.id, thread.accepted_post_id == post.id,
           bool(can_moderate), bool(can_mute), tuple(mute_days or ()), report_form is not None,
           bool(edit_window and now - post.created_at <= edit_window), bool(may_accept), post.id == opening_id)
    return Markup(_kept(key, lambda macros: macros.thread_post(shown, thread, can_moderate, report_form, edit_window,
                                                              now, back, may_accept, opening_id, muted, can_mute,
                                                              mute_days)))


def reply_form(form: Any, post_action: str, parent: Any) -> Markup:
    """_reply_form.html's post_form under a post of a thread page: the same for every reader but for the CSRF
    token and the form's request key (which may come back from a refused submission, so it is escaped)."""
    stand_in = SimpleNamespace(request_key=SimpleNamespace(data=_REQUEST_KEY_PLACEHOLDER))
    html = _kept(("reply", parent.id, post_action, str(get_locale())),
                 lambda macros: macros.post_form(stand_in, post_action, parent), "discussion/_reply_form.html")
    return Markup(html.replace(_REQUEST_KEY_PLACEHOLDER, str(escape(form.request_key.data or ""))))
