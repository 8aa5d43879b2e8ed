"""A facilitator leads a group through content from anywhere: they create a programme and a cohort of it, add
an external item to its plan; a learner joins with the code, marks the item done, and the facilitator sees it
on the dashboard; the learner's held post waits in the cohort space's own moderation queue until the facilitator
approves it. Every page passes axe."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from moocplatform import clock
from moocplatform.catalog.models import Course
from moocplatform.extensions import db
from tests.browser.conftest import COURSE, shoot
from tests.browser.test_discussion import assert_accessible
from tests.conftest import START
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def people(live_server) -> None:
    """A facilitator of the seeded course ("guide") and a learner of no course at all ("reader")."""
    with live_server.app.app_context(), clock.frozen_at(START):
        course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE))
        live_server.user_ids["guide"] = make_user("facilitator", course=course, email="guide@example.org",
                                                  display_name="Gil Guide").id
        live_server.user_ids["reader"] = make_user(email="reader@example.org", display_name="Rae Reader").id
        db.session.commit()
        db.session.remove()


def test_a_facilitator_runs_a_programme_cohort_and_sees_the_learners_work(new_context, people):
    guide = new_context(as_user="guide").new_page()
    guide.goto("/programmes")
    guide.get_by_role("link", name="Create a programme").click()
    assert_accessible(guide)
    guide.get_by_label("Title").fill("Media literacy circle")
    guide.get_by_label("Web address").fill("media-literacy")
    guide.get_by_label("Description").fill("We read and watch open material on checking sources.")
    guide.get_by_label("Competences").fill("Checking sources, DigComp 1.2")
    guide.get_by_role("button", name="Create the programme").click()
    expect(guide.get_by_text("Programme created.")).to_be_visible()
    guide.get_by_role("link", name="Create a cohort").click()
    assert_accessible(guide)
    guide.get_by_label("Name").fill("Tuesday group")
    guide.get_by_label("Starts on").fill("2026-03-02")
    guide.get_by_label("Ends on").fill("2026-04-30")
    guide.get_by_label("Time zone").select_option("Europe/Berlin")
    guide.get_by_role("button", name="Create the cohort").click()
    expect(guide.get_by_text("Cohort created.")).to_be_visible()
    code = guide.get_by_text("Code:").inner_text().split("Code:")[1].split()[0]
    assert_accessible(guide)
    guide.get_by_role("link", name="The plan").first.click()
    guide.get_by_label("Title", exact=True).last.fill("Read: how to check a photo")
    guide.get_by_label("Web address").fill("https://example.org/check-a-photo")
    guide.get_by_label("Due", exact=False).fill("2026-03-09T18:00")
    guide.get_by_role("button", name="Add the item").click()
    expect(guide.get_by_text("Item added to the plan.")).to_be_visible()
    assert_accessible(guide)

    reader = new_context(as_user="reader").new_page()
    reader.goto("/programmes/media-literacy")
    expect(reader.get_by_role("link", name="Tuesday group")).to_be_visible()
    assert_accessible(reader)
    shoot(reader, "programme")
    reader.get_by_label("Have a cohort code?").fill(code.lower())
    reader.get_by_role("button", name="Join", exact=True).click()
    expect(reader.get_by_role("heading", name="Tuesday group")).to_be_visible()
    reader.get_by_role("button", name="Join the cohort").click()
    expect(reader.get_by_text("Welcome to Tuesday group.")).to_be_visible()
    reader.get_by_role("link", name="The plan").click()
    reader.get_by_role("button", name="Mark as done").click()
    expect(reader.get_by_role("button", name="Done: mark as not done")).to_be_visible()
    assert_accessible(reader)

    guide.goto(guide.url.replace("/plan", "/dashboard"))
    expect(guide.get_by_text("Read: how to check a photo: marked done by 1 of 1")).to_be_visible()
    expect(guide.get_by_role("row", name="Rae Reader")).to_contain_text("done")
    assert_accessible(guide)
    shoot(guide, "programme-dashboard")

    # The cohort's own discussion: a new member's post with a link waits in the space's own moderation queue
    # (a programme's cohort belongs to no course, so no course's queue lists it) until the facilitator approves.
    cohort_id = guide.url.split("/cohorts/")[1].split("/")[0]
    reader.goto(f"/cohorts/{cohort_id}")
    reader.get_by_role("link", name="The cohort's discussion").first.click()
    reader.get_by_label("Title").fill("A source checker")
    reader.get_by_label("Your post").fill("This one helped me: https://example.org/source-checker")
    reader.get_by_role("button", name="Start the thread").click()
    expect(reader.get_by_text("Your post waits for a moderator")).to_be_visible()
    guide.goto(f"/cohorts/{cohort_id}")
    guide.get_by_role("link", name="The cohort's discussion").first.click()
    guide.get_by_role("link", name="Moderation queue").click()
    held = guide.locator("#held")
    expect(held).to_contain_text("A source checker")
    assert_accessible(guide)
    shoot(guide, "programme-space-moderation")
    held.get_by_label("Why (for the audit log)").fill("A useful link")
    queue_url = guide.url
    held.get_by_role("button", name="Approve").click()
    expect(guide.get_by_text("The post is approved: everyone sees it now.")).to_be_visible()
    guide.goto(queue_url)
    expect(guide.locator("#held")).to_contain_text("No post waits for review.")

    # The facilitator announces to the cohort from its page; the learner reads it there.
    guide.goto(f"/cohorts/{cohort_id}")
    guide.get_by_label("Title", exact=True).fill("Tuesday call moved")
    guide.get_by_role("textbox", name="Announcement").fill("We meet at 19:00 this week.")
    guide.get_by_role("button", name="Announce").click()
    expect(guide.get_by_text("Tuesday call moved").first).to_be_visible()
    assert_accessible(guide)
    shoot(guide, "programme-cohort-announcements")
    reader.goto(f"/cohorts/{cohort_id}")
    expect(reader.get_by_text("Tuesday call moved").first).to_be_visible()
    assert_accessible(reader)
