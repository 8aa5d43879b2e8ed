"""Declarative base, naming convention and column types shared by every area's models."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC on every backend and gives them back aware, in UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType},
    )


def insert_ignoring_duplicates(session: Session, model: type, unique_columns: list[str]):
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING, in the current session's dialect: a row that
    exists already (or that a concurrent transaction is inserting: PostgreSQL waits for it) is skipped, and
    RETURNING names only the rows this statement inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=unique_columns)


BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for another to finish
_writing: ContextVar[bool] = ContextVar("moocplatform_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Work outside a request that reads, then writes (scheduled jobs): on SQLite its transactions take the
    write lock when they begin, as those of POST requests do."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def reads_first(view):
    """Marks a view that changes data but first only reads, then calls reading_ended() (after ending that read
    transaction) and writes: on SQLite its reads then hold no write lock, so other writers need not wait."""
    view.reads_first = True
    return view


def reading_ended() -> None:
    """In a reads_first view: the read transaction has ended; what begins from now on writes."""
    g._reading_ended = True


def _begins_writing() -> bool:
    """Whether a transaction beginning now should take SQLite's write lock at once: in jobs, in requests that
    change data (but for the reads of a reads_first view), and in any request once it has said its reading
    ended."""
    if _writing.get():
        return True
    if not has_request_context():
        return False
    if g.get("_reading_ended"):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not getattr(current_app.view_functions.get(request.endpoint), "reads_first", False)


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
        # Requests that change data take the write lock at once: a read transaction that later writes fails
        # with "database is locked" when another worker committed in between (WAL snapshots cannot upgrade).
        immediate = _begins_writing()
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
