"""People interacting with posts: @handles and mentions (members only, told once, linked to a public profile),
likes (one per person and post, never one's own), following threads (automatic for a forum thread's posters,
followers told by the worker), accepted answers in help categories, and the orders of threads and posts."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts import services as accounts
from moocplatform.accounts.handles import assign_handle, handle_base
from moocplatform.accounts.models import User
from moocplatform.discussion import follows, moderation, queries, reactions, services
from moocplatform.discussion.models import Category, Follow, Like, Post, PostNotice, Thread
from moocplatform.errors import Conflict, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.html import mentioned_handles, render_user_markdown
from moocplatform.learning import services as learning
from moocplatform.notifications import services as notifications
from moocplatform.notifications.models import Notification
from moocplatform.people import services as people
from moocplatform.personal_data import erase_user
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_course, make_user
from tests.test_discussion import HOSTILE, assert_inert


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def learners(course):
    people_ = [make_user(display_name=name) for name in ("Ada Lovelace", "Bea Barros", "Cem Çelik")]
    for person in people_:
        enrol(person, course)
    return people_


def later():
    clock.advance(timedelta(seconds=30))


def told(user, kind=None):
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def show_profile(user):
    people.update_settings(user, user, visibility="course_mates", allow_messages=False, links=[])


def forum_thread(course, author, title="A question", body="Who can help?", category_key="introductions"):
    space = queries.course_space(course.id)
    category = db.session.scalar(sa.select(Category).where(Category.space_id == space.id,
                                                           Category.key == category_key))
    return services.start_thread(author, space, category.id, title, body)


# Handles -----------------------------------------------------------------------------------------------------

def test_every_new_account_gets_a_stable_handle_from_its_name():
    ada = make_user(display_name="Ada Lovelace")
    twin = make_user(display_name="Ada  Lovelace!")
    zoe = make_user(display_name="Zoë O'Neil")
    short = make_user(display_name="Al")
    assert (ada.handle, twin.handle, zoe.handle, short.handle) == ("ada_lovelace", "ada_lovelace2", "zoe_o_neil",
                                                                   "learner")
    accounts.update_profile(ada, ada, display_name="Ada King")
    assert ada.handle == "ada_lovelace"  # a mention written before still names her
    assert assign_handle(ada) == "ada_lovelace"
    assert handle_base("日本語") == "learner" and len(handle_base("x" * 80)) == 20


def test_an_erased_account_gives_up_its_handle():
    ada = make_user(display_name="Ada Lovelace")
    erase_user(ada)
    db.session.flush()
    assert ada.handle is None
    assert make_user(display_name="Ada Lovelace").handle == "ada_lovelace"


def test_the_renderer_finds_handles_in_text_only():
    text = "Hi @Ada_Lovelace, see `@code` and [@bea](https://example.org), mail a@bea.com, @cem."
    assert mentioned_handles(text) == ["ada_lovelace", "cem"]
    html = render_user_markdown(text, mentions={"ada_lovelace": "/people/1"})
    assert '<a href="/people/1" class="mention"' in html and ">@Ada_Lovelace</a>" in html
    assert "<code>@code</code>" in html and "@cem." in html and "a@bea.com" in html


# Mentions ----------------------------------------------------------------------------------------------------

def test_a_mention_tells_a_member_and_links_their_public_profile(course, learners):
    ada, bea, cem = learners
    show_profile(bea)
    post = services.comment_on_unit(ada, course, "m1-u1", "What do you think, @bea_barros and @cem_celik?")
    assert f'href="/people/{bea.id}" class="mention"' in post.body_html
    assert "@cem_celik" in post.body_html and f"/people/{cem.id}" not in post.body_html  # no public profile
    for person in (bea, cem):
        [notice] = told(person)
        assert notice.kind == "discussion.mention" and notice.link == f"/discussion/posts/{post.id}"
        assert notice.params == {"name": "Ada Lovelace", "thread": "Unit 1.1 (m1-u1)"}
    assert told(ada) == []


def test_a_mention_of_someone_outside_the_space_does_nothing_and_says_nothing(course, learners):
    ada = learners[0]
    outsider = make_user(display_name="Olga Outside")
    show_profile(outsider)
    post = services.comment_on_unit(ada, course, "m1-u1", "Hello @olga_outside and @nobody_at_all")
    stranger = services.comment_on_unit(ada, course, "m1-u1", "Hello @nobody_else and @nobody_at_all")
    assert told(outsider) == []
    assert "<a" not in post.body_html and "<a" not in stranger.body_html  # the same as a handle nobody has
    with pytest.raises(NotFound):  # and the mention opened nothing to them
        services.get_post(outsider, post.id)


def test_a_reply_that_mentions_the_author_tells_them_once(course, learners):
    ada, bea, _cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "A question")
    thread = db.session.get_one(Thread, post.thread_id)
    answer = services.reply(bea, thread, "@ada_lovelace here is the answer", parent_id=post.id)
    assert [n.kind for n in told(ada)] == ["discussion.mention"]
    services.edit_post(bea, answer.id, "@ada_lovelace here is the answer, better")
    assert len(told(ada)) == 1


def test_an_edit_tells_only_the_newly_mentioned(course, learners):
    ada, bea, cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "Ping @bea_barros")
    services.edit_post(ada, post.id, "Ping @bea_barros and @cem_celik")
    services.edit_post(ada, post.id, "Ping @cem_celik")
    services.edit_post(ada, post.id, "Ping @bea_barros and @cem_celik again")
    assert len(told(bea)) == 1 and len(told(cem)) == 1
    assert {(r.user_id, r.reason) for r in db.session.scalars(sa.select(PostNotice))} == {
        (bea.id, "mention"), (cem.id, "mention")}


def test_mentions_honour_preferences_and_blocks(course, learners, outbox):
    ada, bea, cem = learners
    notifications.set_preferences(bea, bea, {"discussion.mention": "off"})
    people.block(cem, ada.id)
    services.comment_on_unit(ada, course, "m1-u1", "@bea_barros @cem_celik look")
    assert told(bea) == [] and told(cem) == []
    services.comment_on_unit(bea, course, "m1-u1", "and @ada_lovelace?")
    [mail] = [m for m in outbox.messages if m["To"] == ada.email]  # mentions come by mail at once by default
    assert mail["Subject"] == "Bea Barros mentioned you in “Unit 1.1 (m1-u1)”"
    assert mail["List-Unsubscribe"]


def test_a_post_mentions_at_most_ten_people(course, learners):
    crowd = [make_user(display_name=f"Crowd Person {n:02d}") for n in range(12)]
    for person in crowd:
        enrol(person, course)
    services.comment_on_unit(learners[0], course, "m1-u1", " ".join(f"@{p.handle}" for p in crowd))
    assert sum(1 for p in crowd if told(p)) == 10


@pytest.mark.parametrize("body", HOSTILE)
def test_nothing_executable_survives_around_a_mention(course, learners, body):
    ada, bea, _cem = learners
    show_profile(bea)
    html = services.comment_on_unit(ada, course, "m1-u1", f"@bea_barros {body} @bea_barros{body}").body_html
    assert_inert(html)
    assert html.count('class="mention"') >= 1


@pytest.mark.parametrize("handle", ["@<script>alert(1)</script>", '@bea_barros"onmouseover="x',
                                    "@bea_barros<img src=x onerror=alert(1)>", "[@bea_barros](javascript:x)",
                                    "@javascript:alert(1)", "@bea_barros&#x22;&#x3E;<svg/onload=x>"])
def test_hostile_mentions_stay_inert(course, learners, handle):
    show_profile(learners[1])
    assert_inert(services.comment_on_unit(learners[0], course, "m1-u1", handle).body_html)


def test_the_mention_email_shows_no_markup(course, learners, outbox):
    ada, bea, _cem = learners
    ada.display_name = "<b>Ada</b>"
    db.session.flush()
    services.comment_on_unit(ada, course, "m1-u1", "@bea_barros <script>x</script>")
    [mail] = [m for m in outbox.messages if m["To"] == bea.email]
    assert "<script>" not in mail.get_content()  # the text mail carries the name, never the post


# Likes -------------------------------------------------------------------------------------------------------

def test_one_like_per_person_and_post_and_never_ones_own(course, learners):
    ada, bea, cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "Like me")
    assert reactions.like_post(bea, post.id) is True
    assert reactions.like_post(bea, post.id) is False  # two clicks, one like
    reactions.like_post(cem, post.id)
    with pytest.raises(Conflict):
        reactions.like_post(ada, post.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Like)) == 2
    thread = db.session.get_one(Thread, post.thread_id)
    db.session.refresh(thread)
    assert thread.like_count == 2
    assert reactions.unlike_post(bea, post.id) is True and reactions.unlike_post(bea, post.id) is False
    db.session.refresh(thread)
    assert thread.like_count == 1


def test_the_database_refuses_a_second_like():
    course = make_discussion_course("likes-db")
    ada, bea = make_user(), make_user()
    enrol(ada, course)
    enrol(bea, course)
    post = services.comment_on_unit(ada, course, "m1-u1", "x")
    db.session.add(Like(post_id=post.id, user_id=bea.id, created_at=clock.now()))
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Like(post_id=post.id, user_id=bea.id, created_at=clock.now()))
        db.session.flush()


def test_outsiders_cannot_like_and_hidden_posts_take_no_likes(course, learners):
    ada, bea, _cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "x")
    with pytest.raises(NotFound):
        reactions.like_post(make_user(), post.id)
    services.delete_own_post(ada, post.id)
    with pytest.raises(Conflict):
        reactions.like_post(bea, post.id)


def test_likes_show_on_the_thread_and_unit_pages(client, course, learners):
    ada, bea, cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "Likeable")
    reactions.like_post(bea, post.id)
    reactions.like_post(cem, post.id)
    log_in(client, bea)
    page = client.get(f"/discussion/threads/{post.thread_id}").get_data(as_text=True)
    assert "2 likes" in page and 'aria-pressed="true"' in page
    unit = client.get(f"/courses/{course.slug}/units/m1-u1").get_data(as_text=True)
    assert "2 likes" in unit and f"/discussion/posts/{post.id}/unlike" in unit
    response = client.post(f"/discussion/posts/{post.id}/unlike",
                           data={"next": f"/courses/{course.slug}/units/m1-u1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.slug}/units/m1-u1")
    response = client.post(f"/discussion/posts/{post.id}/like", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/discussion/posts/{post.id}"  # never away from the site
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Like)) == 2
    log_in(client, ada)
    own = client.get(f"/discussion/threads/{post.thread_id}").get_data(as_text=True)
    assert f"/discussion/posts/{post.id}/like" not in own and "2 likes" in own


def test_every_form_of_the_unit_and_thread_pages_carries_the_sessions_csrf_token(client, course, learners,
                                                                                  csrf_enabled):
    """The post macros are imported without context and take csrf_token from the globals (made once a page):
    each of the pages' forms has the one token, and a like sent with it is taken."""
    ada, bea, _cem = learners
    posts = [services.comment_on_unit(ada, course, "m1-u1", f"Comment {n}") for n in range(3)]
    log_in(client, bea)
    for path in (f"/courses/{course.slug}/units/m1-u1", f"/discussion/threads/{posts[0].thread_id}"):
        page = client.get(path).get_data(as_text=True)
        tokens = re.findall(r'name="csrf_token" value="([^"]+)"', page)
        assert len(tokens) >= 5 and len(set(tokens)) == 1, path
    response = client.post(f"/discussion/posts/{posts[1].id}/like", data={"csrf_token": tokens[0], "next": path})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Like.post_id).where(Like.user_id == bea.id)) == posts[1].id
    refused = client.post(f"/discussion/posts/{posts[2].id}/like", data={"csrf_token": "forged", "next": path})
    assert refused.status_code == 400


