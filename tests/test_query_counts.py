"""Each page runs a fixed number of SQL queries, whatever the number of units, learners or enrolments."""
from datetime import timedelta

import pytest

from moocplatform.audit import record
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from moocplatform.opportunities import services as opportunities
from tests.certificate_helpers import completed_with_certificate
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack
from tests.opportunities_helpers import make_member, make_opportunity, make_organisation


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


PAGES = ["/courses", "/courses/{slug}", "/courses/{slug}/units/m1-u1", "/my-learning", "/home"]


@pytest.mark.parametrize("page", PAGES)
def test_learner_pages_do_not_grow_with_data(client, count_queries, page):
    learner = make_user()
    small, = grow(learner, courses=1, units_per_module=1, others=0)
    log_in(client, learner)
    small_count = queries_for(client, count_queries, page.format(slug=small.slug))
    big = grow(learner, courses=3, units_per_module=6, others=5)
    big_count = queries_for(client, count_queries, page.format(slug=big[-1].slug))
    assert big_count == small_count
    # The course page is the dearest: its panels (cohorts; the latest announcement) add one query each.
    assert small_count <= 9


def test_unit_page_query_budget(client, count_queries, user_query):
    learner = make_user()
    course, = grow(learner, courses=1, units_per_module=2, others=0)
    log_in(client, learner)
    # (user, with the bell's count on its row, unless the worker's copy of it serves), course with live version,
    # enrolment with progress (the unit itself comes from memory), the cohorts whose comments I read (none), the
    # unit's discussion threads (none yet), my note on the unit with whether I bookmarked it
    assert queries_for(client, count_queries, f"/courses/{course.slug}/units/m1-u2") == 5 + user_query


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


def test_course_page_with_completion_rules_query_budget(client, count_queries, tmp_path, user_query):
    folder = write_pack(tmp_path, "ruled", modules=2, units_per_module=3, quiz=True)
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text()
                                        + "completion:\n  required_units: all\n  quizzes_to_pass: [check]\n")
    course = import_pack(None, folder).course
    learner = make_user()
    enrol(learner, course)
    for key in ("m1-u1", "m1-u2", "m2-u1"):
        set_unit_completion(learner, course, key, complete=True)
    log_in(client, learner)
    # (user and the bell, see user_query), course with live version, enrolment with progress; then one query per
    # rule kind for its
    # figure (units completed; the quizzes the version has, attempts passed); whether a cohort plan of the
    # course has external items (the cohort_plan_items rule), whether a cohort of it requires a sign-off (the
    # cohort_sign_off rule); the course-page panels (cohorts: one; the latest announcement: one)
    assert queries_for(client, count_queries, f"/courses/{course.slug}") == 9 + user_query


def test_discussion_pages_do_not_grow_with_posts(client, count_queries, user_query):
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
    from moocplatform.discussion import follows, reactions
    for n in range(40):
        clock.advance(timedelta(minutes=2))
        author = people[n % 3]
        post = discussion.comment_on_unit(author, course, "m1-u2", f"comment {n} @{people[1].handle}")
        answer = discussion.reply(people[(n + 1) % 3], thread, f"reply {n}", parent_id=post.id)
        forum_post = discussion.reply(author, forum_thread, f"post {n}")
        discussion.start_thread(author, space, category.id, f"Thread {n}", "body")
        for liker in people:  # likes on posts and replies, the viewer's among them
            for liked in (post, answer, forum_post):
                if liked.author_id != liker.id:
                    reactions.like_post(liker, liked.id)
    follows.set_following(people[1], thread.id, True)
    db.session.flush()
    log_in(client, people[1])  # the first session ended, 80 minutes unused
    assert [queries_for(client, count_queries, page) for page in pages] == small
    # the unit page's (with my cohorts, the threads and my note; the bell is on the user's row), then a page of
    # comments and their replies (each with its likes and the viewer's like, as columns of the same query)
    assert small[0] == 7 + user_query
    # a forum thread page: (the viewer, with the bell's count, see user_query), the thread, its space, its course,
    # the count, a page of posts with their likes, their replies with theirs, ..., then whether the viewer
    # follows it and whether its category is help (accepted answers); likes add none
    assert small[4] == 9 + user_query
    # a unit's comment thread: as a forum thread with the unit's prompt, and whether the viewer follows it
    assert small[1] == 9 + user_query


