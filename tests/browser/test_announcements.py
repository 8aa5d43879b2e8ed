"""An announcement in the browser: the course team writes one on the announcements page (keyboard only), the
worker tells the enrolled learners, and a learner finds it by the bell, in their mail and on the course page;
every page passes axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_discussion import assert_accessible

pytestmark = pytest.mark.browser

COURSE = "/courses/learning-to-learn"


def test_the_course_team_announces_and_a_learner_hears_of_it(new_context, live_server):
    team = new_context(as_user="course_team").new_page()
    team.goto(f"{COURSE}/announcements")
    team.get_by_role("button", name="Announce").click()  # empty: the form says what is missing
    expect(team.locator(".error-summary")).to_be_focused()
    assert_accessible(team)
    team.get_by_label("Title").fill("Live session on Thursday")
    body = team.get_by_role("textbox", name="Announcement")
    body.fill("Join us at **18:00**: bring a question about <script>x</script> goals.")
    body.press("Tab")
    team.keyboard.press("Enter")  # the focus is on the Announce button
    expect(team.get_by_text("The announcement is made")).to_be_visible()
    expect(team.get_by_role("heading", name="Live session on Thursday")).to_be_visible()
    assert_accessible(team)

    mails = live_server.mails_to("learner@example.org")  # runs the worker's queued rows
    assert any("Live session on Thursday" in m["Subject"] for m in mails)
    learner = new_context(as_user="learner").new_page()
    learner.goto("/my-learning")
    learner.get_by_role("link", name="Notifications").click()
    learner.get_by_role("button", name="Announcement in", exact=False).first.click()
    expect(learner.get_by_role("heading", name="Live session on Thursday")).to_be_visible()
    expect(learner.locator("main strong", has_text="18:00")).to_be_visible()
    expect(learner.locator("main script")).to_have_count(0)
    assert_accessible(learner)
    learner.goto(COURSE)
    panel = learner.get_by_role("region", name="Announcements")
    expect(panel.get_by_role("link", name="Live session on Thursday")).to_be_visible()
    assert_accessible(learner)
