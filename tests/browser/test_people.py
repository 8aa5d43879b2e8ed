"""Two cohort-mates who both show their profile and allow messages: one writes to the other from the profile,
the other finds it in Messages and answers; every page passes axe."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from moocplatform import clock
from moocplatform.accounts.services import require_user
from moocplatform.catalog.queries import course_with_live_version
from moocplatform.cohorts.services import join_cohort
from moocplatform.extensions import db
from tests.browser.conftest import COURSE
from tests.browser.test_accessibility import AXE, BLOCKING_IMPACTS, describe
from tests.conftest import START
from tests.factories import make_cohort, make_user

pytestmark = pytest.mark.browser


def assert_accessible(page: Page) -> None:
    blocking = [v for v in AXE.run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(f"axe found serious or critical violations on {page.url}:\n{describe(blocking)}")
    shots = os.environ.get("PEOPLE_SCREENSHOTS")  # to look at the pages by eye: a folder for the PNGs
    if shots:
        name = page.url.split("//", 1)[1].split("/", 1)[1].replace("/", "_") or "home"
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def share_profile(page: Page) -> None:
    page.goto("/account/public-profile")
    assert_accessible(page)
    page.get_by_label("Also people who share a course or cohort with you").check()
    page.get_by_label("Allow messages from cohort-mates and course-mates").check()
    page.get_by_label("Links").fill("https://example.org/portfolio")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your public profile is saved.")).to_be_visible()


def test_cohort_mates_write_to_each_other(new_context, live_server):
    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        cohort = make_cohort(course, make_user("facilitator", course=course), name="Tuesday group")
        for key in ("learner", "colearner"):
            join_cohort(require_user(live_server.user_ids[key]), cohort, course)
        cohort_id = cohort.id
        db.session.commit()
        db.session.remove()

    colearner = new_context(as_user="colearner").new_page()
    share_profile(colearner)
    learner = new_context(as_user="learner").new_page()
    share_profile(learner)

    learner.goto(f"/cohorts/{cohort_id}/people")
    assert_accessible(learner)
    learner.get_by_role("link", name="Casey Colearner").click()
    expect(learner.get_by_role("heading", name="Casey Colearner")).to_be_visible()
    assert_accessible(learner)
    learner.get_by_role("button", name="Message").click()
    learner.get_by_label("Your message").fill("Shall we meet before the **live session**?")
    learner.get_by_role("button", name="Send").click()
    expect(learner.locator("strong", has_text="live session")).to_be_visible()
    assert_accessible(learner)

    colearner.goto("/messages")
    conversation = colearner.get_by_role("link", name="Alex Learner")
    expect(colearner.get_by_text("new")).to_be_visible()
    assert_accessible(colearner)
    conversation.click()
    expect(colearner.get_by_text("Shall we meet before the")).to_be_visible()
    colearner.get_by_label("Your message").fill("Yes, at 17:30.")
    colearner.get_by_role("button", name="Send").click()
    expect(colearner.get_by_text("Yes, at 17:30.")).to_be_visible()
    assert_accessible(colearner)

    learner.goto("/messages")
    learner.get_by_role("link", name="Casey Colearner").click()
    expect(learner.get_by_text("Yes, at 17:30.")).to_be_visible()

    # A message reported to the administrators: they see it in their queue, and only there.
    colearner.get_by_text("Report", exact=True).first.click()
    colearner.get_by_label("What is wrong with this post?").first.fill("Not what I expected")
    colearner.get_by_role("button", name="Send the report").first.click()
    expect(colearner.get_by_text("the moderators will look at it")).to_be_visible()
    admin = new_context(as_user="admin").new_page()
    admin.goto("/admin/reports")
    expect(admin.get_by_text("Not what I expected")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Keep it").click()
    expect(admin.get_by_text("The message is kept.")).to_be_visible()
