"""The SQLite engine setup: writers of several processes wait in line for the write lock."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import moocplatform
from moocplatform import transaction
from moocplatform.dialect import begins_writing, configure_engine, writing


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
    """The transaction boundary tells the dialect whether the unit of work writes; the dialect reads no request."""
    with app.test_request_context("/courses/alpha/enrol", method="POST"):
        app.preprocess_request()
        assert begins_writing()  # a view that changes data: its reads and writes in one locked transaction
    with app.test_request_context("/courses/alpha/quizzes/check/attempts/1", method="POST"):
        app.preprocess_request()
        assert not begins_writing()  # reads_first: the reads take no lock ...
        transaction.end_reading()
        assert begins_writing()  # ... the writes after them do
    with app.test_request_context("/courses/alpha", method="GET"):
        app.preprocess_request()
        assert not begins_writing()
        transaction.end_reading()
        assert begins_writing()  # a page that writes after ending its reading
    assert not begins_writing()  # the request's end restores the state
    with app.app_context(), transaction.unit_of_work("scheduled job"):
        assert begins_writing()
        with transaction.unit_of_work("a read inside it", writes=False):
            assert begins_writing()  # a separate unit inside a writing one keeps writing
    assert not begins_writing()


def test_only_the_dialect_module_knows_the_database_and_it_reads_no_request():
    """Database-specific code lives in dialect.py, which knows nothing of requests."""
    root = Path(moocplatform.__file__).parent
    source = (root / "dialect.py").read_text()
    assert "flask" not in source
    for path in root.rglob("*.py"):
        if path.name != "dialect.py":
            text = path.read_text()
            assert "BEGIN IMMEDIATE" not in text and "PRAGMA" not in text, path
            assert not re.search(r"dialect\.name\s*[!=]=", text), path  # no branching on the database
