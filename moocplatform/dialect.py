"""Database-specific behaviour, in one place: SQLite's single writer (foreign keys, WAL, BEGIN IMMEDIATE for
units of work that write, and the line writers wait in), PostgreSQL's sequences after a restore, and full-text
search on each engine's own index. The transaction boundary says whether the unit of work now running writes;
nothing here knows about requests or views."""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
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


def next_query_sees_recent_commits(session: Session | scoped_session[Any]) -> bool:
    """Whether a query run next sees every transaction committed before this moment: on PostgreSQL (READ
    COMMITTED, each statement reads what was committed when it began) always; on SQLite only when no
    transaction is open yet, as one that is reads the snapshot of its first statement."""
    if session.get_bind().dialect.name != "sqlite":
        return True
    return not session().in_transaction() if isinstance(session, scoped_session) else not session.in_transaction()


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


class greatest(sa.sql.functions.GenericFunction[Any]):
    """The largest of its arguments: GREATEST on PostgreSQL, the many-argument max() on SQLite (give it no NULLs:
    the two engines treat them differently)."""

    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_on_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def contains_text(column: Any, text: str) -> sa.ColumnElement[bool]:
    """Whether the column holds `text`, whatever the case, its % and _ taken as themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


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


# Full-text search. A searchable text column has, on PostgreSQL, a stored generated tsvector column
# `search_vector` with a GIN index `ix_<table>_search`; on SQLite, an FTS5 table `<table>_fts` with the
# table as its external content, kept up to date by triggers (a migration that rebuilds the table in batch
# mode drops them: it must create them again). Both stem English words (PostgreSQL's "english" configuration,
# FTS5's porter tokenizer). The models do not declare these objects; `is_search_object` tells the schema
# comparison to leave them alone.
SEARCH_VECTOR = "search_vector"
MARK_START, MARK_END = "\ue000", "\ue001"  # private-use characters around each match in a snippet
MOST_SEARCH_TERMS = 8
_SEARCH_TERM = re.compile(r"\w{1,50}")


def search_terms(text: str) -> list[str]:
    """The words of a search box's text that both engines look for, all of them required. Operators and
    punctuation are dropped, so no input is a syntax error on either engine."""
    terms: list[str] = []
    for word in _SEARCH_TERM.findall(text.lower()):
        if word not in terms:
            terms.append(word)
    return terms[:MOST_SEARCH_TERMS]


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a reflected schema object belongs to the full-text search (see above), not to a model."""
    name = name or ""
    if type_ == "table":
        return re.fullmatch(r"\w+_fts(_data|_idx|_docsize|_config|_content)?", name) is not None
    if type_ == "column":
        return name == SEARCH_VECTOR
    if type_ == "index":
        return name.endswith("_search")
    return False


def inlined(value: str | int) -> sa.BindParameter:
    """A value written into the statement's text rather than sent beside it. The psycopg driver prepares a
    statement on the server after a few runs, and PostgreSQL may then settle on one generic plan for every
    value: for a full-text match, one that reads every matching row, thousands for a common word, where the
    plan made for the value reads a few (a generic LIMIT is as bad: it walks the index for a rare word). Only
    for values the code has checked (words, ids, counts)."""
    return sa.bindparam(None, value, type_=sa.Integer() if isinstance(value, int) else sa.String(),
                        literal_execute=True)


@dataclass(frozen=True)
class TextSearch:
    """How one SELECT over `table` finds rows whose text matches: `apply` adds the match (and, on SQLite, the
    FTS table's join); `score` rates each match, `best_first` orders by it; `snippets` gives the matching
    passages of chosen rows."""
    dialect: str
    table: sa.Table
    column: str
    terms: tuple[str, ...]

    @property
    def _fts(self) -> sa.TableClause:
        return sa.table(f"{self.table.name}_fts", sa.column("rowid"))

    @property
    def _fts_name(self) -> sa.ColumnElement:
        return sa.literal_column(f"{self.table.name}_fts")

    @property
    def _vector(self) -> sa.ColumnElement:
        return sa.literal_column(f"{self.table.name}.{SEARCH_VECTOR}")

    @property
    def _query(self) -> sa.ColumnElement:
        return sa.func.plainto_tsquery(sa.literal_column("'english'::regconfig"), inlined(" ".join(self.terms)))

    def apply(self, select: sa.Select) -> sa.Select:
        if self.dialect == "sqlite":
            fts = self._fts
            match = " ".join(f'"{term}"' for term in self.terms)
            return select.join(fts, fts.c.rowid == self.table.c.id).where(self._fts_name.op("MATCH")(inlined(match)))
        return select.where(self._vector.op("@@")(self._query))

    @property
    def score(self) -> sa.ColumnElement[float]:
        """How well a row matches, to select beside the row (order by `best_first` of it)."""
        if self.dialect == "sqlite":
            return sa.func.bm25(self._fts_name)  # lower is better
        return sa.func.ts_rank(self._vector, self._query)

    def best_first(self, score: sa.ColumnElement[float]) -> sa.ColumnElement:
        return score.asc() if self.dialect == "sqlite" else score.desc()

    @property
    def newest_first(self) -> sa.ColumnElement:
        """Matches by id, newest first, in the order the index yields them (FTS5 walks its rowids backwards
        without sorting)."""
        if self.dialect == "sqlite":
            return self._fts.c.rowid.desc()
        return self.table.c.id.desc()

    def snippets(self, ids: list[int]) -> sa.Select[tuple[int, str]]:
        """(id, passage) of the given rows: the matching passage with MARK_START/MARK_END around each match
        (plain text from the column: escape it before showing it, see html.highlighted). On SQLite the FTS
        table is asked directly by rowid: joined to its content table, FTS5 would first find every match."""
        if self.dialect == "sqlite":
            fts = sa.table(f"{self.table.name}_fts", sa.column("rowid"))
            match = " ".join(f'"{term}"' for term in self.terms)
            return (sa.select(fts.c.rowid, sa.func.snippet(self._fts_name, 0, MARK_START, MARK_END, " … ", 24))
                    .select_from(fts).where(self._fts_name.op("MATCH")(inlined(match)), fts.c.rowid.in_(ids)))
        options = (f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, '
                   'FragmentDelimiter=" … "')
        return (sa.select(self.table.c.id, sa.func.ts_headline(sa.literal_column("'english'::regconfig"),
                                                                self.table.c[self.column], self._query, options))
                .where(self.table.c.id.in_(ids)))


def text_search(session: Session | scoped_session, table: sa.FromClause, column: str,
                terms: list[str]) -> TextSearch:
    if not isinstance(table, sa.Table):
        raise TypeError(f"text search needs a table, not {table!r}")
    return TextSearch(session.get_bind().dialect.name, table, column, tuple(terms))


def serialise_on(session: Session | scoped_session[Any], name: str) -> None:
    """Until this transaction ends, other transactions that ask for the same name wait (PostgreSQL's
    transaction-scoped advisory lock), so that each sees what the one before it committed. SQLite needs
    nothing: a unit of work that writes holds the database's single write lock from its first statement."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
