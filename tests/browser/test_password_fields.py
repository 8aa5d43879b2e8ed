"""The "show password" toggle and the strength feedback, in a real browser, by keyboard."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_password_can_be_shown_and_hidden_again_with_the_keyboard(page: Page):
    page.goto("/login")
    password = page.get_by_label("Password", exact=True)
    toggle = page.get_by_role("button", name="Show password")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    password.fill("a secret passphrase")
    expect(password).to_have_attribute("type", "password")
    password.focus()
    page.keyboard.press("Tab")  # the toggle comes right after its field
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(password).to_have_value("a secret passphrase")


def test_the_strength_feedback_follows_what_is_typed(page: Page):
    page.goto("/register")
    password = page.get_by_label("Password", exact=True)
    feedback = page.locator("#password-strength")
    expect(feedback).to_be_hidden()
    password.focus()
    password.press_sequentially("tree frog")
    expect(feedback).to_contain_text("Too short: characters still needed: 3.")
    password.fill("")
    password.press_sequentially("password1234")  # long enough, but on the server's list
    expect(feedback).to_contain_text("This is one of the most common passwords: choose another.")
    password.fill("")
    password.press_sequentially("tree frog violin")
    expect(feedback).to_contain_text("Good: long and not a common password.")
    password.press_sequentially(" harbour")
    expect(feedback).to_contain_text("Strong.")
    # The confirmation field has a toggle of its own but no feedback.
    expect(page.get_by_role("button", name="Show password")).to_have_count(2)
    expect(page.locator("#confirm-strength")).to_have_count(0)
