"""Each worker's copy of a signed-in user (accounts/signin_cache.py): served without a query while the account is
unchanged, and never past a change: log-out, log-out everywhere, password change, suspension, a reset second
factor, a renamed account or a new notification show on the very next request, with Redis and without."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts import signin_cache
from moocplatform.accounts.models import User
from moocplatform.accounts.sessions import start_session
from moocplatform.accounts.signin_versions import CHANGES_USERS, FileVersions, RedisVersions, version_store
from moocplatform.extensions import db
from moocplatform.notifications import services as notifications
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user
from tests.parallel import redis_test_url
from tests.second_factor_helpers import set_up_app

REDIS_TEST_URL = redis_test_url("signin")
NEW_PASSWORD = "a fine long passphrase"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


@pytest.fixture(params=["without Redis", "with Redis"])
def deployment(request, app, monkeypatch) -> str:
    """Both ways a deployment may run: on SQLite the copies are checked against a file beside the database
    either way; on PostgreSQL against Redis, or (without it) not kept at all."""
    if request.param == "with Redis":
        _redis_or_skip()
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    return request.param


@pytest.fixture()
def redis_configured(app, monkeypatch) -> None:
    """REDIS_URL set (on PostgreSQL the versions then live in Redis; SQLite keeps its file)."""
    _redis_or_skip()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)


def copies_kept(app) -> bool:
    return signin_cache.cache_for(app) is not None


def visit(client, count_queries, path: str = "/account") -> tuple[bool, int]:
    """Whether the browser is signed in, and how many queries loaded its user and session."""
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code in (200, 302)
    return response.status_code == 200, sum("JOIN user_sessions" in s for s in statements)


def served_from_copy(app, client, count_queries) -> None:
    """Two visits: the first may load the user, the second is served from the copy when copies are kept."""
    assert visit(client, count_queries)[0]
    assert visit(client, count_queries) == (True, 0 if copies_kept(app) else 1)


def test_a_signed_in_browser_is_served_from_the_workers_copy(app, client, count_queries, deployment):
    user = make_user(display_name="Ann Example")
    log_in(client, user)
    served_from_copy(app, client, count_queries)
    assert "Ann Example" in client.get("/account").get_data(as_text=True)


def test_log_out_everywhere_else_signs_the_other_browser_out_at_once(app, count_queries, deployment):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, user, device="Laptop")
    log_in(phone, user, device="Phone")
    served_from_copy(app, phone, count_queries)
    assert laptop.post("/account/sessions/end-others").status_code == 302
    assert not visit(phone, count_queries)[0]
    assert visit(laptop, count_queries)[0]


def test_log_out_ends_a_copied_session_for_every_holder_of_its_cookie(app, client, count_queries, deployment):
    user = make_user()
    log_in(client, user)
    other = app.test_client()
    log_in(other, user)
    served_from_copy(app, client, count_queries)
    copied = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not visit(replay, count_queries)[0]
    assert visit(other, count_queries)[0]  # another session of the account stands


def test_a_password_change_signs_the_other_browser_out_at_once(app, count_queries, deployment):
    user = make_user()
    here, there = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(there, user)
    served_from_copy(app, there, count_queries)
    served_from_copy(app, here, count_queries)
    changed = here.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not visit(there, count_queries)[0]
    assert visit(here, count_queries)[0]  # kept, at the new auth_version


def test_a_suspension_signs_every_browser_out_at_once(app, count_queries, deployment):
    admin, user = make_user("admin"), make_user()
    browser, admin_browser = app.test_client(), app.test_client()
    log_in(browser, user)
    log_in(admin_browser, admin)
    served_from_copy(app, browser, count_queries)
    response = admin_browser.post(f"/admin/users/{user.id}/suspend", data={"reason": "spam", "confirm": "y"})
    assert response.status_code == 302
    assert not visit(browser, count_queries)[0]


def test_an_administrators_reset_of_the_second_factor_signs_the_account_out_at_once(app, count_queries,
                                                                                     deployment):
    admin, user = make_user("admin"), make_user()
    set_up_app(user)
    browser, admin_browser = app.test_client(), app.test_client()
    log_in(browser, user)
    log_in(admin_browser, admin)
    served_from_copy(app, browser, count_queries)
    assert admin_browser.post(f"/admin/users/{user.id}/second-factor/reset").status_code == 302
    assert not visit(browser, count_queries)[0]


def test_a_role_taken_away_applies_at_once(app, count_queries, deployment):
    admin, colleague = make_user("admin"), make_user("admin")
    browser, admin_browser = app.test_client(), app.test_client()
    log_in(browser, colleague)
    log_in(admin_browser, admin)
    assert browser.get("/admin/").status_code == 200
    served_from_copy(app, browser, count_queries)
    grant, = colleague.roles
    assert admin_browser.post(f"/admin/users/{colleague.id}/roles/{grant.id}/revoke").status_code == 302
    assert browser.get("/admin/").status_code == 403


def test_a_profile_saved_through_a_copy_is_saved_and_shown_everywhere_at_once(app, count_queries, deployment):
    user = make_user(display_name="Old Name")
    here, there = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(there, user)
    served_from_copy(app, here, count_queries)
    served_from_copy(app, there, count_queries)
    saved = here.post("/account", data={"display_name": "New Name", "full_name": "", "locale": "en",
                                        "timezone": "UTC", "bio": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "New Name"
    assert 'value="New Name"' in there.get("/account").get_data(as_text=True)


def test_a_new_notification_shows_in_the_bell_at_once(app, client, count_queries, deployment):
    user = make_user()
    log_in(client, user)
    served_from_copy(app, client, count_queries)
    notifications.notify(user, "discussion.reply", {"name": "X", "thread": "1"}, link="/notifications")
    db.session.commit()
    assert '<span class="badge">1' in client.get("/account").get_data(as_text=True)


def test_last_seen_is_still_written_once_a_minute_while_copies_serve(app, client, count_queries, deployment):
    user = make_user()
    log_in(client, user)
    touched_at = []
    for second in range(0, 185, 5):  # three minutes of a request every five seconds
        with count_queries() as statements:
            assert client.get("/account").status_code == 200
        if any(s.lstrip().upper().startswith("UPDATE USER_SESSIONS") for s in statements):
            touched_at.append(second)
        clock.advance(timedelta(seconds=5))
    assert touched_at == [60, 120, 180]


def test_a_cookie_naming_another_account_finds_no_copy(app, client, count_queries):
    user, other = make_user(), make_user()
    log_in(client, user)
    served_from_copy(app, client, count_queries)
    with client.session_transaction() as session:
        session["_user_id"] = str(other.id)  # the key is the first user's
    assert not visit(client, count_queries)[0]


def test_a_change_made_past_the_application_shows_once_the_copy_lapses(app, client, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_CACHE_SECONDS", 0.3)
    user = make_user()
    log_in(client, user)
    served_from_copy(app, client, count_queries)
    # By hand, past the ORM (and so past the sign-in versions).
    db.session.connection().execute(sa.update(User.__table__).where(User.__table__.c.id == user.id)
                                    .values(status="suspended"))
    assert visit(client, count_queries)[0] == copies_kept(app)  # the copy holds for SIGN_IN_CACHE_SECONDS...
    time.sleep(0.35)
    assert not visit(client, count_queries)[0]  # ... and no longer


def test_copies_are_objects_of_the_requests_own_session(app, redis_configured):
    user = make_user("admin")
    started = start_session(user, device="Test")
    db.session.flush()
    cache = signin_cache.cache_for(app)
    if cache is None:
        pytest.skip("PostgreSQL without Redis keeps no copies")
    with app.app_context(), app.test_request_context():
        signin_cache.signed_in(user.id, started.key, user.auth_version)  # loads, and makes a copy
    with app.app_context(), app.test_request_context():
        statements: list[str] = []

        def listener(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            copy, row = signin_cache.signed_in(user.id, started.key, user.auth_version)
            assert copy is not user and copy in db.session and row in db.session
            assert [g.role for g in copy.roles] == ["admin"] and copy.is_admin and not db.session.dirty
            assert statements == []  # no query, lazy or not
            copy.bio = "Written through the copy"
            db.session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        assert any(s.lstrip().upper().startswith("UPDATE USERS") for s in statements)


def test_on_sqlite_a_copy_is_made_only_from_a_load_that_begins_its_transaction(app, redis_configured):
    user = make_user()
    started = start_session(user, device="Test")
    db.session.flush()
    cache = signin_cache.cache_for(app)
    if cache is None:
        pytest.skip("PostgreSQL without Redis keeps no copies")
    hashed = started.row.key_hash
    with app.app_context(), app.test_request_context():
        db.session.execute(sa.select(sa.literal(1)))  # something read first: an older snapshot on SQLite
        assert signin_cache.signed_in(user.id, started.key, user.auth_version) is not None
        made_after_a_read = cache._copies.get(hashed) is not None
    # PostgreSQL reads what was committed when each statement began, so the copy is safe there
    assert made_after_a_read == (db.engine.dialect.name == "postgresql")
    with app.app_context(), app.test_request_context():
        assert signin_cache.signed_in(user.id, started.key, user.auth_version) is not None
        assert cache._copies.get(hashed) is not None


def test_statements_move_the_versions_of_the_accounts_they_name_or_everyones(app, redis_configured):
    store = version_store(app)
    if store is None:
        pytest.skip("PostgreSQL without Redis keeps no versions")
    user, other = make_user(), make_user()
    db.session.commit()
    before = store.read(user.id), store.read(other.id)
    db.session.execute(sa.update(User).where(User.id == user.id).values(bio="named"),
                       execution_options={CHANGES_USERS: (user.id,)})
    db.session.commit()
    assert store.read(user.id) != before[0] and store.read(other.id) == before[1]
    db.session.execute(sa.update(User).where(User.id == user.id).values(bio="not named"))
    db.session.commit()
    assert store.read(other.id) != before[1]  # a statement that does not say whom it changes moves everyone


def test_file_versions_are_shared_with_other_processes_and_a_new_file_matches_no_old_copy(tmp_path):
    path = str(tmp_path / "app.sqlite3.sign-ins")
    reader = FileVersions(path)
    first, neighbour = reader.read(7), reader.read(8)
    subprocess.run([sys.executable, "-c", "import sys; from moocplatform.accounts.signin_versions import "
                    "FileVersions; FileVersions(sys.argv[1]).bump([7], False)", path], check=True, timeout=60)
    moved = reader.read(7)
    assert moved != first and moved[1] == first[1] and reader.read(8) == neighbour
    FileVersions(path).bump([], True)
    assert reader.read(8) != neighbour
    (tmp_path / "app.sqlite3.sign-ins").unlink()  # made again from zero: its inode tells it apart
    assert reader.read(7) not in (first, moved)


def test_redis_versions_move_with_a_bump_and_never_return_to_an_old_value():
    client = _redis_or_skip()
    prefix = f"test-signin-{uuid.uuid4().hex}:"
    store = RedisVersions(client, prefix=prefix)
    try:
        first = store.read(5)
        assert first is not None and store.read(5) == first
        store.bump([5], everyone=False)
        moved = store.read(5)
        assert moved is not None and moved[1] != first[1] and moved[0] == first[0]
        store.bump([], everyone=True)
        assert store.read(6)[0] != moved[0]
        client.delete(f"{prefix}user:5")  # evicted, or Redis restarted without its data
        store.bump([5], everyone=False)
        assert store.read(5)[1] not in (first[1], moved[1])
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_an_unreachable_redis_loads_the_user_from_the_database(app, client, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert RedisVersions(redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)).read(1) is None
    user = make_user()
    log_in(client, user)
    assert visit(client, count_queries)[0] and visit(client, count_queries)[0]
    changed = client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert changed.status_code == 302  # a version that cannot be moved is logged, the change stands
