"""Moving an account to another e-mail address: a link to the new address that works once, for a day, for the
signed-in holder only; notices to the old address; the same answer whether the new address is free or not;
other sessions end; throttled password checks and the mail limits."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts.models import LoginFailure, User, UserSession
from moocplatform.audit import AuditEntry
from moocplatform.extensions import db
from moocplatform.tokens.models import Token
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SENT = "We sent a link to new@example.org. Open it while logged in here to move your account there."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def ask(client, new: str = "new@example.org", password: str = PASSWORD, headers=None):
    return client.post("/account/email", data={"new_email": new, "current_password": password}, headers=headers)


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("account.%email%"))
                                   .order_by(AuditEntry.id)))


def reloaded(user) -> User:
    """The account as the requests left it (the test's copy of the row is not refreshed by them)."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def mails_to(outbox, address: str):
    return [m for m in outbox.messages if m["To"] == address]


def test_the_link_moves_the_account_once_the_holder_confirms_it(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    asked = ask(client, "New@Example.org", headers={"User-Agent": FIREFOX_ON_LINUX})
    assert asked.status_code == 302
    page = client.get("/account/email")
    assert SENT in text(page) and "Waiting for confirmation: new@example.org." in text(page)
    assert reloaded(user).email == "ann@example.org"  # nothing moves yet

    [link_mail] = mails_to(outbox, "new@example.org")
    assert link_mail["Subject"] == "Confirm your new e-mail address"
    [notice] = mails_to(outbox, "ann@example.org")
    body = notice.get_content()
    assert notice["Subject"] == "A new e-mail address was asked for"
    assert "n***@example.org" in body and "new@example.org" not in body  # the old inbox sees it masked
    assert "Firefox on Linux" in body and "http://learn.test/forgot-password" in body
    assert "/account/email/confirm/" not in body  # nothing in it acts by itself

    link = outbox.last_link("/account/email/confirm/")
    assert link.startswith("/account/email/confirm/mpem_")
    shown = client.get(link)  # opening the link only shows what would change (mail scanners open links)
    assert shown.status_code == 200 and "Move your account from ann@example.org to new@example.org?" in text(shown)
    assert reloaded(user).email == "ann@example.org"

    clock.advance(timedelta(minutes=5))
    done = client.post(link, headers={"User-Agent": FIREFOX_ON_LINUX})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/email")
    moved = reloaded(user)
    assert moved.email == "new@example.org" and moved.pending_email is None
    assert moved.email_verified_at == clock.now()
    assert "Your e-mail address is now new@example.org." in text(client.get("/account/email"))
    assert actions() == ["account.request_email_change", "account.change_email"]

    changed = mails_to(outbox, "ann@example.org")[-1]
    assert changed["Subject"] == "The e-mail address of your account was changed"
    assert "n***@example.org" in changed.get_content() and "Tell the administrators" in changed.get_content()

    again = client.post(link)  # single use
    assert again.status_code == 400 and "This link is not valid any more." in text(again)

    client.post("/logout")
    login = client.post("/login", data={"email": "new@example.org", "password": PASSWORD})
    assert login.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 422


def test_the_change_ends_every_other_session_and_keeps_this_one(client, app, outbox):
    user = make_user(email="ann@example.org")
    other = app.test_client()
    log_in(other, user, device="Phone")
    log_in(client, user)
    assert other.get("/account").status_code == 200
    ask(client)
    assert other.get("/account").status_code == 200  # asking changes no session
    assert client.post(outbox.last_link("/account/email/confirm/")).status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302  # logged out
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id)) == 1


def test_the_link_signs_nobody_in_and_works_only_for_its_account(client, app, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client)
    link = outbox.last_link("/account/email/confirm/")

    stranger = app.test_client()
    assert stranger.get(link).headers["Location"].startswith("/login")  # no way in without the password
    assert stranger.post(link).headers["Location"].startswith("/login")
    log_in(stranger, make_user(email="bob@example.org"))
    refused = stranger.post(link)
    assert refused.status_code == 400 and "This link is not valid any more." in text(refused)
    assert "Are you logged in to the right account?" in text(refused) and 'href="/account/email"' in text(refused)
    assert "Ask for a new password link" not in text(refused)
    assert reloaded(user).email == "ann@example.org"
    assert client.post(link).status_code == 302  # still the holder's to use
    assert reloaded(user).email == "new@example.org"


