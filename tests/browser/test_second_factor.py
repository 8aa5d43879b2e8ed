"""Two-step log-in in a real browser: setting an authenticator app up from the account page, then logging in
with a code from it; no serious accessibility violation on the pages met."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from moocplatform import clock
from moocplatform.accounts import totp
from moocplatform.extensions import db
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

AXE = Axe()
EMAIL = "twostep@example.org"


def blocking_violations(page: Page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def log_in_with_password(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_setting_up_an_app_and_logging_in_with_its_code(page: Page, live_server):
    with live_server.app.app_context():
        make_user(email=EMAIL, display_name="Tove Twostep")
        db.session.commit()
        db.session.remove()
    log_in_with_password(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/account/second-factor")
    page.get_by_role("button", name="Set up two-step log-in").click()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    assert blocking_violations(page) == []
    secret = page.locator(".secret-key").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(totp.code_at(secret, clock.now()))
    page.get_by_role("button", name="Turn two-step log-in on").click()
    expect(page.get_by_text("Your account now asks for a code from your app at each log-in.")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    assert blocking_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    clock.advance(timedelta(seconds=30))  # a moment later: the code that confirmed the set-up is spent
    log_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/login/second-factor$"))
    expect(page.get_by_role("heading", level=1, name="Your code")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_label("Code").fill("000000" if totp.code_at(secret, clock.now()) != "000000" else "111111")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.locator("#code-error")).to_have_text("That code is not right.")
    assert blocking_violations(page) == []
    page.get_by_label("Code").fill(totp.code_at(secret, clock.now()))
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/my-learning$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
