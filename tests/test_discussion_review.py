"""Held for review (posts with links from new accounts), muting a learner in a course, moving threads, a
moderator's edit with its note, and the like counts of hidden posts."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.audit import AuditEntry
from moocplatform.discussion import follows, moderation, mutes, queries, reactions, services
from moocplatform.discussion.criteria import Participation
from moocplatform.discussion.models import Category, Thread
from moocplatform.errors import Conflict, InvalidInput, NotFound
from moocplatform.extensions import db
from moocplatform.learning.criteria import CompletionContext
from moocplatform.notifications.models import Notification
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_user

LINK = "Cheap essays at https://example.org/offer"


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def people(course):
    """Two learners whose accounts are two days old and who posted before (trusted with links), and a
    learner who joined today."""
    old = [make_user(display_name=f"Old {n}") for n in range(2)]
    clock.advance(timedelta(days=2))
    new = make_user(display_name="Newcomer")
    for person in (*old, new):
        enrol(person, course)
    for person in old:
        services.comment_on_unit(person, course, "m1-u2", "Hello, I am here.")
    return {"old": old, "new": new}


def told(user, kind: str | None = None) -> list[str]:
    query = sa.select(Notification.kind).where(Notification.user_id == user.id)
    return list(db.session.scalars(query.where(Notification.kind == kind) if kind else query))


def actions() -> list[tuple[str, int | None, str]]:
    return [(e.action, e.actor_id, e.details.get("reason", "")) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("discussion.%")).order_by(AuditEntry.id))]


def forum(course):
    space = queries.course_space(course.id)
    return space, queries.forum_categories(space)


# Held for review ---------------------------------------------------------------------------------------------

def test_a_new_accounts_post_with_a_link_waits_unseen_uncounted_and_untold(course, people, run_outbox):
    old, new = people["old"], people["new"]
    first = services.comment_on_unit(old[0], course, "m1-u1", "What do you think?")
    follows.set_following(old[1], first.thread_id, True)
    thread = db.session.get(Thread, first.thread_id)
    held = services.reply(new, thread, f"@{old[1].handle} {LINK}", parent_id=first.id)
    run_outbox()
    assert held.held_at is not None and not held.visible
    assert thread.post_count == 1
    assert told(old[0]) == [] and told(old[1]) == []  # no reply, mention or follow notice
    # others do not see it, its author does (marked), moderators do
    assert queries.unit_panel(old[1], course, "m1-u1").posts[0].replies == []
    assert [r.post.id for r in queries.unit_panel(new, course, "m1-u1").posts[0].replies] == [held.id]
    team = make_user("course_team", course=course)
    assert [r.post.id for r in queries.unit_panel(team, course, "m1-u1").posts[0].replies] == [held.id]
    with pytest.raises(NotFound):  # nobody else reaches it by its id
        reactions.like_post(old[0], held.id)
    with pytest.raises(NotFound):
        moderation.report_post(old[0], held.id, "spam")
    space, _categories = forum(course)
    assert queries.search_space(space, "essays", 1)[1].total == 0
    assert [item.post.id for item in queries.held_posts(space)] == [held.id]


def test_approval_shows_counts_and_tells_once(course, people, run_outbox, client):
    old, new = people["old"], people["new"]
    first = services.comment_on_unit(old[0], course, "m1-u1", "What do you think?")
    thread = db.session.get(Thread, first.thread_id)
    held = services.reply(new, thread, f"@{old[1].handle} {LINK}", parent_id=first.id)
    team = make_user("course_team", course=course)
    clock.advance(timedelta(minutes=5))
    moderation.approve_post(team, held.id, "a useful link")
    run_outbox()
    assert held.visible and thread.post_count == 2
    assert told(old[0], "discussion.reply") == ["discussion.reply"]
    assert told(old[1], "discussion.mention") == ["discussion.mention"]
    assert told(new, "discussion.moderation") == ["discussion.moderation"]
    assert [r.post.id for r in queries.unit_panel(old[1], course, "m1-u1").posts[0].replies] == [held.id]
    space, _categories = forum(course)
    assert queries.search_space(space, "essays", 1)[1].total == 1
    assert queries.held_posts(space) == []
    with pytest.raises(Conflict):  # decided once
        moderation.approve_post(team, held.id)
    moderation.hide_post(team, held.id, "after all")
    moderation.restore_post(team, held.id, "no")
    run_outbox()
    assert told(old[1], "discussion.mention") == ["discussion.mention"]  # never told twice
    assert ("discussion.post_approved", team.id, "a useful link") in actions()


def test_a_held_thread_is_listed_for_its_author_and_moderators_only(course, people, client):
    new, old = people["new"], people["old"]
    space, categories = forum(course)
    category = categories[0]
    thread = services.start_thread(new, space, category.id, "Cheap essays", LINK)
    assert thread.held_at is not None and category.thread_count == 0 and category.post_count == 0
    assert queries.category_threads(category, "1", viewer_id=old[0].id).items == []
    assert [r.thread.id for r in queries.category_threads(category, "1", viewer_id=new.id).items] == [thread.id]
    log_in(client, old[0])
    assert client.get(f"/discussion/threads/{thread.id}").status_code == 404
    log_in(client, new)
    page = client.get(f"/discussion/threads/{thread.id}")
    assert page.status_code == 200 and "Awaiting review" in page.text
    team = make_user("course_team", course=course)
    log_in(client, team)
    queue = client.get(f"/courses/{course.slug}/discussion/moderation")
    assert "1 post waits for review" in queue.text and "Cheap essays" in queue.text
    response = client.post(f"/discussion/posts/{queries.held_posts(space)[0].post.id}/reject",
                           data={"reason": "advertising"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).held_at is not None
    assert queries.held_posts(space) == []
    assert ("discussion.post_rejected", team.id, "advertising") in actions()
    assert told(new, "discussion.moderation") == ["discussion.moderation"]


def test_approving_a_held_thread_lists_and_counts_it(course, people):
    new = people["new"]
    space, categories = forum(course)
    thread = services.start_thread(new, space, categories[0].id, "A good read", LINK)
    facilitator = make_user("facilitator", course=course)
    moderation.approve_post(facilitator, queries.held_posts(space)[0].post.id)
    db.session.expire_all()
    category = db.session.get(Category, categories[0].id)
    assert db.session.get(Thread, thread.id).held_at is None
    assert (category.thread_count, category.post_count) == (1, 1)
    assert [r.thread.id for r in queries.category_threads(category, "1", viewer_id=people["old"][0].id).items] == [
        thread.id]


def test_who_is_held(course, people):
    old, new = people["old"], people["new"]
    space, categories = forum(course)
    assert services.comment_on_unit(new, course, "m1-u1", "No link here").held_at is None
    assert services.comment_on_unit(old[0], course, "m1-u1", LINK).held_at is None  # old, published before
    clock.advance(timedelta(days=2))
    quiet = make_user()
    enrol(quiet, course)
    clock.advance(timedelta(days=2))
    assert services.comment_on_unit(quiet, course, "m1-u1", LINK).held_at is not None  # old, never published
    for staff in (make_user("course_team", course=course), make_user("facilitator", course=course),
                  make_user("admin")):
        assert services.comment_on_unit(staff, course, "m1-u1", LINK).held_at is None
    # a private conversation has no moderator: its messages are never held
    conversation = services.open_conversation(make_user("facilitator", course=course), new)
    assert services.send_message(new, conversation, LINK).held_at is None


def test_held_posts_give_no_participation_credit(course, people):
    new = people["new"]
    services.comment_on_unit(new, course, "talk-2", LINK)
    context = CompletionContext(course.id, queries.live_version(course.id))
    assert Participation().measure(context, [new.id])[1].get(new.id, 0) == 0
    moderation.approve_post(make_user("course_team", course=course),
                            queries.held_posts(queries.course_space(course.id))[0].post.id)
    assert Participation().measure(context, [new.id])[1][new.id] == 1


def test_an_edit_adding_links_holds_the_post_again(course, people):
    new = people["new"]
    post = services.comment_on_unit(new, course, "m1-u1", "Plain words")
    thread = db.session.get(Thread, post.thread_id)
    services.edit_post(new, post.id, LINK)
    assert post.held_at is not None and thread.post_count == 0


# Mutes -----------------------------------------------------------------------------------------------------

def test_a_muted_learner_reads_but_does_not_write_until_the_mute_ends(course, people, client):
    old, new = people["old"], people["new"]
    first = services.comment_on_unit(old[1], course, "m1-u1", "Hello")
    thread = db.session.get(Thread, first.thread_id)
    facilitator = make_user("facilitator", course=course)
    mute = mutes.mute_learner(facilitator, course.id, old[0], 3, "insults")
    space, categories = forum(course)
    for attempt in (lambda: services.comment_on_unit(old[0], course, "m1-u1", "again"),
                    lambda: services.reply(old[0], thread, "again", parent_id=first.id),
                    lambda: services.start_thread(old[0], space, categories[0].id, "Hi", "again"),
                    lambda: reactions.like_post(old[0], first.id)):
        with pytest.raises(mutes.Muted) as refused:
            attempt()
        assert "until" in refused.value.message
    assert [row.mute.id for row in queries.running_mutes(course.id)] == [mute.id]
    log_in(client, old[0])
    response = client.post(f"/discussion/threads/{thread.id}/posts", data={"body": "let me"})
    assert response.status_code == 422 and "muted you" in response.text and 'name="body"' not in response.text
    assert services.comment_on_unit(new, course, "m1-u1", "others still post").visible
    clock.advance(timedelta(days=3, seconds=1))
    assert services.comment_on_unit(old[0], course, "m1-u1", "back again").visible  # ended by itself
    assert queries.running_mutes(course.id) == []
    assert ("discussion.learner_muted", facilitator.id, "insults") in actions()


def test_a_mute_is_lifted_and_belongs_to_one_course(course, people, client):
    learner = people["old"][0]
    team = make_user("course_team", course=course)
    mute = mutes.mute_learner(team, course.id, learner, 1, "spam")
    other = make_discussion_course("other-forum")
    other_team = make_user("course_team", course=other)
    enrol(learner, other)
    services.comment_on_unit(learner, other, "m1-u1", "fine here")  # muted in the first course only
    with pytest.raises(NotFound):
        mutes.lift_mute(other_team, mute.id)
    with pytest.raises(NotFound):
        mutes.lift_mute(team, mute.id, course_id=other.id)
    log_in(client, team)
    page = client.get(f"/courses/{course.slug}/discussion/moderation")
    assert learner.display_name in page.text and "Unmute" in page.text
    assert client.post(f"/courses/{course.slug}/discussion/mutes/{mute.id}/lift",
                       data={"reason": "apologised"}).status_code == 302
    db.session.expire_all()
    assert services.comment_on_unit(learner, course, "m1-u1", "thank you").visible
    assert ("discussion.learner_unmuted", team.id, "apologised") in actions()
    with pytest.raises(Conflict):
        mutes.lift_mute(team, mute.id)


def test_moderators_mute_a_posts_author_from_the_thread(course, people, client):
    learner = people["old"][0]
    post = services.comment_on_unit(learner, course, "m1-u1", "Rude words")
    team = make_user("course_team", course=course)
    log_in(client, team)
    page = client.get(f"/discussion/threads/{post.thread_id}")
    assert "Mute the author" in page.text
    assert client.post(f"/discussion/posts/{post.id}/mute-author",
                       data={"days": "7", "reason": "rude"}).status_code == 302
    running = queries.running_mutes(course.id)
    assert [(r.mute.user_id, r.mute.ends_at - r.mute.created_at) for r in running] == [(learner.id, timedelta(days=7))]


def composer_pages(course, thread, category) -> list[str]:
    """Every page that carries a composer: the unit's comment panel, a thread's reply form, the new-thread form
    of a category, the forum, and a discussion unit's page before anyone posted."""
    return [f"/courses/{course.slug}/units/m1-u1", f"/discussion/threads/{thread.id}",
            f"/courses/{course.slug}/discussion/categories/{category.id}", f"/courses/{course.slug}/discussion",
            f"/courses/{course.slug}/discussion/units/talk-1"]


