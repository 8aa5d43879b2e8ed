"""The real `moocplatform worker`, killed at each step of a row's life and started again.

The worker runs as a subprocess against a database of its own (a SQLite file, or a PostgreSQL database when
the suite runs on PostgreSQL: the per-test rollback cannot reach another process) and sends to a real SMTP
server on 127.0.0.1. MOOCPLATFORM_WORKER_FAULT makes it die with os._exit at the named step. After a
restart nothing is lost and nothing is sent twice, except when it dies between the SMTP server's 250 and the
done mark: the outside world has the mail and the database cannot know, so the mail goes again with the same
Message-ID. That is the one at-least-once window, and the reason consumers must be idempotent.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from moocplatform.mail import outbox_messages
from moocplatform.outbox import OutboxMessage, WorkerHeartbeat, wake
from moocplatform.outbox.faults import FAULT_ENV, FAULT_EXIT_CODE
from tests.conftest import POSTGRES_ADMIN_URL
from tests.parallel import redis_test_url
from tests.smtp_server import smtp_server

ROOT = Path(__file__).resolve().parents[1]
LEASE_SECONDS = 1.0
WAKE_REDIS_URL = redis_test_url("outbox")
outbox_table = OutboxMessage.__table__


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory):
    """The URL of a migrated database that only the worker processes and these tests use."""
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if suite_url.startswith("postgresql"):
        name = f"{sa.engine.make_url(suite_url).database}_worker"
        url = sa.engine.make_url(suite_url).set(database=name).render_as_string(hide_password=False)
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    else:
        name, admin = None, None
        url = f"sqlite:///{tmp_path_factory.mktemp('worker') / 'worker.sqlite3'}"
    migrated = subprocess.run([sys.executable, "-m", "moocplatform", "db", "upgrade"], env=_env(url),
                              cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr
    engine = sa.create_engine(url)
    yield url, engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _env(url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (FAULT_ENV, "REDIS_URL", "MAIL_SERVER")}
    env.update({"DATABASE_URL": url, "SECRET_KEY": "worker-test-secret", "PUBLIC_BASE_URL": "http://learn.test",
                "WORKER_POLL_SECONDS": "0.2", **settings})
    return env


@pytest.fixture()
def world(worker_database, tmp_path):
    url, engine = worker_database
    with engine.begin() as connection:
        connection.execute(outbox_table.delete())
        connection.execute(WorkerHeartbeat.__table__.delete())
    with smtp_server() as (port, server):
        yield World(url, engine, port, server, tmp_path / "files")


class World:
    def __init__(self, url, engine, port, server, files_dir):
        self.url, self.engine, self.port, self.server, self.files_dir = url, engine, port, server, files_dir

    def queue_mail(self, to: str, link: str = "http://learn.test/reset/abc") -> int:
        """A mail row committed as a request's transaction would commit it."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            return connection.execute(outbox_table.insert().values(
                kind="mail", payload={"to": to, "template": "accounts.reset_password", "recipient_id": None,
                                      "args": {"link": link, "minutes": 30}},
                status="pending", attempts=0, max_attempts=8, available_at=now, created_at=now,
            ).returning(outbox_table.c.id)).scalar_one()

    def row(self, row_id: int):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(outbox_table).where(outbox_table.c.id == row_id)).one()

    def settings(self, *, smtp: bool = True, **extra: str) -> dict[str, str]:
        mail = ({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.port), "MAIL_USE_TLS": "false"} if smtp
                else {"MAIL_OUTBOX_DIR": str(self.files_dir)})
        return {**mail, **extra}

    def worker(self, *, fault: str | None = None, smtp: bool = True, **extra: str) -> subprocess.CompletedProcess:
        env = _env(self.url, **self.settings(smtp=smtp, **extra))
        if fault:  # the killed worker's lease is short, so that its restart need not wait long
            env[FAULT_ENV] = fault
            env["WORKER_LEASE_SECONDS"] = str(LEASE_SECONDS)
        return subprocess.run([sys.executable, "-m", "moocplatform", "worker", "--until-idle", "--no-scheduler"],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    def after_the_lease(self) -> None:
        time.sleep(LEASE_SECONDS + 0.3)

    def received_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.server.received]


