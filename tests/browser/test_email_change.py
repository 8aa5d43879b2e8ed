"""Moving an account to another e-mail address in a real browser: asking on the account page, the link from
the mail opened while logged in, the confirmation, and logging in with the new address; no serious
accessibility violation on the pages met."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from moocplatform.extensions import db
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

AXE = Axe()
OLD, NEW = "moving@example.org", "moved@example.org"


def blocking_violations(page: Page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_moving_an_account_to_another_address(page: Page, live_server):
    with live_server.app.app_context():
        make_user(email=OLD, display_name="Mo Mover")
        db.session.commit()
        db.session.remove()
    log_in(page, OLD)

    page.goto("/account")
    page.get_by_role("link", name="change").click()
    expect(page).to_have_url(re.compile(r"/account/email$"))
    expect(page.get_by_role("link", name="E-mail address")).to_have_attribute("aria-current", "page")
    assert blocking_violations(page) == []
    page.get_by_label("New e-mail address").fill("not an address")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#new_email-error")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_label("New e-mail address").fill(NEW)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text(f"We sent a link to {NEW}.")).to_be_visible()
    expect(page.get_by_text(f"Waiting for confirmation: {NEW}.")).to_be_visible()
    assert blocking_violations(page) == []
    assert [m["Subject"] for m in live_server.mails_to(OLD)] == ["A new e-mail address was asked for"]

    page.goto(live_server.link_in_mail(NEW, "/account/email/confirm/"))
    expect(page.get_by_role("heading", level=1, name="Confirm your new e-mail address")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Use the new address").click()
    expect(page.get_by_text(f"Your e-mail address is now {NEW}.")).to_be_visible()
    expect(page.get_by_role("main").get_by_text(NEW, exact=True)).to_be_visible()
    assert blocking_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    log_in(page, NEW)
