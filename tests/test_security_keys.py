"""Security keys and passkeys as a second factor (WebAuthn): registering one on the account page, answering the
log-in's second step with one, renaming and removing it, and the rules shared with the authenticator app
(fresh password, mail, audit, other sessions ended, recovery codes, throttling). The keys are software ones
(tests/software_authenticator.py) making real ES256 credentials and signatures, checked by py_webauthn."""
from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts import second_factor, security_keys, totp
from moocplatform.accounts.models import LoginChallenge, LoginFailure, RecoveryCode, SecurityKey, UserSession
from moocplatform.audit import AuditEntry
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.personal_data import erase_user, export_user_data
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user
from tests.second_factor_helpers import set_up_app
from tests.software_authenticator import SoftwareKey

ORIGIN, RP_ID = "http://learn.test", "learn.test"  # tests' PUBLIC_BASE_URL


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def audited(action: str) -> AuditEntry:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id.desc())).first()


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def sessions_of(user) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)))


def new_key() -> SoftwareKey:
    return SoftwareKey(origin=ORIGIN, rp_id=RP_ID)


def add_key(user, key: SoftwareKey | None = None, name: str = "Blue key") -> tuple[SoftwareKey, list[str]]:
    """Register a software key as the account page does, through the services."""
    key = key or new_key()
    registration = security_keys.begin_registration(user, user, name)
    _row, codes = security_keys.finish_registration(
        user, user, challenge=registration.challenge, name=registration.name, expires_at=registration.expires_at,
        credential=key.register(registration.options_json))
    return key, codes


def page_options(response) -> str:
    """The options a page hands to security-keys.js."""
    found = re.search(r'<script type="application/json">(.*?)</script>', response.get_data(as_text=True), re.S)
    assert found, "the page offers no security key"
    return found.group(1)


def password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def key_step(client, key: SoftwareKey, **kwargs):
    options = page_options(client.get("/login/second-factor"))
    return client.post("/login/second-factor/key", data={"credential": key.sign_in(options, **kwargs)})


# Registering ------------------------------------------------------------------------------------------------------

def test_registering_a_key_on_the_account_page_turns_two_step_log_in_on(app, client, outbox):
    user = make_user(email="kim@example.org")
    log_in(client, user)
    elsewhere = log_in(app.test_client(), user, device="Firefox on Linux").row.id
    page = text(client.get("/account/second-factor"))
    assert "Security keys and passkeys" in page and "Add a security key" in page

    nameless = client.post("/account/second-factor/keys/new", data={"name": "  "})
    assert nameless.status_code == 422
    started = client.post("/account/second-factor/keys/new", data={"name": "Blue  USB key"})
    assert started.status_code == 200
    options = json.loads(page_options(started))
    assert options["rp"] == {"id": RP_ID, "name": app.config["SECOND_FACTOR_ISSUER"]}
    assert options["user"]["name"] == "kim@example.org" and options["user"]["id"] != str(user.id)
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["attestation"] == "none"
    assert "Security keys need JavaScript" in text(started)  # said until the script finds WebAuthn

    key = new_key()
    done = client.post("/account/second-factor/keys", data={"credential": key.register(json.dumps(options))})
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", text(done))
    assert len(shown) == 10  # the first second factor brings the recovery codes
    row = db.session.scalar(sa.select(SecurityKey).where(SecurityKey.user_id == user.id))
    assert row.name == "Blue USB key" and row.credential_id == key.id and row.transports == "usb,nfc"
    assert second_factor.has_second_factor(user) and not second_factor.has_authenticator_app(user)
    assert elsewhere not in [s.id for s in sessions_of(user)] and signed_in(client)
    assert outbox.messages[-1]["Subject"] == "A security key was added to your account"
    assert audited("account.security_key_add").details["name"] == "Blue USB key"

    listed = text(client.get("/account/second-factor"))
    assert "Blue USB key" in listed and "not used yet" in listed and "10 unused recovery codes are left." in listed
    assert "Set up an authenticator app" in listed  # the app can be added beside it
    # The challenge was taken out of the session: the same answer cannot be sent again.
    again = client.post("/account/second-factor/keys", data={"credential": key.register(json.dumps(options))})
    assert again.status_code == 302 and len(security_keys.keys_of(user)) == 1


