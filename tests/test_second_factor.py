"""The second factor (TOTP, RFC 6238): setting an authenticator app up on the account page, the log-in's second
step (codes within one step, never twice; recovery codes once each; throttled and audited), turning it off,
an administrator's reset, and the setting that requires it of administrators."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts import second_factor, totp
from moocplatform.accounts.models import LoginChallenge, LoginFailure, RecoveryCode, SecondFactor, User, UserSession
from moocplatform.audit import AuditEntry
from moocplatform.errors import PermissionDenied
from moocplatform.extensions import db
from moocplatform.personal_data import export_user_data
from tests.concurrency import only_on_postgres
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user
from tests.second_factor_helpers import STEP, set_up_app
from tests.test_races import PARALLEL, all_at_once, count, live_data  # noqa: F401  (live_data: a fixture)

only_on_postgres = only_on_postgres("parallel requests cannot overlap there")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sessions_of(user) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)))


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def password_step(client, user, *, remember: bool = False, next_url: str = ""):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/login" + (f"?next={next_url}" if next_url else ""), data=data)


def code_step(client, code: str):
    return client.post("/login/second-factor", data={"code": code})


# Setting it up ----------------------------------------------------------------------------------------------------

def test_setting_up_an_app_shows_its_qr_code_then_the_recovery_codes_once(app, client, outbox):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    elsewhere = log_in(app.test_client(), user, device="Firefox on Linux").row.id
    assert "Set up two-step log-in" in text(client.get("/account/second-factor"))

    page = client.post("/account/second-factor/setup")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.get_data(as_text=True)  # drawn by the server, no third party
    secret = re.search(r'class="secret-key">([A-Z2-7 ]+)<', text(page)).group(1).replace(" ", "")
    row = db.session.scalar(sa.select(SecondFactor).where(SecondFactor.user_id == user.id))
    assert row.enabled_at is None and secret not in row.secret_encrypted
    assert not second_factor.has_second_factor(user)

    wrong = client.post("/account/second-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and "That code is not right." in text(wrong)
    assert secret in text(wrong).replace(" ", "")  # the same QR code and key again, to try once more

    done = client.post("/account/second-factor/confirm", data={"code": totp.code_at(secret, clock.now())})
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", text(done))
    assert len(shown) == 10 and len(set(shown)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not any(code in (r.code_hash, r.salt) for code in shown for r in stored)
    assert second_factor.has_second_factor(user)

    again = text(client.get("/account/second-factor"))
    assert secret not in again.replace(" ", "") and not any(code in again for code in shown)
    assert "10 unused recovery codes are left." in again
    assert [s.id for s in sessions_of(user)] != [] and elsewhere not in [s.id for s in sessions_of(user)]
    assert signed_in(client)  # this browser stays signed in
    assert outbox.messages[-1]["Subject"] == "Your account now asks for a code at log-in"
    assert "account.second_factor_enable" in actions()


def test_the_secret_is_stored_encrypted_and_bound_to_its_account(app):
    user = make_user()
    with app.test_request_context():
        sealed = totp.encrypt_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", user.id)
        assert "JBSWY3DP" not in sealed
        assert totp.decrypt_secret(sealed, user.id) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        with pytest.raises(totp.SecretUnreadable):
            totp.decrypt_secret(sealed, user.id + 1)  # moved to another account, it does not decrypt


def test_the_export_holds_no_secret_nor_recovery_code_hash():
    user = make_user()
    set_up_app(user)
    data = export_user_data(user)
    assert data["second_factor"] and "secret_encrypted" not in data["second_factor"][0]
    assert len(data["recovery_codes"]) == 10 and "code_hash" not in data["recovery_codes"][0]


def test_an_enabled_factor_cannot_be_set_up_again_over_itself(client):
    user = make_user()
    set_up_app(user)
    log_in(client, user)
    response = client.post("/account/second-factor/setup")
    assert response.status_code == 302
    assert "turn it off first" in text(client.get("/account/second-factor"))


# The log-in's second step ---------------------------------------------------------------------------------------

def test_the_password_alone_signs_nothing_in_and_the_code_does(client):
    user = make_user()
    app_ = set_up_app(user)
    first = password_step(client, user, next_url="/courses")
    assert first.status_code == 302 and first.headers["Location"] == "/login/second-factor"
    assert sessions_of(user) == [] and not signed_in(client)
    assert "Your code" in text(client.get("/login/second-factor"))

    done = code_step(client, app_.code())
    assert done.status_code == 302 and done.headers["Location"] == "/courses"
    assert len(sessions_of(user)) == 1 and signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginChallenge)) == 0


def test_a_code_of_the_step_before_or_after_is_accepted_but_not_two_steps_off(app):
    user = make_user()
    app_ = set_up_app(user)
    for offset, accepted in ((-2, False), (2, False), (-1, True), (1, True)):
        client = app.test_client()
        password_step(client, user)
        response = code_step(client, app_.code(offset))
        assert (response.status_code == 302) is accepted, offset
        clock.advance(3 * STEP)  # the next round's codes are all newer than the one accepted


def test_a_wrong_code_is_refused_counted_and_audited(client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    wrong = code_step(client, "123456" if app_.code() != "123456" else "654321")
    assert wrong.status_code == 422 and "That code is not right." in text(wrong)
    assert not signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.second_factor_failed"))
    assert entry.target_id == str(user.id) and entry.details["attempts"] == 1
    assert code_step(client, app_.code()).status_code == 302  # the right one still works


def test_a_code_is_never_accepted_twice(app, outbox):
    user = make_user()
    app_ = set_up_app(user)
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    password_step(second, user)
    code = app_.code()
    assert code_step(first, code).status_code == 302
    replayed = code_step(second, code)
    assert replayed.status_code == 422 and not signed_in(second)
    assert "account.second_factor_replayed" in actions()  # ASVS 2.8.5: logged, and the holder told
    assert outbox.messages[-1]["Subject"] == "A code of your app was typed again"
    # nor a code of an earlier step, which is still within the window
    third = app.test_client()
    password_step(third, user)
    assert code_step(third, app_.code(-1)).status_code == 422


def test_the_code_that_confirmed_the_set_up_does_not_log_in(client):
    user = make_user()
    enrolment = second_factor.begin_enrolment(user, user)
    code = totp.code_at(enrolment.secret, clock.now())
    second_factor.confirm_enrolment(user, user, code)
    password_step(client, user)
    assert code_step(client, code).status_code == 422


def test_a_pending_log_in_expires_after_five_minutes(client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    clock.advance(timedelta(minutes=5, seconds=1))
    late = code_step(client, app_.code())
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert not signed_in(client) and sessions_of(user) == []
    assert "Your log-in took too long" in text(client.get("/login"))


def test_the_pending_log_in_is_bound_to_this_browser(app, client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    other = app.test_client()  # another browser never typed the password
    response = code_step(other, app_.code())
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sessions_of(user) == []


def test_a_password_change_ends_the_pending_log_ins(client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    from moocplatform.accounts.sessions import revoke_credentials
    revoke_credentials(user)
    assert code_step(client, app_.code()).headers["Location"] == "/login"


def test_a_recovery_code_works_once(app, client, outbox):
    user = make_user()
    app_ = set_up_app(user)
    code = app_.recovery_codes[3]
    password_step(client, user)
    done = code_step(client, code.upper().replace("-", " "))  # as someone may copy it from paper
    assert done.status_code == 302 and signed_in(client)
    assert second_factor.recovery_codes_left(user) == 9
    assert outbox.messages[-1]["Subject"] == "A recovery code was used to log in"
    assert "account.recovery_code_used" in actions()

    again = app.test_client()
    password_step(again, user)
    assert code_step(again, code).status_code == 422 and not signed_in(again)
    assert code_step(again, app_.recovery_codes[4]).status_code == 302


def test_wrong_codes_slow_the_account_down_and_knowing_the_password_does_not_wipe_the_count(client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    for _ in range(3):
        code_step(client, "000000" if app_.code() != "000000" else "111111")
    # The third failure makes the next attempt wait (accounts/throttling.py): the code, or the password again.
    throttled = code_step(client, app_.code())
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    again = password_step(client, user)
    assert again.status_code == 429
    clock.advance(timedelta(seconds=2))
    assert password_step(client, user).status_code == 302  # the password's success forgets nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 3
    assert code_step(client, app_.code()).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0


def test_five_wrong_codes_end_the_pending_log_in(client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user)
    wrong = "000000" if app_.code() != "000000" else "111111"
    for attempt in range(1, 6):
        clock.advance(timedelta(seconds=5))  # past the delays of throttling.py
        response = code_step(client, wrong)
        assert response.status_code == (422 if attempt < 5 else 302), attempt
    assert response.headers["Location"] == "/login"
    assert "Too many wrong codes" in text(client.get("/login"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginChallenge)) == 0


def test_the_rate_limiter_caps_attempts_per_account_and_source(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_MAX_ATTEMPTS", 3)
    user = make_user()
    app_ = set_up_app(user)
    wrong = "000000" if app_.code() != "000000" else "111111"
    password_step(client, user)
    for _ in range(3):
        clock.advance(timedelta(seconds=5))
        code_step(client, wrong)
    clock.advance(timedelta(seconds=5))
    capped = code_step(client, app_.code())
    assert capped.status_code == 429 and int(capped.headers["Retry-After"]) > 0
    assert "account.second_factor_throttled" in actions()
    clock.advance(timedelta(minutes=15))  # the next window
    password_step(client, user)
    assert code_step(client, app_.code()).status_code == 302


def test_remember_me_waits_for_the_code(app, client):
    user = make_user()
    app_ = set_up_app(user)
    password_step(client, user, remember=True)
    assert client.get_cookie(app.config["REMEMBER_ME_COOKIE_NAME"]) is None
    assert client.get_cookie(app.config["DEVICE_COOKIE_NAME"]) is None  # nor is this device trusted yet
    code_step(client, app_.code())
    assert client.get_cookie(app.config["REMEMBER_ME_COOKIE_NAME"]) is not None
    row, = sessions_of(user)
    assert row.remember and row.password_confirmed_at == clock.now()


def test_setting_it_up_ends_remembered_sessions_elsewhere(app, client):
    user = make_user()
    remembered = log_in(client, user, remember=True)
    client.set_cookie(app.config["REMEMBER_ME_COOKIE_NAME"], remembered.remember_key)
    client.delete_cookie("session")
    assert signed_in(client)  # the remembered device signs in again by itself
    set_up_app(user)
    client.delete_cookie("session")
    assert not signed_in(client) and sessions_of(user) == []


def test_a_confirmation_link_does_not_sign_in_an_account_with_a_second_factor(client, outbox):
    from moocplatform.accounts import services
    user = make_user(verified=False)
    services.send_verification_email(user)
    link = outbox.last_link("/verify/")
    set_up_app(user)
    response = client.get(link)
    assert response.headers["Location"] == "/login" and not signed_in(client)


# Renewing recovery codes and turning it off ----------------------------------------------------------------------

def test_new_recovery_codes_replace_the_old_ones(app, client, outbox):
    user = make_user()
    app_ = set_up_app(user)
    log_in(client, user)
    page = client.post("/account/second-factor/recovery-codes")
    fresh = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", text(page))
    assert len(fresh) == 10 and not set(fresh) & set(app_.recovery_codes)
    assert outbox.messages[-1]["Subject"] == "New recovery codes for your account"
    other = app.test_client()
    password_step(other, user)
    assert code_step(other, app_.recovery_codes[0]).status_code == 422
    assert code_step(other, fresh[0]).status_code == 302


def test_turning_it_off_needs_a_fresh_password_and_ends_other_sessions(app, client, outbox):
    user = make_user()
    set_up_app(user)
    log_in(app.test_client(), user, device="Firefox on Linux")
    mine = log_in(client, user, by_password=False).row.id  # a remembered device: no password typed
    refused = client.post("/account/second-factor/disable",
                          headers={"Referer": "http://localhost/account/second-factor"})
    assert refused.status_code == 302 and "/account/confirm-password" in refused.headers["Location"]
    assert second_factor.has_second_factor(user)

    client.post("/account/confirm-password", data={"password": PASSWORD})
    done = client.post("/account/second-factor/disable")
    assert done.headers["Location"] == "/account/second-factor"
    assert not second_factor.has_second_factor(user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert [s.id for s in sessions_of(user)] == [mine] and signed_in(client)
    assert outbox.messages[-1]["Subject"] == "Your account no longer asks for a code at log-in"
    assert "account.second_factor_disable" in actions()
    fresh = app.test_client()
    assert password_step(fresh, user).headers["Location"] == "/my-learning"  # the password alone again


@pytest.mark.parametrize("path", ["/account/second-factor/setup", "/account/second-factor/confirm",
                                  "/account/second-factor/recovery-codes"])
def test_setting_up_and_renewing_codes_need_a_fresh_password_too(client, path):
    user = make_user()
    log_in(client, user, by_password=False)
    response = client.post(path, data={"code": "123456"})
    assert response.status_code == 302 and "/account/confirm-password" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor)) == 0


# An administrator's reset ---------------------------------------------------------------------------------------

def test_an_administrator_resets_a_lost_second_factor(app, client, outbox):
    admin, user = make_user("admin"), make_user(email="lost@example.org")
    set_up_app(user)
    log_in(app.test_client(), user)
    log_in(client, admin)
    page = text(client.get(f"/admin/users/{user.id}"))
    assert "Logs in with a second factor" in page
    assert "Turn off the second factor" in text(client.get(f"/admin/users/{user.id}/second-factor/reset"))
    done = client.post(f"/admin/users/{user.id}/second-factor/reset")
    assert done.headers["Location"] == f"/admin/users/{user.id}"
    assert not second_factor.has_second_factor(user) and sessions_of(user) == []
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.reset_second_factor"))
    assert entry.actor_id == admin.id and entry.target_id == str(user.id)
    assert outbox.messages[-1]["To"] == "lost@example.org"
    assert outbox.messages[-1]["Subject"] == "An administrator turned off your account's second factor"
    assert "turned the account&#39;s second factor off" in client.get("/admin/audit").get_data(as_text=True)


def test_the_reset_waits_for_the_administrators_fresh_password(client):
    admin, user = make_user("admin"), make_user()
    set_up_app(user)
    log_in(client, admin)
    clock.advance(timedelta(minutes=11))
    refused = client.post(f"/admin/users/{user.id}/second-factor/reset")
    assert "/account/confirm-password" in refused.headers["Location"]
    assert second_factor.has_second_factor(user)


# Required of administrators ------------------------------------------------------------------------------------

def test_administrators_may_go_without_by_default(client):
    log_in(client, make_user("admin"))
    assert client.get("/admin/").status_code == 200


def test_when_required_an_administrator_sets_it_up_before_any_admin_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_SECOND_FACTOR_FOR_ADMINS", True)
    admin = make_user("admin")
    log_in(client, admin)
    for path in ("/admin/", "/admin/users", "/admin/opportunities", "/my-learning"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/second-factor", path
    assert "Administrators must log in with a second factor" in text(client.get("/account/second-factor"))
    set_up_app(admin)
    log_in(client, admin)  # setting it up ended the earlier session
    assert client.get("/admin/").status_code == 200
    learner = make_user()
    other = app.test_client()
    log_in(other, learner)
    assert other.get("/my-learning").status_code == 200  # only administrators are asked


def test_an_outsider_cannot_reach_anothers_enrolment():
    owner, outsider = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        second_factor.begin_enrolment(outsider, owner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor)) == 0
    assert db.session.get(User, owner.id).auth_version == 0


def test_the_command_line_resets_a_lost_second_factor(app):
    user = make_user(email="lost@example.org")
    set_up_app(user)
    db.session.commit()  # to the test's savepoint: the command starts from committed data
    result = app.test_cli_runner().invoke(args=["users", "reset-second-factor", "lost@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not second_factor.has_second_factor(db.session.get(User, user.id))
    again = app.test_cli_runner().invoke(args=["users", "reset-second-factor", "lost@example.org"])
    assert again.exit_code == 1 and "no second factor" in again.output


@only_on_postgres
@pytest.mark.usefixtures("live_data")
def test_one_code_sent_twenty_times_at_once_signs_in_once(app):
    with app.app_context():
        user = make_user(email="ann@example.org")
        app_ = set_up_app(user)
        db.session.commit()
    clients = [app.test_client() for _ in range(PARALLEL)]
    for client in clients:
        assert password_step(client, user).status_code == 302
    statuses = all_at_once(clients, "POST", "/login/second-factor", {"code": app_.code()})
    # As one after the other: the first signs in, the rest replay a spent code until the delays begin.
    assert sorted(statuses) == [302] + [422] * 3 + [429] * (PARALLEL - 4)
    assert count(UserSession) == 1
