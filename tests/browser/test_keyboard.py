"""Keyboard-only use: the skip link, and completing a unit without a mouse."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

UNIT = "/courses/learning-to-learn/units/l2l-m1-goals-plans"  # for enrolled learners
PREVIEW_UNIT = "/courses/learning-to-learn/units/l2l-m1-why-learn"
MAX_TABS = 150


def _focused(page: Page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || "").trim(),
                className: el.className, outline: getComputedStyle(el).outlineStyle};
    }""")


@pytest.mark.parametrize("path", ["/", PREVIEW_UNIT, "/login"], ids=["catalogue", "unit", "login"])
def test_skip_link_is_first_and_moves_focus_to_main(page: Page, path):
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then shown
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside main, not back at the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_unit_can_be_completed_with_the_keyboard_only(new_context, live_server):
    page = new_context(as_user="keyboard").new_page()
    page.goto(UNIT)
    title = page.get_by_role("heading", level=1).inner_text()
    complete = page.get_by_role("button", name=re.compile(r"^Mark as complete"))
    expect(complete).to_be_visible()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if complete.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError(f"{MAX_TABS} presses of Tab never reached the button; focus is on {_focused(page)}")
    focused = _focused(page)
    assert focused["outline"] != "none", f"the focused button shows no focus outline: {focused}"

    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(re.escape(UNIT) + "$"))  # on to the next unit
    done = page.get_by_role("complementary", name="Course outline").locator(".outline-unit.is-done")
    expect(done).to_have_count(1)
    expect(done).to_contain_text(title)

    # Back on the unit, the state is announced and can be undone with the keyboard (Space this time).
    page.goto(UNIT)
    expect(page.get_by_text("You completed this unit.")).to_be_visible()
    undo = page.get_by_role("button", name="Mark as not complete")
    undo.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name=re.compile(r"^Mark as complete"))).to_be_visible()
    expect(page.get_by_role("complementary", name="Course outline").locator(".outline-unit.is-done")).to_have_count(0)
