"""Accounts through the web: registration and consents, e-mail verification, log-in and throttling,
password reset and change, profile, time zones, log-out."""
from __future__ import annotations

import gzip
import html
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts import services
from moocplatform.accounts.models import Consent, LoginFailure, User
from moocplatform.accounts.passwords import COMMON_PASSWORDS, hash_password
from moocplatform.audit import AuditEntry
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment
from tests.conftest import log_in
from tests.factories import PASSWORD, make_course, make_user

NEW_PASSWORD = "a fine long passphrase"
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GENERIC_LOGIN_ERROR = "That e-mail address and password do not match an account."
REGISTRATION = {
    "email": "newcomer@example.org", "display_name": "Newcomer", "password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD, "timezone": "Europe/Berlin",
    "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y",
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def register(client, **changes):
    """POST the registration form; a change to None leaves the field out (an unticked box)."""
    data = {**REGISTRATION, **changes}
    return client.post("/register", data={k: v for k, v in data.items() if v is not None})


def log_in_with_form(client, email, password, *, ip="127.0.0.1", remember=False, next_url=None):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, query_string={"next": next_url} if next_url else None,
                       environ_base={"REMOTE_ADDR": ip})


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def is_logged_in(client) -> bool:
    response = client.get("/my-learning")
    return response.status_code == 200


# Registration -----------------------------------------------------------------------------------------------

def test_registration_creates_unverified_account_with_consents_and_mails_link(client, app, outbox):
    response = register(client, email="NewComer@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/check-email")
    assert "Check your e-mail" in text(client.get(response.headers["Location"]))

    user = user_by_email("newcomer@example.org")
    assert user is not None
    assert user.email_verified_at is None
    assert user.display_name == "Newcomer"
    assert user.timezone == "Europe/Berlin"
    assert user.password_hash != NEW_PASSWORD and user.password_hash.startswith("$argon2id$")
    assert user.created_at == clock.now()

    consents = db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id).order_by(Consent.kind)).all()
    assert [(c.kind, c.version, c.given_at) for c in consents] == [
        ("minimum_age", str(app.config["MINIMUM_AGE"]), clock.now()),
        ("privacy", app.config["PRIVACY_VERSION"], clock.now()),
        ("terms", app.config["TERMS_VERSION"], clock.now()),
    ]

    [mail] = outbox.messages
    assert mail["To"] == "newcomer@example.org"
    assert mail["Subject"] == "Confirm your e-mail address"
    assert outbox.last_link("/verify/").startswith("/verify/")


def test_unverified_user_can_log_in_but_not_enrol_until_verified(client, outbox):
    course = make_course("open-course")
    register(client)
    response = log_in_with_form(client, "newcomer@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)

    refused = client.post(f"/courses/{course.slug}/enrol")
    assert refused.status_code == 403
    assert "Confirm your e-mail address to enrol." in text(refused)
    user = user_by_email("newcomer@example.org")
    assert db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == user.id)) is None

    verified = client.get(outbox.last_link("/verify/"))
    assert verified.status_code == 302
    assert user_by_email("newcomer@example.org").email_verified_at == clock.now()
    assert client.post(f"/courses/{course.slug}/enrol").status_code == 302
    assert db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == user.id)) is not None


def test_verification_link_verifies_logs_in_and_is_audited(client, outbox):
    register(client)
    link = outbox.last_link("/verify/")
    clock.advance(timedelta(hours=71))
    response = client.get(link)
    assert response.status_code == 302
    user = user_by_email("newcomer@example.org")
    assert user.email_verified_at == clock.now()
    assert is_logged_in(client)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.verify_email"))
    assert entry is not None and entry.actor_id == user.id and entry.target_id == str(user.id)
    # Opening the link again is harmless and keeps the first time.
    clock.advance(timedelta(minutes=5))
    assert client.get(link).status_code == 302
    assert user_by_email("newcomer@example.org").email_verified_at == clock.now() - timedelta(minutes=5)