def test_a_taken_address_gets_the_same_answer_and_a_mail_saying_so(client, outbox):
    taken = make_user(email="new@example.org")
    user = make_user(email="ann@example.org")
    log_in(client, user)
    response = ask(client)
    assert response.status_code == 302 and SENT in text(client.get("/account/email"))
    assert "Waiting for confirmation: new@example.org." in text(client.get("/account/email"))
    [mail] = mails_to(outbox, "new@example.org")
    assert mail["Subject"] == "This address already has an account"
    assert "/account/email/confirm/" not in mail.get_content()
    assert mails_to(outbox, "ann@example.org")[0]["Subject"] == "A new e-mail address was asked for"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Token)
                             .where(Token.purpose == "email_change")) == 0
    assert reloaded(taken).email == "new@example.org"


def test_an_address_taken_after_the_link_was_sent_is_not_taken_over(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client)
    link = outbox.last_link("/account/email/confirm/")
    make_user(email="new@example.org")
    refused = client.post(link, follow_redirects=True)
    assert "That address has an account now, so yours was not moved." in text(refused)
    assert reloaded(user).email == "ann@example.org"


def test_a_wrong_password_is_refused_and_counted_as_a_failed_log_in(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    wrong = ask(client, password="not my password")
    assert wrong.status_code == 422
    assert re.search(r'id="current_password-error">\s*Your current password is not right.', text(wrong))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
    for _ in range(2):
        ask(client, password="not my password")
    throttled = ask(client)  # the third failure makes the next attempt wait, as at log-in
    assert throttled.status_code == 429 and "Too many failed attempts." in text(throttled)
    assert reloaded(user).pending_email is None
    assert outbox.messages == []


def test_bad_addresses_and_ones_own_are_refused_on_the_field(client, outbox):
    log_in(client, make_user(email="ann@example.org"))
    bad = ask(client, "not an address")
    assert bad.status_code == 422 and 'id="new_email-error"' in text(bad)
    own = ask(client, "ANN@example.org")
    assert own.status_code == 422 and "That is the address of your account already." in text(own)
    assert outbox.messages == []


def test_the_link_expires_after_a_day(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client)
    link = outbox.last_link("/account/email/confirm/")
    clock.advance(timedelta(hours=24, minutes=1))
    log_in(client, user)  # a day later, a new session
    refused = client.get(link)
    assert refused.status_code == 400 and "This link is not valid any more." in text(refused)


def test_a_newer_request_or_a_password_change_ends_the_earlier_link(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client, "first@example.org")
    first = outbox.last_link("/account/email/confirm/")
    ask(client, "second@example.org")
    second = outbox.last_link("/account/email/confirm/")
    assert client.post(first).status_code == 400
    assert client.post("/account/password", data={"current_password": PASSWORD, "password": "a fine long one 2",
                                                   "confirm": "a fine long one 2"}).status_code == 302
    assert client.post(second).status_code == 400  # the owner changed the password after the notice
    assert reloaded(user).email == "ann@example.org"


def test_cancelling_ends_the_link(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client)
    link = outbox.last_link("/account/email/confirm/")
    assert "The change is cancelled" in text(client.post("/account/email/cancel", follow_redirects=True))
    assert reloaded(user).pending_email is None
    assert client.post(link).status_code == 400
    assert actions() == ["account.request_email_change", "account.cancel_email_change"]


def test_a_reset_link_sent_to_the_old_address_stops_working(client, app, outbox):
    user = make_user(email="ann@example.org")
    app.test_client().post("/forgot-password", data={"email": "ann@example.org"})
    reset = outbox.last_link("/reset-password/")
    log_in(client, user)
    ask(client)
    client.post(outbox.last_link("/account/email/confirm/"))
    assert app.test_client().get(reset).status_code == 400


def test_requests_meet_the_mail_limits(client, app, outbox):
    log_in(client, make_user(email="ann@example.org"))
    for _ in range(app.config["REQUESTED_MAIL_PER_RECIPIENT"]):
        assert ask(client).status_code == 302
    refused = ask(client)
    assert refused.status_code == 429 and "Too many mails were asked for just now." in text(refused)
    assert len(mails_to(outbox, "new@example.org")) == app.config["REQUESTED_MAIL_PER_RECIPIENT"]


def test_erasing_the_account_forgets_the_waiting_address(client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    ask(client)
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert reloaded(user).pending_email is None


def test_a_broken_password_link_offers_a_new_one_not_the_address_page(client):
    page = client.get("/reset-password/mprs_not-a-token")
    assert page.status_code == 400 and "This link does not work" in text(page)
    assert "Ask for a new password link" in text(page) and "right account" not in text(page)
