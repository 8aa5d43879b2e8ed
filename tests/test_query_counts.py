"""Each page runs a fixed number of SQL queries, whatever the number of units, learners or enrolments."""
import pytest

from moocplatform.audit import record
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack


def queries_for(client, count_queries, path: str) -> int:
    assert client.get(path).status_code == 200  # warm caches (the outline of a stored version)
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def grow(learner, courses: int, units_per_module: int, others: int):
    """Courses with many units, all with progress, and many other learners in them."""
    made = []
    for _ in range(courses):
        course = make_course(modules=3, units_per_module=units_per_module)
        enrol(learner, course)
        for m in range(1, 4):
            for u in range(1, units_per_module + 1):
                set_unit_completion(learner, course, f"m{m}-u{u}", complete=True)
        for _ in range(others):
            enrol(make_user(), course)
        made.append(course)
    db.session.flush()
    return made


PAGES = ["/courses", "/courses/{slug}", "/courses/{slug}/units/m1-u1", "/my-learning"]


@pytest.mark.parametrize("page", PAGES)
def test_learner_pages_do_not_grow_with_data(client, count_queries, page):
    learner = make_user()
    small, = grow(learner, courses=1, units_per_module=1, others=0)
    log_in(client, learner)
    small_count = queries_for(client, count_queries, page.format(slug=small.slug))
    big = grow(learner, courses=3, units_per_module=6, others=5)
    big_count = queries_for(client, count_queries, page.format(slug=big[-1].slug))
    assert big_count == small_count
    assert small_count <= 8


def test_unit_page_query_budget(client, count_queries):
    learner = make_user()
    course, = grow(learner, courses=1, units_per_module=2, others=0)
    log_in(client, learner)
    # user, the bell, course with live version, enrolment with progress (the unit itself comes from memory),
    # the unit's discussion thread (none yet)
    assert queries_for(client, count_queries, f"/courses/{course.slug}/units/m1-u2") == 5


@pytest.mark.parametrize("page", ["/admin/users", "/admin/audit", "/admin/", "/admin/courses"])
def test_admin_pages_do_not_grow_with_data(client, count_queries, page):
    admin = make_user("admin")
    record(admin, "test.event", admin, note="x")
    make_course("first")
    log_in(client, admin)
    small_count = queries_for(client, count_queries, page)
    course = make_course("alpha")
    for _ in range(8):
        user = make_user("course_team", course=course)
        record(admin, "test.event", user, note="x")
    db.session.flush()
    assert queries_for(client, count_queries, page) == small_count


def test_course_page_with_completion_rules_query_budget(client, count_queries, tmp_path):
    folder = write_pack(tmp_path, "ruled", modules=2, units_per_module=3, quiz=True)
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text()
                                        + "completion:\n  required_units: all\n  quizzes_to_pass: [check]\n")
    course = import_pack(None, folder).course
    learner = make_user()
    enrol(learner, course)
    for key in ("m1-u1", "m1-u2", "m2-u1"):
        set_unit_completion(learner, course, key, complete=True)
    log_in(client, learner)
    # user, the bell, course with live version, enrolment with progress; then one query per rule kind for its
    # figure (units completed; the quizzes the version has, attempts passed); whether a cohort plan of the
    # course has external items (the cohort_plan_items rule); the course-page panels (cohorts: one)
    assert queries_for(client, count_queries, f"/courses/{course.slug}") == 9


def test_discussion_pages_do_not_grow_with_posts(client, count_queries):
    from moocplatform.discussion import queries as discussion_queries
    from moocplatform.discussion import services as discussion
    from moocplatform.discussion.models import Thread
    from tests.discussion_helpers import make_discussion_course

    course = make_discussion_course()
    people = [make_user() for _ in range(3)]
    for person in people:
        enrol(person, course)
    first = discussion.comment_on_unit(people[0], course, "m1-u2", "first")
    thread = db.session.get(Thread, first.thread_id)
    space = discussion_queries.course_space(course.id)
    category = discussion_queries.forum_index(space, None).categories[0]
    forum_thread = discussion.start_thread(people[0], space, category.id, "Hello", "first")
    pages = [f"/courses/{course.slug}/units/m1-u2", f"/discussion/threads/{thread.id}",
             f"/courses/{course.slug}/discussion", f"/courses/{course.slug}/discussion/categories/{category.id}",
             f"/discussion/threads/{forum_thread.id}"]
    log_in(client, people[1])
    small = [queries_for(client, count_queries, page) for page in pages]
    from datetime import timedelta

    from moocplatform import clock
    for n in range(40):
        clock.advance(timedelta(minutes=2))
        author = people[n % 3]
        post = discussion.comment_on_unit(author, course, "m1-u2", f"comment {n}")
        discussion.reply(people[(n + 1) % 3], thread, f"reply {n}", parent_id=post.id)
        discussion.reply(author, forum_thread, f"post {n}")
        discussion.start_thread(author, space, category.id, f"Thread {n}", "body")
    db.session.flush()
    log_in(client, people[1])  # the first session ended, 80 minutes unused
    assert [queries_for(client, count_queries, page) for page in pages] == small
    # the unit page's five (with the bell and the thread), then a page of comments and their replies
    assert small[0] == 7