def shows_mute(text: str) -> bool:
    return "muted-notice" in text and "a moderator muted you" in text


def test_a_muted_learner_sees_why_where_they_would_post_until_the_mute_ends(course, people, client):
    learner, other = people["old"]
    first = services.comment_on_unit(other, course, "m1-u1", "Hello")
    thread = db.session.get(Thread, first.thread_id)
    space, categories = forum(course)
    pages = composer_pages(course, thread, categories[0])
    team = make_user("course_team", course=course)
    mute = mutes.mute_learner(team, course.id, learner, 3, "repeated insults")
    log_in(client, learner)
    for path in pages:
        text = client.get(path).text
        assert shows_mute(text), path
        assert "repeated insults" in text and "/messages" in text
        # no form to fill in: no comment box, no new-thread title, no like or reply button
        assert 'class="post-form"' not in text and '/threads"' not in text and "/like" not in text, path
    log_in(client, other)  # others see no notice and keep their forms
    for path in pages[:3]:
        text = client.get(path).text
        assert not shows_mute(text) and ('class="post-form"' in text or '/threads"' in text)
    log_in(client, learner)
    clock.advance(timedelta(days=3, seconds=1))  # it ends by itself
    log_in(client, learner)
    for path in pages:
        assert not shows_mute(client.get(path).text), path
    assert 'class="post-form"' in client.get(pages[1]).text
    mute = mutes.mute_learner(team, course.id, learner, 1, "again")
    assert shows_mute(client.get(pages[1]).text)
    mutes.lift_mute(team, mute.id, "talked it over")
    assert not shows_mute(client.get(pages[1]).text) and 'class="post-form"' in client.get(pages[1]).text


