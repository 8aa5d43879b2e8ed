"""Links that a list of posts repeats for every post, built once per list."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..templating import url_for_ids


@dataclass(frozen=True)
class PostLinks:
    like: Callable[[int], str]
    unlike: Callable[[int], str]


def post_links() -> PostLinks:
    """The like and unlike addresses of any post (the `links` of _posts.html's like_button)."""
    return PostLinks(url_for_ids("discussion.like_post", "post_id"), url_for_ids("discussion.unlike_post", "post_id"))
