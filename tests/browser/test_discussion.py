"""Discussing a unit in the browser: a learner comments under a discussion unit, another replies from the
thread page and the first sees the bell; a learner mentions another, who sees the bell, likes and answers,
gets the daily summary and stops it from the mail's link; a moderator hides a reported post; a question in
the help category gets its accepted answer; a newcomer's link waits until the course team approves it. Every
page passes axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from moocplatform import clock
from moocplatform.catalog.queries import course_with_live_version
from moocplatform.extensions import db
from moocplatform.notifications.digests import send_digests
from tests.browser.conftest import COURSE
from tests.browser.test_accessibility import AXE, BLOCKING_IMPACTS, describe
from tests.conftest import START
from tests.factories import enrol, make_user

pytestmark = pytest.mark.browser

UNIT = "/courses/learning-to-learn/units/l2l-m1-discuss-learning-story"


def assert_accessible(page: Page) -> None:
    blocking = [v for v in AXE.run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(f"axe found serious or critical violations on {page.url}:\n{describe(blocking)}")


def test_two_learners_discuss_a_unit_and_the_first_hears_of_the_reply(new_context, live_server):
    learner = new_context(as_user="learner").new_page()
    learner.goto(UNIT)
    panel = learner.get_by_role("region", name="Discuss this step")
    panel.get_by_label("Your comment").fill("My story: I learned to swim at **forty**.")
    panel.get_by_role("button", name="Post").click()
    expect(learner.get_by_text("Your comment is posted.")).to_be_visible()
    expect(panel.locator("strong", has_text="forty")).to_be_visible()
    assert_accessible(learner)

    colearner = new_context(as_user="colearner").new_page()
    colearner.goto("/courses/learning-to-learn/discussion")
    assert_accessible(colearner)
    colearner.get_by_role("link", name="Your learning story", exact=False).first.click()
    expect(colearner.get_by_text("I learned to swim at")).to_be_visible()
    assert_accessible(colearner)
    colearner.get_by_text("Reply", exact=True).first.click()
    colearner.get_by_label("Your reply").first.fill("Never too late!")
    colearner.get_by_role("button", name="Reply", exact=True).first.click()
    expect(colearner.get_by_text("Never too late!")).to_be_visible()

    learner.goto("/my-learning")
    bell = learner.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(learner.get_by_text("Casey Colearner replied")).to_be_visible()
    assert_accessible(learner)
    learner.get_by_role("link", name="Choose how you are told").click()
    assert_accessible(learner)


MENTION_UNIT = "/courses/learning-to-learn/units/l2l-m1-goals-plans"


def _learners(live_server, *people: tuple[str, str, str]) -> None:
    """Accounts of this test's own, enrolled in the course, that the browser logs in as."""
    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        for key, email, name in people:
            user = make_user(email=email, display_name=name)
            enrol(user, course)
            live_server.user_ids[key] = user.id
        db.session.commit()
        db.session.remove()