@pytest.mark.parametrize("fault", ["after-claim", "before-side-effect"])
def test_a_worker_killed_before_the_send_loses_nothing_and_sends_once(world, fault):
    row_id = world.queue_mail("ann@example.org")
    killed = world.worker(fault=fault)
    assert killed.returncode == FAULT_EXIT_CODE, killed.stderr
    row = world.row(row_id)
    assert (row.status, row.attempts) == ("running", 1) and world.server.received == []

    world.after_the_lease()
    restarted = world.worker()
    assert restarted.returncode == 0, restarted.stderr
    row = world.row(row_id)
    assert (row.status, row.attempts) == ("done", 2)
    [mail] = world.server.received
    assert mail["To"] == "ann@example.org" and "http://learn.test/reset/abc" in mail.get_content()


def test_a_worker_killed_between_the_send_and_the_done_mark_sends_again_with_the_same_message_id(world):
    # The one at-least-once window: the server said 250, the worker died before the done mark.
    row_id = world.queue_mail("ann@example.org")
    killed = world.worker(fault="after-side-effect")
    assert killed.returncode == FAULT_EXIT_CODE, killed.stderr
    assert world.row(row_id).status == "running" and len(world.server.received) == 1

    world.after_the_lease()
    assert world.worker().returncode == 0
    assert world.row(row_id).status == "done"
    first, second = world.server.received
    assert first["Message-ID"] == second["Message-ID"]  # a receiver can tell it is the same mail
    assert first.get_content() == second.get_content()


def test_the_file_outbox_is_idempotent_across_that_window(world):
    row_id = world.queue_mail("ann@example.org")
    assert world.worker(fault="after-side-effect", smtp=False).returncode == FAULT_EXIT_CODE
    world.after_the_lease()
    assert world.worker(smtp=False).returncode == 0
    assert world.row(row_id).status == "done"
    [mail] = outbox_messages(str(world.files_dir))  # written twice under its row's name: one file
    assert "http://learn.test/reset/abc" in mail.get_content()


def test_a_worker_that_finishes_sends_each_mail_once_and_a_restart_sends_nothing(world):
    ids = [world.queue_mail(f"learner{n}@example.org") for n in range(5)]
    assert world.worker().returncode == 0
    assert world.worker().returncode == 0
    assert [world.row(i).status for i in ids] == ["done"] * 5
    assert sorted(m["To"] for m in world.server.received) == sorted(f"learner{n}@example.org" for n in range(5))


def test_a_permanent_smtp_refusal_is_dead_and_a_temporary_one_waits(world):
    refused = world.queue_mail("refuse-550@example.org")
    busy = world.queue_mail("busy-451@example.org")
    assert world.worker().returncode == 0
    assert world.worker().returncode == 0  # neither is run again now
    refused_row, busy_row = world.row(refused), world.row(busy)
    assert (refused_row.status, refused_row.attempts) == ("dead", 1) and "550" in refused_row.last_error
    assert (busy_row.status, busy_row.attempts) == ("failed", 1) and "451" in busy_row.last_error
    assert busy_row.available_at > busy_row.created_at and world.server.received == []


def test_two_workers_at_once_send_each_mail_once(world):
    ids = [world.queue_mail(f"crowd{n}@example.org") for n in range(30)]
    command = [sys.executable, "-m", "moocplatform", "worker", "--until-idle", "--no-scheduler"]
    env = _env(world.url, **world.settings())
    workers = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    for process in workers:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    assert all(world.row(i).status == "done" for i in ids)
    assert sorted(m["To"] for m in world.server.received) == sorted(f"crowd{n}@example.org" for n in range(30))
    assert len(set(world.received_ids())) == 30


def test_redis_wakes_an_idle_worker_long_before_its_poll(world):
    client = redis.Redis.from_url(WAKE_REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.delete(wake.WAKE_LIST)
    env = _env(world.url, **world.settings(REDIS_URL=WAKE_REDIS_URL, WORKER_POLL_SECONDS="6"))
    process = subprocess.Popen([sys.executable, "-m", "moocplatform", "worker", "--no-scheduler"], env=env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _heartbeats(world.engine):  # started, found nothing to do, now waiting on Redis
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        time.sleep(1.0)
        world.queue_mail("woken@example.org")
        queued_at = time.monotonic()
        wake.wake_workers(WAKE_REDIS_URL)
        while not world.server.received:
            assert time.monotonic() - queued_at < 4, "the worker was not woken"
            time.sleep(0.05)
        assert world.server.received[0]["To"] == "woken@example.org"
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
        client.delete(wake.WAKE_LIST)
        client.close()
    assert process.returncode == 0, errors  # SIGTERM stops it cleanly


def _heartbeats(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(WorkerHeartbeat.__table__)).scalar_one()
