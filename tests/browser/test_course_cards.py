"""The catalogue shows each pilot course's card image, decorative (empty alt), on a wide and a phone screen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PILOTS = ("learning-to-learn", "sense-of-initiative", "innovation-and-creativity")
# Other browser tests add courses of their own to the shared database: only the pilot courses' cards count here.
PILOT_CARDS = ", ".join(f'.course-card:has(a[href="/courses/{slug}"])' for slug in PILOTS)
IMAGES = """(selector) => [...document.querySelectorAll(selector)].map((card) => {
  const image = card.querySelector('img.card-image');
  return image && {alt: image.getAttribute('alt'), loaded: image.complete && image.naturalWidth > 0,
                   width: Math.round(image.getBoundingClientRect().width),
                   cardWidth: Math.round(card.getBoundingClientRect().width)};
})"""


@pytest.mark.parametrize("width", [1280, 360])
def test_every_pilot_course_card_shows_its_image(new_context, width, tmp_path):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto("/courses")
    expect(page.locator(PILOT_CARDS)).to_have_count(3)
    page.locator("img.card-image").last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every((i) => i.complete)")
    cards = page.evaluate(IMAGES, PILOT_CARDS)
    assert all(card and card["alt"] == "" and card["loaded"] for card in cards), cards
    assert all(card["width"] == card["cardWidth"] - 2 for card in cards), cards  # edge to edge inside the border
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(tmp_path / f"catalogue-{width}.png"), full_page=True)
    page.goto("/courses/sense-of-initiative")
    image = page.locator(".course-hero img.card-image")
    expect(image).to_have_attribute("alt", "")
    page.screenshot(path=str(tmp_path / f"course-{width}.png"))