def test_expired_verification_link_is_refused_with_a_message(client, app, outbox):
    register(client)
    link = outbox.last_link("/verify/")
    clock.advance(timedelta(seconds=app.config["EMAIL_VERIFICATION_MAX_AGE"] + 1))
    response = client.get(link)
    assert response.status_code == 400
    assert "This confirmation link has expired; log in to get a new one." in text(response)
    assert user_by_email("newcomer@example.org").email_verified_at is None
    assert not is_logged_in(client)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
    lambda token: "x" + token,  # payload
    lambda token: "not-a-token",
])
def test_tampered_verification_link_is_refused(client, outbox, tamper):
    register(client)
    token = outbox.last_link("/verify/").removeprefix("/verify/")
    response = client.get(f"/verify/{tamper(token)}")
    assert response.status_code == 400
    assert "This confirmation link is not valid." in text(response)
    assert user_by_email("newcomer@example.org").email_verified_at is None


def test_verification_link_for_another_purpose_is_refused(client, outbox):
    """A reset token signed with the same key must not verify an address."""
    user = make_user(verified=False)
    services.request_password_reset(user.email)
    token = outbox.last_link("/reset-password/").removeprefix("/reset-password/")
    response = client.get(f"/verify/{token}")
    assert response.status_code == 400
    assert user_by_email(user.email).email_verified_at is None


def test_resending_the_verification_link(client, outbox):
    user = make_user(verified=False, email="ann@example.org")
    log_in(client, user)
    response = client.post("/verify/resend", headers={"Referer": "/courses"})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/courses", "http://localhost/courses")
    [mail] = outbox.messages
    assert mail["To"] == "ann@example.org"
    assert client.get(outbox.last_link("/verify/")).status_code == 302
    assert user_by_email("ann@example.org").is_verified
    # Verified users get no more mails, and a foreign referrer is not followed.
    response = client.post("/verify/resend", headers={"Referer": "http://evil.example/"})
    assert response.headers["Location"] in ("/my-learning", "http://localhost/my-learning")
    assert len(outbox.messages) == 1


def test_common_password_list_holds_the_password_used_below():
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        assert "password1234" in {line.strip() for line in handle}


@pytest.mark.parametrize("changes, field_message", [
    ({"accept_terms": None}, "You must accept the terms of use."),
    ({"accept_privacy": None}, "You must read and accept the privacy notice."),
    ({"accept_terms": None, "accept_privacy": None}, "You must accept the terms of use."),
    ({"confirm_age": None}, "You must be 16 or older to register."),
    ({"password": "short pw", "confirm": "short pw"}, "Use at least 12 characters."),
    ({"password": "tree frog 7", "confirm": "tree frog 7"}, "Use at least 12 characters."),
    ({"password": "password1234", "confirm": "password1234"},
     "This password is one of the most common ones; choose another."),
    ({"password": "PassWord1234", "confirm": "PassWord1234"},
     "This password is one of the most common ones; choose another."),
    ({"password": "newcomer-rocks-42", "confirm": "newcomer-rocks-42"},
     "Do not use your e-mail address or name in your password."),
    ({"confirm": NEW_PASSWORD + "!"}, "The passwords differ."),
    ({"email": "not-an-address"}, "Invalid email address."),
    ({"email": ""}, "This field is required."),
    ({"timezone": "Mars/Olympus_Mons"}, "Not a valid choice."),
    ({"display_name": "X"}, "Field must be between 2 and 80 characters long."),
])
def test_registration_field_errors(client, outbox, changes, field_message):
    response = register(client, **changes)
    assert response.status_code == 422
    assert field_message in text(response)
    assert 'class="field-error"' in text(response)
    assert user_count() == 0
    assert outbox.messages == []


def test_registration_refuses_an_unknown_time_zone_with_a_field_message(client, outbox):
    response = register(client, timezone="Europe/Atlantis")
    assert response.status_code == 422
    page = text(response)
    assert re.search(r'id="timezone-error">[^<]*(Not a valid choice|Choose a time zone from the list)', page)
    assert user_count() == 0