def test_the_registration_is_checked_by_its_challenge_origin_and_relying_party():
    user = make_user()
    registration = security_keys.begin_registration(user, user, "Key")

    def finish(credential: str) -> None:
        security_keys.finish_registration(user, user, challenge=registration.challenge, name="Key",
                                          expires_at=registration.expires_at, credential=credential)

    other = security_keys.begin_registration(user, user, "Key")
    for forged in (new_key().register(other.options_json),  # the answer to another challenge
                   new_key().register(registration.options_json, origin="https://learn.test.evil.example"),
                   new_key().register(registration.options_json, rp_id="evil.example"),
                   "{}", "not JSON"):
        with pytest.raises(InvalidInput):
            finish(forged)
    assert security_keys.keys_of(user) == []
    clock.advance(security_keys.REGISTRATION_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="expired"):
        finish(new_key().register(registration.options_json))


def test_one_key_is_registered_once_and_excluded_from_later_registrations():
    user, other = make_user(), make_user()
    key, _ = add_key(user)
    registration = security_keys.begin_registration(user, user, "Again")
    assert [c["id"] for c in json.loads(registration.options_json)["excludeCredentials"]] == [key.id]
    with pytest.raises(InvalidInput, match="registered already"):
        security_keys.finish_registration(user, user, challenge=registration.challenge, name="Again",
                                          expires_at=registration.expires_at,
                                          credential=key.register(registration.options_json))
    theirs = security_keys.begin_registration(other, other, "Mine")
    with pytest.raises(InvalidInput, match="registered already"):  # nor taken over by another account
        security_keys.finish_registration(other, other, challenge=theirs.challenge, name="Mine",
                                          expires_at=theirs.expires_at, credential=key.register(theirs.options_json))


def test_only_the_account_holder_registers_renames_or_removes_a_key():
    user, outsider = make_user(), make_user()
    add_key(user)
    key_id = security_keys.keys_of(user)[0].id
    with pytest.raises(PermissionDenied):
        security_keys.begin_registration(outsider, user, "Mine now")
    with pytest.raises(PermissionDenied):
        security_keys.rename_key(outsider, user, key_id, "Mine now")
    with pytest.raises(PermissionDenied):
        security_keys.remove_key(outsider, user, key_id)
    with pytest.raises(NotFound):  # nor through their own account
        security_keys.remove_key(outsider, outsider, key_id)
    assert security_keys.keys_of(user)[0].name == "Blue key"


def test_a_key_beside_the_app_keeps_the_recovery_codes_and_the_other_way_round():
    user = make_user()
    app_ = set_up_app(user)
    add_key(user)
    assert second_factor.recovery_codes_left(user) == 10
    stored = {r.code_hash for r in db.session.scalars(sa.select(RecoveryCode))}

    later = make_user()
    add_key(later)
    enrolment = second_factor.begin_enrolment(later, later)
    assert second_factor.confirm_enrolment(later, later, totp.code_at(enrolment.secret, clock.now())) == []
    assert second_factor.recovery_codes_left(later) == 10 and app_.recovery_codes
    assert stored <= {r.code_hash for r in db.session.scalars(sa.select(RecoveryCode))}


