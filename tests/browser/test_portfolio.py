"""A learner writes a portfolio entry, shows it on the public page and publishes a link; a visitor with no
account opens the link in a fresh browser and sees the entry; once the learner withdraws the link it is gone.
Every page passes axe, and none is wider than a 360 px phone."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_discussion import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
SCREENSHOTS = os.environ.get("PORTFOLIO_SCREENSHOTS", "")  # a folder to keep screenshots in, when set


def _fits(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


def _shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_a_learner_publishes_an_entry_and_withdraws_the_link(new_context, live_server):
    learner = new_context(as_user="colearner").new_page()
    learner.goto("/portfolio")
    assert_accessible(learner)
    write = learner.get_by_role("region", name="Write an entry")
    write.get_by_label("Title").fill("My morning routine plan")
    write.get_by_label("Text").fill("I *planned* a routine and kept it for **three weeks**.")
    write.get_by_role("button", name="Save the entry").click()
    expect(learner.get_by_text("The entry is saved.")).to_be_visible()
    expect(learner.locator("strong", has_text="three weeks")).to_be_visible()
    assert_accessible(learner)
    _shoot(learner, "portfolio-entry-1280")

    learner.get_by_role("link", name="My portfolio").first.click()
    write = learner.get_by_role("region", name="Write an entry")
    write.get_by_label("Title").fill("A private reflection")
    write.get_by_label("Text").fill("Not for employers.")
    write.get_by_role("button", name="Save the entry").click()
    learner.get_by_role("link", name="My portfolio").first.click()

    public = learner.get_by_role("region", name="Your public page")
    public.get_by_label("Headline").fill("Care assistant in training")
    public.get_by_label("My morning routine plan").check()
    public.get_by_role("button", name="Save the public page").click()
    expect(learner.get_by_text("Your public page is saved.")).to_be_visible()
    learner.get_by_role("button", name="Publish a link").click()
    expect(learner.get_by_text("Your public page has a new address")).to_be_visible()
    address = learner.get_by_label("Your public page's address").input_value()
    assert "/p/mppf_" in address
    assert_accessible(learner)
    _shoot(learner, "portfolio-index-1280")
    learner.set_viewport_size(PHONE)
    _fits(learner)
    _shoot(learner, "portfolio-index-360")

    visitor = new_context().new_page()  # no account, no cookies
    visitor.goto(address)
    expect(visitor.get_by_role("heading", name="Care assistant in training")).to_be_visible()
    expect(visitor.get_by_role("heading", name="My morning routine plan")).to_be_visible()
    expect(visitor.get_by_text("A private reflection")).to_have_count(0)
    assert visitor.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
    assert "colearner@example.org" not in visitor.content()
    assert_accessible(visitor)
    _shoot(visitor, "portfolio-public-1280")
    visitor.set_viewport_size(PHONE)
    _fits(visitor)
    _shoot(visitor, "portfolio-public-360")

    learner.get_by_role("button", name="Withdraw the link").click()
    expect(learner.get_by_text("The link is withdrawn")).to_be_visible()
    _fits(learner)
    response = visitor.goto(address)
    assert response is not None and response.status == 410
    expect(visitor.get_by_role("heading", name="Portfolio not available")).to_be_visible()
    expect(visitor.get_by_text("My morning routine plan")).to_have_count(0)
    assert_accessible(visitor)