def test_a_mention_reaches_the_bell_and_the_daily_summary_and_a_moderator_hides_a_report(new_context, live_server):
    _learners(live_server, ("mina", "mina@example.org", "Mina Mentioner"), ("noor", "noor@example.org", "Noor Named"))
    noor = new_context(as_user="noor").new_page()
    noor.goto("/account/public-profile")  # Noor shows her profile, so the mention links to it
    noor.get_by_label("Also people who share a course or cohort with you").check()
    noor.get_by_role("button", name="Save").click()
    noor.goto("/notifications/preferences")  # and wants mentions in the daily summary
    noor.get_by_role("group", name="Mentions of you").get_by_label("Daily summary").check()
    noor.get_by_role("button", name="Save").click()
    expect(noor.get_by_text("Your choices are saved.")).to_be_visible()

    mina = new_context(as_user="mina").new_page()
    mina.goto(MENTION_UNIT)
    panel = mina.get_by_role("region", name="Discuss this step")
    panel.get_by_label("Your comment").fill("My goal: read one paper a week. What is yours, @noor_named?")
    panel.get_by_role("button", name="Post", exact=True).click()
    expect(mina.get_by_text("Your comment is posted.")).to_be_visible()
    mention = panel.get_by_role("link", name="@noor_named")
    expect(mention).to_have_attribute("href", f"/people/{live_server.user_ids['noor']}")
    assert_accessible(mina)

    noor.goto("/my-learning")
    bell = noor.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(noor.get_by_text("Mina Mentioner mentioned you")).to_be_visible()
    assert_accessible(noor)
    noor.get_by_role("button", name="Mina Mentioner mentioned you", exact=False).click()  # opens the post
    expect(noor.get_by_text("read one paper a week")).to_be_visible()
    noor.get_by_role("button", name="Like the post by Mina Mentioner").click()
    expect(noor.get_by_text("1 like")).to_be_visible()
    noor.get_by_text("Reply", exact=True).first.click()
    noor.get_by_label("Your reply").first.fill("Mine: one chapter of statistics a week.")
    noor.get_by_role("button", name="Reply", exact=True).first.click()
    expect(noor.get_by_text("one chapter of statistics")).to_be_visible()
    assert_accessible(noor)

    with live_server.app.app_context():  # the scheduler's hourly job
        assert send_digests() >= 1
        db.session.remove()
    [summary] = [m for m in live_server.mails_to("noor@example.org") if "daily summary" in m["Subject"]]
    assert "Mina Mentioner mentioned you" in summary.get_content()
    assert summary["List-Unsubscribe"]
    stop = live_server.link_in_mail("noor@example.org", "/notifications/unsubscribe/")
    noor.goto(stop)
    noor.get_by_role("button", name="Stop these e-mails").click()
    expect(noor.get_by_role("status")).to_contain_text("You will get no more of these e-mails")
    assert_accessible(noor)
    noor.goto("/notifications/preferences")
    expect(noor.get_by_role("group", name="Mentions of you").get_by_label("On the site")).to_be_checked()

    # Noor reports Mina's comment; the course team hides it from the queue, and learners no longer see it.
    noor.goto(MENTION_UNIT)
    noor.get_by_role("link", name="Reply to comments").click()
    noor.get_by_text("Report", exact=True).first.click()
    noor.get_by_label("What is wrong with this post?").first.fill("Off topic")
    noor.get_by_role("button", name="Send the report").first.click()
    expect(noor.get_by_text("the moderators will look at it")).to_be_visible()
    team = new_context(as_user="course_team").new_page()
    team.goto("/courses/learning-to-learn/discussion/moderation")
    expect(team.get_by_text("Off topic")).to_be_visible()
    assert_accessible(team)
    item = team.locator("article.queue-item", has_text="read one paper a week")
    item.get_by_label("Why").first.fill("Reported and off topic")
    item.get_by_role("button", name="Hide").click()
    expect(team.get_by_text("The post is hidden.")).to_be_visible()
    noor.goto(MENTION_UNIT)
    expect(noor.get_by_text("read one paper a week")).to_have_count(0)
    expect(noor.get_by_text("one chapter of statistics")).to_have_count(0)  # its replies go with it

    # A question in the help category: Noor follows it by asking, Mina answers, Noor accepts the answer.
    noor.goto("/courses/learning-to-learn/discussion")
    noor.get_by_role("table").get_by_role("link", name="Help", exact=True).click()
    assert_accessible(noor)
    noor.get_by_label("Title").fill("How long should a review session be?")
    noor.get_by_label("Your post").fill("I never know when to stop.")
    noor.get_by_role("button", name="Start the thread").click()
    expect(noor.get_by_role("button", name="Following")).to_be_visible()
    question = noor.url
    mina.goto(question)
    mina.get_by_label("Your comment").fill("Twenty minutes, then a short break.")
    mina.get_by_role("button", name="Post", exact=True).click()
    expect(mina.get_by_text("Twenty minutes")).to_be_visible()
    noor.goto(question)
    noor.get_by_role("button", name="Accept as the answer").click()
    expect(noor.get_by_text("The answer is marked.")).to_be_visible()
    expect(noor.locator("article", has_text="Twenty minutes").get_by_text("Accepted answer")).to_be_visible()
    assert_accessible(noor)
    noor.goto("/courses/learning-to-learn/discussion")
    noor.get_by_role("table").get_by_role("link", name="Help", exact=True).click()
    expect(noor.locator(".thread-list li", has_text="How long should a review session be?")
           .get_by_text("Answered")).to_be_visible()