def test_adding_removing_and_renaming_keys_need_a_fresh_password_except_renaming(client):
    user = make_user()
    add_key(user)
    key_id = security_keys.keys_of(user)[0].id
    log_in(client, user, by_password=False)  # a remembered device: no password typed
    for path in ("/account/second-factor/keys/new", "/account/second-factor/keys",
                 f"/account/second-factor/keys/{key_id}/remove"):
        refused = client.post(path, data={"name": "X", "credential": "{}"})
        assert refused.status_code == 302 and "/account/confirm-password" in refused.headers["Location"]
    assert len(security_keys.keys_of(user)) == 1
    renamed = client.post(f"/account/second-factor/keys/{key_id}/rename", data={"name": "Spare key"})
    assert renamed.headers["Location"] == "/account/second-factor"
    assert security_keys.keys_of(user)[0].name == "Spare key"
    too_long = client.post(f"/account/second-factor/keys/{key_id}/rename", data={"name": "x" * 61})
    assert too_long.status_code == 302 and security_keys.keys_of(user)[0].name == "Spare key"


def test_removing_the_last_key_turns_two_step_log_in_off_and_ends_other_sessions(app, client, outbox):
    user = make_user()
    add_key(user, name="Only key")
    log_in(app.test_client(), user, device="Firefox on Linux")
    mine = log_in(client, user).row.id
    key_id = security_keys.keys_of(user)[0].id
    done = client.post(f"/account/second-factor/keys/{key_id}/remove")
    assert done.headers["Location"] == "/account/second-factor"
    assert not second_factor.has_second_factor(user) and second_factor.recovery_codes_left(user) == 0
    assert [s.id for s in sessions_of(user)] == [mine] and signed_in(client)
    assert outbox.messages[-1]["Subject"] == "A security key was removed from your account"
    assert audited("account.security_key_remove").details["name"] == "Only key"
    assert password_step(app.test_client(), user).headers["Location"] == "/my-learning"


def test_removing_one_of_two_factors_keeps_the_other_and_the_codes(client):
    user = make_user()
    set_up_app(user)
    add_key(user)
    log_in(client, user)
    client.post(f"/account/second-factor/keys/{security_keys.keys_of(user)[0].id}/remove")
    assert second_factor.has_second_factor(user) and second_factor.recovery_codes_left(user) == 10


def test_turning_two_step_log_in_off_removes_the_keys_too(client):
    user = make_user()
    set_up_app(user)
    add_key(user)
    log_in(client, user)
    client.post("/account/second-factor/disable")
    assert security_keys.keys_of(user) == [] and not second_factor.has_second_factor(user)


def test_an_administrators_reset_removes_the_keys(app, client):
    admin, user = make_user("admin"), make_user()
    add_key(user)
    log_in(client, admin)
    assert "Logs in with a second factor" in text(client.get(f"/admin/users/{user.id}"))
    client.post(f"/admin/users/{user.id}/second-factor/reset")
    assert security_keys.keys_of(user) == [] and not second_factor.has_second_factor(user)


def test_an_account_has_at_most_ten_keys():
    user = make_user()
    for n in range(security_keys.KEYS_MAX):
        add_key(user, name=f"Key {n}")
    with pytest.raises(InvalidInput, match="at most 10"):
        security_keys.begin_registration(user, user, "One more")


# The log-in's second step ---------------------------------------------------------------------------------------

def test_a_key_answers_the_log_in_and_the_code_stays_available(app, client):
    user = make_user()
    app_ = set_up_app(user)
    key, _ = add_key(user)
    assert password_step(client, user).headers["Location"] == "/login/second-factor"
    page = client.get("/login/second-factor")
    options = json.loads(page_options(page))
    assert options["rpId"] == RP_ID and [c["id"] for c in options["allowCredentials"]] == [key.id]
    assert options["userVerification"] == "preferred"
    assert 'name="code"' in page.get_data(as_text=True)  # the app's code and recovery codes still work
    challenge = db.session.scalar(sa.select(LoginChallenge))
    assert challenge.key_challenge == options["challenge"]  # held on the server, for this pending log-in

    done = client.post("/login/second-factor/key", data={"credential": key.sign_in(json.dumps(options))})
    assert done.status_code == 302 and done.headers["Location"] == "/my-learning" and signed_in(client)
    row = security_keys.keys_of(user)[0]
    assert row.sign_count == 1 and row.last_used_at == clock.now()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginChallenge)) == 0

    by_code = app.test_client()
    password_step(by_code, user)
    assert by_code.post("/login/second-factor", data={"code": app_.code()}).status_code == 302


