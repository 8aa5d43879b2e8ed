"""Notifications: kinds, channels, the bell, mails through the real outbox in the recipient's language, the
daily digest (once), and unsubscribe links from the token service."""
import pytest
import sqlalchemy as sa

from moocplatform.discussion import services
from moocplatform.discussion.models import Thread
from moocplatform.extensions import db
from moocplatform.notifications import digests
from moocplatform.notifications import services as notifications
from moocplatform.notifications.models import Notification, NotificationDigest
from moocplatform.notifications.queries import preferences_of, unread_count
from moocplatform.personal_data import erase_user, export_user_data
from tests.conftest import log_in
from tests.discussion_helpers import make_discussion_course
from tests.factories import enrol, make_user


@pytest.fixture()
def course():
    return make_discussion_course()


@pytest.fixture()
def pair(course):
    author, replier = make_user(display_name="Ann Author"), make_user(display_name="Rémi Replier")
    enrol(author, course)
    enrol(replier, course)
    return author, replier


def reply_to(author, replier, course, text="An answer"):
    post = services.comment_on_unit(author, course, "m1-u1", "A question")
    thread = db.session.get(Thread, post.thread_id)
    return services.reply(replier, thread, text, parent_id=post.id)


def test_a_reply_tells_the_author_by_mail_with_an_unsubscribe_link(course, pair, outbox, client):
    author, replier = pair
    reply_to(author, replier, course)
    reply_to(replier, replier, course)  # nobody is told of their own posts
    assert unread_count(author) == 1 and unread_count(replier) == 0
    messages = [m for m in outbox.messages if m["To"] == author.email]
    assert len(messages) == 1
    assert messages[0]["Subject"] == "Rémi Replier replied in “Unit 1.1 (m1-u1)”"
    link = outbox.last_link("/notifications/unsubscribe/")
    # The mail program's own button (RFC 8058): the address in the header, posted with the one-click body.
    assert messages[0]["List-Unsubscribe"] == f"<http://learn.test{link}>"
    assert messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.get(link).status_code == 200
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # no session, no form token
    assert preferences_of(author.id)["discussion.reply"] == "in_app"
    reply_to(author, replier, course, "Second answer")
    assert len([m for m in outbox.messages if m["To"] == author.email]) == 1  # told on the site only
    assert unread_count(author) == 2
    assert client.post(link).status_code == 200  # a used link still answers


def test_mail_is_written_in_the_recipients_language(course, pair, outbox):
    author, replier = pair
    author.locale = "fr"
    db.session.flush()
    reply_to(author, replier, course)
    message = next(m for m in outbox.messages if m["To"] == author.email)
    assert "Rémi Replier" in message["Subject"]
    assert message.get_content() != ""  # rendered by the worker, in the recipient's locale


def test_a_kind_turned_off_tells_nothing(course, pair, outbox):
    author, replier = pair
    notifications.set_preferences(author, author, {"discussion.reply": "off"})
    reply_to(author, replier, course)
    assert unread_count(author) == 0 and outbox.messages == []


def test_nobody_changes_anothers_preferences(pair):
    author, replier = pair
    from moocplatform.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        notifications.set_preferences(replier, author, {"discussion.reply": "off"})


def test_the_digest_goes_once_a_day_with_everything_waiting(course, pair, outbox, client):
    author, replier = pair
    notifications.set_preferences(author, author, {"discussion.reply": "digest"})
    reply_to(author, replier, course, "one")
    reply_to(author, replier, course, "two")
    assert outbox.messages == []  # nothing at once
    assert digests.send_digests() == 1
    assert digests.send_digests() == 0  # run again the same day: nothing more
    mails = [m for m in outbox.messages if m["To"] == author.email]
    assert len(mails) == 1 and "2 new notifications" in mails[0]["Subject"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationDigest)) == 1
    link = outbox.last_link("/notifications/unsubscribe/")
    assert mails[0]["List-Unsubscribe"] == f"<http://learn.test{link}>"
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.post(link).status_code == 200
    assert preferences_of(author.id)["discussion.reply"] == "in_app"


def test_the_digest_job_is_scheduled(app):
    from moocplatform.jobs import registered_jobs
    assert "send-notification-digests" in [job.name for job in registered_jobs(app)]


