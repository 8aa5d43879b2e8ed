"""/api/v1/discussion: a course forum's categories and threads, a thread with its posts, starting a thread,
replying, and commenting on a unit. The views call the same services as the forum's pages (the same limits,
sanitising and participation), and read a space only when the access context makes the caller its member:
anyone else gets the 404 an unknown thread gets."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Blueprint, request, url_for

from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.problems import Problem
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from ..extensions import db
from . import api_queries, queries, services
from .membership import is_member, may_read_thread, moderates
from .models import Category, Post, Space, Thread
from .queries import ShownPost

bp = Blueprint("discussion_api", __name__, url_prefix=API_PREFIX + "/discussion")

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
CATEGORY = QueryParameter("category", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647},
                          "Only the threads of this category (its id).")
COURSE_PATH = {"slug": "The course's slug."}
THREAD_PATH = {"thread_id": "The thread's id."}
REQUEST_KEY = {"type": "string", "minLength": 1, "maxLength": 64,
               "description": "Sent again with the same value, the request makes no second post."}
# Some character that is not white space (as the services strip it: Python's str.isspace).
NOT_BLANK = ("[^\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f"
             "\\u205f\\u3000]")
BODY = {"type": "string", "minLength": 1, "maxLength": services.MAX_CHARACTERS, "pattern": NOT_BLANK,
        "description": "Markdown, sanitised by the platform's one allow-list (at most "
                       f"{services.MAX_LINKS} links)."}

register_schema("DiscussionCategory", {
    "type": "object", "additionalProperties": False, "required": ["id", "key", "title", "threads", "posts"],
    "properties": {"id": {"type": "integer"}, "key": {"type": "string"}, "title": {"type": "string"},
                   "threads": {"type": "integer", "minimum": 0}, "posts": {"type": "integer", "minimum": 0}},
})
register_schema("DiscussionCategoryList", {
    "type": "object", "additionalProperties": False, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/DiscussionCategory"}}},
})
register_schema("DiscussionThread", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "category", "unit", "author", "created_at", "last_post_at", "posts", "pinned",
                 "locked", "url"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "category": {"type": ["integer", "null"], "description": "The category's id (null: a unit's comments)."},
        "unit": {"type": ["string", "null"], "description": "The stable key of the unit whose comments these are."},
        "author": {"type": "string", "description": "The starter's display name (empty for a unit's comments)."},
        "created_at": DATE_TIME, "last_post_at": DATE_TIME,
        "posts": {"type": "integer", "minimum": 0, "description": "Visible posts."},
        "pinned": {"type": "boolean"}, "locked": {"type": "boolean", "description": "Takes no new posts."},
        "url": {"type": "string", "format": "uri", "description": "The thread's page."},
    },
})
register_schema("DiscussionThreadPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/DiscussionThread"}},
                   "next": {"type": ["string", "null"], "format": "uri",
                            "description": "The next page; null on the last."}},
})
register_schema("DiscussionPost", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "thread", "parent", "author", "mine", "body", "html", "created_at", "edited_at", "deleted",
                 "hidden", "held", "replies", "url"],
    "properties": {
        "id": {"type": "integer"}, "thread": {"type": "integer"},
        "parent": {"type": ["integer", "null"], "description": "The post a reply answers (one level deep)."},
        "author": {"type": "string", "description": "The author's display name (empty once erased)."},
        "mine": {"type": "boolean"},
        "body": {"type": "string", "description": "The Markdown as written (empty once deleted)."},
        "html": {"type": "string", "description": "The body as sanitised HTML."},
        "created_at": DATE_TIME, "edited_at": NULLABLE_DATE_TIME,
        "deleted": {"type": "boolean", "description": "Taken back by its author: its place stays."},
        "hidden": {"type": "boolean", "description": "Hidden by a moderator (only moderators see such posts)."},
        "held": {"type": "boolean", "description": "Held for review: only its author and the moderators see it "
                                                   "until a moderator approves it."},
        "replies": {"type": "array", "items": {"$ref": "#/components/schemas/DiscussionPost"}},
        "url": {"type": "string", "format": "uri", "description": "The post on its thread's page."},
    },
})
register_schema("DiscussionThreadWithPosts", {
    "type": "object", "additionalProperties": False, "required": ["thread", "can_post", "posts", "next"],
    "properties": {
        "thread": {"$ref": "#/components/schemas/DiscussionThread"},
        "can_post": {"type": "boolean", "description": "Whether a reply would be taken now (not locked)."},
        "posts": {"type": "array", "items": {"$ref": "#/components/schemas/DiscussionPost"},
                  "description": "A page of the thread's posts, oldest first, each with its replies."},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page; null on the last."},
    },
})
register_schema("NewDiscussionThread", {
    "type": "object", "additionalProperties": False, "required": ["category", "title", "body"],
    "properties": {
        "category": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647, "description": "The category's id."},
        "title": {"type": "string", "minLength": 1, "maxLength": services.MAX_TITLE, "pattern": NOT_BLANK},
        "body": BODY, "request_key": REQUEST_KEY,
    },
})
register_schema("NewDiscussionPost", {
    "type": "object", "additionalProperties": False, "required": ["body"],
    "properties": {
        "body": BODY,
        "parent": {"type": ["integer", "null"], "minimum": 1, "maximum": 2_147_483_647,
                   "description": "The post this replies to (a reply to a reply answers its post)."},
        "request_key": REQUEST_KEY,
    },
})
AUDIENCE_PATTERN = r"^(course|[a-z]+:[1-9][0-9]{0,9})$"
register_schema("NewUnitComment", {
    "type": "object", "additionalProperties": False, "required": ["body"],
    "properties": {"body": BODY, "request_key": REQUEST_KEY,
                   "audience": {"type": "string", "pattern": AUDIENCE_PATTERN, "maxLength": 64,
                                "description": "Who reads the comment: \"course\" (the default), or the key of one "
                                               "of the caller's cohort spaces (\"cohort:<id>\"), for that cohort "
                                               "only."}},
})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def thread_json(thread: Thread, author: str) -> dict[str, Any]:
    return {"id": thread.id, "title": thread.title, "category": thread.category_id, "unit": thread.unit_key,
            "author": author, "created_at": _iso(thread.created_at), "last_post_at": _iso(thread.last_post_at),
            "posts": thread.post_count, "pinned": thread.pinned, "locked": thread.locked,
            "url": url_for("discussion.thread_page", thread_id=thread.id, _external=True)}


def post_json(shown: ShownPost, viewer_id: int) -> dict[str, Any]:
    post = shown.post
    return {"id": post.id, "thread": post.thread_id, "parent": post.parent_id, "author": shown.author_name,
            "mine": post.author_id == viewer_id, "body": post.body_source, "html": post.body_html,
            "created_at": _iso(post.created_at), "edited_at": _iso(post.edited_at),
            "deleted": post.deleted_at is not None, "hidden": post.hidden_at is not None,
            "held": post.held_at is not None,
            "replies": [post_json(reply, viewer_id) for reply in shown.replies],
            "url": url_for("discussion.show_post", post_id=post.id, _external=True)}


def _invalid(status: int, detail: str, pointer: str) -> Problem:
    return Problem(status, detail, type_="validation-error", title="Your request is not valid",
                   errors=[{"pointer": pointer, "detail": detail}])


def _body(allowed: set[str]) -> dict[str, Any]:
    """The request's JSON object, with only the fields the operation takes, each of its declared type."""
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise _invalid(400, "Send a JSON object (Content-Type: application/json).", "#")
    for name in sorted(set(body) - allowed):
        raise _invalid(422, f"Unknown field {name}.", f"#/{name}")
    for name in ("title", "body", "request_key", "audience"):
        if name in body and not isinstance(body[name], str):
            raise _invalid(422, f"{name} is text.", f"#/{name}")
    for name in ("category", "parent"):
        value = body.get(name)
        if isinstance(value, float) and value.is_integer():  # JSON Schema's integer: 2.0 is 2
            value = body[name] = int(value)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 1 <= value <= 2_147_483_647):
            raise _invalid(422, f"{name} is an id.", f"#/{name}")
    for name in ("request_key", "audience"):
        if len(body.get(name) or "") > 64:
            raise _invalid(422, f"{name} is at most 64 characters.", f"#/{name}")
    if "audience" in body and not re.fullmatch(AUDIENCE_PATTERN.strip("^$"), body["audience"]):
        raise _invalid(422, "audience is \"course\" or a space's key such as \"cohort:12\".", "#/audience")
    return body


