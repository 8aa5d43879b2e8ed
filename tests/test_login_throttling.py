"""Log-in throttling: growing delays per account and source, a ceiling per address, device cookies that keep
the account holder's own browser out of an attacker's reach, and an unlock that clears it all. Nothing here
ever locks a class out."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from moocplatform import clock, create_app
from moocplatform.accounts import services, throttling
from moocplatform.accounts.models import LoginFailure, User
from moocplatform.accounts.passwords import hash_password
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user

SCHOOL = "192.0.2.10"  # one router's address for a whole classroom
ATTACKER = "198.51.100.66"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def attempt(client, email, password, *, ip):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def fail(client, email, *, ip) -> int:
    """One wrong password; the status it got (422 refused, 429 throttled)."""
    return attempt(client, email, "definitely wrong", ip=ip).status_code


def failures() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) or 0


def test_delays_grow_from_the_third_failure_up_to_a_minute(client):
    make_user(email="ann@example.org")
    assert fail(client, "ann@example.org", ip="10.0.0.1") == 422
    assert fail(client, "ann@example.org", ip="10.0.0.1") == 422  # two free failures: no wait
    waits = []
    for _ in range(9):
        assert fail(client, "ann@example.org", ip="10.0.0.1") == 422
        refused = attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1")  # even the right password waits
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(timedelta(seconds=waits[-1]))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert failures() == 11  # the throttled attempts were not counted as failures
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 302


def test_a_throttled_page_says_how_long_to_wait(client):
    make_user(email="ann@example.org")
    for _ in range(4):
        clock.advance(timedelta(seconds=1))
        assert fail(client, "ann@example.org", ip="10.0.0.1") == 422
    response = attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert "Too many failed attempts. Try again in 2 seconds, or reset your password." in text(response)


def test_delays_are_per_account_and_source(client):
    make_user(email="ann@example.org")
    make_user(email="bob@example.org")
    for _ in range(8):
        clock.advance(timedelta(seconds=60))
        fail(client, "ann@example.org", ip=ATTACKER)
    assert attempt(client, "ann@example.org", PASSWORD, ip=ATTACKER).status_code == 429
    # The same account from another address, and another account from the attacker's, wait for nothing.
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 302
    client.post("/logout")
    assert attempt(client, "bob@example.org", PASSWORD, ip=ATTACKER).status_code == 302


def test_a_success_forgets_only_its_own_sources_failures(client):
    make_user(email="ann@example.org")
    for _ in range(3):
        fail(client, "ann@example.org", ip=ATTACKER)
        fail(client, "ann@example.org", ip="10.0.0.1")
        clock.advance(timedelta(seconds=5))
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 302
    assert db.session.scalars(sa.select(LoginFailure.ip).distinct()).all() == [ATTACKER]


def test_the_delay_ends_with_the_window(client, app):
    make_user(email="ann@example.org")
    for _ in range(3):
        fail(client, "ann@example.org", ip="10.0.0.1")
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 429
    clock.advance(timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1))
    assert throttling.throttle_wait("ann@example.org", throttling.LoginSource("10.0.0.1")) == 0


def test_a_class_behind_one_address_logs_in_while_one_account_is_attacked(app, client):
    """Thirty learners behind one school router, some mistyping once, while someone in the same room keeps
    guessing a classmate's password: every learner gets in, at the first correct attempt."""
    learners = [make_user(email=f"learner{n}@school.example") for n in range(30)]
    victim = learners[0].email
    attacker = app.test_client()
    for _ in range(12):
        clock.advance(timedelta(seconds=60))
        assert fail(attacker, victim, ip=SCHOOL) == 422
    assert attempt(attacker, victim, "another guess", ip=SCHOOL).status_code == 429
    for n, learner in enumerate(learners[1:], start=1):
        browser = app.test_client()
        if n % 3 == 0:
            assert fail(browser, learner.email, ip=SCHOOL) == 422
        assert attempt(browser, learner.email, PASSWORD, ip=SCHOOL).status_code == 302, learner.email
        assert browser.get("/my-learning").status_code == 200


