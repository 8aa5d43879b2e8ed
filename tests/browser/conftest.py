"""Browser fixtures: the real application served on 127.0.0.1 from a database of its own, and Chromium.

The per-test rollback of tests/conftest.py cannot reach requests served by another thread, so the live server
gets its own database (a SQLite file, or the suite's PostgreSQL database name with `_browser` when
TEST_DATABASE_URL names a PostgreSQL server), migrated and seeded once through the same services the app uses.
Server and browser live as long as this package's tests (package scope), so they are gone before the rest of
the suite runs. Tests that change data use accounts of their own, so they do not depend on each other's order.

The server runs in a thread of the test process, so the autouse `frozen_clock` of tests/conftest.py holds for
it too: during every test the application's clock reads 2026-03-02 09:00 UTC (the seed uses the same moment).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from moocplatform import clock, create_app
from moocplatform.accounts.models import User
from moocplatform.accounts.session_cookies import browser_session_values
from moocplatform.accounts.sessions import start_session
from moocplatform.catalog.services import import_pack, pack_folders
from moocplatform.extensions import db
from moocplatform.mail import outbox_messages
from moocplatform.outbox.worker import run_outbox
from tests.conftest import POSTGRES_ADMIN_URL, START
from tests.factories import enrol, make_user

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Generous, for busy CI machines: waits end as soon as their condition holds, so passing runs are no slower.
TIMEOUT_MS = 15_000
# Everything but the live server (video embeds, for one) is refused, so that runs are hermetic.
NOT_LOCAL = re.compile(r"^(?!http://127\.0\.0\.1[:/]|data:|about:|blob:)")
COURSES_DIR = Path(__file__).resolve().parents[2] / "courses"
COURSE = "learning-to-learn"

# Seeded accounts: key -> (e-mail, display name, role). Every learner is enrolled in Learning to learn.
ACCOUNTS = {
    "learner": ("learner@example.org", "Alex Learner", "learner"),
    "colearner": ("colearner@example.org", "Casey Colearner", "learner"),
    "keyboard": ("keyboard@example.org", "Kai Keyboard", "learner"),
    "course_team": ("courseteam@example.org", "Kim Course Team", "course_team"),
    "admin": ("admin@example.org", "Robin Admin", "admin"),
}


@dataclass
class LiveServer:
    url: str
    outbox_dir: Path
    app: Flask = field(repr=False)
    user_ids: dict[str, int] = field(default_factory=dict, repr=False)

    def mails_to(self, address: str) -> list[EmailMessage]:
        """The mails to address, once the queued rows have run (as `moocplatform worker` would run them)."""
        with self.app.app_context():
            run_outbox()
            db.session.remove()
        return [m for m in outbox_messages(str(self.outbox_dir)) if m["To"] == address]

    def link_in_mail(self, address: str, marker: str) -> str:
        """The first link containing marker in the newest mail to address that has one."""
        for message in reversed(self.mails_to(address)):
            for word in message.get_content().split():
                if marker in word and word.startswith(self.url):
                    return word
        raise AssertionError(f"no mail to {address} with a link containing {marker!r}")

    def session_cookie(self, key: str) -> dict:
        """A signed session cookie that logs a seeded account in without the form (the journey test covers the
        form), as `log_in` in tests/conftest.py does for the test client: it names a new session row."""
        with self.app.app_context():
            user = db.session.get(User, self.user_ids[key])
            started = start_session(user, device="Browser test")
            values = browser_session_values(user, started)
            db.session.commit()
            db.session.remove()
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        value = serializer.dumps(values)
        return {"name": self.app.config["SESSION_COOKIE_NAME"], "value": value, "url": self.url,
                "httpOnly": True, "sameSite": "Lax"}


# The server -----------------------------------------------------------------------------------------------

class _QuietRequestHandler(WSGIRequestHandler):
    """No log line per request (errors are still logged). Naming the protocol here also keeps make_server from
    setting it on werkzeug's own handler class."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