def test_a_key_only_account_is_offered_the_key_and_its_recovery_codes(client):
    user = make_user()
    key, codes = add_key(user)
    password_step(client, user)
    page = text(client.get("/login/second-factor"))
    assert "With your security key" in page and "recovery codes you saved when you added it" in page
    assert "need JavaScript" in page  # until security-keys.js finds WebAuthn
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 302
    assert key.counter == 0


def test_an_app_only_account_is_not_offered_a_key(client):
    user = make_user()
    set_up_app(user)
    password_step(client, user)
    page = client.get("/login/second-factor").get_data(as_text=True)
    assert "security-keys.js" not in page and 'type="application/json"' not in page
    assert db.session.scalar(sa.select(LoginChallenge)).key_challenge is None


@pytest.mark.parametrize("forgery", ["origin", "challenge", "other key", "other account", "garbage"])
def test_a_wrong_answer_is_refused_counted_and_audited(client, forgery):
    user, other = make_user(), make_user()
    key, _ = add_key(user)
    theirs, _ = add_key(other)
    password_step(client, user)
    options = page_options(client.get("/login/second-factor"))
    credential = {
        "origin": lambda: key.sign_in(options, origin="https://learn.test.evil.example"),
        "challenge": lambda: key.sign_in(options, challenge="AAAAAAAAAAAAAAAAAAAAAA"),
        "other key": lambda: new_key().sign_in(options),
        "other account": lambda: theirs.sign_in(options),
        "garbage": lambda: '{"id": 5}',
    }[forgery]()
    refused = client.post("/login/second-factor/key", data={"credential": credential})
    assert refused.status_code == 422 and not signed_in(client)
    assert "That security key did not answer as it should." in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
    entry = audited("account.second_factor_failed")
    assert entry.details["kind"] == "security key" and entry.details["attempts"] == 1
    assert security_keys.keys_of(user)[0].sign_count == 0


def test_too_many_refused_key_answers_end_the_log_in_with_a_message_about_keys(client):
    user = make_user()
    add_key(user)
    password_step(client, user)
    page_options(client.get("/login/second-factor"))
    for attempt in range(1, 6):
        clock.advance(timedelta(seconds=5))  # past the delays of throttling.py
        response = client.post("/login/second-factor/key", data={"credential": '{"id": 5}'})
        assert response.status_code == (422 if attempt < 5 else 302), attempt
    page = text(client.get("/login"))
    assert "Too many refused security-key answers." in page and "wrong codes" not in page


def test_an_answer_is_accepted_once(app, client):
    user = make_user()
    key, _ = add_key(user)
    password_step(client, user)
    options = page_options(client.get("/login/second-factor"))
    answer = key.sign_in(options)
    assert client.post("/login/second-factor/key", data={"credential": answer}).status_code == 302

    replay = app.test_client()
    password_step(replay, user)
    replay.get("/login/second-factor")  # a fresh challenge for this log-in: the old answer does not fit it
    assert replay.post("/login/second-factor/key", data={"credential": answer}).status_code == 422


def test_a_counter_that_goes_back_is_refused_audited_and_told(app, client, outbox):
    user = make_user()
    key, _ = add_key(user, name="Cloned key")
    for _n in range(3):
        signing_in = app.test_client()
        password_step(signing_in, user)
        assert key_step(signing_in, key).status_code == 302
    assert security_keys.keys_of(user)[0].sign_count == 3
    key.counter = 1  # a copy of the key made after its first use
    password_step(client, user)
    refused = key_step(client, key)
    assert refused.status_code == 422 and "it may have been copied" in text(refused) and not signed_in(client)
    entry = audited("account.security_key_sign_count_regressed")
    assert entry.details == {"key": security_keys.keys_of(user)[0].id, "name": "Cloned key", "stored": 3,
                             "reported": 2}
    assert outbox.messages[-1]["Subject"] == "Your security key may have been copied"
    assert security_keys.keys_of(user)[0].sign_count == 3