def test_registration_service_refuses_missing_consent_even_without_the_form(app):
    for registration, field in (
        (services.Registration("a@example.org", NEW_PASSWORD, "Ann", False, True, True), "accept_terms"),
        (services.Registration("a@example.org", NEW_PASSWORD, "Ann", True, False, True), "accept_terms"),
        (services.Registration("a@example.org", NEW_PASSWORD, "Ann", True, True, False), "confirm_age"),
    ):
        with pytest.raises(services.InvalidInput) as raised:
            services.register_user(registration)
        assert raised.value.field == field
    assert user_count() == 0


def test_registering_an_existing_address_looks_the_same_and_mails_the_owner(client, outbox):
    existing = make_user(email="taken@example.org")
    before = user_count()
    response = register(client, email="Taken@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/check-email")
    assert user_count() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 0
    [mail] = outbox.messages
    assert mail["To"] == existing.email
    assert mail["Subject"] == "You already have an account"
    assert "/forgot-password" in mail.get_content()
    assert "/verify/" not in mail.get_content()
    # The existing account is untouched.
    assert user_by_email("taken@example.org").display_name == existing.display_name


def test_logged_in_user_is_sent_away_from_register_and_login(client):
    log_in(client, make_user())
    assert client.get("/register").headers["Location"].endswith("/my-learning")
    assert client.get("/login").headers["Location"].endswith("/my-learning")


# Log-in -----------------------------------------------------------------------------------------------------

