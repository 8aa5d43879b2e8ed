"""Spaces, threads and posts: membership, posting rules, double submits, sanitising, editing, deleting, and
the pages that show them."""
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.discussion import queries, services
from moocplatform.discussion.models import Category, Post, Thread
from moocplatform.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_course, make_user


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def learners(course):
    people = [make_user(display_name=f"Learner {n}") for n in range(3)]
    for person in people:
        enrol(person, course)
    return people


def test_publishing_gives_the_course_its_forum_with_the_packs_categories(course):
    space = queries.course_space(course.id)
    keys = list(db.session.scalars(sa.select(Category.key).where(Category.space_id == space.id)
                                   .order_by(Category.position)))
    assert keys == ["introductions", "module-m1", "module-m2", "help"]


def test_a_comment_on_a_unit_opens_its_thread_once(course, learners):
    first = services.comment_on_unit(learners[0], course, "m1-u1", "Hello *all*")
    second = services.comment_on_unit(learners[1], course, "m1-u1", "Hi")
    assert first.thread_id == second.thread_id
    thread = db.session.get(Thread, first.thread_id)
    assert thread.unit_key == "m1-u1" and thread.post_count == 2 and not thread.pinned
    assert first.body_html.strip() == "<p>Hello <em>all</em></p>"
    talk = services.comment_on_unit(learners[0], course, "talk-1", "On topic")
    assert db.session.get(Thread, talk.thread_id).pinned  # a discussion unit's thread is pinned


def test_only_members_post_and_read(course, learners):
    outsider = make_user()
    with pytest.raises(PermissionDenied):
        services.comment_on_unit(outsider, course, "m1-u1", "Let me in")
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Members only")
    with pytest.raises(NotFound):
        services.get_post(outsider, post.id)
    facilitator = make_user("facilitator", course=course)
    assert services.get_post(facilitator, post.id)[0] is post


def test_a_form_sent_twice_makes_one_post(course, learners):
    key = services.new_request_key()
    first = services.comment_on_unit(learners[0], course, "m1-u1", "Once", request_key=key)
    again = services.comment_on_unit(learners[0], course, "m1-u1", "Once", request_key=key)
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_a_double_submit_through_the_page_makes_one_post(client, course, learners):
    log_in(client, learners[0])
    form = {"body": "Twice?", "request_key": "same-key-for-both"}
    for _ in range(2):
        response = client.post(f"/courses/{course.slug}/units/m1-u1/comments", data=form)
        assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_replies_are_one_level_deep_and_notify_the_author(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "First")
    thread = db.session.get(Thread, post.thread_id)
    answer = services.reply(learners[1], thread, "An answer", parent_id=post.id)
    deeper = services.reply(learners[2], thread, "Answer to the answer", parent_id=answer.id)
    assert answer.parent_id == post.id and deeper.parent_id == post.id


@pytest.mark.parametrize("body, message", [
    ("", "Write something"),
    ("x" * 10_001, "at most"),
    (" ".join(f"https://example.org/{n}" for n in range(6)), "links"),
])
def test_limits_have_clear_messages(course, learners, body, message):
    with pytest.raises(InvalidInput, match=message):
        services.comment_on_unit(learners[0], course, "m1-u1", body)


def test_at_most_ten_posts_in_ten_minutes(course, learners):
    for n in range(10):
        services.comment_on_unit(learners[0], course, "m1-u1", f"post {n}")
    with pytest.raises(InvalidInput, match="ten minutes"):
        services.comment_on_unit(learners[0], course, "m1-u1", "one more")
    clock.advance(timedelta(minutes=11))
    services.comment_on_unit(learners[0], course, "m1-u1", "later")


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)><circle/></svg>",
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<a href="https://evil.example" target="_blank" onclick="x()">x</a>',
    "<div style=\"background:url(javascript:alert(1))\">css</div>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<iframe src=https://evil.example></iframe>",
    '<p title="&quot;><script>alert(1)</script>">t</p>',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No element or attribute that runs code, loads from elsewhere or styles the page."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in {"script", "iframe", "svg", "object", "embed", "style", "img", "form", "input"}, html
        for name, value in attrs:
            assert not name.startswith("on") and name not in {"style", "target", "srcdoc"}, html
            if name in {"href", "src"}:
                same_site = (value or "").startswith("/") and not (value or "").startswith("//")  # a mention
                assert same_site or (value or "").split(":")[0].lower() in {"http", "https", "mailto"}, html