def _closing_responses(app: Flask) -> Callable:
    """Close every response body, even when the browser hangs up half-way.

    The werkzeug server skips close() when the client resets the connection while the request is drained
    (a context closed while its favicon loads); the open static file then raises ResourceWarning, an error under
    `filterwarnings = error`. A generator is closed when it is collected, and closes the body in turn.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


def _browser_database_url(tmp_root: Path) -> tuple[str, bool]:
    """The live server's database URL, and whether it is a PostgreSQL database to drop afterwards."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{tmp_root / 'browser.sqlite3'}", False
    name = _browser_database()
    _recreate_postgres_database(name, drop_only=False)
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False), True


def _browser_database() -> str:
    """The suite's PostgreSQL database name (one per test worker) with `_browser`."""
    return f"{sa.engine.make_url(os.environ['TEST_DATABASE_URL']).database}_browser"


def _recreate_postgres_database(name: str, *, drop_only: bool) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def _seed(app: Flask, server: LiveServer) -> None:
    """Schema, the three pilot courses and the accounts, through the application's own services."""
    with app.app_context(), clock.frozen_at(START):
        upgrade()
        courses = [import_pack(None, folder).course for folder in pack_folders(COURSES_DIR)]
        assert len(courses) == 3, courses
        course = next(c for c in courses if c.slug == COURSE)
        for key, (email, display_name, role) in ACCOUNTS.items():
            if role == "learner":
                user = make_user(email=email, display_name=display_name, full_name=f"{display_name} Example")
                enrol(user, course)
            else:
                user = make_user(role, course=course, email=email, display_name=display_name)
            server.user_ids[key] = user.id
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("browser")
    database_url, drop_postgres = _browser_database_url(root)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "browser-test-secret-key-not-for-production",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ASSET_STORE_DIR": str(root / "assets"),
        "MAIL_OUTBOX_DIR": str(root / "outbox"),
        "COURSES_DIR": str(COURSES_DIR),
        "SERVER_NAME": None,
    })
    app.instance_path = str(root / "instance")
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _closing_responses(app), threaded=True,
                                         request_handler=_QuietRequestHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url  # known once the port is bound; the app reads it per request
    live = LiveServer(url=url, outbox_dir=root / "outbox", app=app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="live-server",
                              daemon=True)
    try:
        _seed(app, live)
        thread.start()
        yield live
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop_postgres:
            _recreate_postgres_database(_browser_database(), drop_only=True)


# The browser ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, live_server: LiveServer) -> Iterator[Browser]:
    # Depends on live_server so that the browser closes (and drops its connections) before the server stops.
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture()
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., BrowserContext]]:
    """`new_context(as_user=None, **options)`: a fresh browser context, logged in as a seeded account when
    as_user names one (a key of ACCOUNTS). A 5xx answer from the server fails the test, even one the test did
    not look at (the traceback is in the captured log)."""
    contexts: list[BrowserContext] = []
    server_errors: list[str] = []

    def make(as_user: str | None = None, **options) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.route(NOT_LOCAL, lambda route: route.abort())
        context.on("response", lambda r: server_errors.append(f"{r.status} {r.request.method} {r.url}")
                   if r.status >= 500 else None)
        if as_user is not None:
            context.add_cookies([live_server.session_cookie(as_user)])
        return context

    yield make
    for context in contexts:
        context.close()
    if server_errors:
        pytest.fail("the server failed (see the captured log):\n" + "\n".join(server_errors))


@pytest.fixture()
def page(new_context) -> Page:
    """A page in a fresh context, not logged in."""
    return new_context().new_page()


SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")  # set it to look at the pages at 1280 and 360 pixels


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots of the page at 1280 and 360 pixels wide into SCREENSHOTS_DIR, when it is set."""
    if not SCREENSHOTS_DIR:
        return
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SCREENSHOTS_DIR, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