def test_a_key_without_a_counter_keeps_working():
    user = make_user()
    key, _ = add_key(user)

    class NoCounter(SoftwareKey):
        def sign_in(self, options_json, **kwargs):
            self.counter = -1  # signs with 0 each time, as passkeys synced between devices do
            return super().sign_in(options_json, **kwargs)

    stateless = NoCounter(origin=ORIGIN, rp_id=RP_ID, credential_id=key.credential_id, private_key=key.private_key)
    for _n in range(2):
        challenge = second_factor.pending_challenge(second_factor.start_challenge(user))
        assert security_keys.check_assertion(challenge, user,
                                             stateless.sign_in(security_keys.login_options(challenge))) == "accepted"


def test_wrong_answers_slow_the_account_down_and_five_end_the_pending_log_in(app, client, monkeypatch):
    user = make_user()
    add_key(user)
    password_step(client, user)
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES", 2)  # then each attempt waits 1, 2, 4... seconds
    for _n in range(3):
        assert key_step(client, new_key()).status_code == 422
    hurried = key_step(client, new_key())  # the delays of throttling.py apply to keys as to codes
    assert hurried.status_code == 429 and int(hurried.headers["Retry-After"]) > 0
    clock.advance(timedelta(seconds=5))
    assert key_step(client, new_key()).status_code == 422
    clock.advance(timedelta(seconds=5))
    ended = key_step(client, new_key())
    assert ended.status_code == 302 and ended.headers["Location"] == "/login"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginChallenge)) == 0
    assert client.post("/login/second-factor/key", data={"credential": "{}"}).headers["Location"] == "/login"


def test_the_key_step_without_a_pending_log_in_or_an_answer(client):
    user = make_user()
    add_key(user)
    assert client.post("/login/second-factor/key", data={"credential": "{}"}).headers["Location"] == "/login"
    password_step(client, user)
    empty = client.post("/login/second-factor/key", data={})
    assert empty.status_code == 422 and "The key did not answer." in text(empty)
    assert db.session.scalar(sa.select(LoginChallenge)).attempts == 0  # nothing was tried


# Personal data ------------------------------------------------------------------------------------------------------

def test_the_export_lists_the_keys_without_their_public_keys_and_erasure_removes_them():
    user = make_user()
    add_key(user, name="Work key")
    data = export_user_data(user)
    assert [k["name"] for k in data["security_keys"]] == ["Work key"]
    assert "public_key" not in data["security_keys"][0] and "credential_id" in data["security_keys"][0]
    erase_user(user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecurityKey)) == 0


# The pages' plumbing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login/second-factor/key", "/account/second-factor/keys/new",
                                  "/account/second-factor/keys"])
def test_the_key_forms_need_their_csrf_token(client, csrf_enabled, path):
    user = make_user()
    add_key(user)
    if path == "/login/second-factor/key":
        password_step(client, user)  # csrf_enabled: the password form needs its token, so this does not log in
    else:
        log_in(client, user)
    assert client.post(path, data={"name": "Key", "credential": "{}"}).status_code == 400
    assert len(security_keys.keys_of(user)) == 1


def test_the_script_is_shipped_with_the_package_and_allowed_by_the_content_policy(client):
    user = make_user()
    add_key(user)
    password_step(client, user)
    page = client.get("/login/second-factor")
    assert '<script src="/static/js/security-keys.js" defer></script>' in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.get("/static/js/security-keys.js")
    try:
        assert script.status_code == 200 and "navigator.credentials.create" in script.get_data(as_text=True)
    finally:
        script.close()