def test_the_unit_pages_comments_kept_rendered_show_each_viewer_their_own(app, course, learners, csrf_enabled):
    """The panel's posts are kept rendered (discussion/fragments.py) for everyone who sees them alike: each
    viewer still gets their own like state and their own CSRF token, and an edit or a hiding shows at once."""
    ada, bea, cem = learners
    first = services.comment_on_unit(ada, course, "m1-u1", "First thoughts")
    second = services.comment_on_unit(bea, course, "m1-u1", "Second thoughts")
    unit = f"/courses/{course.slug}/units/m1-u1"

    clients = {user.id: app.test_client() for user in (bea, cem)}  # a browser each: sessions of their own
    for user in (bea, cem):
        log_in(clients[user.id], user)

    def seen_by(user):
        page = clients[user.id].get(unit).get_data(as_text=True)
        return page, set(re.findall(r'name="csrf_token" value="([^"]+)"', page))

    for user in (cem, bea, cem):  # each visit after the first finds the posts rendered
        page, _tokens = seen_by(user)
        assert f"/discussion/posts/{first.id}/like" in page
    reactions.like_post(bea, first.id)
    bea_page, bea_tokens = seen_by(bea)
    cem_page, cem_tokens = seen_by(cem)
    assert f"/discussion/posts/{first.id}/unlike" in bea_page and f"/discussion/posts/{second.id}/like" not in bea_page
    assert f"/discussion/posts/{first.id}/unlike" not in cem_page and f"/discussion/posts/{second.id}/like" in cem_page
    assert "1 like" in bea_page and "1 like" in cem_page
    assert len(bea_tokens) == len(cem_tokens) == 1 and bea_tokens != cem_tokens
    assert clients[cem.id].post(f"/discussion/posts/{second.id}/like",
                       data={"csrf_token": cem_tokens.pop(), "next": unit}).status_code == 302
    services.edit_post(ada, first.id, "First thoughts, edited")
    moderation.hide_post(make_user("facilitator", course=course), second.id)
    page, _tokens = seen_by(cem)
    assert "First thoughts, edited" in page and "Second thoughts" not in page