LINK_UNIT = "/courses/learning-to-learn/units/l2l-m1-why-learn"


def test_a_newcomers_link_waits_for_a_moderator_who_approves_it(new_context, live_server):
    """A learner with no published post shares a link: it waits, marked, unseen by others, until the course
    team approves it from the queue; then everyone sees it."""
    _learners(live_server, ("lena", "lena@example.org", "Lena Linker"), ("omar", "omar@example.org", "Omar Other"))
    lena = new_context(as_user="lena").new_page()
    lena.goto(LINK_UNIT)
    panel = lena.get_by_role("region", name="Discuss this step")
    panel.get_by_label("Your comment").fill("A planner I like: https://example.org/weekly-planner")
    panel.get_by_role("button", name="Post", exact=True).click()
    expect(lena.get_by_text("Your post waits for a moderator")).to_be_visible()
    expect(panel.get_by_text("Awaiting review")).to_be_visible()
    assert_accessible(lena)

    omar = new_context(as_user="omar").new_page()
    omar.goto(LINK_UNIT)
    expect(omar.get_by_text("weekly-planner")).to_have_count(0)

    team = new_context(as_user="course_team").new_page()
    team.goto("/courses/learning-to-learn/discussion/moderation")
    held = team.get_by_role("region", name="Held for review")
    expect(held).to_contain_text("waits for review")
    assert_accessible(team)
    item = held.locator("article.queue-item", has_text="weekly-planner")
    item.get_by_label("Why").first.fill("A useful link")
    item.get_by_role("button", name="Approve").click()
    expect(team.get_by_text("The post is approved")).to_be_visible()
    omar.goto(LINK_UNIT)
    expect(omar.get_by_role("link", name="https://example.org/weekly-planner")).to_be_visible()
    lena.goto("/my-learning")
    expect(lena.get_by_role("link", name="Notifications")).to_contain_text("1")


MUTED_UNIT = "/courses/learning-to-learn/units/l2l-m1-why-learn"


def _mute(live_server, learner_key: str, reason: str) -> int:
    """A comment by the learner under MUTED_UNIT, then the course team mutes them for three days; the thread."""
    from moocplatform.accounts.models import User
    from moocplatform.discussion import mutes, services

    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        learner = db.session.get_one(User, live_server.user_ids[learner_key])
        team = db.session.get_one(User, live_server.user_ids["course_team"])
        post = services.comment_on_unit(learner, course, "l2l-m1-why-learn", "Nobody here knows anything.")
        mutes.mute_learner(team, course.id, learner, 3, reason)
        db.session.commit()
        thread_id = post.thread_id
        db.session.remove()
    return thread_id


def test_a_muted_learner_reads_why_instead_of_a_comment_box(new_context, live_server):
    """Where a muted learner would write, the page says until when, why and whom to ask; there is no form to
    fill in, and the page still passes axe and fits a phone."""
    from tests.browser.test_small_screens import PHONE, overflow

    _learners(live_server, ("milo", "milo@example.org", "Milo Muted"))
    thread_id = _mute(live_server, "milo", "Rude replies to other learners")
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        milo = new_context(as_user="milo", viewport=viewport).new_page()
        for path in (MUTED_UNIT, f"/discussion/threads/{thread_id}", "/courses/learning-to-learn/discussion"):
            milo.goto(path)
            notice = milo.locator(".muted-notice")
            expect(notice).to_contain_text("You can't post in this course's discussions until")
            expect(notice).to_contain_text("Rude replies to other learners")
            expect(notice.get_by_role("link", name="Open your messages")).to_be_visible()
            expect(milo.get_by_label("Your comment")).to_have_count(0)
            expect(milo.get_by_role("button", name="Like", exact=False)).to_have_count(0)
            assert overflow(milo) is None
            assert_accessible(milo)