def test_an_attacker_cannot_slow_down_a_victims_trusted_device(app, client):
    make_user(email="ann@example.org")
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302  # gives the device cookie
    assert client.get_cookie("device") is not None
    client.post("/logout")
    attacker = app.test_client()
    for _ in range(12):  # from the same address, so only the cookie tells the victim's browser apart
        clock.advance(timedelta(seconds=60))
        assert fail(attacker, "ann@example.org", ip=SCHOOL) == 422
    for n in range(current_app.config["LOGIN_SOURCE_MAX_FAILURES"]):  # and the address meets its ceiling
        db.session.add(LoginFailure(email=f"sprayed{n}@example.org", ip=SCHOOL, failed_at=clock.now()))
    db.session.flush()
    assert attempt(attacker, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 429
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302


def test_a_trusted_device_has_its_own_failure_count(app, client):
    make_user(email="ann@example.org")
    attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL)
    client.post("/logout")
    for _ in range(3):
        assert fail(client, "ann@example.org", ip=SCHOOL) == 422
    [device] = db.session.scalars(sa.select(LoginFailure.device).distinct()).all()
    assert device is not None
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 429  # a stolen cookie is slowed too
    # A browser without the cookie, from the same address, is not slowed down by the device's failures.
    assert attempt(app.test_client(), "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302


def test_a_device_cookie_is_trusted_only_for_the_accounts_that_logged_in_with_it(app, client):
    make_user(email="ann@example.org")
    make_user(email="bob@example.org")
    attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL)
    client.post("/logout")
    fail(client, "bob@example.org", ip=SCHOOL)
    assert db.session.scalar(sa.select(LoginFailure.device).where(LoginFailure.email == "bob@example.org")) is None
    client.set_cookie("device", "forged.cookie.value")
    fail(client, "ann@example.org", ip=SCHOOL)
    assert db.session.scalar(sa.select(LoginFailure.device).where(LoginFailure.email == "ann@example.org")) is None


