"""The learner's journey end to end, through the pages only: register, confirm, find a course, enrol, learn."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "journey@example.org"
NAME = "Jo Journey"


def _progress_value(where: Page | Locator) -> float:
    return float(where.locator("progress").first.get_attribute("value") or 0)


def test_learner_registers_enrols_completes_a_unit_and_comes_back(page: Page, live_server):
    # Register through the form.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", level=1, name="Create your account")).to_be_visible()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Display name").fill(NAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("I accept the terms of use.").check()
    page.get_by_label("I have read the privacy notice.").check()
    page.get_by_label("I am 16 years old or older.").check()
    page.get_by_role("main").get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/register/check-email$"))

    # Confirm the address with the link from the mail: that logs the new learner in and opens the catalogue.
    link = live_server.link_in_mail(EMAIL, "/verify/")
    page.goto(link)
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Courses")).to_be_visible()

    # Find the course in the catalogue.
    page.get_by_label("Search").fill("learning")
    page.get_by_role("button", name="Show courses").click()
    expect(page).to_have_url(re.compile(r"[?&]q=learning"))
    page.get_by_role("link", name="Learning to learn", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Learning to learn")).to_be_visible()

    # Enrol: the first unit opens.
    page.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_text("You are enrolled in Learning to learn.")).to_be_visible()
    first_unit = page.get_by_role("heading", level=1).inner_text()
    first_unit_url = page.url
    expect(page.locator(".prose p").first).to_be_visible()
    assert _progress_value(page) == 0

    # Mark it complete: the next unit opens and the outline shows the first one as done.
    page.get_by_role("button", name=re.compile(r"^Mark as complete")).click()
    expect(page).not_to_have_url(first_unit_url)
    second_unit = page.get_by_role("heading", level=1).inner_text()
    assert second_unit != first_unit
    outline = page.get_by_role("complementary", name="Course outline")
    expect(outline.locator(".outline-unit.is-done")).to_have_count(1)
    expect(outline.locator(".outline-unit.is-done")).to_contain_text(first_unit)
    assert _progress_value(page) > 0

    # The course page and My learning show the progress.
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Learning to learn").click()
    expect(page.get_by_role("heading", level=1, name="Learning to learn")).to_be_visible()
    assert _progress_value(page) > 0
    expect(page.get_by_role("link", name="Continue where you left off")).to_be_visible()
    page.wait_for_load_state()  # the whole outline is there to count
    unit_count = page.locator(".outline-unit").count()
    assert unit_count > 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    card = page.locator(".course-card").filter(has_text="Learning to learn")
    expect(card.get_by_text(f"1 of {unit_count} units complete")).to_be_visible()
    assert _progress_value(card) > 0
    expect(card.locator(".progress-text")).to_have_text(re.compile(r"^[1-9]\d*% complete$"))

    # Log out, and log in again through the form.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/my-learning")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="My learning")).to_be_visible()

    # "Continue where you left off" leads back to the unit last opened.
    card = page.locator(".course-card").filter(has_text="Learning to learn")
    expect(card.get_by_text(f"1 of {unit_count} units complete")).to_be_visible()
    card.get_by_role("link", name=re.compile(r"^Continue where you left off")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second_unit)

