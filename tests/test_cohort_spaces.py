"""Cohort spaces on discussion's one mechanism: a cohort's own discussion, and cohort-only comments under every
unit, read by the cohort's seated learners, its facilitators and the course's moderators, and by nobody else
anywhere (the unit page, the thread page, a post's address, search, the API, notifications); participation
counts wherever the learner posts; the pages keep their query counts."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.audit import AuditEntry
from moocplatform.cohorts import services as cohorts
from moocplatform.cohorts.spaces import space_key
from moocplatform.discussion import moderation, queries, services
from moocplatform.discussion.membership import describe_key, is_member, moderates
from moocplatform.discussion.models import Post, Space, Thread
from moocplatform.errors import NotFound
from moocplatform.extensions import db
from moocplatform.learning.completion import learner_progress_by_rule
from moocplatform.notifications.models import Notification
from moocplatform.ratelimit import EXTENSION_KEY, MemoryRateLimiter
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_cohort, make_user
from tests.test_api import bearer


@pytest.fixture()
def course():
    return make_discussion_course("cohort-talk")


@pytest.fixture()
def group(course):
    """A cohort led by a facilitator of that cohort only, with two seated learners; an enrolled learner outside
    it, a learner of another cohort of the course, and the course team."""
    admin = make_user("admin")
    cohort = make_cohort(course, admin, name="Tuesday group")
    other = make_cohort(course, admin, name="Thursday group")
    lead = make_user(display_name="Lead")
    cohorts.add_facilitator(admin, cohort, lead.email)
    mates = [make_user(display_name=f"Mate {n}") for n in range(2)]
    for mate in mates:
        cohorts.join_cohort(mate, cohort, course)
    outsider = make_user(display_name="Outsider")
    enrol(outsider, course)
    elsewhere = make_user(display_name="Elsewhere")
    cohorts.join_cohort(elsewhere, other, course)
    db.session.flush()
    return {"cohort": cohort, "other": other, "lead": lead, "a": mates[0], "b": mates[1], "outsider": outsider,
            "elsewhere": elsewhere, "team": make_user("course_team", course=course), "admin": admin}


def cohort_comment(course, group, body="Just for us", unit="m1-u1"):
    return services.comment_on_unit(group["a"], course, unit, body, audience=space_key(group["cohort"].id))


def test_a_cohort_only_comment_lives_in_the_cohorts_space(course, group):
    post = cohort_comment(course, group)
    space = db.session.get(Space, post.space_id)
    assert (space.key, space.membership, space.course_id) == (space_key(group["cohort"].id), "cohort", course.id)
    assert space.title == "Tuesday group"
    thread = db.session.get(Thread, post.thread_id)
    assert thread.unit_key == "m1-u1" and thread.space_id == space.id
    course_post = services.comment_on_unit(group["a"], course, "m1-u1", "For everyone")
    assert course_post.space_id == queries.course_space(course.id).id
    second = services.comment_on_unit(group["b"], course, "m1-u1", "Me too", audience=space.key)
    assert second.thread_id == thread.id  # one cohort thread per unit, one space per cohort


def test_who_reads_and_moderates_a_cohort_space(course, group):
    space = db.session.get(Space, cohort_comment(course, group).space_id)
    assert all(is_member(group[k], space) for k in ("a", "b", "lead", "team", "admin"))
    assert not any(is_member(group[k], space) for k in ("outsider", "elsewhere"))
    assert moderates(group["lead"], space) and moderates(group["team"], space)
    assert not moderates(group["a"], space)
    other_space = describe_key(space_key(group["other"].id)).stand_in()
    assert not moderates(group["lead"], other_space) and not is_member(group["lead"], other_space)


def test_a_learner_posts_only_to_their_own_cohort(course, group):
    with pytest.raises(NotFound):
        services.comment_on_unit(group["outsider"], course, "m1-u1", "Let me in",
                                 audience=space_key(group["cohort"].id))
    with pytest.raises(NotFound):
        services.comment_on_unit(group["elsewhere"], course, "m1-u1", "Wrong room",
                                 audience=space_key(group["cohort"].id))
    with pytest.raises(NotFound):  # the course team reads every cohort's comments, but posts to none
        services.comment_on_unit(group["team"], course, "m1-u1", "Hello", audience=space_key(group["cohort"].id))
    with pytest.raises(NotFound):
        services.comment_on_unit(group["a"], course, "m1-u1", "Hello", audience="cohort:999999")
    assert services.comment_on_unit(group["lead"], course, "m1-u1", "Welcome, group",
                                    audience=space_key(group["cohort"].id)).held_at is None


def test_a_learner_on_the_waiting_list_is_not_in_the_space(course, group):
    full = make_cohort(course, group["admin"], name="Tiny", capacity=1)
    seated, waiting = make_user(), make_user()
    cohorts.join_cohort(seated, full, course)
    assert cohorts.join_cohort(waiting, full, course).status == "waiting"
    services.comment_on_unit(seated, course, "m1-u1", "Seated", audience=space_key(full.id))
    with pytest.raises(NotFound):
        services.comment_on_unit(waiting, course, "m1-u1", "Waiting", audience=space_key(full.id))
    assert not is_member(waiting, describe_key(space_key(full.id)).stand_in())


def test_nobody_outside_the_cohort_reaches_its_comment_by_any_address(client, course, group):
    post = cohort_comment(course, group, "Secretword in the cohort")
    for key in ("outsider", "elsewhere"):
        with pytest.raises(NotFound):
            services.get_post(group[key], post.id)
        with pytest.raises(NotFound):
            services.reply(group[key], db.session.get(Thread, post.thread_id), "Sneaking in")
        log_in(client, group[key])
        page = client.get(f"/courses/{course.slug}/units/m1-u1").text
        assert "Secretword" not in page and "Tuesday group" not in page
        assert client.get(f"/discussion/threads/{post.thread_id}").status_code == 404
        assert client.get(f"/discussion/posts/{post.id}").status_code == 404
        assert client.post(f"/discussion/posts/{post.id}/like").status_code == 404
        assert client.get(f"/discussion/groups/cohort/{group['cohort'].id}").status_code == 404
        assert "Secretword" not in client.get(f"/courses/{course.slug}/discussion/search?q=secretword").text
    for key in ("b", "lead", "team"):
        log_in(client, group[key])
        page = client.get(f"/courses/{course.slug}/units/m1-u1").text
        assert "Secretword" in page and "Cohort only: Tuesday group" in page
        assert client.get(f"/discussion/threads/{post.thread_id}").status_code == 200
        assert "Secretword" in client.get(f"/courses/{course.slug}/discussion/search?q=secretword").text


def test_the_api_keeps_cohort_comments_to_the_cohort(app, client, course, group, monkeypatch):
    app.extensions[EXTENSION_KEY] = MemoryRateLimiter()
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 10_000)
    try:
        api = "/api/v1/discussion"
        made = client.post(f"{api}/courses/{course.slug}/units/m1-u1/comments", headers=bearer(group["a"]),
                           json={"body": "Via the API, cohort only", "audience": space_key(group["cohort"].id)})
        assert made.status_code == 201, made.text
        thread_id = made.json["thread"]
        assert db.session.get(Space, db.session.get(Post, made.json["id"]).space_id).membership == "cohort"
        assert client.get(f"{api}/threads/{thread_id}", headers=bearer(group["b"])).status_code == 200
        assert client.get(f"{api}/threads/{thread_id}", headers=bearer(group["outsider"])).status_code == 404
        listed = client.get(f"{api}/courses/{course.slug}/threads", headers=bearer(group["outsider"])).json
        assert thread_id not in [t["id"] for t in listed["items"]]
        refused = client.post(f"{api}/courses/{course.slug}/units/m1-u1/comments",
                              headers=bearer(group["outsider"]),
                              json={"body": "Let me in", "audience": space_key(group["cohort"].id)})
        assert refused.status_code == 404  # a cohort not the caller's does not exist for them
        bad = client.post(f"{api}/courses/{course.slug}/units/m1-u1/comments", headers=bearer(group["a"]),
                          json={"body": "Hi", "audience": "everyone"})
        assert bad.status_code == 422
    finally:
        app.extensions.pop(EXTENSION_KEY, None)


def test_notifications_of_a_cohort_comment_reach_members_only(course, group, run_outbox):
    outsider, a, b = group["outsider"], group["a"], group["b"]

    def told(user) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                 .where(Notification.user_id == user.id)) or 0

    post = services.comment_on_unit(a, course, "m1-u1", f"Hello @{b.handle} and @{outsider.handle}",
                                    audience=space_key(group["cohort"].id))
    assert told(b) == 1 and told(outsider) == 0  # a mention of a non-member tells nothing, links nothing
    assert f"@{outsider.handle}" in post.body_html and "/people/" not in post.body_html.split(outsider.handle)[0][-60:]
    thread = db.session.get(Thread, post.thread_id)
    services.reply(b, thread, "Thanks", parent_id=post.id)  # b now follows the thread
    run_outbox()
    before = told(b)
    cohorts.leave_cohort(b, group["cohort"])
    clock.advance(timedelta(minutes=1))
    services.reply(a, thread, "Anyone?")  # a post in a thread b followed
    own = services.comment_on_unit(group["lead"], course, "m1-u1", "Week two", audience=space_key(group["cohort"].id))
    services.reply(a, thread, "Replying to you, b", parent_id=post.id)
    run_outbox()
    assert told(b) == before  # who left the cohort hears nothing more of its space
    assert told(outsider) == 0
    assert told(a) >= 1 and own.space_id == post.space_id


def test_participation_counts_in_whichever_space_the_learner_posts(course, group):
    a, b = group["a"], group["b"]

    def taken_part() -> int:
        return next(r for r in learner_progress_by_rule(a.id, course) if r.kind == "discussions").done

    assert taken_part() == 0
    # talk-1 asks one post and one reply: the post in the cohort, the reply in the course's thread
    services.comment_on_unit(a, course, "talk-1", "In my cohort", audience=space_key(group["cohort"].id))
    other = services.comment_on_unit(b, course, "talk-1", "To everyone")
    assert taken_part() == 0
    services.reply(a, db.session.get(Thread, other.thread_id), "Replying in the course", parent_id=other.id)
    assert taken_part() == 1
    services.comment_on_unit(a, course, "talk-2", "Cohort only too", audience=space_key(group["cohort"].id))
    assert taken_part() == 2


def test_the_unit_panel_shows_both_and_filters_to_the_cohort(client, course, group):
    cohort_comment(course, group, "Cohort words")
    services.comment_on_unit(group["outsider"], course, "m1-u1", "Course words")
    log_in(client, group["b"])
    page = client.get(f"/courses/{course.slug}/units/m1-u1").text
    assert "Cohort words" in page and "Course words" in page
    # the comment form offers the cohort, chosen by default, and the whole course
    assert f'value="{space_key(group["cohort"].id)}" checked' in page and 'value="course"' in page
    filtered = client.get(f"/courses/{course.slug}/units/m1-u1?comments=group").text
    assert "Cohort words" in filtered and "Course words" not in filtered
    log_in(client, group["outsider"])
    page = client.get(f"/courses/{course.slug}/units/m1-u1").text
    assert 'name="audience"' not in page and "Cohort words" not in page and "Course words" in page


def test_the_comment_form_posts_to_the_chosen_audience(client, course, group):
    log_in(client, group["a"])
    form = {"body": "Posted by form to the cohort", "request_key": "k-1",
            "audience": space_key(group["cohort"].id)}
    for _ in range(2):  # sent twice: one post
        assert client.post(f"/courses/{course.slug}/units/m1-u1/comments", data=form).status_code == 302
    posts = list(db.session.scalars(sa.select(Post).where(Post.author_id == group["a"].id)))
    assert len(posts) == 1 and db.session.get(Space, posts[0].space_id).membership == "cohort"
    client.post(f"/courses/{course.slug}/units/m1-u1/comments",
                data={"body": "To the course", "request_key": "k-2", "audience": "course"})
    wrong = client.post(f"/courses/{course.slug}/units/m1-u1/comments",
                        data={"body": "To another", "request_key": "k-3",
                              "audience": space_key(group["other"].id)}, follow_redirects=True)
    assert "Choose who reads your comment." in wrong.text
    spaces = [db.session.get(Space, p.space_id).membership
              for p in db.session.scalars(sa.select(Post).where(Post.author_id == group["a"].id).order_by(Post.id))]
    assert spaces == ["cohort", "course"]


def test_the_cohort_space_page_holds_its_own_threads(client, course, group):
    cohort = group["cohort"]
    log_in(client, group["a"])
    assert "No threads yet." in client.get(f"/discussion/groups/cohort/{cohort.id}").text
    assert f'href="/discussion/groups/cohort/{cohort.id}"' in client.get(f"/cohorts/{cohort.id}").text
    page = client.get(f"/discussion/groups/cohort/{cohort.id}").text
    assert client.post(f"/discussion/groups/cohort/{cohort.id}/threads",
                       data={"title": "Study plan", "body": "Who meets on Friday?", "request_key": "t-1"}
                       ).status_code == 302
    assert client.post(f"/discussion/groups/cohort/{cohort.id}/threads", data={"title": "", "body": "x"}
                       ).status_code == 422
    thread = db.session.scalars(sa.select(Thread).where(Thread.title == "Study plan")).one()
    assert db.session.get(Space, thread.space_id).key == space_key(cohort.id)
    assert "Study plan" in client.get(f"/discussion/groups/cohort/{cohort.id}").text
    assert client.get(f"/discussion/threads/{thread.id}").status_code == 200
    assert page  # the page rendered before the first thread too
    log_in(client, group["lead"])
    assert f'href="/discussion/groups/cohort/{cohort.id}"' in client.get(f"/cohorts/{cohort.id}/dashboard").text
    assert "Study plan" in client.get(f"/discussion/groups/cohort/{cohort.id}").text
    log_in(client, group["elsewhere"])
    assert client.get(f"/discussion/threads/{thread.id}").status_code == 404
    assert client.post(f"/discussion/groups/cohort/{cohort.id}/threads",
                       data={"title": "Hi", "body": "x"}).status_code == 404
    # unit comment threads are not the space's own threads
    cohort_comment(course, group)
    assert queries.space_threads(db.session.get(Space, thread.space_id), "1").total == 1


def test_the_cohort_facilitator_moderates_the_cohort_space_with_an_audit(course, group):
    post = cohort_comment(course, group)
    moderation.hide_post(group["lead"], post.id, "Off topic")
    assert post.hidden_at is not None
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == group["lead"].id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "discussion.post_hidden"
    other = services.comment_on_unit(group["elsewhere"], course, "m1-u1", "Other cohort",
                                     audience=space_key(group["other"].id))
    with pytest.raises(NotFound):  # another cohort's space does not exist for this cohort's facilitator
        moderation.hide_post(group["lead"], other.id, "Not mine")


def test_the_moderation_queue_holds_reports_of_the_cohorts_a_moderator_moderates(client, course, group):
    post = cohort_comment(course, group, "Report me")
    moderation.report_post(group["b"], post.id, "Rude")
    space = queries.course_space(course.id)
    assert queries.moderation_queue(space) == []
    assert [item.post.id for item in queries.moderation_queue(space, [space_key(group["cohort"].id)])] == [post.id]
    log_in(client, group["team"])
    assert "Report me" in client.get(f"/courses/{course.slug}/discussion/moderation").text
    # a facilitator of another cohort reads only that cohort's queue, never this cohort's posts
    stranger = make_user()
    cohorts.add_facilitator(group["admin"], group["other"], stranger.email)
    log_in(client, stranger)
    queue = client.get(f"/courses/{course.slug}/discussion/moderation")
    assert queue.status_code == 200 and "Report me" not in queue.text


def test_a_cohort_only_facilitator_moderates_their_cohort_and_not_the_course_forum(client, course, group):
    from moocplatform import policy
    from moocplatform.discussion.membership import COURSE
    link = "Look at https://example.org/notes"
    lead, a = group["lead"], group["a"]
    course_post = services.comment_on_unit(group["outsider"], course, "m1-u1", "For everyone")
    course_held = services.comment_on_unit(a, course, "m1-u2", link)  # a new account's link waits
    cohort_post = cohort_comment(course, group)
    cohort_held = cohort_comment(course, group, link, unit="m1-u2")
    assert course_held.held_at is not None and cohort_held.held_at is not None
    forum = queries.course_space(course.id)
    assert not policy.can_moderate_discussion(lead, course) and not moderates(lead, forum)
    assert COURSE.is_member(lead, forum)  # still takes part in the course's discussion
    with pytest.raises(NotFound):
        moderation.hide_post(lead, course_post.id, "Not mine to hide")
    with pytest.raises(NotFound):
        moderation.approve_post(lead, course_held.id)
    assert course_post.hidden_at is None and course_held.held_at is not None
    moderation.hide_post(lead, cohort_post.id, "Off topic")
    moderation.approve_post(lead, cohort_held.id)
    assert cohort_post.hidden_at is not None and cohort_held.held_at is None
    # the queue page shows the cohort's reports, none of the course forum's
    moderation.report_post(group["b"], cohort_comment(course, group, "Cohort report").id, "Rude")
    moderation.report_post(group["b"], services.comment_on_unit(group["outsider"], course, "m1-u1",
                                                                "Forum report").id, "Rude")
    log_in(client, lead)
    assert client.post(f"/discussion/posts/{course_post.id}/hide", data={"reason": "x"}).status_code == 403
    # a mute holds in all the course's discussions: the cohort's thread offers Hide, and no Mute they may not use
    cohort_thread = client.get(f"/discussion/threads/{cohort_post.thread_id}").text
    assert ">Hide<" in cohort_thread and "Mute the author" not in cohort_thread
    assert client.post(f"/discussion/posts/{cohort_post.id}/mute-author",
                       data={"days": "7", "reason": "rude"}).status_code == 403
    queue = client.get(f"/courses/{course.slug}/discussion/moderation")
    assert queue.status_code == 200 and "Cohort report" in queue.text and "Forum report" not in queue.text
    assert "Moderation queue" in client.get(f"/courses/{course.slug}/discussion").text  # the way to the queue
    log_in(client, group["a"])
    assert client.get(f"/courses/{course.slug}/discussion/moderation").status_code == 403
    assert "Moderation queue" not in client.get(f"/courses/{course.slug}/discussion").text


def test_a_course_wide_facilitator_moderates_everywhere_in_the_course(course, group):
    from moocplatform import policy
    facilitator = make_user("facilitator", course=course)
    course_post = services.comment_on_unit(group["outsider"], course, "m1-u1", "For everyone")
    cohort_post = cohort_comment(course, group)
    other_post = services.comment_on_unit(group["elsewhere"], course, "m1-u1", "Other cohort",
                                          audience=space_key(group["other"].id))
    assert policy.can_moderate_discussion(facilitator, course)
    for post in (course_post, cohort_post, other_post):
        moderation.hide_post(facilitator, post.id, "Checked")
        assert post.hidden_at is not None


# Query counts -------------------------------------------------------------------------------------------------

def test_the_unit_page_of_a_cohort_learner_does_not_grow_with_cohort_comments(client, count_queries, user_query,
                                                                             course, group):
    from tests.test_query_counts import queries_for
    cohort_comment(course, group, "first")
    services.comment_on_unit(group["outsider"], course, "m1-u1", "first for all")
    log_in(client, group["b"])
    page = f"/courses/{course.slug}/units/m1-u1"
    small = [queries_for(client, count_queries, page), queries_for(client, count_queries, page + "?comments=group"),
             queries_for(client, count_queries, f"/discussion/groups/cohort/{group['cohort'].id}")]
    space = db.session.get(Space, cohort_comment(course, group, "second").space_id)
    for n in range(15):
        clock.advance(timedelta(minutes=2))
        author = (group["a"], group["lead"])[n % 2]
        made = services.comment_on_unit(author, course, "m1-u1", f"cohort {n}", audience=space.key)
        services.reply(group["b"], db.session.get(Thread, made.thread_id), f"reply {n}", parent_id=made.id)
        services.comment_on_unit(group["outsider"], course, "m1-u1", f"course {n}")
        services.start_thread(author, space, None, f"Thread {n}", "body")
    db.session.flush()
    log_in(client, group["b"])
    assert [queries_for(client, count_queries, page), queries_for(client, count_queries, page + "?comments=group"),
            queries_for(client, count_queries, f"/discussion/groups/cohort/{group['cohort'].id}")] == small
    # the cohort space page: (the viewer, with the bell, see user_query), the cohort, my seats in the course's
    # cohorts, the space, a count and a page of threads with their authors, the course
    assert small[2] == 6 + user_query
