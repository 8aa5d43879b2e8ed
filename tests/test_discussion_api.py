"""The discussion and notifications API: a forum's threads and a thread's posts in keyset pages, posting
through the forum's own services (limits, sanitising, idempotent replays, participation), membership, the
caller's notifications, and query counts that do not grow with the data. (tests/test_api.py has the bearer
permission matrix; every response here is checked against the OpenAPI document.)"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.api.auth import CSRF_HEADER
from moocplatform.discussion import moderation, queries, services
from moocplatform.discussion.models import Post
from moocplatform.extensions import db
from moocplatform.learning.completion import learner_progress_by_rule
from moocplatform.notifications.models import Notification
from moocplatform.ratelimit import EXTENSION_KEY, MemoryRateLimiter
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_user
from tests.test_api import bearer, page_csrf_token

API = "/api/v1/discussion"


@pytest.fixture(autouse=True)
def fresh_rate_limiter(app, monkeypatch):
    app.extensions[EXTENSION_KEY] = MemoryRateLimiter()
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 10_000)  # restored after the test: the app is shared
    yield
    app.extensions.pop(EXTENSION_KEY, None)


@pytest.fixture()
def course():
    return make_discussion_course("api-forum")


@pytest.fixture()
def people(course):
    learners = [make_user(display_name=f"Learner {n}") for n in range(2)]
    for learner in learners:
        enrol(learner, course)
    return {"a": learners[0], "b": learners[1], "team": make_user("course_team", course=course),
            "outsider": make_user()}


def space_and_category(course):
    space = queries.course_space(course.id)
    return space, queries.forum_index(space, None).categories[0]


def next_path(body) -> str:
    link = urlsplit(body["next"])
    return f"{link.path}?{link.query}"


def test_threads_come_pinned_first_then_by_latest_post_in_cursor_pages(client, course, people):
    space, category = space_and_category(course)
    threads = []
    for n in range(5):
        threads.append(services.start_thread(people["a"], space, category.id, f"Thread {n}", "Body"))
        clock.advance(timedelta(minutes=3))  # under the posting limit, and each later than the last
    moderation.set_thread_pinned(people["team"], threads[1].id, True)
    db.session.flush()
    headers = bearer(people["b"])
    first = client.get(f"{API}/courses/api-forum/threads?category={category.id}&limit=2", headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert [t["title"] for t in body["items"]] == ["Thread 1", "Thread 4"]
    assert body["items"][0]["pinned"] and body["items"][0]["author"] == "Learner 0"
    seen = [t["title"] for t in body["items"]]
    while body["next"]:
        body = client.get(next_path(body), headers=headers).get_json()
        seen += [t["title"] for t in body["items"]]
    assert seen == ["Thread 1", "Thread 4", "Thread 3", "Thread 2", "Thread 0"]
    # Without a category: every thread of the space, a unit's comments too.
    services.comment_on_unit(people["a"], course, "talk-1", "On the unit")
    listed = client.get(f"{API}/courses/api-forum/threads?limit=100", headers=headers).get_json()["items"]
    assert {t["unit"] for t in listed} == {None, "talk-1"} and len(listed) == 6
    categories = client.get(f"{API}/courses/api-forum/categories", headers=headers).get_json()["items"]
    assert [c["key"] for c in categories][0] == "introductions" and categories[0]["threads"] == 5


def test_nobody_reads_a_space_they_are_not_a_member_of(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "Members only", "Inside")
    other_course = make_discussion_course("other-forum")
    other_space, other_category = space_and_category(other_course)
    headers = bearer(people["outsider"])
    for path in (f"{API}/courses/api-forum/threads", f"{API}/courses/api-forum/categories",
                 f"{API}/threads/{thread.id}"):
        assert client.get(path, headers=headers).status_code == 404, path
    assert client.post(f"{API}/threads/{thread.id}/posts", json={"body": "Let me in"},
                       headers=headers).status_code == 404
    assert client.post(f"{API}/courses/api-forum/units/m1-u1/comments", json={"body": "Hi"},
                       headers=headers).status_code == 404
    # A member of this forum, not of that one: a category of another space is not found here.
    member = bearer(people["b"])
    assert client.get(f"{API}/courses/api-forum/threads?category={other_category.id}",
                      headers=member).status_code == 404
    assert client.post(f"{API}/courses/api-forum/threads", headers=member, json={
        "category": other_category.id, "title": "Elsewhere", "body": "x"}).status_code == 404
    # A private conversation: only its members read it.
    conversation = services.open_private_space(people["a"], [people["b"]])
    services.send_message(people["a"], conversation, "Just us")
    private = queries.conversation_thread(conversation.id)
    assert client.get(f"{API}/threads/{private.id}", headers=bearer(people["b"])).status_code == 200
    assert client.get(f"{API}/threads/{private.id}", headers=bearer(people["team"])).status_code == 404
    assert client.get(f"{API}/threads/{private.id}", headers=bearer(make_user("admin"))).status_code == 404


def test_a_thread_pages_its_posts_with_their_replies_and_hides_what_moderators_hid(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "Paged", "First")
    posts = [db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)).one()]
    for n in range(4):
        clock.advance(timedelta(minutes=3))
        posts.append(services.reply(people["b"], thread, f"Post {n}"))
    reply = services.reply(people["a"], thread, "A reply", parent_id=posts[1].id)
    moderation.hide_post(people["team"], posts[2].id, "off topic")
    db.session.flush()
    headers = bearer(people["b"])
    body = client.get(f"{API}/threads/{thread.id}?limit=2", headers=headers).get_json()
    assert body["thread"]["title"] == "Paged" and body["thread"]["author"] == "Learner 0" and body["can_post"]
    assert [p["body"] for p in body["posts"]] == ["First", "Post 0"]
    assert body["posts"][1]["replies"][0]["id"] == reply.id and body["posts"][1]["mine"]
    assert body["posts"][1]["replies"][0]["parent"] == posts[1].id
    rest = client.get(next_path(body), headers=headers).get_json()
    assert [p["body"] for p in rest["posts"]] == ["Post 2", "Post 3"] and rest["next"] is None
    # The hidden post ("Post 1") only for moderators, marked.
    staff = client.get(f"{API}/threads/{thread.id}?limit=100", headers=bearer(people["team"])).get_json()
    hidden = [p for p in staff["posts"] if p["hidden"]]
    assert [p["body"] for p in hidden] == ["Post 1"]


def test_posting_goes_through_the_forums_services(client, course, people):
    space, category = space_and_category(course)
    headers = bearer(people["a"])
    created = client.post(f"{API}/courses/api-forum/threads", headers=headers, json={
        "category": category.id, "title": "  Hostile   input ", "request_key": "k-1",
        "body": "Hi <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"})
    assert created.status_code == 201, created.get_data(as_text=True)
    thread = created.get_json()
    assert thread["title"] == "Hostile input" and thread["posts"] == 1
    first = client.get(f"{API}/threads/{thread['id']}", headers=headers).get_json()["posts"][0]
    assert "<script" not in first["html"] and "<img" not in first["html"] and "href" not in first["html"]
    assert first["body"].startswith("Hi <script>")  # the Markdown as written, for editing; the HTML is the safe one
    # The same request again makes no second thread.
    again = client.post(f"{API}/courses/api-forum/threads", headers=headers, json={
        "category": category.id, "title": "Hostile input", "body": "Hi", "request_key": "k-1"})
    assert again.status_code == 201 and again.get_json()["id"] == thread["id"]
    # The post's limits, named by field.
    too_long = client.post(f"{API}/threads/{thread['id']}/posts", headers=headers,
                           json={"body": "x" * (services.MAX_CHARACTERS + 1)})
    assert too_long.status_code == 422 and too_long.get_json()["errors"][0]["pointer"] == "#/body"
    links = " ".join(f"https://example.org/{n}" for n in range(services.MAX_LINKS + 1))
    refused = client.post(f"{API}/threads/{thread['id']}/posts", headers=headers, json={"body": links})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "#/body"
    unknown = client.post(f"{API}/threads/{thread['id']}/posts", headers=headers, json={"body": "x", "pin": True})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["pointer"] == "#/pin"
    # A locked thread takes nothing.
    moderation.set_thread_locked(people["team"], thread["id"], True)
    db.session.flush()
    assert client.post(f"{API}/threads/{thread['id']}/posts", headers=headers,
                       json={"body": "Late"}).status_code == 409


def test_the_posting_limit_is_a_429_with_the_seconds_to_wait(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "Busy", "One")
    headers = bearer(people["a"])
    for n in range(services.RATE_POSTS - 1):
        assert client.post(f"{API}/threads/{thread.id}/posts", headers=headers,
                           json={"body": f"Reply {n}"}).status_code == 201
    limited = client.post(f"{API}/threads/{thread.id}/posts", headers=headers, json={"body": "One more"})
    assert limited.status_code == 429 and limited.get_json()["type"].endswith("/rate-limited")
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= services.RATE_WINDOW.total_seconds() + 1
    clock.advance(timedelta(seconds=wait))
    assert client.post(f"{API}/threads/{thread.id}/posts", headers=headers,
                       json={"body": "Now"}).status_code == 201


def test_a_reply_notifies_and_unit_comments_count_for_participation(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "Tell me", "Question")
    answered = client.post(f"{API}/threads/{thread.id}/posts", headers=bearer(people["b"]), json={"body": "Answer"})
    assert answered.status_code == 201
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == people["a"].id)).one()
    assert told.kind == "discussion.reply"
    # talk-2 asks for one post: a comment through the API meets it.
    def taken_part() -> int:
        return next(r for r in learner_progress_by_rule(people["b"].id, course) if r.kind == "discussions").done

    assert taken_part() == 0
    comment = client.post(f"{API}/courses/api-forum/units/talk-2/comments", headers=bearer(people["b"]),
                          json={"body": "My contribution"})
    assert comment.status_code == 201 and comment.get_json()["mine"]
    assert taken_part() == 1
    missing = client.post(f"{API}/courses/api-forum/units/no-such-unit/comments", headers=bearer(people["b"]),
                          json={"body": "Where?"})
    assert missing.status_code == 404


def test_a_signed_in_browser_posts_with_its_csrf_header(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "From the page", "Hello")
    log_in(client, people["b"])
    headers = {CSRF_HEADER: page_csrf_token(client)}
    response = client.post(f"{API}/threads/{thread.id}/posts", headers=headers, json={"body": "Via the session"})
    assert response.status_code == 201


def test_my_notifications_page_filter_and_mark_read(client, course, people):
    space, category = space_and_category(course)
    thread = services.start_thread(people["a"], space, category.id, "Ping", "Hello")
    for n in range(3):
        clock.advance(timedelta(minutes=4))
        services.reply(people["b"], thread, f"Reply {n}")
    db.session.flush()
    headers = bearer(people["a"])
    body = client.get("/api/v1/notifications?limit=2", headers=headers).get_json()
    assert body["unread"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["text"] == "Learner 1 replied in “Ping”"
    assert body["items"][0]["link"].startswith("http://learn.test/")
    rest = client.get(next_path(body), headers=headers).get_json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    newest = body["items"][0]["id"]
    marked = client.post(f"/api/v1/notifications/{newest}/read", headers=headers)
    assert marked.status_code == 200 and marked.get_json()["read_at"] is not None
    unread = client.get("/api/v1/notifications?show=unread", headers=headers).get_json()
    assert unread["unread"] == 2 and newest not in [n["id"] for n in unread["items"]]
    assert client.post(f"/api/v1/notifications/{newest}/read", headers=bearer(people["b"])).status_code == 404
    assert client.post("/api/v1/notifications/read", headers=headers).get_json() == {"marked": 2, "unread": 0}
    assert client.get("/api/v1/notifications?show=nope", headers=headers).status_code == 400


# Query counts: the token and its owner, then the request's own; the same for 3 items as for 30.

def _count(client, count_queries, path, headers) -> int:
    client.get(path, headers=headers)  # the token's last use and the outline's cache are behind us
    with count_queries() as statements:
        assert client.get(path, headers=headers).status_code == 200
    return len(statements)


def test_the_lists_cost_the_same_whatever_their_length(client, course, people, count_queries):
    space, category = space_and_category(course)
    headers = bearer(people["a"])
    thread = services.start_thread(people["a"], space, category.id, "Counted", "First")

    def grow(n):
        for i in range(n):
            clock.advance(timedelta(minutes=2))
            services.start_thread(people["b"], space, category.id, f"More {i}", "Body")
            clock.advance(timedelta(minutes=2))
            post = services.reply(people["b"], thread, f"Reply {i}")
            services.reply(people["a"], thread, f"Answer {i}", parent_id=post.id)  # no notification: own thread
        db.session.flush()

    paths = [f"{API}/courses/api-forum/threads?category={category.id}&limit=100",
             f"{API}/threads/{thread.id}?limit=100", "/api/v1/notifications?limit=100",
             f"{API}/courses/api-forum/categories"]
    grow(2)
    small = [_count(client, count_queries, path, headers) for path in paths]
    grow(20)
    large = [_count(client, count_queries, path, headers) for path in paths]
    assert small == large
    assert large[2] == 2  # the token with its owner, the page (the bell's count is on the owner's row)