def test_a_mute_shows_in_the_viewers_time_zone(course, people, client):
    learner = people["old"][0]
    learner.timezone = "Asia/Tokyo"
    db.session.flush()
    team = make_user("course_team", course=course)
    mute = mutes.mute_learner(team, course.id, learner, 1, "spam")
    log_in(client, learner)
    text = client.get(f"/courses/{course.slug}/discussion").text
    tokyo = mute.ends_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Tokyo"))
    notice = text.split("muted-notice")[1].split("</strong>")[0]
    assert f"{tokyo.day}, {tokyo.year}, {tokyo:%-I}:{tokyo:%M}\u202f{tokyo:%p}" in notice


def test_the_mute_notice_costs_no_query(course, people, client, count_queries):
    """The mute comes with a query each page runs anyway: a muted learner's pages run as many queries as
    anyone's."""
    from tests.test_query_counts import queries_for
    learner, other = people["old"]
    first = services.comment_on_unit(other, course, "m1-u1", "Hello")
    thread = db.session.get(Thread, first.thread_id)
    space, categories = forum(course)
    pages = composer_pages(course, thread, categories[0])
    log_in(client, learner)
    free = [queries_for(client, count_queries, path) for path in pages]
    team = make_user("course_team", course=course)
    mutes.mute_learner(team, course.id, learner, 3, "insults")
    log_in(client, learner)
    assert [queries_for(client, count_queries, path) for path in pages] == free
    assert all(shows_mute(client.get(path).text) for path in pages)