@contextmanager
def _posting():
    """The service's posting limit is the API's rate limit: a 429 with the seconds to wait."""
    try:
        yield
    except services.PostingTooFast as limit:
        raise Problem(429, limit.message, type_="rate-limited", title="Too many requests",
                      headers={"Retry-After": str(limit.retry_after)}) from None


def _course_space(slug: str) -> tuple[Any, Space]:
    """The course and its forum, which the caller is a member of; a 404 for anyone else."""
    course, _version = catalog_queries.course_with_live_version(slug)
    space = queries.course_space(course.id)
    if space is None or not is_member(api_user(), space):
        raise NotFound("No such discussion.")
    return course, space


def _thread(thread_id: int) -> tuple[Thread, Space]:
    thread = db.session.get(Thread, thread_id)
    space = db.session.get(Space, thread.space_id) if thread is not None else None
    if thread is None or space is None or not may_read_thread(api_user(), thread, space):
        raise NotFound("No such thread.")
    return thread, space


def _position(page: PageRequest, *names: str) -> list[Any] | None:
    if not page.position:
        return None
    values = [page.position.get(name) for name in names]
    return values if all(v is not None for v in values) else None


@api_route(bp, Operation("/courses/<key:slug>/categories", "GET", "listDiscussionCategories",
                         "The categories of a course's forum, in their order, with their counts.",
                         "DiscussionCategoryList", scopes=("read:discussion",), path_descriptions=COURSE_PATH,
                         tag="discussion"))