def test_the_bell_and_the_page(client, course, pair):
    author, replier = pair
    reply_to(author, replier, course)
    log_in(client, author)
    page = client.get("/my-learning")
    assert '<span class="badge">1' in page.text
    listing = client.get("/notifications")
    assert "Rémi Replier replied" in listing.text
    row = db.session.scalar(sa.select(Notification).where(Notification.user_id == author.id))
    opened = client.post(f"/notifications/{row.id}/open")
    assert opened.status_code == 302 and "/discussion/posts/" in opened.headers["Location"]
    assert unread_count(author) == 0
    log_in(client, replier)
    assert client.post(f"/notifications/{row.id}/open").status_code == 404


def test_the_bell_is_one_query_whatever_the_number_of_notifications(client, course, pair, count_queries):
    author, replier = pair
    log_in(client, author)

    def counted() -> int:
        client.get("/my-learning")
        with count_queries() as statements:
            client.get("/my-learning")
        return len(statements)

    small = counted()
    for n in range(12):
        notifications.notify(author, "discussion.reply", {"name": "X", "thread": str(n)}, link="/notifications")
    assert counted() == small


def test_preferences_page_saves_choices(client, pair):
    author, _replier = pair
    log_in(client, author)
    assert "Replies to your posts" in client.get("/notifications/preferences").text
    from moocplatform.notifications.kinds import registered_notification_kinds

    chosen = {"discussion.reply": "digest", "discussion.moderation": "off", "discussion.message": "in_app"}
    others = {kind.name: "in_app" for kind in registered_notification_kinds() if kind.name not in chosen}
    response = client.post("/notifications/preferences", data={**chosen, **others})
    assert response.status_code == 302
    assert preferences_of(author.id) == {**chosen, **others}


def test_a_hidden_post_tells_its_author(course, pair):
    author, _replier = pair
    from moocplatform.discussion.moderation import hide_post
    post = services.comment_on_unit(author, course, "m1-u1", "Oops")
    hide_post(make_user("course_team", course=course), post.id, "off topic")
    row = db.session.scalar(sa.select(Notification).where(Notification.user_id == author.id))
    assert row.kind == "discussion.moderation" and row.params["hidden"] is True


# Personal data -----------------------------------------------------------------------------------------

def test_export_has_posts_and_notifications_and_erasure_keeps_threads_readable(course, pair):
    author, replier = pair
    answer = reply_to(author, replier, course, "Kept after erasure")
    data = export_user_data(replier)
    assert [p["body_source"] for p in data["discussion_posts"]] == ["Kept after erasure"]
    assert "request_key" not in data["discussion_posts"][0]
    assert len(export_user_data(author)["notifications"]) == 1
    erase_user(author)
    erase_user(replier)
    db.session.refresh(answer)
    assert answer.author_id is None and answer.body_source == "Kept after erasure"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_the_bell_count_is_kept_on_the_user_row(client, course, pair, count_queries):
    from moocplatform.accounts.models import User
    from moocplatform.notifications.queries import counted_unread

    author, replier = pair

    def kept() -> int:
        db.session.expire_all()
        return db.session.get(User, author.id).unread_notifications

    for n in range(3):
        reply_to(author, replier, course, f"answer {n}")
    assert kept() == 3 == counted_unread(author.id)
    first = db.session.scalars(sa.select(Notification).where(Notification.user_id == author.id)
                               .order_by(Notification.id)).first()
    notifications.open_notification(author, first.id)
    notifications.open_notification(author, first.id)  # read once
    assert kept() == 2 == counted_unread(author.id)
    assert notifications.mark_all_read(author) == 2
    assert kept() == 0 == counted_unread(author.id)
    reply_to(author, replier, course, "one more")
    assert kept() == 1
    log_in(client, author)
    client.get("/my-learning")
    with count_queries() as statements:
        page = client.get("/my-learning")
    assert '<span class="badge">1' in page.text
    assert not [s for s in statements if "from notifications" in s.lower()]  # the bell costs no query
    assert client.post("/notifications/read").status_code == 302
    assert kept() == 0
    reply_to(author, replier, course, "and another")
    erase_user(author)
    db.session.flush()
    assert kept() == 0