def test_moderators_see_that_an_author_is_muted_at_no_extra_query(course, people, client, count_queries):
    """The marker is a column of the posts' own queries: the thread page runs as many queries either way."""
    from tests.test_query_counts import queries_for
    learner, other = people["old"]
    first = services.comment_on_unit(other, course, "m1-u1", "Hello")
    thread = db.session.get(Thread, first.thread_id)
    reply = services.reply(learner, thread, "A reply", parent_id=first.id)
    page = f"/discussion/threads/{thread.id}"
    team = make_user("course_team", course=course)
    log_in(client, team)
    before = queries_for(client, count_queries, page)
    assert "Muted until" not in client.get(page).text
    mutes.mute_learner(team, course.id, learner, 3, "insults")
    log_in(client, team)
    assert queries_for(client, count_queries, page) == before
    shown = client.get(page).text
    assert shown.count("muted-author") == 1 and "Muted until" in shown
    assert "muted-author" in shown.split(f'id="post-{reply.id}"')[1].split("</header>")[0]  # the reply's author
    log_in(client, other)  # learners do not see it
    assert "Muted until" not in client.get(page).text


# Moves, edits with a note ----------------------------------------------------------------------------------

def test_moving_a_thread_moves_its_counts_and_is_audited(course, people):
    learner = people["old"][0]
    space, categories = forum(course)
    source, target = categories[0], categories[1]
    thread = services.start_thread(learner, space, source.id, "Wrong place", "first")
    services.reply(people["old"][1], thread, "second")
    team = make_user("course_team", course=course)
    moderation.move_thread(team, thread.id, target.id, "belongs to help")
    db.session.expire_all()
    source, target = db.session.get(Category, source.id), db.session.get(Category, target.id)
    assert (source.thread_count, source.post_count, target.thread_count, target.post_count) == (0, 0, 1, 2)
    assert db.session.get(Thread, thread.id).category_id == target.id
    assert ("discussion.thread_moved", team.id, "belongs to help") in actions()
    unit_post = services.comment_on_unit(learner, course, "m1-u1", "A unit's")
    with pytest.raises(Conflict):
        moderation.move_thread(team, unit_post.thread_id, target.id)


