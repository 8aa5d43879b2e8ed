"""Database-specific behaviour, in one place: SQLite's single writer (foreign keys, WAL, BEGIN IMMEDIATE for
units of work that write, and the line writers wait in), and PostgreSQL's sequences after a restore. The
transaction boundary says whether the unit of work now running writes; nothing here knows about requests or
views."""
from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for another to finish
_writing: ContextVar[bool] = ContextVar("moocplatform_writing", default=False)


def begins_writing() -> bool:
    """Whether a transaction beginning now belongs to a unit of work that writes."""
    return _writing.get()


@contextmanager
def writing(writes: bool = True) -> Iterator[None]:
    """Within the block, transactions begin as writers (on SQLite: take the write lock at once) or not."""
    token = _writing.set(writes)
    try:
        yield
    finally:
        _writing.reset(token)


def declare_writing(writes: bool = True) -> None:
    """From now on in this context, transactions begin as writers (or not): for a unit of work whose reads have
    ended (see transaction.end_reading). The enclosing `writing` block restores the previous state."""
    _writing.set(writes)


def configure_engine(engine: sa.Engine) -> None:
    """SQLite: enforce foreign keys, let the writers of several workers wait for each other in line (see
    _WriterQueue), and let SQLAlchemy (not the driver) begin transactions so that savepoints work."""
    if engine.dialect.name != "sqlite":
        return

    queue = _WriterQueue(engine.url.database) if engine.url.database not in (None, "", ":memory:") else None

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if queue is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Units of work that change data take the write lock at once: a read transaction that later writes
        # fails with "database is locked" when another worker committed in between (WAL snapshots cannot
        # upgrade).
        immediate = begins_writing()
        if immediate and queue is not None:
            queue.enter(connection.connection.dbapi_connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if queue is not None:  # the line is left when the transaction ends, however it ends
        def on_end(connection) -> None:
            if not connection.invalidated:  # an invalidated one left when the pool threw its connection away
                queue.leave(connection.connection.dbapi_connection)

        for name in ("commit", "rollback"):
            sa.event.listen(engine, name, on_end)
        for name in ("reset", "invalidate", "close"):
            sa.event.listen(engine.pool, name, lambda dbapi_connection, *_: queue.leave(dbapi_connection))


def continue_sequences(connection: sa.Connection, tables) -> None:
    """After rows were inserted with their ids (a restore), let new rows continue after the highest id.
    PostgreSQL's sequences do not follow explicit ids; SQLite takes the next id from the table itself."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement and isinstance(column.type, sa.Integer):
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"))


def is_busy(error: BaseException) -> bool:
    """A write refused because another writer holds the database (SQLite's "database is locked")."""
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(error.orig)


def is_unique_violation(error: BaseException) -> bool:
    """An INSERT or UPDATE refused by a unique constraint (PostgreSQL's SQLSTATE 23505, SQLite's message)."""
    if not isinstance(error, sa.exc.IntegrityError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(error.orig)


class _WriterQueue:
    """Writers of every process wait in line for a file lock before they ask SQLite for its write lock; the
    kernel wakes the next one the moment the lock is released. SQLite's own busy handler polls with sleeps that
    grow to 100 ms, so under load a writer could lose the race again and again and wait for seconds. A wait in
    line lasts as long as the writer ahead takes, which its own busy timeout and gunicorn's worker timeout
    bound; the lock goes with the process if it dies."""

    def __init__(self, database: str):
        self.path = f"{database}.writers"
        self.files: dict[int, int] = {}  # id of a DBAPI connection holding the lock -> its lock file

    def enter(self, dbapi_connection) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.files[id(dbapi_connection)] = fd

    def leave(self, dbapi_connection) -> None:
        fd = self.files.pop(id(dbapi_connection), None)
        if fd is not None:
            os.close(fd)  # closing the file releases its lock


def insert_ignoring_duplicates(session: Session, model: type, unique_columns: list[str]):
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING, in the current session's dialect: a row that
    exists already (or that a concurrent transaction is inserting: PostgreSQL waits for it) is skipped, and
    RETURNING names only the rows this statement inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=unique_columns)


def skipping_locked(select: sa.Select) -> sa.Select:
    """A SELECT whose rows this transaction locks, skipping rows other transactions hold (PostgreSQL's
    FOR UPDATE SKIP LOCKED), so that several workers claim different rows. SQLite renders no lock clause: there
    the write lock the claiming transaction takes already admits one claimer at a time."""
    return select.with_for_update(skip_locked=True)


def serialise_on(session: Session | scoped_session[Any], name: str) -> None:
    """Until this transaction ends, other transactions that ask for the same name wait (PostgreSQL's
    transaction-scoped advisory lock), so that each sees what the one before it committed. SQLite needs
    nothing: a unit of work that writes holds the database's single write lock from its first statement."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
