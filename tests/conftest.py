"""Fixtures: one app per test session on the database named by TEST_DATABASE_URL (SQLite by default),
migrated with Alembic; every test runs inside a transaction that is rolled back."""
from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from _pytest.nodeid import NodeId  # pytest has no public way to set an item's node id
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from moocplatform import clock, create_app, events, ratelimit
from moocplatform.accounts import signin_cache, signin_versions
from moocplatform.accounts.session_cookies import browser_session_values
from moocplatform.accounts.sessions import start_session
from moocplatform.extensions import db
from moocplatform.mail import outbox_messages
from moocplatform.outbox.worker import run_outbox as run_queued_rows
from tests.openapi_check import check_api_response
from tests.parallel import worker_database_url

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Under xdist each worker runs on its own PostgreSQL database; every fixture below reads the URL from here.
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["TEST_DATABASE_URL"] = worker_database_url(os.environ["TEST_DATABASE_URL"])
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        # A fresh database of our own on the server, so the run never touches other data.
        name = sa.engine.make_url(url).database
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has a node id of its own. Schemathesis names each operation's test, but on pytest 9.2 (whose
    node ids are structured) all of them get the function's node id, and pytest-xdist schedules whole files by
    node id: without this, all operations but one would go unfuzzed under `make test`."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None and not item.nodeid.endswith(f"::{item.name}"):
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
    duplicated = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if duplicated:
        raise pytest.UsageError(f"tests sharing a node id (only one of each would run in parallel): {duplicated}")


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and so its own `g` and session), as in production,
    even though the test itself holds one open."""

    def open(self, *args, **kwargs):
        # The request shares the test's connection, so it reads what the test flushed even before a commit:
        # what the test changed of accounts counts as committed for the workers' copies of signed-in users.
        if has_app_context():
            signin_versions.publish(db.session())
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/"):
            check_api_response(self.application, request.method, request.path, response)
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("moocplatform")
    (root / "instance").mkdir()
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(root),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ASSET_STORE_DIR": str(root / "assets"),
        "STORAGE_DIR": str(root / "files"),  # never the checkout's instance/ (create_app reads it before we set it)
        "MAIL_OUTBOX_DIR": str(root / "outbox"),
        "PUBLIC_BASE_URL": "http://learn.test",
        "SERVER_NAME": None,
    })
    app.instance_path = str(root / "instance")
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app) -> Iterator[None]:
    """Each test sees an empty database and leaves it so: an outer transaction that is rolled back."""
    if "live_server" in request.fixturenames:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session honours `bind` (Flask-SQLAlchemy's always picks the engine); one per app context.
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        db.session = scoped_session(factory, scopefunc=_app_ctx_id)
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app) -> Iterator[None]:
    """Each test counts rate limits from zero (the in-process limiter lives as long as the app)."""
    app.extensions[ratelimit.EXTENSION_KEY] = ratelimit.MemoryRateLimiter()
    yield
    app.extensions.pop(ratelimit.EXTENSION_KEY, None)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(START):
        yield


@pytest.fixture()
def run_outbox(app):
    """`run_outbox()` runs the queued outbox rows in this process, as the worker would, until none is
    runnable; it returns {row id: status}."""
    def run(*, scheduler_tick: bool = False) -> dict[int, str]:
        with app.app_context():
            return run_queued_rows(scheduler_tick=scheduler_tick)

    return run


@pytest.fixture()
def outbox(app, tmp_path, run_outbox):
    """The mails sent during the test, newest last: reading them first lets the worker run the queued rows."""
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")

    class Outbox:
        @property
        def messages(self):
            run_outbox()
            return outbox_messages(app.config["MAIL_OUTBOX_DIR"])

        def last_link(self, marker: str) -> str:
            for message in reversed(self.messages):
                for word in message.get_content().split():
                    if marker in word:
                        return word.replace("http://learn.test", "")
            raise AssertionError(f"no mail with a link containing {marker!r}")

    return Outbox()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def log_in(client, user, *, device: str = "Test client", remember: bool = False, by_password: bool = True):
    """Log a user in without the form (the form itself has its own tests): a real session row, made by the
    service the log-in uses, and the cookie that names it. Returns the StartedSession."""
    started = start_session(user, device=device, remember=remember, by_password=by_password)
    with client.session_transaction() as session:
        session.update(browser_session_values(user, started))
    return started


@pytest.fixture()
def user_query(app) -> int:
    """The queries a signed-in request spends loading its user once the worker has seen the session: none when
    the worker's copy serves it (a SQLite file, or PostgreSQL with Redis: accounts/signin_cache.py), else the
    one query of the user with its session and roles."""
    return 0 if signin_cache.cache_for(app) is not None else 1


@pytest.fixture()
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside the block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counting


warnings.filterwarnings("ignore", category=DeprecationWarning, module="argon2")


@pytest.fixture()
def announced():
    """The events announced during the test, in order (a durable subscriber to every event type)."""
    seen: list[events.Event] = []
    types = events.Event.__subclasses__()
    for event_type in types:
        events.subscribe(event_type, seen.append)
    yield seen
    for event_type in types:
        events.unsubscribe(event_type, seen.append)