def test_a_moderators_edit_carries_a_visible_note(course, people, client):
    learner = people["old"][0]
    post = services.comment_on_unit(learner, course, "m1-u1", "My phone is 555-1234")
    team = make_user("course_team", course=course)
    with pytest.raises(InvalidInput) as refused:
        services.edit_post(team, post.id, "My phone is [removed]")
    assert refused.value.field == "note"
    services.edit_post(team, post.id, "My phone is [removed]", "no phone numbers, please")
    log_in(client, people["old"][1])
    page = client.get(f"/discussion/threads/{post.thread_id}")
    assert "Edited by a moderator: no phone numbers, please" in page.text


# Likes of hidden posts ---------------------------------------------------------------------------------------

def test_a_hidden_or_deleted_posts_likes_leave_its_threads_count(course, people):
    old, new = people["old"], people["new"]
    space, categories = forum(course)
    liked_thread = services.start_thread(old[0], space, categories[0].id, "Liked", "first")
    reply = services.reply(old[1], liked_thread, "a liked reply")
    other_thread = services.start_thread(old[1], space, categories[0].id, "Other", "first")
    reactions.like_post(old[1], reactions.opening_post_id(liked_thread.id))
    reactions.like_post(new, reply.id)
    reactions.like_post(old[0], reply.id)
    reactions.like_post(old[0], reactions.opening_post_id(other_thread.id))

    def counts():
        db.session.expire_all()
        return db.session.get(Thread, liked_thread.id).like_count

    def most_liked():
        category = db.session.get(Category, categories[0].id)
        return [row.thread.id for row in queries.category_threads(category, "1", "liked").items]

    assert counts() == 3 and most_liked() == [liked_thread.id, other_thread.id]
    team = make_user("course_team", course=course)
    moderation.hide_post(team, reply.id, "spam")
    assert counts() == 1
    clock.advance(timedelta(seconds=1))
    services.reply(old[0], other_thread, "activity")  # the later activity decides between equal likes
    assert most_liked() == [other_thread.id, liked_thread.id]
    reactions.unlike_post(new, reply.id)  # a hidden post's like taken back: its thread's count stays
    assert counts() == 1
    moderation.restore_post(team, reply.id, "fine")
    assert counts() == 2
    services.delete_own_post(old[1], reply.id)
    assert counts() == 1
    with pytest.raises(Conflict):
        reactions.like_post(new, reply.id)
