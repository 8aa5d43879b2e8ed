"""The SQLite engine setup: writers of several processes wait in line for the write lock."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from moocplatform.database import configure_engine, writing


@pytest.fixture()
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'line.sqlite3'}")
    configure_engine(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def in_thread(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_a_writer_waits_in_line_until_the_one_ahead_commits(engine):
    events: list[str] = []

    def second() -> None:
        with writing(), engine.begin() as connection:
            events.append("second begins")
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")

    with writing(), engine.connect() as connection:
        transaction = connection.begin()
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        waiting = in_thread(second)
        time.sleep(0.3)
        events.append("first commits")
        transaction.commit()
    waiting.join(5)
    assert events == ["first commits", "second begins"]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM t ORDER BY n").scalars().all() == [1, 2]


def test_the_line_is_left_however_a_transaction_ends(engine):
    with writing():
        with pytest.raises(sa.exc.OperationalError), engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO missing VALUES (1)")  # rolled back
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.invalidate()  # a connection the pool throws away
            transaction.rollback()

    def write() -> None:
        with writing(), engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (3)")

    writer = in_thread(write)
    writer.join(5)
    assert not writer.is_alive(), "a writer was left waiting in line"


def test_which_transactions_take_the_write_lock_at_once(app):
    from flask import g

    from moocplatform.database import _begins_writing, reading_ended

    # Each request has its own application context, and so its own g.
    with app.app_context(), app.test_request_context("/courses/alpha/enrol", method="POST"):
        app.preprocess_request()
        assert _begins_writing()  # a view that changes data: its reads and writes in one locked transaction
    with app.app_context(), app.test_request_context("/courses/alpha/quizzes/check/attempts/1", method="POST"):
        app.preprocess_request()
        assert not _begins_writing()  # reads_first: the reads take no lock ...
        reading_ended()
        assert _begins_writing()  # ... the writes after them do
    with app.app_context(), app.test_request_context("/courses/alpha", method="GET"):
        assert not _begins_writing()
        g._reading_ended = True
        assert _begins_writing()  # a page that writes after ending its reading
    with writing():
        assert _begins_writing()  # scheduled jobs