def list_categories(slug: str):
    _course, space = _course_space(slug)
    return {"items": [{"id": c.id, "key": c.key, "title": c.title, "threads": c.thread_count,
                       "posts": c.post_count} for c in api_queries.categories_of(space)]}


@api_route(bp, Operation("/courses/<key:slug>/threads", "GET", "listDiscussionThreads",
                         "The threads of a course's forum (or of one category), pinned first, then by latest post.",
                         "DiscussionThreadPage", scopes=("read:discussion",), query=(CATEGORY, CURSOR, LIMIT),
                         path_descriptions=COURSE_PATH, tag="discussion"))
def list_threads(slug: str, category: int | None, cursor: str | None, limit: int):
    _course, space = _course_space(slug)
    if category is not None:
        found = db.session.get(Category, category)
        if found is None or found.space_id != space.id:
            raise NotFound("No such category.")
    page = PageRequest("discussion_threads", decode_cursor(cursor, endpoint="discussion_threads"), limit)
    after = None
    if (values := _position(page, "p", "t", "i")) is not None:
        after = api_queries.ThreadAfter(bool(values[0]), datetime.fromisoformat(values[1]), int(values[2]))
    rows, more = api_queries.threads_page(space, category_id=category, after=after, limit=limit,
                                          viewer_id=api_user().id, moderator=moderates(api_user(), space))
    last = rows[-1][0] if rows and more else None
    return {"items": [thread_json(thread, author) for thread, author in rows],
            "next": page.next_link({"p": int(last.pinned), "t": last.last_post_at.isoformat(), "i": last.id}
                                   if last is not None else None)}


@api_route(bp, Operation("/courses/<key:slug>/threads", "POST", "startDiscussionThread",
                         "Start a thread in a category of a course's forum, as its page does.", "DiscussionThread",
                         scopes=("write:discussion",), path_descriptions=COURSE_PATH, tag="discussion",
                         request_schema="NewDiscussionThread", status=201))