def test_login_with_good_credentials(client):
    user = make_user(email="ann@example.org")
    response = log_in_with_form(client, " ANN@example.org", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-learning")
    assert "remember_token" not in "".join(response.headers.getlist("Set-Cookie"))
    assert is_logged_in(client)
    assert user_by_email("ann@example.org").last_login_at == clock.now()
    assert user.id == user_by_email("ann@example.org").id


def test_login_with_bad_password_is_refused_generically_and_recorded(client):
    make_user(email="ann@example.org")
    response = log_in_with_form(client, "ann@example.org", "wrong password!", ip="10.1.1.1")
    assert response.status_code == 422
    assert GENERIC_LOGIN_ERROR in text(response)
    assert not is_logged_in(client)
    failures = db.session.scalars(sa.select(LoginFailure)).all()
    assert [(f.email, f.ip, f.failed_at) for f in failures] == [("ann@example.org", "10.1.1.1", clock.now())]


def test_login_with_unknown_email_gets_the_same_message(client):
    make_user(email="ann@example.org")
    unknown = log_in_with_form(client, "nobody@example.org", PASSWORD)
    wrong = log_in_with_form(client, "ann@example.org", "wrong password!")
    assert unknown.status_code == wrong.status_code == 422
    assert GENERIC_LOGIN_ERROR in text(unknown)
    assert GENERIC_LOGIN_ERROR in text(wrong)
    assert not is_logged_in(client)


def test_login_form_errors_are_422(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "This field is required." in text(response)


def test_remember_me_sets_a_remember_cookie(client, app):
    make_user(email="ann@example.org")
    response = log_in_with_form(client, "ann@example.org", PASSWORD, remember=True)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith(app.config["REMEMBER_ME_COOKIE_NAME"] + "=")]
    assert remember, cookies
    assert "HttpOnly" in remember[0]
    # The remember cookie alone (session cookie gone) keeps the user logged in.
    client.delete_cookie("session")
    assert is_logged_in(client)


def test_suspended_account_cannot_log_in(client):
    user = make_user(email="ann@example.org")
    user.status = "suspended"
    db.session.flush()
    response = log_in_with_form(client, "ann@example.org", PASSWORD)
    assert response.status_code == 422
    assert "This account is suspended." in text(response)
    assert not is_logged_in(client)


def test_deleted_account_cannot_log_in(client):
    user = make_user(email="ann@example.org")
    user.status = "deleted"
    db.session.flush()
    response = log_in_with_form(client, "ann@example.org", PASSWORD)
    assert response.status_code == 422
    assert GENERIC_LOGIN_ERROR in text(response)
    assert not is_logged_in(client)


@pytest.mark.parametrize("next_url, expected", [
    ("/courses", "/courses"),
    ("/courses/some-course?tab=1", "/courses/some-course?tab=1"),
    ("http://evil.example/", "/my-learning"),
    ("https://evil.example/login", "/my-learning"),
    ("//evil.example/", "/my-learning"),
    ("evil.example", "/my-learning"),
    ("javascript:alert(1)", "/my-learning"),
])
def test_next_redirect_only_to_same_site_paths(client, next_url, expected):
    make_user(email="ann@example.org")
    response = log_in_with_form(client, "ann@example.org", PASSWORD, next_url=next_url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in (expected, "http://localhost" + expected)


@pytest.mark.parametrize("next_url", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example",
                                      "\\\\evil.example", "https:/evil.example", "/%2F/evil.example"])
def test_next_redirect_never_leaves_the_site_as_a_browser_reads_it(client, next_url):
    """Browsers treat a backslash as a slash and drop tabs, so these must not become //evil.example."""
    make_user(email="ann@example.org")
    response = log_in_with_form(client, "ann@example.org", PASSWORD, next_url=next_url)
    assert response.status_code == 302
    location = response.headers["Location"]
    as_browser_reads_it = urljoin("http://localhost/login", location.replace("\\", "/").replace("\t", ""))
    assert urlsplit(as_browser_reads_it).netloc == "localhost", location


def test_login_required_page_leads_back_after_logging_in(client):
    make_user(email="ann@example.org")
    response = client.get("/account/password")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith(("/login?next=", "http://localhost/login?next="))
    logged_in = client.post(login_url, data={"email": "ann@example.org", "password": PASSWORD})
    assert logged_in.status_code == 302
    assert logged_in.headers["Location"] in ("/account/password", "http://localhost/account/password")


# Password reset ---------------------------------------------------------------------------------------------

def request_reset(client, email):
    return client.post("/forgot-password", data={"email": email})


def test_password_reset_link_works_once(client, outbox):
    make_user(email="ann@example.org")
    response = request_reset(client, "ann@example.org")
    assert response.status_code == 200
    assert "If ann@example.org belongs to an account" in text(response)
    [mail] = outbox.messages
    assert mail["To"] == "ann@example.org" and mail["Subject"] == "Reset your password"
    link = outbox.last_link("/reset-password/")

    assert client.get(link).status_code == 200
    changed = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert changed.headers["Location"].endswith("/login")
    assert log_in_with_form(client, "ann@example.org", PASSWORD).status_code == 422
    assert log_in_with_form(client, "ann@example.org", NEW_PASSWORD).status_code == 302
    client.post("/logout")

    again = client.get(link)
    assert again.status_code == 400
    assert "This reset link has already been used or is not valid; ask for a new one." in text(again)
    reused = client.post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert reused.status_code == 400
    assert log_in_with_form(client, "ann@example.org", NEW_PASSWORD).status_code == 302
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.reset_password"))
    assert entry is not None


def test_password_reset_clears_throttle_and_verifies_address(client, outbox):
    make_user(email="ann@example.org", verified=False)
    for _ in range(9):
        db.session.add(LoginFailure(email="ann@example.org", ip="10.0.0.1", failed_at=clock.now()))
    db.session.flush()
    assert log_in_with_form(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 429
    request_reset(client, "ann@example.org")
    link = outbox.last_link("/reset-password/")
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert user_by_email("ann@example.org").email_verified_at == clock.now()
    assert log_in_with_form(client, "ann@example.org", NEW_PASSWORD, ip="10.0.0.1").status_code == 302


def test_password_reset_link_expires(client, app, outbox):
    make_user(email="ann@example.org")
    request_reset(client, "ann@example.org")
    link = outbox.last_link("/reset-password/")
    clock.advance(timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"] - 10))
    assert client.get(link).status_code == 200
    clock.advance(timedelta(seconds=11))
    response = client.get(link)
    assert response.status_code == 400
    assert "This reset link has expired; ask for a new one." in text(response)
    posted = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 400
    assert log_in_with_form(client, "ann@example.org", PASSWORD).status_code == 302


def test_password_reset_for_unknown_address_looks_the_same_and_sends_nothing(client, outbox):
    make_user(email="ann@example.org")
    known = text(request_reset(client, "ann@example.org"))
    unknown_response = request_reset(client, "nobody@example.org")
    assert unknown_response.status_code == 200
    assert text(unknown_response).replace("nobody@example.org", "ann@example.org") == known
    assert [m["To"] for m in outbox.messages] == ["ann@example.org"]


def test_password_reset_is_not_sent_to_suspended_accounts(client, outbox):
    user = make_user(email="ann@example.org")
    user.status = "suspended"
    db.session.flush()
    assert request_reset(client, "ann@example.org").status_code == 200
    assert outbox.messages == []


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "Use at least 12 characters."),
    ("tree frog 7", "tree frog 7", "Use at least 12 characters."),
    ("password1234", "password1234", "This password is one of the most common ones; choose another."),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "The passwords differ."),
])
def test_password_reset_new_password_must_pass_the_rules(client, outbox, password, confirm, message):
    make_user(email="ann@example.org")
    request_reset(client, "ann@example.org")
    link = outbox.last_link("/reset-password/")
    response = client.post(link, data={"password": password, "confirm": confirm})
    assert response.status_code == 422
    assert message in text(response)
    assert log_in_with_form(client, "ann@example.org", PASSWORD).status_code == 302
    client.post("/logout")
    # The link still works after a refused attempt.
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_forgot_password_form_requires_an_address(client, outbox):
    response = request_reset(client, "not an address")
    assert "Invalid email address." in text(response)
    assert outbox.messages == []


