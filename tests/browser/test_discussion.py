"""Discussing a unit in the browser: a learner comments under a discussion unit, another replies from the
thread page and the first sees the bell; every page passes axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import AXE, BLOCKING_IMPACTS, describe

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