def test_a_thread_pages_posts_kept_rendered_show_each_viewer_their_own_actions(app, course, learners):
    """Thread pages keep their posts rendered too: the author, another learner and a moderator, each after the
    others, see the post with their own actions; the edit link goes once the edit window has passed."""
    ada, bea, _cem = learners
    facilitator = make_user("facilitator", course=course)
    post = services.comment_on_unit(ada, course, "m1-u1", "Worth a look")
    path = f"/discussion/threads/{post.thread_id}"
    clients = {}
    for user in (bea, ada, facilitator):
        clients[user.id] = app.test_client()
        log_in(clients[user.id], user)
    edit, hide, report = f"/discussion/posts/{post.id}/edit", f"/discussion/posts/{post.id}/hide", "Report</summary>"
    for _round in range(2):
        learner = clients[bea.id].get(path).get_data(as_text=True)
        author = clients[ada.id].get(path).get_data(as_text=True)
        moderator = clients[facilitator.id].get(path).get_data(as_text=True)
        assert report in learner and edit not in learner and hide not in learner
        assert edit in author and report not in author and hide not in author
        assert hide in moderator and edit in moderator and f"/discussion/posts/{post.id}/mute" in moderator
    clock.advance(services.EDIT_WINDOW + timedelta(minutes=1))
    assert edit not in clients[ada.id].get(path).get_data(as_text=True)