# Change password, profile, time zones -------------------------------------------------------------------------

def test_change_password(client):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    wrong = client.post("/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert re.search(r'id="current_password-error">\s*Your current password is not right.', text(wrong))

    weak = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422
    assert "This password is one of the most common ones; choose another." in text(weak)

    clock.advance(timedelta(minutes=20))
    ok = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302
    assert user_by_email("ann@example.org").password_changed_at == clock.now()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.change_password"))
    assert entry is not None and entry.actor_id == user.id
    client.post("/logout")
    assert log_in_with_form(client, "ann@example.org", PASSWORD).status_code == 422
    assert log_in_with_form(client, "ann@example.org", NEW_PASSWORD).status_code == 302


def test_a_new_password_needs_twelve_characters_when_changed(client):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    short = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "tree frog 7", "confirm": "tree frog 7"})
    assert short.status_code == 422
    assert "Use at least 12 characters." in text(short)
    assert client.post("/account/password", data={
        "current_password": PASSWORD, "password": "tree frogs 7", "confirm": "tree frogs 7"}).status_code == 302


def test_an_account_with_an_older_shorter_password_still_logs_in(client):
    user = make_user(email="ann@example.org")
    user.password_hash = hash_password("ten chars!")  # set when the minimum was 10
    db.session.flush()
    assert log_in_with_form(client, "ann@example.org", "ten chars!").status_code == 302


def _notice_checks(mail, *, subject: str) -> str:
    """The notice after a change of credentials: to the account, in its time zone, with the way back and
    nothing secret."""
    body = mail.get_content()
    assert mail["To"] == "ann@example.org" and mail["Subject"] == subject
    assert "Not you? " in body and "http://learn.test/forgot-password" in body
    assert PASSWORD not in body and NEW_PASSWORD not in body
    assert "/reset-password/" not in body and "/verify/" not in body  # no link that acts by itself
    return body