def start_thread(slug: str):
    course, space = _course_space(slug)
    body = _body({"category", "title", "body", "request_key"})
    if body.get("category") is None:
        raise _invalid(422, "Choose a category.", "#/category")
    category = db.session.get(Category, body["category"])
    if category is None or category.space_id != space.id:
        raise NotFound("No such category.")
    if course.is_archived:
        raise Problem(409, "The course is archived: its discussions are read-only.")
    with _posting():
        thread = services.start_thread(api_user(), space, category.id, body.get("title", ""), body.get("body", ""),
                                       request_key=body.get("request_key"))
    return thread_json(thread, api_user().display_name)


@api_route(bp, Operation("/threads/<id:thread_id>", "GET", "getDiscussionThread",
                         "A thread of a space I am a member of, with a page of its posts.",
                         "DiscussionThreadWithPosts", scopes=("read:discussion",), query=(CURSOR, LIMIT),
                         path_descriptions=THREAD_PATH, tag="discussion"))
def get_thread(thread_id: int, cursor: str | None, limit: int):
    thread, space = _thread(thread_id)
    viewer = api_user()
    page = PageRequest("discussion_posts", decode_cursor(cursor, endpoint="discussion_posts"), limit)
    after = None
    if (values := _position(page, "t", "i")) is not None:
        after = (datetime.fromisoformat(values[0]), int(values[1]))
    posts, more = api_queries.posts_page(thread, moderator=moderates(viewer, space), after=after, limit=limit,
                                         viewer_id=viewer.id)
    last = posts[-1].post if posts and more else None
    return {"thread": thread_json(thread, api_queries.thread_author_name(thread)),
            "can_post": not thread.locked,
            "posts": [post_json(shown, viewer.id) for shown in posts],
            "next": page.next_link({"t": last.created_at.isoformat(), "i": last.id} if last is not None else None)}


@api_route(bp, Operation("/threads/<id:thread_id>/posts", "POST", "replyInDiscussionThread",
                         "Post in a thread, or reply to one of its posts, as its page does.", "DiscussionPost",
                         scopes=("write:discussion",), path_descriptions=THREAD_PATH, tag="discussion",
                         request_schema="NewDiscussionPost", status=201))
def reply(thread_id: int):
    thread, space = _thread(thread_id)
    body = _body({"body", "parent", "request_key"})
    if body.get("parent") is not None:
        parent = db.session.get(Post, body["parent"])
        if parent is None or parent.thread_id != thread.id or not parent.visible:
            raise NotFound("No such post in this thread to reply to.")
    with _posting():
        if space.membership == "private":  # a message: the sender has read the conversation up to it
            post = services.send_message(api_user(), space, body.get("body", ""),
                                         request_key=body.get("request_key"))
        else:
            post = services.reply(api_user(), thread, body.get("body", ""), parent_id=body.get("parent"),
                                  request_key=body.get("request_key"))
    return post_json(ShownPost(post, api_user().display_name), api_user().id)


@api_route(bp, Operation("/courses/<key:slug>/units/<key:key>/comments", "POST", "commentOnUnit",
                         "Comment under a unit of the course (its thread opens with the first comment); a "
                         "discussion unit's comments count towards its participation rule.", "DiscussionPost",
                         scopes=("write:discussion",), path_descriptions={**COURSE_PATH, "key": "The unit's key."},
                         tag="discussion", request_schema="NewUnitComment", status=201))
def comment_on_unit(slug: str, key: str):
    course, _space = _course_space(slug)
    body = _body({"body", "request_key", "audience"})
    with _posting():
        post = services.comment_on_unit(api_user(), course, key, body.get("body", ""),
                                        audience=body.get("audience") or services.COURSE_AUDIENCE,
                                        request_key=body.get("request_key"))
    return post_json(ShownPost(post, api_user().display_name), api_user().id)
