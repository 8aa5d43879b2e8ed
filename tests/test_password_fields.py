"""Every password field has a "show password" toggle (ASVS 2.1.12), and every field that sets a new password
states the rules and carries the strength feedback, checked against the server's own list (ASVS 2.1.8). The
behaviour in a browser is in tests/browser/test_password_fields.py."""
from __future__ import annotations

import gzip
import html
import re

import pytest

from moocplatform.accounts.passwords import COMMON_PASSWORDS, common_passwords
from moocplatform.accounts.tokens import make_token, password_fingerprint
from tests.conftest import log_in
from tests.factories import make_user

PASSWORD_INPUT = re.compile(r'<input\b[^>]*\btype="password"[^>]*>')
TOGGLE = re.compile(r'<button\b[^>]*\bclass="[^"]*\bshow-password\b[^"]*"[^>]*>')
RULES = ("At least 12 characters; not one of the 10,000 most common passwords, nor your e-mail address or name.")


def attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def pages(client):
    """Every page with a password field, as the people who see it."""
    anonymous = {path: client.get(path).get_data(as_text=True) for path in ("/login", "/register")}
    user = make_user()
    fingerprint = password_fingerprint(f"{user.password_hash}\n{user.email}")  # as a mailed link carries
    token = make_token("reset-password", {"user": user.id, "pw": fingerprint})
    anonymous[f"/reset-password/{token}"] = client.get(f"/reset-password/{token}").get_data(as_text=True)
    log_in(client, user)
    signed_in = {path: client.get(path).get_data(as_text=True)
                 for path in ("/account/password", "/account/email", "/account/data", "/account/confirm-password")}
    return {**anonymous, **signed_in}


def test_every_password_field_has_a_show_password_toggle(client):
    for path, page in pages(client).items():
        inputs = PASSWORD_INPUT.findall(page)
        assert inputs, f"{path} has no password field"
        toggles = {attribute(tag, "aria-controls"): tag for tag in TOGGLE.findall(page)}
        for tag in inputs:
            toggle = toggles.get(attribute(tag, "id"))
            assert toggle is not None, f"{path}: no toggle for {tag}"
            assert 'type="button"' in toggle and 'aria-pressed="false"' in toggle  # a real toggle button
        assert page.count("Show password") == len(inputs), path


@pytest.mark.parametrize("path, new_fields", [("/register", ["password"]), ("/account/password", ["password"]),
                                              ("/login", []), ("/account/data", [])])
def test_fields_that_set_a_new_password_state_the_rules_and_carry_the_feedback(client, path, new_fields):
    if path.startswith("/account"):
        log_in(client, make_user())
    page = html.unescape(client.get(path).get_data(as_text=True))
    with_feedback = [attribute(tag, "id") for tag in PASSWORD_INPUT.findall(page) if "data-password-strength" in tag]
    assert with_feedback == new_fields  # never on the confirmation or current-password fields
    for field_id in new_fields:
        assert re.search(rf'id="{field_id}-help">{re.escape(RULES)}', page)
        [tag] = [tag for tag in PASSWORD_INPUT.findall(page) if attribute(tag, "id") == field_id]
        assert attribute(tag, "aria-describedby") == f"{field_id}-help {field_id}-strength"
        box = re.search(rf'<div class="password-strength" id="{field_id}-strength"[^>]*>', page).group(0)
        assert 'data-min-length="12"' in box and 'data-common-url="/password-rules/common-passwords.txt"' in box


def test_the_feedback_uses_the_list_the_server_checks_against(client):
    zipped = client.get("/password-rules/common-passwords.txt", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.get_data() == COMMON_PASSWORDS.read_bytes()
    plain = client.get("/password-rules/common-passwords.txt", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert set(plain.get_data(as_text=True).split()) == common_passwords()
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert plain.headers["Cache-Control"] == "public, max-age=86400"