@pytest.mark.parametrize("body", HOSTILE)
def test_nothing_executable_survives_in_a_post(course, learners, body):
    assert_inert(services.comment_on_unit(learners[0], course, "m1-u1", body).body_html)


def test_external_links_are_marked_as_user_content(course, learners):
    html = services.comment_on_unit(learners[0], course, "m1-u1", "[a](https://example.org)").body_html
    assert 'rel="nofollow"' in html


def test_authors_edit_within_the_window_moderators_always(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Frist")
    services.edit_post(learners[0], post.id, "First")
    assert post.body_html.strip() == "<p>First</p>" and post.edited_at is not None
    with pytest.raises(PermissionDenied):
        services.edit_post(learners[1], post.id, "Not mine")
    clock.advance(services.EDIT_WINDOW + timedelta(minutes=1))
    with pytest.raises(PermissionDenied, match="no longer"):
        services.edit_post(learners[0], post.id, "Too late")
    team = make_user("course_team", course=course)
    services.edit_post(team, post.id, "Fixed by the team", "a typo in the first word")
    assert post.moderator_note == "a typo in the first word"


def test_soft_delete_keeps_replies_and_counts(course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Oops")
    thread = db.session.get(Thread, post.thread_id)
    services.reply(learners[1], thread, "Reply", parent_id=post.id)
    with pytest.raises(PermissionDenied):
        services.delete_own_post(learners[1], post.id)
    services.delete_own_post(learners[0], post.id)
    assert post.deleted_at is not None and post.body_source == "" and thread.post_count == 1


def test_threads_in_categories_keep_counters(course, learners):
    space = queries.course_space(course.id)
    help_id = db.session.scalar(sa.select(Category.id).where(Category.space_id == space.id, Category.key == "help"))
    thread = services.start_thread(learners[0], space, help_id, "  How do   I start? ", "Where?")
    services.reply(learners[1], thread, "Here.")
    category = db.session.get(Category, help_id)
    assert thread.title == "How do I start?"
    assert (category.thread_count, category.post_count, thread.post_count) == (1, 2, 2)


def test_a_retired_units_thread_is_read_only(tmp_path, learners, course):
    post = services.comment_on_unit(learners[0], course, "m1-u3", "Before")
    thread = db.session.get(Thread, post.thread_id)
    from moocplatform.catalog.services import import_pack
    from tests.factories import write_pack
    import_pack(None, write_pack(tmp_path, course.slug, version="2.0.0", units_per_module=2))
    with pytest.raises(Conflict, match="read-only"):
        services.reply(learners[1], thread, "After")


def test_locked_threads_take_no_posts(course, learners):
    from moocplatform.discussion.moderation import set_thread_locked
    post = services.comment_on_unit(learners[0], course, "m1-u1", "Hi")
    team = make_user("course_team", course=course)
    set_thread_locked(team, post.thread_id, True)
    with pytest.raises(Conflict):
        services.comment_on_unit(learners[1], course, "m1-u1", "Hi too")


# Private spaces ------------------------------------------------------------------------------------------

def test_nobody_sees_a_private_space_they_are_not_in(client, course, learners):
    facilitator = make_user("facilitator", course=course)
    admin = make_user("admin")
    space = services.open_private_space(facilitator, [learners[0]], "Check-in")
    thread = services.start_thread(facilitator, space, None, "How is it going?", "Tell me")
    services.reply(learners[0], thread, "Fine")
    for outsider in (learners[1], admin, make_user()):
        with pytest.raises(NotFound):
            services.space_for_reading(outsider, space.id)
        with pytest.raises(DomainError):
            services.reply(outsider, thread, "Let me in")
        log_in(client, outsider)
        assert client.get(f"/discussion/threads/{thread.id}").status_code == 404
    log_in(client, learners[0])
    page = client.get(f"/discussion/threads/{thread.id}")
    assert page.status_code == 200 and "Tell me" in page.text


def test_a_private_space_needs_someone_else(learners):
    with pytest.raises(InvalidInput):
        services.open_private_space(learners[0], [learners[0]])


# Pages ---------------------------------------------------------------------------------------------------

def test_the_unit_page_shows_the_panel_and_a_comment_posted_through_it(client, course, learners):
    log_in(client, learners[0])
    page = client.get(f"/courses/{course.slug}/units/m1-u2")
    assert "Discuss this step" in page.text
    response = client.post(f"/courses/{course.slug}/units/m1-u2/comments",
                           data={"body": "A **bold** idea", "request_key": "k1"}, follow_redirects=True)
    assert response.status_code == 200 and "<strong>bold</strong>" in response.text


def test_a_discussion_unit_is_a_pinned_thread_that_opens_with_its_prompt(client, course, learners):
    log_in(client, learners[0])
    forum = client.get(f"/courses/{course.slug}/discussion")
    assert forum.status_code == 200 and "Talk 1" in forum.text and "Pinned" in forum.text
    before = client.get(f"/courses/{course.slug}/discussion/units/talk-1")
    assert before.status_code == 200 and "PROMPT-talk-1" in before.text
    post = services.comment_on_unit(learners[1], course, "talk-1", "Mine")
    after = client.get(f"/courses/{course.slug}/discussion/units/talk-1", follow_redirects=True)
    assert "PROMPT-talk-1" in after.text and "Mine" in after.text and f"post-{post.id}" in after.text


def test_the_thread_page_is_paginated(client, course, learners):
    post = services.comment_on_unit(learners[0], course, "m1-u1", "first")
    thread = db.session.get(Thread, post.thread_id)
    for n in range(queries.POSTS_PER_PAGE + 2):
        clock.advance(timedelta(minutes=2))
        services.reply(learners[1 + n % 2], thread, f"post number {n}")
    log_in(client, learners[0])
    first = client.get(f"/discussion/threads/{thread.id}")
    second = client.get(f"/discussion/threads/{thread.id}?page=2")
    assert "post number 0" in first.text and "post number 0" not in second.text
    assert f"post number {queries.POSTS_PER_PAGE + 1}" in second.text


def test_category_page_lists_threads_and_starts_one(client, course, learners):
    space = queries.course_space(course.id)
    intro = db.session.scalar(sa.select(Category.id).where(Category.space_id == space.id,
                                                           Category.key == "introductions"))
    log_in(client, learners[0])
    response = client.post(f"/courses/{course.slug}/discussion/categories/{intro}/threads",
                           data={"title": "Hello from Lyon", "body": "I am new", "request_key": "t1"})
    assert response.status_code == 302
    listing = client.get(f"/courses/{course.slug}/discussion/categories/{intro}")
    assert "Hello from Lyon" in listing.text
    empty = client.post(f"/courses/{course.slug}/discussion/categories/{intro}/threads", data={"title": ""})
    assert empty.status_code == 422


def test_a_course_without_discussion_units_has_a_forum_too(client):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    assert client.get(f"/courses/{course.slug}/discussion").status_code == 200


# CSRF ----------------------------------------------------------------------------------------------------

def test_every_discussion_and_notification_form_needs_its_csrf_token(app, client, csrf_enabled, course, learners):
    """Every POST endpoint of the two areas, except the mail's one-click unsubscribe (RFC 8058: mail programs
    post there without a form; the secret in the address is the proof)."""
    post = services.comment_on_unit(learners[1], course, "m1-u1", "Target")
    space = queries.course_space(course.id)
    values = {"slug": course.slug, "category_id": queries.forum_index(space, None).categories[0].id,
              "thread_id": post.thread_id, "post_id": post.id, "key": "m1-u1", "notification_id": 1,
              "space_id": post.space_id, "user_id": learners[1].id, "mute_id": 1, "kind": "cohort", "ref_id": 1}
    log_in(client, learners[0])
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("discussion", "notifications") or "POST" not in rule.methods:
            continue
        if rule.endpoint == "notifications.unsubscribe":
            continue
        path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        response = client.post(path, data={"body": "no token", "title": "t", "reason": "r"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        checked += 1
    assert checked == 26  # with reviewing held posts (2), muting (2), moving a thread, a cohort's new thread
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_post_forms_carry_a_csrf_token_and_a_one_time_key(client, csrf_enabled, course, learners):
    log_in(client, learners[0])
    page = client.get(f"/courses/{course.slug}/units/m1-u1").text
    assert 'name="csrf_token"' in page and 'name="request_key"' in page