def test_notes_and_bookmarks_pages_do_not_grow_with_notes(client, count_queries, user_query):
    from moocplatform.api.auth import CSRF_HEADER
    from moocplatform.catalog import queries as catalog_queries
    from moocplatform.notes import services as notes

    learner = make_user()
    courses = [make_course(f"noted-{n}", modules=2, units_per_module=4) for n in range(2)]
    for course in courses:
        enrol(learner, course)
    log_in(client, learner)
    token = client.get("/notes").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    pages = ["/notes", "/notes?q=idea", f"/courses/{courses[0].slug}/notes", "/bookmarks", "/notes/notes.md",
             f"/courses/{courses[0].slug}/notes.md"]
    api = ["/api/v1/notes?limit=100", f"/api/v1/notes?course={courses[0].slug}", "/api/v1/notes/bookmarks"]

    def counts():
        page_counts = [queries_for(client, count_queries, page) for page in pages]
        headers = {CSRF_HEADER: token}
        api_counts = []
        for path in api:
            client.get(path, headers=headers)
            with count_queries() as statements:
                assert client.get(path, headers=headers).status_code == 200
            api_counts.append(len(statements))
        return page_counts, api_counts

    def write(count):
        for course in courses:
            outline = catalog_queries.outline_for(catalog_queries.live_version_of(course))
            for unit in outline.units[:count]:
                notes.save_note(learner, course, unit, f"An idea on {unit.key}", base_version=0)
                notes.bookmark_unit(learner, course, unit)
        notes.bookmark_link(learner, f"https://example.org/{count}", "Elsewhere")
        db.session.flush()

    write(1)
    small = counts()
    for course in courses:  # the rest of the units
        outline = catalog_queries.outline_for(catalog_queries.live_version_of(course))
        for unit in outline.units[1:]:
            notes.save_note(learner, course, unit, f"Another idea on {unit.key}", base_version=0)
            notes.bookmark_unit(learner, course, unit)
    db.session.flush()
    assert counts() == small
    # (the session with its user, the bell's count on its row, see user_query), then one query of notes (or
    # bookmarks); a course's pages and the API's course filter also the course
    assert small == ([n + user_query for n in (1, 1, 2, 1, 1, 2)], [n + user_query for n in (1, 2, 1)])


def test_portfolio_pages_query_budget(client, count_queries, user_query):
    from tests.portfolio_helpers import published, uploaded, written

    learner = make_user()
    entries = [written(learner, title=f"Entry {n}") for n in range(5)] + [uploaded(learner)]
    link = published(learner, *entries)
    log_in(client, learner)
    # (user with the bell, see user_query), entries, page, evidence already added, the three evidence sources
    # (reflections, accepted submissions (their files in one more query when there are any), certificates), the
    # current link, the bytes stored
    assert queries_for(client, count_queries, "/portfolio") == 8 + user_query
    assert queries_for(client, count_queries, f"/portfolio/entries/{entries[0].id}") == 1 + user_query
    # the link's token, its owner with the page, the chosen entries (and whoever is signed in, with their bell)
    assert queries_for(client, count_queries, f"/p/{link.secret}") == 3 + user_query
    client.post("/logout")
    assert queries_for(client, count_queries, f"/p/{link.secret}") == 3


# Opportunities: the browse list, a posting's applications, my applications -----------------------------------

def test_opportunity_lists_do_not_grow_with_postings_or_applications(client, count_queries, user_query):
    organisation = make_organisation()
    member = make_member(organisation)
    learner = make_user()
    course = make_course("counted")
    enrol(learner, course)
    completed_with_certificate(learner, course)

    def measure(path, user):
        log_in(client, user)
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    opportunity = make_opportunity(organisation, member)
    opportunities.apply_to_opportunity(learner, opportunity, "One")
    browse_one = measure("/opportunities", learner)
    applications_one = measure(f"/opportunities/{opportunity.id}/applications", member)
    mine_one = measure("/opportunities/my-applications", learner)
    for n in range(4):
        other = make_opportunity(organisation, member, title=f"Posting {n}", competences=[f"Skill {n}", "Teamwork"])
        opportunities.apply_to_opportunity(make_user(), opportunity, f"Application {n}")
        opportunities.apply_to_opportunity(learner, other, f"Mine {n}")
    assert measure("/opportunities", learner) == browse_one
    assert measure(f"/opportunities/{opportunity.id}/applications", member) == applications_one
    assert measure("/opportunities/my-applications", learner) == mine_one
    # The session and its user (the bell's count on the user's row; see user_query), then the read-model's own.
    assert (browse_one, applications_one, mine_one) == tuple(n + user_query for n in (
        BROWSE_QUERIES, APPLICATIONS_QUERIES, MINE_QUERIES))


# Past the session with its user (and the bell). Browse: count, page, its tags, its courses, its organisations, the
# viewer's certificates, the tags of every open posting. Applications: the posting with its tags and courses, its
# organisation, the applications with their senders. Mine: the applications with their postings.
BROWSE_QUERIES, APPLICATIONS_QUERIES, MINE_QUERIES = 7, 5, 1


