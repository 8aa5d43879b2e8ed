"""Declarative base, naming convention and column types shared by every area's models."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, registry
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


def configure_engine(engine: sa.Engine) -> None:
    """SQLite: enforce foreign keys, let the writers of several workers wait for each other, and let
    SQLAlchemy (not the driver) begin transactions so that savepoints work."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # Requests that change data take the write lock at once: a read transaction that later writes fails
        # with "database is locked" when another worker committed in between (WAL snapshots cannot upgrade).
        immediate = _writing.get() or (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
