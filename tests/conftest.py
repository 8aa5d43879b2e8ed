"""Fixtures: one app per test session on the database named by TEST_DATABASE_URL (SQLite by default),
migrated with Alembic; every test runs inside a transaction that is rolled back."""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from moocplatform import clock, create_app
from moocplatform.extensions import db
from moocplatform.mail import outbox_messages

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
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


class FreshContextClient(FlaskClient):
    """Each request gets its own application context (and so its own `g` and session), as in production,
    even though the test itself holds one open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


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
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(START):
        yield


@pytest.fixture()
def outbox(app, tmp_path):
    """The mails sent during the test, newest last."""
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")

    class Outbox:
        @property
        def messages(self):
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


def log_in(client, user) -> None:
    """Log a user in without the form (the form itself has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


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
