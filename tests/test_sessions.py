"""Server-side sessions: a cookie names a session row, and log-out, a password change or reset, a suspension and
the account page end sessions for good; remembered devices rotate their key and notice a stolen copy."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login.utils import encode_cookie

from moocplatform import clock, create_app
from moocplatform.accounts import services
from moocplatform.accounts.devices import device_label
from moocplatform.accounts.models import User, UserSession
from moocplatform.accounts.sessions import key_hash, purge_expired_sessions, revoke_credentials, start_session
from moocplatform.accounts.throttling import LoginSource
from moocplatform.admin.services import suspend_user
from moocplatform.audit import AuditEntry
from moocplatform.extensions import db
from moocplatform.personal_data import export_user_data
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a fine long passphrase"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def signed_in(client) -> bool:
    response = client.get("/my-learning")
    return response.status_code == 200


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def client_with_cookie(app, value: str, name: str = "session"):
    """Another browser holding a copy of a cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def form_log_in(client, email, *, remember=False, user_agent=FIREFOX_LINUX):
    data = {"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    response = client.post("/login", data=data, headers={"User-Agent": user_agent})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def rows_of(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.id)))


# Device labels ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user_agent", "label"), [
    (FIREFOX_LINUX, "Firefox on Linux"),
    (SAFARI_IPHONE, "Safari on iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36 Edg/126.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile "
     "Safari/537.36", "Chrome on Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
     "Safari/605.1.15", "Safari on macOS"),
    ("curl/8.5.0", "Unknown device"),
    ("", "Unknown device"),
    (None, "Unknown device"),
])
def test_device_labels(user_agent, label):
    assert device_label(user_agent) == label


# Log-in and log-out ----------------------------------------------------------------------------------------

def test_log_in_creates_a_session_row_named_by_the_cookie(client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org")
    row, = rows_of(user)
    assert (row.device, row.created_at, row.last_seen_at, row.remember) == (
        "Firefox on Linux", clock.now(), clock.now(), False)
    assert row.expires_at == clock.now() + timedelta(minutes=30)
    assert row.auth_version == user.auth_version == 0
    assert len(row.key_hash) == 64  # only the key's hash is stored
    assert signed_in(client)


def test_a_cookie_without_a_session_row_signs_nobody_in(app, client):
    user = make_user()
    with client.session_transaction() as session:  # what Flask-Login alone used to accept
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not signed_in(client)
    with client.session_transaction() as session:
        session["_sid"], session["_av"] = "guessed-key", 0
    assert not signed_in(client)


def test_session_cookie_replayed_after_log_out_no_longer_works(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org")
    copied = session_cookie(client)
    assert client.post("/logout").status_code == 302
    assert rows_of(user) == []
    assert not signed_in(client)
    assert not signed_in(client_with_cookie(app, copied))


def test_an_expired_session_ends_and_use_keeps_it_alive(client):
    user = make_user()
    log_in(client, user)
    clock.advance(timedelta(minutes=29))
    assert signed_in(client)  # seen again: expires 30 minutes from now
    row, = rows_of(user)
    assert row.last_seen_at == clock.now()
    assert row.expires_at == clock.now() + timedelta(minutes=30)
    clock.advance(timedelta(minutes=30, seconds=1))
    assert not signed_in(client)


def test_a_session_in_constant_use_ends_twelve_hours_after_its_log_in(client):
    user = make_user()
    log_in(client, user)
    for _ in range(12 * 3 - 1):
        clock.advance(timedelta(minutes=20))
        assert signed_in(client)
    row, = rows_of(user)
    assert row.expires_at == row.created_at + timedelta(hours=12)  # not 30 minutes from the last use
    clock.advance(timedelta(minutes=20))
    assert not signed_in(client)


def test_the_session_lifetimes_are_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", 10 * 60)
    monkeypatch.setitem(app.config, "SESSION_MAX_LIFETIME", 3600)
    user = make_user()
    log_in(client, user)
    clock.advance(timedelta(minutes=9))
    assert signed_in(client)
    clock.advance(timedelta(minutes=11))
    assert not signed_in(client)


def test_the_log_in_form_says_how_long_each_kind_of_session_lasts(client):
    page = text(client.get("/login"))
    assert "Keep me logged in on this device for 30 days" in page
    assert "you are logged out after 30 minutes without activity, and 12 hours after logging in at the latest" \
        in page


def test_last_seen_is_written_at_most_once_a_minute(client, count_queries):
    user = make_user()
    log_in(client, user)
    clock.advance(timedelta(seconds=30))
    with count_queries() as quiet:
        assert signed_in(client)
    assert rows_of(user)[0].last_seen_at == clock.now() - timedelta(seconds=30)
    clock.advance(timedelta(seconds=40))
    with count_queries() as touching:
        assert signed_in(client)
    assert rows_of(user)[0].last_seen_at == clock.now()
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in quiet)
    assert sum(s.lstrip().upper().startswith("UPDATE") for s in touching) >= 1


# Password change and reset, suspension ------------------------------------------------------------------------

def test_password_change_ends_the_other_sessions_but_not_this_one(app, client):
    user = make_user(email="ann@example.org")
    other = app.test_client()
    form_log_in(client, "ann@example.org")
    form_log_in(other, "ann@example.org", user_agent=SAFARI_IPHONE)
    other_cookie = session_cookie(other)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)
    assert not signed_in(client_with_cookie(app, other_cookie))
    row, = rows_of(user)
    assert row.device == "Firefox on Linux"
    assert db.session.get(User, user.id).auth_version == row.auth_version == 1


