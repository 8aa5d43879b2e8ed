"""A security key in a real browser: Chromium's virtual authenticator (over the DevTools protocol) registers a
key from the account page through security-keys.js, then answers the log-in's second step; no serious
accessibility violation on the pages met. WebAuthn needs a secure context and a domain for its relying party:
the page is served as http://localhost (a secure context), and PUBLIC_BASE_URL says so for the test."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from moocplatform.accounts import security_keys
from moocplatform.accounts.models import User
from moocplatform.extensions import db
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

AXE = Axe()
EMAIL = "keyholder@example.org"
NOT_THIS_SERVER = re.compile(r"^(?!http://localhost[:/]|data:|about:|blob:)")


def blocking_violations(page: Page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def log_in_with_password(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


@pytest.fixture()
def localhost(live_server, monkeypatch) -> str:
    url = f"http://localhost:{urlsplit(live_server.url).port}"
    monkeypatch.setitem(live_server.app.config, "PUBLIC_BASE_URL", url)
    return url


def test_registering_a_security_key_and_logging_in_with_it(browser: Browser, live_server, localhost):
    with live_server.app.app_context():
        make_user(email=EMAIL, display_name="Kai Keyholder")
        db.session.commit()
        db.session.remove()
    context = browser.new_context(base_url=localhost)
    context.set_default_timeout(TIMEOUT_MS)
    context.route(NOT_THIS_SERVER, lambda route: route.abort())
    server_errors: list[str] = []
    context.on("response", lambda r: server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True}})["authenticatorId"]

        log_in_with_password(page)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        page.goto("/account/second-factor")
        page.get_by_label("Name of the key").fill("Laptop passkey")
        page.get_by_role("button", name="Add a security key").click()
        # The script found WebAuthn: the note about it gives way to the button that asks the key.
        expect(page.get_by_text("Security keys need JavaScript")).to_be_hidden()
        assert blocking_violations(page) == []
        page.get_by_role("button", name="Register the key").click()
        expect(page.get_by_text("The security key “Laptop passkey” now logs you in after your password.")) \
            .to_be_visible()
        expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
        assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
        page.goto("/account/second-factor")
        expect(page.get_by_text("Laptop passkey", exact=True)).to_be_visible()
        assert blocking_violations(page) == []

        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You are logged out.")).to_be_visible()
        log_in_with_password(page)
        expect(page).to_have_url(re.compile(r"/login/second-factor$"))
        expect(page.get_by_role("heading", level=2, name="With your security key")).to_be_visible()
        expect(page.get_by_label("Code")).to_be_visible()  # the app's codes and recovery codes stay available
        assert blocking_violations(page) == []
        page.get_by_role("button", name="Use my security key").click()
        expect(page).to_have_url(re.compile(r"/my-learning$"))
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        context.close()
    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == EMAIL))
        keys = security_keys.keys_of(user)
        assert [k.name for k in keys] == ["Laptop passkey"] and keys[0].last_used_at is not None
        db.session.remove()
    assert server_errors == []
