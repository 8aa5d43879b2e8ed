"""Search within a course's discussion on the database's own full-text index (PostgreSQL's tsvector, SQLite's
FTS5): stemmed words, best match first, highlighted and sanitised snippets, only what the reader may see, and
a fixed number of queries whatever the number of posts."""
from datetime import timedelta

import pytest

from moocplatform import clock, dialect
from moocplatform.discussion import queries, services
from moocplatform.discussion.models import Thread
from moocplatform.discussion.queries import RESULTS_PER_PAGE, search_space
from moocplatform.extensions import db
from moocplatform.html import highlighted
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_user
from tests.test_discussion import HOSTILE, assert_inert


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def learners(course):
    people = [make_user(display_name=f"Learner {n}") for n in range(3)]
    for person in people:
        enrol(person, course)
    return people


def _search(course, text, page=1):
    return search_space(queries.course_space(course.id), text, page)


def _post(course, author, unit, body):
    clock.advance(timedelta(minutes=1))
    return services.comment_on_unit(author, course, unit, body)


def test_words_are_found_by_their_stem_and_every_word_is_required(course, learners):
    spacing = _post(course, learners[0], "m1-u1", "Spacing my revision sessions helped me remember more.")
    _post(course, learners[1], "m1-u2", "I prefer rereading my notes the evening before.")
    terms, page = _search(course, "REMEMBERING sessions")
    assert terms == ["remembering", "sessions"]
    assert [hit.post_id for hit in page.items] == [spacing.id] and page.total == 1
    assert _search(course, "remember notes")[1].total == 0  # both words in one post, or no match


def test_the_best_match_comes_first_and_the_snippet_marks_the_words(course, learners):
    once = _post(course, learners[0], "m1-u1", "A plan with one habit in it and a great deal of other words.")
    often = _post(course, learners[1], "m1-u1", "Habit after habit: a habit a day keeps the habit going.")
    _terms, page = _search(course, "habit")
    assert [hit.post_id for hit in page.items] == [often.id, once.id]
    assert "<mark>habit</mark>" in page.items[1].snippet_html.lower()
    assert page.items[0].thread_title and page.items[0].author_name == "Learner 1"


def test_text_without_words_searches_nothing_and_no_input_is_a_syntax_error(course, learners):
    _post(course, learners[0], "m1-u1", "Quotes and stars")
    assert _search(course, ' "*" -- ( ) OR AND NEAR ')[1].total == 0
    assert dialect.search_terms('"quotes" AND stars* -x NEAR(a b)') == ["quotes", "and", "stars", "x", "near", "a", "b"]
    assert _search(course, 'quotes" AND stars*')[1].total == 1
    assert dialect.search_terms("one two three four five six seven eight nine ten") == [
        "one", "two", "three", "four", "five", "six", "seven", "eight"]


def test_hidden_deleted_and_private_posts_are_never_found(course, learners):
    kept = _post(course, learners[0], "m1-u1", "Marmalade is kept")
    hidden = _post(course, learners[1], "m1-u1", "Marmalade hidden by a moderator")
    deleted = _post(course, learners[2], "m1-u1", "Marmalade deleted by its author")
    moderator = make_user("facilitator", course=course)
    from moocplatform.discussion import moderation
    moderation.hide_post(moderator, hidden.id, "off topic")
    services.delete_own_post(learners[2], deleted.id)
    private = services.open_private_space(moderator, [learners[0]], "Check-in")
    services.start_thread(moderator, private, None, "Marmalade", "Marmalade in private")
    _terms, page = _search(course, "marmalade")
    assert [hit.post_id for hit in page.items] == [kept.id]


def test_an_edit_is_found_by_its_new_words_only(course, learners):
    post = _post(course, learners[0], "m1-u1", "Original wording about gardens")
    services.edit_post(learners[0], post.id, "Changed wording about bicycles")
    assert _search(course, "gardens")[1].total == 0
    assert _search(course, "bicycles")[1].total == 1


def test_another_courses_posts_are_not_found(course, learners):
    other = make_discussion_course("other-forum")
    enrol(learners[0], other)
    services.comment_on_unit(learners[0], other, "m1-u1", "Juniper in the other course")
    assert _search(course, "juniper")[1].total == 0
    assert search_space(queries.course_space(other.id), "juniper", 1)[1].total == 1