def test_a_password_change_is_mailed_to_the_account_in_its_own_time_zone(client, outbox):
    user = make_user(email="ann@example.org", timezone="Asia/Tokyo")
    log_in(client, user)
    assert client.post("/account/password", headers={"User-Agent": FIREFOX_ON_LINUX}, data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    [mail] = outbox.messages
    body = _notice_checks(mail, subject="Your password was changed")
    assert "Mar 2, 2026, 6:00:00\u202fPM" in body  # 09:00 UTC, shown as the recipient's Tokyo time
    assert "Firefox on Linux" in body


def test_a_refused_password_change_mails_nothing(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    client.post("/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert outbox.messages == []


def test_a_password_reset_is_mailed_to_the_account(client, outbox):
    make_user(email="ann@example.org")
    request_reset(client, "ann@example.org")
    link = outbox.last_link("/reset-password/")
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    reset_mail, notice = outbox.messages
    assert reset_mail["Subject"] == "Reset your password"
    body = _notice_checks(notice, subject="Your password was reset")
    assert "with a link sent to this address" in body


def test_profile_update(client):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    assert client.get("/account").status_code == 200
    response = client.post("/account", data={
        "display_name": "  Annie  ", "full_name": "Ann Example", "locale": "en", "timezone": "Asia/Tokyo",
        "bio": "I like learning."})
    assert response.status_code == 302
    saved = user_by_email("ann@example.org")
    assert (saved.display_name, saved.full_name, saved.timezone, saved.bio) == (
        "Annie", "Ann Example", "Asia/Tokyo", "I like learning.")
    assert "Your profile is saved." in text(client.get("/account"))


@pytest.mark.parametrize("changes, message", [
    ({"timezone": "Nowhere/Special"}, "Not a valid choice"),
    ({"display_name": ""}, "This field is required."),
    ({"bio": "x" * 1001}, "Field cannot be longer than 1000 characters."),
])
def test_profile_update_field_errors(client, changes, message):
    user = make_user(email="ann@example.org", display_name="Ann")
    log_in(client, user)
    data = {"display_name": "Ann", "full_name": "", "locale": "en", "timezone": "UTC", "bio": "", **changes}
    response = client.post("/account", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert user_by_email("ann@example.org").timezone == "UTC"


def test_dates_are_shown_in_the_viewers_time_zone(client):
    """The admin's user page shows the registration time; 09:00 UTC is 04:00 in New York (EST) in March 2026
    and 18:00 in Tokyo."""
    admin = make_user("admin", display_name="Admin Person")
    subject = make_user(email="ann@example.org")
    assert subject.created_at.hour == 9
    log_in(client, admin)

    def registered_cell():
        page = text(client.get(f"/admin/users/{subject.id}"))
        return re.search(r"<dt>Registered</dt><dd>([^<]*)</dd>", page).group(1)

    assert re.search(r"\b9:00\b", registered_cell())
    for zone, hour in (("America/New_York", "4:00"), ("Asia/Tokyo", "6:00\u202fPM")):
        assert client.post("/account", data={"display_name": "Admin Person", "full_name": "", "locale": "en",
                                             "timezone": zone, "bio": ""}).status_code == 302
        cell = registered_cell()
        assert hour.replace("\u202f", " ") in cell.replace("\u202f", " "), (zone, cell)
        assert "9:00" not in cell


# Log-out ----------------------------------------------------------------------------------------------------

def test_logout_is_post_only(client):
    log_in(client, make_user())
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)
    response = client.post("/logout")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_logout_needs_the_csrf_token_when_csrf_is_on(client, csrf_enabled):
    log_in(client, make_user())
    assert client.post("/logout").status_code == 400
    assert is_logged_in(client)


def test_login_form_needs_the_csrf_token_when_csrf_is_on(client, csrf_enabled):
    make_user(email="ann@example.org")
    response = log_in_with_form(client, "ann@example.org", PASSWORD)
    assert response.status_code == 400
    assert not is_logged_in(client)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302
    assert is_logged_in(client)