def test_people_list_and_inbox_do_not_grow_with_people(client, count_queries, user_query):
    from moocplatform.discussion.services import open_conversation, send_message
    from moocplatform.people.services import update_settings

    course = make_course(modules=1, units_per_module=1)
    viewer = make_user()
    enrol(viewer, course)
    update_settings(viewer, viewer, visibility="course_mates", allow_messages=True, links=[])

    def add_people(n):
        for _ in range(n):
            person = make_user()
            enrol(person, course)
            update_settings(person, person, visibility="course_mates", allow_messages=True, links=[])
            send_message(person, open_conversation(person, viewer), "Hello")
        db.session.flush()

    add_people(1)
    log_in(client, viewer)
    small_people = queries_for(client, count_queries, f"/courses/{course.slug}/people")
    small_inbox = queries_for(client, count_queries, "/messages")
    add_people(8)
    assert queries_for(client, count_queries, f"/courses/{course.slug}/people") == small_people
    assert queries_for(client, count_queries, "/messages") == small_inbox
    # (user with the bell, see user_query), course with live version, enrolment, count and page of the people,
    # their relations
    assert small_people == 5 + user_query
    # (user with the bell), count and page of the conversations, the other members' names
    assert small_inbox == 3 + user_query


def test_home_page_query_budget(client, count_queries, user_query):
    from moocplatform import clock
    from moocplatform.cohorts.plan import add_external_item, add_live_session
    from moocplatform.cohorts.services import join_cohort
    from tests.factories import make_cohort

    learner = make_user()
    log_in(client, learner)
    # (user with the bell's and the page's unread count on its row, see user_query), learning's dashboard (2),
    # the learner's cohorts (none: no plan query)
    assert queries_for(client, count_queries, "/home") == 3 + user_query
    for course in grow(learner, courses=2, units_per_module=2, others=1):
        facilitator = make_user("facilitator", course=course)
        cohort = make_cohort(course, facilitator)
        join_cohort(learner, cohort, course)
        for day in (1, 2, 3):
            moment = (clock.now().replace(tzinfo=None) + timedelta(days=day))
            add_live_session(facilitator, cohort, title=f"Call {day}", starts_local=moment, minutes=60)
            add_external_item(facilitator, cohort, title=f"Read {day}", url="https://example.org/r",
                              due_local=moment)
    db.session.flush()
    # ... and the plan items of all their cohorts, in one query
    assert queries_for(client, count_queries, "/home") == 4 + user_query


# Assignments: the staff's review queue ---------------------------------------------------------------------------

@pytest.mark.parametrize("reviewer", ["cohort", "course"])
def test_the_review_queue_for_a_cohort_of_500_takes_the_queries_of_one_for_5(client, count_queries, reviewer,
                                                                           user_query):
    from moocplatform.assignments import services as assignments
    from moocplatform.cohorts.services import add_facilitator, join_cohort
    from tests.factories import make_cohort

    course = make_course("queue-500", assignment=True, modules=1, units_per_module=1)
    cohort = make_cohort(course, make_user("admin"), capacity=None)
    if reviewer == "cohort":  # granted on the cohort alone: the queue keeps to its learners
        facilitator = make_user()
        add_facilitator(make_user("admin"), cohort, facilitator.email)
        other = make_cohort(course, make_user("admin"), name="Other group")
        outsider = make_user()
        join_cohort(outsider, other, course)
        assignments.save_draft(outsider, course, "task", text="Not theirs to see")
        assignments.submit(outsider, course, "task")
    else:
        facilitator = make_user("facilitator", course=course)
    log_in(client, facilitator)
    counts = {}
    handed_in = 0
    for size in (5, 500):
        while handed_in < size:
            learner = make_user()
            enrol(learner, course)
            join_cohort(learner, cohort, course)
            assignments.save_draft(learner, course, "task", text="My plan")
            assignments.submit(learner, course, "task")
            handed_in += 1
        db.session.flush()
        counts[size] = queries_for(client, count_queries, "/courses/queue-500/submissions?status=all")
        page = client.get("/courses/queue-500/submissions?status=all&page=2").get_data(as_text=True)
        assert ("500 submissions" in page) == (size == 500)
    # (user with the bell, see user_query), the course with its live version, (for a cohort's facilitator, the
    # course its cohort lies in), the cohorts to filter by, the count, the page of 50, the units with an assignment
    assert counts[5] == counts[500] == (6 if reviewer == "cohort" else 5) + user_query