def test_a_refused_reply_comes_back_with_its_request_key_in_every_kept_reply_form_escaped(client, course, learners):
    """A thread page's reply forms are kept rendered with a placeholder for the form's request key, which comes
    back from the refused submission as it was sent: it is put in escaped, and the same in every form."""
    ada, bea, _cem = learners
    first = services.comment_on_unit(ada, course, "m1-u1", "One")
    services.comment_on_unit(ada, course, "m1-u1", "Two")
    log_in(client, bea)
    client.get(f"/discussion/threads/{first.thread_id}")  # the reply forms kept
    sent = 'k"><b>bold</b>'
    page = client.post(f"/discussion/threads/{first.thread_id}/posts", data={"body": "", "request_key": sent})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and sent not in html
    keys = re.findall(r'name="request_key" value="([^"]*)"', html)
    assert len(keys) >= 3 and set(keys) == {"k&#34;&gt;&lt;b&gt;bold&lt;/b&gt;"}


# Sorts --------------------------------------------------------------------------------------------------------

def test_threads_sort_by_activity_newest_most_liked_and_unanswered(client, course, learners):
    ada, bea, cem = learners
    quiet = forum_thread(course, ada, "Quiet")
    clock.advance(timedelta(minutes=11))
    liked = forum_thread(course, ada, "Liked")
    clock.advance(timedelta(minutes=11))
    busy = forum_thread(course, ada, "Busy")
    services.reply(bea, busy, "an answer")
    clock.advance(timedelta(minutes=11))
    services.reply(bea, quiet, "late answer")
    first_post = db.session.scalar(sa.select(Post.id).where(Post.thread_id == liked.id))
    reactions.like_post(bea, first_post)
    reactions.like_post(cem, first_post)
    category = db.session.get_one(Category, quiet.category_id)
    titles = {sort: [r.thread.title for r in queries.category_threads(category, "1", sort).items]
              for sort in queries.THREAD_SORTS}
    assert titles == {"activity": ["Quiet", "Busy", "Liked"], "newest": ["Busy", "Liked", "Quiet"],
                      "liked": ["Liked", "Quiet", "Busy"], "unanswered": ["Liked"]}
    assert queries.category_threads(category, "1", "unanswered").total == 1
    log_in(client, bea)
    page = client.get(f"/courses/{course.slug}/discussion/categories/{category.id}?sort=liked").get_data(as_text=True)
    assert page.index("Liked") < page.index("Quiet") and "2 likes" in page
    assert client.get(f"/courses/{course.slug}/discussion/categories/{category.id}?sort=bogus").status_code == 200


