"""A cohort's learner for its facilitators: their dashboard row, the timeline every area contributes to (one
query, newest first), their quiz attempts, the reflections the visibility rules let the facilitator read, and
their posts in the spaces the facilitator reads; nobody else reaches the page; its query count is pinned."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.cohorts import services
from moocplatform.cohorts.dashboard_queries import cohort_dashboard, learner_row
from moocplatform.cohorts.spaces import space_key
from moocplatform.discussion import moderation
from moocplatform.discussion import queries as discussion_queries
from moocplatform.discussion import services as discussion
from moocplatform.discussion.models import Post
from moocplatform.extensions import db
from moocplatform.learning.activity import learner_timeline
from moocplatform.learning.services import get_enrollment, record_unit_visit, set_unit_completion
from moocplatform.people.services import update_settings
from moocplatform.quizzes.services import start_attempt, submit_attempt
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_planned_cohort, make_user
from tests.test_query_counts import queries_for

# The page's statements whatever the learner's history (besides loading the signed-in user: user_query): the
# cohort, its course and version, the learner with their seat, the dashboard's row (six), relations_for (two),
# the timeline (one UNION ALL), the attempts, the reflections, and the posts: the viewer's access context in the
# course, the cohort and team spaces they read, the posts. Pinned, so that a change shows.
PAGE_QUERIES = 20


@pytest.fixture()
def world():
    course, facilitator, cohort = make_planned_cohort()
    ada = make_user(display_name="Ada", full_name="Ada Lovelace", bio="Counts things.")
    services.join_cohort(ada, cohort, course)
    return course, facilitator, cohort, ada


def forum_post(author, course, title, body="A first post"):
    space = discussion_queries.course_space(course.id)
    category = discussion_queries.forum_index(space, None).categories[0]
    return discussion.start_thread(author, space, category.id, title, body)


def page_of(client, cohort, learner):
    return client.get(f"/cohorts/{cohort.id}/learners/{learner.id}")


def test_the_facilitator_sees_the_timeline_in_order_the_attempts_reflections_and_posts(client, world):
    course, facilitator, cohort, ada = world
    set_unit_completion(ada, course, "m1-u1", complete=True)
    clock.advance(timedelta(hours=1))
    submit_attempt(ada, start_attempt(ada, course, "check"), {"q1": "a", "q8": "Test myself every Friday."})
    clock.advance(timedelta(hours=1))
    forum_post(ada, course, "Spacing works")
    clock.advance(timedelta(hours=1))
    discussion.comment_on_unit(ada, course, "m1-u2", "Only for our cohort", audience=space_key(cohort.id))
    clock.advance(timedelta(hours=1))
    set_unit_completion(ada, course, "m1-u2", complete=True)
    clock.advance(timedelta(hours=1))
    record_unit_visit(ada, get_enrollment(ada, course), "m2-u1", set())  # opened, not completed

    events = learner_timeline(course.id, ada.id)
    assert [(e.kind, e.key) for e in events][:2] == [("unit-opened", "m2-u1"), ("unit", "m1-u2")]
    # the cohort-only comment is no row of the timeline, which does not know its reader; the Posts section has it
    assert [e.kind for e in events] == ["unit-opened", "unit", "post", "quiz", "unit"]
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    assert events[2].title == "Spacing works" and events[3].title == "Check yourself"

    log_in(client, facilitator)
    response = page_of(client, cohort, ada)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):page.index('id="attempts"')]
    assert timeline.index('data-kind="unit"') < timeline.index('data-kind="post"') < timeline.index('data-kind="quiz"')
    assert timeline.index("Opened a unit, not completed yet") < timeline.index("Completed a unit")
    assert "Ada Lovelace" in page and "Counts things." in page  # full name and bio: a facilitator sees them
    attempts = page[page.index('id="attempts"'):page.index('id="reflections"')]
    assert "Check yourself, attempt 1" in attempts and "not passed" in attempts
    assert "Test myself every Friday." in page[page.index('id="reflections"'):page.index('id="posts"')]
    posts = page[page.index('id="posts"'):]
    assert "Spacing works" in posts and "Only for our cohort" in posts
    assert f"/cohorts/{cohort.id}/learners/{ada.id}/units" in page
    assert f"/cohorts/{cohort.id}/learners/{ada.id}/due-dates" in page


def test_the_summary_is_the_dashboards_row(world):
    course, _facilitator, cohort, ada = world
    set_unit_completion(ada, course, "m1-u1", complete=True)
    clock.advance(timedelta(days=40))  # m1 and m2 are overdue, and Ada has been quiet
    now = clock.now()
    modules, row = learner_row(cohort, course.live_version_id, ada.id, now)
    board_row = cohort_dashboard(cohort, course.live_version_id, now).rows[0]
    assert [m.key for m in modules] == ["m1", "m2"]
    assert (row.completed, row.last_activity, row.modules_behind, row.reasons) == (
        board_row.completed, board_row.last_activity, board_row.modules_behind, board_row.reasons)
    assert row.at_risk
    assert learner_row(cohort, course.live_version_id, make_user().id, now) is None


def test_posts_only_where_the_facilitator_reads_and_only_those_every_member_sees(client, world):
    course, facilitator, cohort, ada = world
    peer = make_user(display_name="Peer")
    enrol(peer, course)
    for person in (ada, peer):
        update_settings(person, person, visibility="course_mates", allow_messages=True, links=[])
    discussion.send_message(ada, discussion.open_conversation(ada, peer), "A private word")
    hidden = forum_post(ada, course, "Hidden thread", "To be hidden")
    moderation.hide_post(facilitator, db.session.scalar(sa.select(Post.id).where(Post.thread_id == hidden.id)),
                         "Off topic")
    forum_post(ada, course, "Shown thread")
    log_in(client, facilitator)
    page = page_of(client, cohort, ada).get_data(as_text=True)
    assert "Shown thread" in page
    assert "A private word" not in page and "Hidden thread" not in page and "To be hidden" not in page


def test_the_submissions_are_in_the_timeline():
    from moocplatform.assignments import services as assignments
    tasks = make_course("tasks", assignment=True, modules=1, units_per_module=1)
    learner = make_user()
    enrol(learner, tasks)
    assignments.save_draft(learner, tasks, "task", text="My plan")
    assignments.submit(learner, tasks, "task")
    assert [(e.kind, e.key) for e in learner_timeline(tasks.id, learner.id)][0] == ("submission", "task")


def test_the_dashboard_links_a_learners_name_to_their_page(client, world):
    _course, facilitator, cohort, ada = world
    log_in(client, facilitator)
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}/learners/{ada.id}">Ada</a>' in page


def test_nobody_else_reaches_the_page(client, world):
    course, _facilitator, cohort, ada = world
    other_facilitator = make_user("facilitator", course=course)
    other = make_cohort(course, other_facilitator, name="Autumn group")
    outsider = make_user(display_name="Outsider")
    services.join_cohort(outsider, other, course)
    waiting_course_peer = make_user()
    enrol(waiting_course_peer, course)
    log_in(client, _facilitator)
    assert page_of(client, cohort, outsider).status_code == 404  # a learner of another cohort
    assert page_of(client, cohort, waiting_course_peer).status_code == 404  # in the course, in no cohort
    assert client.get(f"/cohorts/{cohort.id}/learners/999999").status_code == 404
    log_in(client, other_facilitator)
    assert page_of(client, cohort, ada).status_code == 404  # a facilitator of a different cohort
    assert page_of(client, other, outsider).status_code == 200
    log_in(client, ada)
    assert page_of(client, cohort, ada).status_code in (403, 404)  # a learner, even about themselves
    log_in(client, outsider)
    assert page_of(client, cohort, ada).status_code in (403, 404)


def test_the_page_runs_the_same_queries_however_long_the_history(client, count_queries, user_query, world):
    course, facilitator, cohort, ada = world
    set_unit_completion(ada, course, "m1-u1", complete=True)
    submit_attempt(ada, start_attempt(ada, course, "check"), {"q8": "First thoughts"})
    forum_post(ada, course, "Thread 0")
    log_in(client, facilitator)
    small = queries_for(client, count_queries, f"/cohorts/{cohort.id}/learners/{ada.id}")
    for key in ("m1-u2", "m1-u3", "m2-u1", "m2-u2", "m2-u3"):
        clock.advance(timedelta(minutes=5))
        set_unit_completion(ada, course, key, complete=True)
    for _ in range(2):
        submit_attempt(ada, start_attempt(ada, course, "check"), {"q8": "More thoughts"})
    for n in range(1, 60):
        clock.advance(timedelta(minutes=5))  # within the posting rate
        forum_post(ada, course, f"Thread {n}")
        discussion.comment_on_unit(ada, course, "m1-u1", f"Cohort note {n}", audience=space_key(cohort.id))
    log_in(client, facilitator)  # the clock moved past the session's idle limit
    assert queries_for(client, count_queries, f"/cohorts/{cohort.id}/learners/{ada.id}") == small
    assert small == PAGE_QUERIES + user_query
    page = page_of(client, cohort, ada).get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):page.index('id="attempts"')]
    assert timeline.count("<li ") == 50 and "Thread 59" in timeline