def test_an_address_meets_a_ceiling_of_failures_across_accounts(client, app):
    make_user(email="ann@example.org")
    ceiling = app.config["LOGIN_SOURCE_MAX_FAILURES"]
    assert ceiling == 200
    for n in range(ceiling - 1):
        db.session.add(LoginFailure(email=f"sprayed{n}@example.org", ip=ATTACKER, failed_at=clock.now()))
    db.session.flush()
    clock.advance(timedelta(minutes=5))
    assert attempt(client, "ann@example.org", PASSWORD, ip=ATTACKER).status_code == 302  # 199: still below
    client.post("/logout")
    assert fail(client, "nobody@example.org", ip=ATTACKER) == 422
    # A browser without ann's device cookie is refused (hers, from the log-in above, is still trusted).
    refused = attempt(app.test_client(), "ann@example.org", PASSWORD, ip=ATTACKER)
    assert refused.status_code == 429
    assert attempt(client, "ann@example.org", PASSWORD, ip=ATTACKER).status_code == 302
    # The oldest of the 200 leaves the 15-minute window ten minutes from now.
    assert refused.headers["Retry-After"] == str(10 * 60)
    assert attempt(app.test_client(), "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 302


def test_an_account_attacked_from_many_addresses_lets_in_only_its_trusted_devices(app, client, outbox):
    """A botnet that guesses from a new address each time meets no delay per source; the account itself
    meets a ceiling of 100 failures an hour, after which only a device it trusts, or a reset, gets in."""
    make_user(email="ann@example.org")
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302  # ann's own laptop
    client.post("/logout")
    ceiling = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    assert ceiling == 100
    for n in range(ceiling):
        clock.advance(timedelta(seconds=20))
        assert fail(app.test_client(), "ann@example.org", ip=f"203.0.113.{n}") == 422
    refused = attempt(app.test_client(), "ann@example.org", PASSWORD, ip="203.0.113.200")
    assert refused.status_code == 429
    assert "This account has had too many failed log-ins. Log in on a device you have used before" in text(refused)
    # The oldest of the hundred, 1,980 s old, leaves the hour-long window 1,620 s from now.
    assert refused.headers["Retry-After"] == str(3600 - ceiling * 20 + 20)
    assert failures() == ceiling  # refused attempts are no guesses
    # Her own device is not held back; nor is any other account.
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302
    client.post("/logout")
    make_user(email="bob@example.org")
    assert attempt(app.test_client(), "bob@example.org", PASSWORD, ip="203.0.113.200").status_code == 302
    # A password reset (the mailbox proves the holder) clears the way for any device.
    stranger = app.test_client()
    stranger.post("/forgot-password", data={"email": "ann@example.org"})
    link = outbox.last_link("/reset-password/")
    new = "a brand new passphrase"
    assert stranger.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert attempt(stranger, "ann@example.org", new, ip="203.0.113.201").status_code == 302


def test_the_account_ceiling_ends_with_its_window(app, client):
    make_user(email="ann@example.org")
    for n in range(app.config["LOGIN_ACCOUNT_MAX_FAILURES"]):
        db.session.add(LoginFailure(email="ann@example.org", ip=f"203.0.113.{n}", failed_at=clock.now()))
    db.session.flush()
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 429
    clock.advance(timedelta(seconds=app.config["LOGIN_ACCOUNT_WINDOW_SECONDS"] + 1))
    assert attempt(client, "ann@example.org", PASSWORD, ip="10.0.0.1").status_code == 302


def test_throttle_state_lives_in_the_database(app):
    """What one worker records, another reads: the state is rows in login_failures, not process memory."""
    for _ in range(4):
        db.session.add(LoginFailure(email="ann@example.org", ip="203.0.113.1", failed_at=clock.now()))
    db.session.flush()
    source = throttling.LoginSource("203.0.113.1")
    assert throttling.throttle_wait("ANN@example.org ", source) == 2
    assert throttling.throttle_wait("bob@example.org", source) == 0
    assert throttling.throttle_wait("ann@example.org", throttling.LoginSource("203.0.113.2")) == 0
    with pytest.raises(throttling.LoginThrottled):
        services.authenticate("ann@example.org", PASSWORD, source)
    db.session.execute(sa.delete(LoginFailure))
    assert throttling.throttle_wait("ann@example.org", source) == 0


def test_throttling_holds_across_two_app_instances_sharing_the_database(app, monkeypatch):
    """Two workers: two apps with their own engines on the same database, each committing for real.

    The per-test rollback cannot cover other connections, so this test commits and cleans up after itself.
    """
    settings = {key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST", "ASSET_STORE_DIR", "MAIL_OUTBOX_DIR", "PUBLIC_BASE_URL", "SERVER_NAME")}
    workers = [create_app(dict(settings)), create_app(dict(settings))]
    engines = {}
    for worker in workers:
        with worker.app_context():
            engines[id(worker)] = db.engine
    assert len({id(engine) for engine in engines.values()} | {id(db.engine)}) == 3

    class WorkerSession(sa.orm.Session):
        def get_bind(self, *args, **kwargs):
            return engines[id(current_app._get_current_object())]

    monkeypatch.setattr(db, "session", scoped_session(sessionmaker(class_=WorkerSession), scopefunc=_app_ctx_id))
    email = "two-workers@example.org"
    try:
        with workers[0].app_context():
            now = clock.now()
            db.session.add(User(email=email, password_hash=hash_password(PASSWORD), display_name="Two Workers",
                                created_at=now, email_verified_at=now, password_changed_at=now))
            db.session.commit()
        first, second = (worker.test_client() for worker in workers)
        for _ in range(2):
            assert fail(first, email, ip="10.9.0.1") == 422
        assert fail(second, email, ip="10.9.0.1") == 422
        clock.advance(timedelta(seconds=1))
        assert fail(second, email, ip="10.9.0.1") == 422
        # Worker one counts the failures that worker two recorded: four failures, a wait of two seconds.
        refused = attempt(first, email, PASSWORD, ip="10.9.0.1")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "2"
    finally:
        with workers[0].app_context():
            db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
            db.session.execute(sa.delete(User).where(User.email == email))
            db.session.commit()
            db.session.remove()
        for worker in workers:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()


def test_admin_unlock_clears_every_source_and_device(client, app):
    admin = make_user("admin")
    target = make_user(email="ann@example.org")
    attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL)
    client.post("/logout")
    for _ in range(3):
        fail(client, "ann@example.org", ip=SCHOOL)  # through the device cookie
        fail(app.test_client(), "ann@example.org", ip=ATTACKER)
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 429

    admin_client = app.test_client()
    log_in(admin_client, admin)
    page = text(admin_client.get(f"/admin/users/{target.id}"))
    assert "6 failed log-ins in the last 15 minutes slow further attempts down." in page
    response = admin_client.post(f"/admin/users/{target.id}/unlock", follow_redirects=True)
    assert "6 failed attempts cleared" in text(response)
    assert attempt(client, "ann@example.org", PASSWORD, ip=SCHOOL).status_code == 302
    assert throttling.throttle_wait("ann@example.org", throttling.LoginSource(ATTACKER)) == 0


def test_purge_job_forgets_failures_older_than_both_windows(app):
    db.session.add(LoginFailure(email="old@example.org", ip="1.1.1.1", failed_at=clock.now()))
    db.session.flush()
    clock.advance(timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"] + 1))
    db.session.add(LoginFailure(email="recent@example.org", ip="1.1.1.1", failed_at=clock.now()))
    db.session.flush()
    assert throttling.purge_old_login_failures() == 0  # the account ceiling still counts it
    clock.advance(timedelta(seconds=app.config["LOGIN_ACCOUNT_WINDOW_SECONDS"]))
    db.session.add(LoginFailure(email="new@example.org", ip="1.1.1.1", failed_at=clock.now()))
    db.session.flush()
    assert throttling.purge_old_login_failures() == 2
    assert db.session.scalars(sa.select(LoginFailure.email)).all() == ["new@example.org"]


@pytest.mark.parametrize("url, field, extra", [
    ("/account/password", "current_password", {"password": "a fine long passphrase",
                                                "confirm": "a fine long passphrase"}),
    ("/account/delete", "password", {"confirm": "y"}),
])
def test_current_password_checks_are_throttled_as_log_ins_are(client, url, field, extra):
    user = make_user(email="ann@example.org")
    log_in(client, user)
    for _ in range(3):
        assert client.post(url, data={field: "not my password", **extra}).status_code == 422
    assert failures() == 3  # kept although each request showed an error
    refused = client.post(url, data={field: PASSWORD, **extra})
    assert refused.status_code == 422
    assert "Too many failed attempts. Try again in 1 second" in text(refused)
    clock.advance(timedelta(seconds=1))
    assert client.post(url, data={field: PASSWORD, **extra}).status_code == 302