def test_posts_of_a_thread_sort_by_most_liked(client, course, learners):
    ada, bea, cem = learners
    thread = forum_thread(course, ada, "Ideas", "Share one")
    services.reply(bea, thread, "idea one")
    best = services.reply(cem, thread, "idea two")
    reactions.like_post(ada, best.id)
    reactions.like_post(bea, best.id)
    shown = queries.thread_posts(thread, "1", moderator=False, viewer_id=ada.id, sort="liked").items
    assert [s.post.body_source for s in shown] == ["idea two", "Share one", "idea one"]
    assert shown[0].likes == 2 and shown[0].liked
    log_in(client, ada)
    assert client.get(f"/discussion/threads/{thread.id}?sort=liked").status_code == 200


# Following --------------------------------------------------------------------------------------------------

def test_a_forum_threads_author_and_repliers_follow_it_and_hear_of_new_posts(course, learners, run_outbox):
    ada, bea, cem = learners
    thread = forum_thread(course, ada)
    later()
    services.reply(bea, thread, "me too")
    assert follows.is_following(ada, thread) and follows.is_following(bea, thread)
    assert not follows.is_following(cem, thread)
    run_outbox()
    assert [n.kind for n in told(ada)] == ["discussion.reply"]  # the thread's author: a reply, not twice
    assert told(bea) == []
    later()
    services.reply(cem, thread, "and me")
    run_outbox()
    assert [n.kind for n in told(ada)] == ["discussion.reply", "discussion.reply"]
    assert [n.kind for n in told(bea)] == ["discussion.followed"]
    assert told(bea)[0].params == {"name": "Cem Çelik", "thread": "A question"}
    assert told(cem) == []  # never of one's own post


def test_an_unfollow_stays_after_posting_again(course, learners, run_outbox):
    ada, bea, cem = learners
    thread = forum_thread(course, ada)
    services.reply(bea, thread, "one")
    follows.set_following(bea, thread.id, False)
    services.reply(bea, thread, "two")
    assert not follows.is_following(bea, thread)
    later()
    services.reply(cem, thread, "three")
    run_outbox()
    assert told(bea) == []
    follows.set_following(bea, thread.id, True)
    follows.set_following(bea, thread.id, True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(Follow.user_id == bea.id)) == 1


def test_followers_who_blocked_the_poster_or_left_the_space_hear_nothing(course, learners, run_outbox):
    ada, bea, cem = learners
    dan = make_user(display_name="Dan Departed")
    enrol(dan, course)
    thread = forum_thread(course, ada)
    for person in (bea, dan):
        follows.set_following(person, thread.id, True)
    people.block(bea, cem.id)
    learning.leave_course(dan, course)
    later()
    services.reply(cem, thread, "hello")
    run_outbox()
    assert told(bea) == [] and told(dan) == []
    assert [n.kind for n in told(ada)] == ["discussion.reply"]


def test_a_mentioned_follower_hears_of_the_post_once(course, learners, run_outbox):
    ada, bea, cem = learners
    thread = forum_thread(course, ada)
    follows.set_following(bea, thread.id, True)
    later()
    services.reply(cem, thread, "what says @bea_barros?")
    run_outbox()
    assert [n.kind for n in told(bea)] == ["discussion.mention"]


def test_a_post_hidden_before_the_worker_runs_tells_no_follower(course, learners, run_outbox):
    ada, bea, cem = learners
    team = make_user("course_team", course=course)
    thread = forum_thread(course, ada)
    follows.set_following(bea, thread.id, True)
    later()
    post = services.reply(cem, thread, "spam")
    from moocplatform.discussion import moderation
    moderation.hide_post(team, post.id, "spam")
    run_outbox()
    assert told(bea) == []


def test_unit_comments_are_followed_by_choice(client, course, learners, run_outbox):
    ada, bea, cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "first")
    thread = db.session.get_one(Thread, post.thread_id)
    assert not follows.is_following(ada, thread)  # a comment's author hears of replies to it anyway
    log_in(client, bea)
    page = client.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert "Follow this thread" in page
    assert client.post(f"/discussion/threads/{thread.id}/follow").status_code == 302
    later()
    services.comment_on_unit(cem, course, "m1-u1", "second")
    run_outbox()
    assert [n.kind for n in told(bea)] == ["discussion.followed"]
    assert "Following" in client.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    client.post(f"/discussion/threads/{thread.id}/unfollow")
    assert not follows.is_following(bea, thread)