def test_a_refused_password_change_ends_nothing(app, client):
    user = make_user(email="ann@example.org")
    other = app.test_client()
    form_log_in(client, "ann@example.org")
    log_in(other, user)
    response = client.post("/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert signed_in(client) and signed_in(other)
    assert db.session.get(User, user.id).auth_version == 0


def test_password_reset_ends_every_session(app, client, outbox):
    user = make_user(email="ann@example.org")
    laptop, phone = app.test_client(), app.test_client()
    form_log_in(laptop, "ann@example.org", remember=True)
    log_in(phone, user)
    remembered = laptop.get_cookie(app.config["REMEMBER_ME_COOKIE_NAME"]).value
    cookies = [session_cookie(laptop), session_cookie(phone)]
    log_in(client, user)  # the browser the reset is done in is signed in too
    client.post("/forgot-password", data={"email": "ann@example.org"})
    response = client.post(outbox.last_link("/reset-password/"), data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert rows_of(user) == []
    assert not any(signed_in(c) for c in (client, laptop, phone))
    assert not any(signed_in(client_with_cookie(app, value)) for value in cookies)
    assert not signed_in(client_with_cookie(app, remembered, app.config["REMEMBER_ME_COOKIE_NAME"]))
    assert db.session.get(User, user.id).auth_version == 1


def test_suspension_ends_every_session_at_once(app, client):
    admin = make_user("admin")
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    other = app.test_client()
    log_in(other, user)
    cookies = [session_cookie(client), session_cookie(other)]
    remembered = client.get_cookie(app.config["REMEMBER_ME_COOKIE_NAME"]).value
    admin_browser = app.test_client()
    log_in(admin_browser, admin)
    suspended = admin_browser.post(f"/admin/users/{user.id}/suspend", data={"reason": "spam", "confirm": "y"})
    assert suspended.status_code == 302
    assert rows_of(user) == []
    assert db.session.get(User, user.id).auth_version == 1
    assert not signed_in(client) and not signed_in(other)
    assert not any(signed_in(client_with_cookie(app, value)) for value in cookies)
    assert not signed_in(client_with_cookie(app, remembered, app.config["REMEMBER_ME_COOKIE_NAME"]))
    assert signed_in(admin_browser)


def test_a_bumped_auth_version_ends_sessions_even_if_a_row_survived(client):
    """Another node may still hold a row it read before the bump: the version in the cookie decides."""
    user = make_user()
    log_in(client, user)
    user.auth_version += 1
    db.session.flush()
    assert not signed_in(client)


def test_revoking_credentials_can_keep_the_current_session(client):
    user = make_user()
    kept = log_in(client, user)
    other = start_session(user, device="Old phone")
    assert revoke_credentials(user, keep_session_id=kept.row.id) == 1
    db.session.expire_all()
    assert db.session.get(UserSession, other.row.id) is None
    assert db.session.get(UserSession, kept.row.id).auth_version == user.auth_version == 1


# Remembered devices ------------------------------------------------------------------------------------------

def remember_name(app) -> str:
    return app.config["REMEMBER_ME_COOKIE_NAME"]


def test_remembered_session_rotates_its_key_when_it_re_establishes_a_session(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    row, = rows_of(user)
    assert row.remember and row.expires_at == clock.now() + timedelta(days=30)
    first_key, first_session_hash = client.get_cookie(remember_name(app)).value, row.key_hash
    assert row.remember_key_hash == key_hash(first_key)
    client.delete_cookie("session")  # the browser was closed
    clock.advance(timedelta(hours=20))
    assert signed_in(client)
    second_key = client.get_cookie(remember_name(app)).value
    assert second_key != first_key
    row, = rows_of(user)
    assert row.remember_key_hash == key_hash(second_key)
    assert row.previous_remember_key_hash == key_hash(first_key)
    assert row.key_hash != first_session_hash
    assert row.last_seen_at == clock.now()
    assert signed_in(client)  # on the new browser session now: no further rotation
    assert client.get_cookie(remember_name(app)).value == second_key


def test_a_replayed_old_remember_key_fails_and_revokes_that_session(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    stolen = client.get_cookie(remember_name(app)).value
    client.delete_cookie("session")
    assert signed_in(client)  # the owner's browser rotates the key
    clock.advance(timedelta(minutes=5))
    thief = client_with_cookie(app, stolen, remember_name(app))
    assert not signed_in(thief)
    assert rows_of(user) == []  # the copy gives the theft away: the remembered session ends everywhere
    assert not signed_in(client)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "session.remember_key_reused"))
    assert entry is not None and entry.target_id == str(user.id)
    thief_cookie = thief.get_cookie(remember_name(app))
    assert thief_cookie is None or thief_cookie.value == ""


def test_parallel_requests_of_a_restored_browser_are_not_mistaken_for_theft(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    old = client.get_cookie(remember_name(app)).value
    client.delete_cookie("session")
    assert signed_in(client)
    rotated = rows_of(user)[0].remember_key_hash
    # A second tab's request, sent with the old key before the first one's answer arrived.
    tab = client_with_cookie(app, old, remember_name(app))
    assert signed_in(tab)
    row, = rows_of(user)
    assert row.remember_key_hash == rotated
    assert tab.get_cookie(remember_name(app)).value == old  # no new cookies: the first answer's stand


def test_remember_cookie_after_log_out_fails(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    remembered = client.get_cookie(remember_name(app)).value
    client.post("/logout")
    assert client.get_cookie(remember_name(app)) is None
    assert rows_of(user) == []
    assert not signed_in(client_with_cookie(app, remembered, remember_name(app)))


def test_remembered_session_ends_after_thirty_days(app, client):
    make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org", remember=True)
    client.delete_cookie("session")
    clock.advance(timedelta(days=30, seconds=1))
    assert not signed_in(client)


def test_flask_login_remember_cookie_is_not_honoured_and_goes(app, client):
    user = make_user()
    with app.test_request_context():
        legacy = encode_cookie(str(user.id))  # signed as Flask-Login signed them
    client.set_cookie("remember_token", legacy)
    response = client.get("/my-learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get_cookie("remember_token") is None


# The account page --------------------------------------------------------------------------------------------

def test_account_page_lists_my_sessions(app, client):
    user = make_user(email="ann@example.org")
    form_log_in(client, "ann@example.org")
    phone = app.test_client()
    form_log_in(phone, "ann@example.org", user_agent=SAFARI_IPHONE, remember=True)
    someone_else = make_user()
    start_session(someone_else, device="Edge on Windows")
    page = html.unescape(client.get("/account").get_data(as_text=True))
    assert "Firefox on Linux <strong>(this device)</strong>" in page
    assert "Safari on iOS" in page and page.count("(this device)") == 1
    assert "Edge on Windows" not in page
    assert "Log out everywhere else" in page
    mine, theirs = rows_of(user)
    assert f"/account/sessions/{mine.id}/end" in page and f"/account/sessions/{theirs.id}/end" in page


def test_log_out_one_other_device(app, client):
    user = make_user()
    log_in(client, user)
    phone = app.test_client()
    on_phone = log_in(phone, user, device="Safari on iOS")
    response = client.post(f"/account/sessions/{on_phone.row.id}/end")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert not signed_in(phone)
    assert signed_in(client)


def test_log_out_this_device_from_the_list(client):
    user = make_user()
    here = log_in(client, user)
    response = client.post(f"/account/sessions/{here.row.id}/end")
    assert response.status_code == 302
    assert rows_of(user) == []
    assert not signed_in(client)


def test_someone_elses_session_cannot_be_ended(client):
    log_in(client, make_user())
    stranger = start_session(make_user(), device="Chrome on Android")
    assert client.post(f"/account/sessions/{stranger.row.id}/end").status_code == 404
    assert client.post("/account/sessions/999999/end").status_code == 404
    db.session.expire_all()
    assert db.session.get(UserSession, stranger.row.id) is not None


def test_log_out_everywhere_else(app, client):
    user = make_user()
    here = log_in(client, user)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        log_in(other, user)
    stranger = start_session(make_user(), device="Chrome on Android")
    response = client.post("/account/sessions/end-others", follow_redirects=True)
    assert "You are logged out on 2 other devices." in html.unescape(response.get_data(as_text=True))
    assert [row.id for row in rows_of(user)] == [here.row.id]
    assert not any(signed_in(other) for other in others)
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, stranger.row.id) is not None


@pytest.mark.parametrize("path", ["/account/sessions/end-others", "/account/sessions/{id}/end"])
def test_session_forms_need_the_csrf_token(client, csrf_enabled, path):
    user = make_user()
    here = log_in(client, user)
    assert client.post(path.format(id=here.row.id)).status_code == 400
    assert signed_in(client)
    assert len(rows_of(user)) == 1


# Cookies, personal data, clean-up ------------------------------------------------------------------------

def test_secure_cookies_take_the_host_prefix(app):
    settings = {key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST", "ASSET_STORE_DIR", "MAIL_OUTBOX_DIR", "PUBLIC_BASE_URL", "SERVER_NAME")}
    secure = create_app({**settings, "SESSION_COOKIE_SECURE": True})
    try:
        assert secure.config["SESSION_COOKIE_NAME"] == "__Host-session"
        assert secure.config["REMEMBER_ME_COOKIE_NAME"] == "__Host-remember_me"
        make_user(email="ann@example.org")
        browser = secure.test_client()
        response = browser.post("/login", base_url="https://localhost",
                                data={"email": "ann@example.org", "password": PASSWORD, "remember": "y"})
        assert response.status_code == 302
        cookies = response.headers.getlist("Set-Cookie")
        assert {c.split("=", 1)[0] for c in cookies} == {"__Host-session", "__Host-remember_me", "__Host-device"}
        for cookie in cookies:
            attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
            assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes
            assert not any(a.startswith("domain=") for a in attributes)
        assert browser.get("/my-learning", base_url="https://localhost").status_code == 200
    finally:
        with secure.app_context():
            db.engine.dispose()


def test_sessions_are_in_the_data_export_without_their_keys(client):
    user = make_user()
    log_in(client, user, device="Firefox on Linux")
    exported = export_user_data(user)["sessions"]
    assert [entry["device"] for entry in exported] == ["Firefox on Linux"]
    assert not any("key" in name for entry in exported for name in entry)


def test_deleting_the_account_ends_its_sessions(app, client):
    user = make_user()
    log_in(client, user)
    other = app.test_client()
    log_in(other, user)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert rows_of(user) == []
    assert not signed_in(client) and not signed_in(other)


def test_purge_removes_expired_and_outdated_sessions(client):
    user, other = make_user(), make_user()
    fresh = start_session(user, device="a")
    old = start_session(user, device="b")
    outdated = start_session(other, device="c")
    old.row.expires_at = clock.now() - timedelta(seconds=1)
    other.auth_version += 1
    db.session.flush()
    assert purge_expired_sessions() == 2
    db.session.expire_all()
    assert {row.id for row in db.session.scalars(sa.select(UserSession))} == {fresh.row.id}
    assert outdated.row.id not in {row.id for row in db.session.scalars(sa.select(UserSession))}


def test_change_password_service_keeps_only_the_named_session():
    user = make_user()
    kept, dropped = start_session(user, device="a"), start_session(user, device="b")
    services.change_password(user, PASSWORD, NEW_PASSWORD, LoginSource("127.0.0.1"), keep_session_id=kept.row.id)
    db.session.expire_all()
    assert db.session.get(UserSession, dropped.row.id) is None
    assert db.session.get(UserSession, kept.row.id).auth_version == 1


def test_suspension_service_ends_sessions():
    admin, user = make_user("admin"), make_user()
    start_session(user, device="a")
    suspend_user(admin, user, "spam")
    assert rows_of(user) == []
    assert user.auth_version == 1


# The e-mail verification link ------------------------------------------------------------------------------

REGISTRATION = {
    "email": "newcomer@example.org", "display_name": "Newcomer", "password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD, "timezone": "UTC", "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y",
}


def newcomer() -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == "newcomer@example.org"))


def test_verification_link_signs_in_only_once(app, client, outbox):
    client.post("/register", data=REGISTRATION)
    link = outbox.last_link("/verify/")
    assert client.get(link).status_code == 302
    assert signed_in(client)
    assert len(rows_of(newcomer())) == 1
    later = app.test_client()  # the same link opened again, anywhere
    response = later.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(later)
    assert len(rows_of(newcomer())) == 1


def test_verification_link_signs_nobody_in_after_a_password_change(app, client, outbox):
    client.post("/register", data=REGISTRATION)
    link = outbox.last_link("/verify/")
    client.post("/login", data={"email": "newcomer@example.org", "password": NEW_PASSWORD})
    assert client.post("/account/password", data={
        "current_password": NEW_PASSWORD, "password": "another long passphrase",
        "confirm": "another long passphrase"}).status_code == 302
    opener = app.test_client()
    response = opener.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(opener)
    assert newcomer().email_verified_at == clock.now()  # the address is confirmed all the same