@pytest.mark.parametrize("body", HOSTILE)
def test_nothing_executable_survives_in_a_snippet(course, learners, body):
    _post(course, learners[0], "m1-u1", f"needle {body} needle")
    for hit in _search(course, "needle")[1].items + _search(course, "alert")[1].items:
        assert_inert(hit.snippet_html)


def test_a_stray_marker_cannot_unbalance_the_snippet():
    html = highlighted(f"{dialect.MARK_END}<b>x{dialect.MARK_START}", dialect.MARK_START, dialect.MARK_END)
    assert "<b>" not in html and html.count("<mark>") == html.count("</mark>")


def test_results_are_paginated(course, learners):
    for n in range(RESULTS_PER_PAGE + 3):
        _post(course, learners[n % 3], "m1-u1", f"Lantern number {n}")
    _terms, first = _search(course, "lantern")
    _terms, second = _search(course, "lantern", 2)
    assert first.total == RESULTS_PER_PAGE + 3 and first.pages == 2
    assert len(first.items) == RESULTS_PER_PAGE and len(second.items) == 3
    assert not {h.post_id for h in first.items} & {h.post_id for h in second.items}


def test_the_search_page_shows_hits_that_link_to_the_post(client, course, learners):
    post = _post(course, learners[0], "m1-u1", "Where is the <em>compass</em>?")
    log_in(client, learners[1])
    page = client.get(f"/courses/{course.slug}/discussion/search?q=compass")
    assert page.status_code == 200 and "1 post matches." in page.text
    assert f'href="/discussion/posts/{post.id}"' in page.text and "<mark>compass</mark>" in page.text
    assert "<em>" not in page.text.split('class="snippet"')[1].split("</p>")[0]  # escaped, not markup
    empty = client.get(f"/courses/{course.slug}/discussion/search?q=%22%2A%22")
    assert empty.status_code == 200 and "Type one or more words" in empty.text
    assert "role=\"search\"" in client.get(f"/courses/{course.slug}/discussion").text


def test_an_outsider_cannot_search_a_course_forum(client, course, learners):
    _post(course, learners[0], "m1-u1", "Secret compass")
    log_in(client, make_user())
    assert client.get(f"/courses/{course.slug}/discussion/search?q=compass").status_code == 404


def test_a_posts_address_opens_the_page_of_its_thread_that_shows_it(client, course, learners):
    first = _post(course, learners[0], "m1-u1", "first")
    thread = db.session.get(Thread, first.thread_id)
    posts = []
    for n in range(queries.POSTS_PER_PAGE + 1):
        clock.advance(timedelta(minutes=1))
        posts.append(services.reply(learners[1], thread, f"post {n}"))
    reply = services.reply(learners[2], thread, "a reply to the last", parent_id=posts[-1].id)
    log_in(client, learners[0])
    assert client.get(f"/discussion/posts/{first.id}").headers["Location"].endswith(
        f"/discussion/threads/{thread.id}#post-{first.id}")
    for post in (posts[-1], reply):
        location = client.get(f"/discussion/posts/{post.id}").headers["Location"]
        assert location.endswith(f"/discussion/threads/{thread.id}?page=2#post-{post.id}")
        assert f"post-{post.id}" in client.get(location.split("#")[0]).text


def test_search_runs_three_queries_whatever_the_number_of_posts(course, learners, count_queries):
    space = queries.course_space(course.id)
    for n in range(30):
        _post(course, learners[n % 3], "m1-u1", f"Compass bearing {n}")
    with count_queries() as statements:
        search_space(space, "compass bearing", 1)
    assert len(statements) == 3


def test_the_words_and_the_space_are_written_into_the_statements(course, learners, count_queries):
    """So that PostgreSQL plans each search for its own words: with the words and limits sent as parameters,
    the driver prepares the statement after a few runs and PostgreSQL may settle on one generic plan, which
    made a common word's search 15 times slower on the benchmark's 100,000 posts (it read every match) and a
    rare word's 300 times (it walked the whole index)."""
    space = queries.course_space(course.id)
    _post(course, learners[0], "m1-u1", "Compass bearing")
    for _ in range(7):  # past psycopg's prepare threshold of 5
        with count_queries() as statements:
            _terms, page = search_space(space, "compass", 1)
        assert page.total == 1
    matching = [s for s in statements if "compass" in s]
    assert len(matching) == 3 and all(f"space_id = {space.id}" in s for s in matching[:2])
    assert all(f"LIMIT {n}" in matching[1] for n in (queries.RANKED_MATCHES, RESULTS_PER_PAGE))