def test_conversations_have_no_followers_and_messages_no_likes(learners):
    ada, bea, _cem = learners
    space = services.open_private_space(ada, [bea])
    thread = queries.conversation_thread(space.id)
    message = services.send_message(ada, space, "hello @bea_barros")
    with pytest.raises(Conflict):
        reactions.like_post(bea, message.id)
    assert [n.kind for n in told(bea)] == ["discussion.message"]  # told once, as a message
    with pytest.raises(Conflict):
        follows.set_following(ada, thread.id, True)
    with pytest.raises(NotFound):
        follows.set_following(make_user(), thread.id, True)


# Accepted answers ---------------------------------------------------------------------------------------------

def test_the_asker_or_a_moderator_accepts_an_answer_in_help(client, course, learners):
    ada, bea, cem = learners
    team = make_user("course_team", course=course)
    question = forum_thread(course, ada, "How do I start?", "Help", category_key="help")
    answer = services.reply(bea, question, "Like this")
    other = services.reply(cem, question, "Or like that")
    with pytest.raises(PermissionDenied):
        reactions.accept_answer(cem, answer.id)
    with pytest.raises(Conflict):
        reactions.accept_answer(ada, reactions.opening_post_id(question.id))
    assert reactions.accept_answer(ada, answer.id).accepted_post_id == answer.id
    assert reactions.accept_answer(team, other.id).accepted_post_id == other.id
    log_in(client, ada)
    page = client.get(f"/discussion/threads/{question.id}").get_data(as_text=True)
    assert "Accepted answer" in page and "Not the answer" in page
    listing = client.get(f"/courses/{course.slug}/discussion/categories/{question.category_id}")
    assert "Answered" in listing.get_data(as_text=True)
    client.post(f"/discussion/threads/{question.id}/answer/clear")
    db.session.refresh(question)
    assert question.accepted_post_id is None
    with pytest.raises(NotFound):
        reactions.accept_answer(make_user(), answer.id)


def test_only_help_threads_have_accepted_answers(course, learners):
    ada, bea, _cem = learners
    thread = forum_thread(course, ada)
    reply = services.reply(bea, thread, "an answer")
    with pytest.raises(NotFound):
        reactions.accept_answer(ada, reply.id)


def test_an_accepted_answer_deleted_leaves_the_thread_without_one(course, learners):
    ada, bea, _cem = learners
    question = forum_thread(course, ada, "Q", "?", category_key="help")
    answer = services.reply(bea, question, "A")
    reactions.accept_answer(ada, answer.id)
    services.delete_own_post(bea, answer.id)  # by its author
    assert question.accepted_post_id is None
    again = services.reply(bea, question, "A again")
    reactions.accept_answer(ada, again.id)
    db.session.delete(again)  # or the row itself (a course's discussion removed)
    db.session.flush()
    db.session.refresh(question)
    assert question.accepted_post_id is None


# Personal data -------------------------------------------------------------------------------------------------

def test_likes_follows_and_notices_are_exported_and_erased(course, learners):
    from moocplatform.personal_data import export_user_data

    ada, bea, _cem = learners
    thread = forum_thread(course, ada)
    services.reply(bea, thread, "@ada_lovelace hi")
    reactions.like_post(bea, reactions.opening_post_id(thread.id))
    exported = export_user_data(bea)
    assert exported["discussion_likes"] and exported["discussion_follows"]
    assert export_user_data(ada)["discussion_post_notices"]
    erase_user(bea)
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Like).where(Like.user_id == bea.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(Follow.user_id == bea.id)) == 0


def test_no_handle_no_mention():
    course = make_course("no-handles")
    old = User(email="old@example.org", password_hash="x", display_name="Old Timer", created_at=clock.now(),
               email_verified_at=clock.now())
    db.session.add(old)
    db.session.flush()
    enrol(old, course)
    assert old.handle is None
    assert "<a" not in render_user_markdown("@old_timer", mentions={})


@pytest.mark.parametrize("target", ["/a\r\nSet-Cookie: x=1", "/\\evil.example", "\\\\evil.example",
                                    "//evil.example", "https://evil.example/", "javascript:alert(1)"])
def test_a_button_returns_only_to_a_plain_path_of_the_site(client, course, learners, target):
    ada, bea, _cem = learners
    post = services.comment_on_unit(ada, course, "m1-u1", "x")
    log_in(client, bea)
    response = client.post(f"/discussion/posts/{post.id}/like", data={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == f"/discussion/posts/{post.id}"
