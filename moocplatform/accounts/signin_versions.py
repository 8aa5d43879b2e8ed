"""Sign-in versions: counters that move whenever something a signed-in request relies on changes for an
account (its `users` row, its role grants, its session rows), so that a worker holding a copy of that state
(accounts/signin_cache.py) knows at its next request whether the copy still holds.

Every change made through the ORM session marks the accounts it touches: rows flushed (mapper events) and
UPDATE or DELETE statements on those tables (which name the accounts with the execution option
`CHANGES_USERS`; one that does not moves every account's counter). Once the transaction commits the marked
counters move, through the transaction boundary's after-commit; a rollback moves none.

Where the counters live decides who sees them:
- PostgreSQL with REDIS_URL: in Redis, so every worker of every node reads the same ones (one MGET a request).
- SQLite: in a small file beside the database (like SQLite's own -wal and -shm files), shared through the page
  cache by every process on the machine, which is the only machine a SQLite database can be used from. It
  holds a counter per slot of accounts (user id modulo the slots) and one for everyone; two accounts sharing a
  slot only cost each other a reload.
- PostgreSQL without Redis: nowhere every node could read but the database itself, so no copy is kept and
  each request loads its user as before (`version_store` returns None).
"""
from __future__ import annotations

import fcntl
import logging
import mmap
import os
import secrets
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, object_session

from .. import transaction
from .models import RoleGrant, User, UserSession

log = logging.getLogger(__name__)

# Execution option of an UPDATE or DELETE on users, role_grants or user_sessions: the ids of the accounts
# whose rows it changes (an empty tuple: none that a signed-in browser relies on, such as expired sessions).
CHANGES_USERS = "changes_users"
_TABLE_OWNER = {"users": "id", "role_grants": "user_id", "user_sessions": "user_id"}

Versions = tuple[Any, ...]


class VersionStore(Protocol):
    def read(self, user_id: int) -> Versions | None:
        """The counters a copy of user_id's state must match, or None when they cannot be read now."""

    def bump(self, user_ids: Iterable[int], everyone: bool) -> None:
        """Move the counters of these accounts (of every account, when everyone)."""


# Redis ---------------------------------------------------------------------------------------------------------

class RedisVersions:
    """One key per account and one for everyone. A key that is missing (never set, evicted, or Redis restarted
    without persistence) starts again at a random value, never at a value it had before, so a copy made
    against the old value cannot match by chance."""

    KEEP_SECONDS = 30 * 24 * 3600  # an account's key outlives any copy of its state by far
    RETRY_AFTER_SECONDS = 5.0  # after a failed read, requests load from the database for this long

    def __init__(self, client: redis.Redis, prefix: str = "moocplatform:signin:") -> None:
        self.client = client
        self.prefix = prefix
        self._down_until = 0.0

    def _keys(self, user_id: int) -> list[str]:
        return [f"{self.prefix}all", f"{self.prefix}user:{user_id}"]

    def read(self, user_id: int) -> Versions | None:
        if time.monotonic() < self._down_until:
            return None
        keys = self._keys(user_id)
        try:
            values = self.client.mget(keys)
            if None in values:
                pipeline = self.client.pipeline(transaction=False)
                for key, value in zip(keys, values, strict=True):
                    if value is None:
                        pipeline.set(key, _random_start(), nx=True, ex=self.KEEP_SECONDS)
                pipeline.mget(keys)
                values = pipeline.execute()[-1]
        except redis.RedisError:
            self._down_until = time.monotonic() + self.RETRY_AFTER_SECONDS
            log.warning("sign-in versions unreadable in Redis; loading users from the database", exc_info=True)
            return None
        return None if None in values else tuple(values)

    def bump(self, user_ids: Iterable[int], everyone: bool) -> None:
        keys = [self._keys(0)[0]] if everyone else []
        keys += [self._keys(user_id)[1] for user_id in sorted(set(user_ids))]
        if not keys:
            return
        pipeline = self.client.pipeline(transaction=True)
        for key in keys:
            pipeline.set(key, _random_start(), nx=True, ex=self.KEEP_SECONDS)
            pipeline.incr(key)
            pipeline.expire(key, self.KEEP_SECONDS)
        pipeline.execute()


def _random_start() -> int:
    return secrets.randbits(62)


# A file beside the SQLite database --------------------------------------------------------------------------

class FileVersions:
    """Little-endian 64-bit counters in a file: slot 0 for everyone, then one per slot of accounts. Readers map
    the file and check on each read that it is still the file at that path (its inode goes into the versions,
    so a file made again never matches a copy made against the old one); writers take an exclusive lock on it
    for the read-modify-write."""

    SLOTS = 16384
    _COUNTER = struct.Struct("<Q")

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mapped: tuple[int, int, int, mmap.mmap] | None = None  # pid, st_dev, st_ino, mapping

    def _slot(self, user_id: int) -> int:
        return 1 + user_id % (self.SLOTS - 1)

    def _open(self) -> int:
        """The file, made (zeroed) at its full size if it is missing or short."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        size = self.SLOTS * self._COUNTER.size
        if os.fstat(fd).st_size < size:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            fcntl.flock(fd, fcntl.LOCK_UN)
        return fd

    def _mapping(self) -> tuple[int, mmap.mmap]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            stat = None
        mapped = self._mapped
        if (mapped is not None and stat is not None and mapped[0] == os.getpid()
                and (mapped[1], mapped[2]) == (stat.st_dev, stat.st_ino)):
            return mapped[2], mapped[3]
        with self._lock:
            fd = self._open()
            try:
                stat = os.fstat(fd)
                mapping = mmap.mmap(fd, self.SLOTS * self._COUNTER.size, mmap.MAP_SHARED, mmap.PROT_READ)
            finally:
                os.close(fd)  # the mapping stays valid without the descriptor
            self._mapped = (os.getpid(), stat.st_dev, stat.st_ino, mapping)
            return stat.st_ino, mapping

    def read(self, user_id: int) -> Versions | None:
        try:
            inode, mapping = self._mapping()
        except OSError:
            log.warning("sign-in versions unreadable in %s; loading users from the database", self.path,
                        exc_info=True)
            return None
        offset = self._slot(user_id) * self._COUNTER.size
        return inode, self._COUNTER.unpack_from(mapping, 0)[0], self._COUNTER.unpack_from(mapping, offset)[0]

    def bump(self, user_ids: Iterable[int], everyone: bool) -> None:
        slots = sorted({self._slot(user_id) for user_id in user_ids} | ({0} if everyone else set()))
        if not slots:
            return
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            for slot in slots:
                offset = slot * self._COUNTER.size
                value = self._COUNTER.unpack(os.pread(fd, self._COUNTER.size, offset))[0]
                os.pwrite(fd, self._COUNTER.pack((value + 1) % 2**64), offset)
        finally:
            os.close(fd)  # and with it the lock


# Which store --------------------------------------------------------------------------------------------------

_STORE_KEY = "moocplatform.signin_versions"


def version_store(app: Flask) -> VersionStore | None:
    """The app's store (made once for its settings), or None when sign-ins cannot be cached safely."""
    config = app.config
    settings = (config["SQLALCHEMY_DATABASE_URI"], config.get("REDIS_URL") or "")
    made = app.extensions.get(_STORE_KEY)
    if made is None or made[0] != settings:
        made = app.extensions[_STORE_KEY] = (settings, _make_store(*settings))
    return made[1]


def _make_store(database_uri: str, redis_url: str) -> VersionStore | None:
    url = sa.engine.make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
            return None  # one process's own database: nothing to share, nothing worth caching
        return FileVersions(f"{url.database}.sign-ins")
    if redis_url:
        return RedisVersions(redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5))
    return None


# Marking changes ---------------------------------------------------------------------------------------------

_MARKS = "signin_versions.marks"


@dataclass
class _Marks:
    user_ids: set[int] = field(default_factory=set)
    everyone: bool = False


def mark_changed(session: Session, user_ids: Iterable[int] | None) -> None:
    """The accounts user_ids (None: possibly any account) changed in session's transaction; their counters
    move once it commits."""
    marks = session.info.get(_MARKS)
    if marks is None:
        marks = session.info[_MARKS] = _Marks()
    if user_ids is None:
        marks.everyone = True
    else:
        marks.user_ids.update(user_ids)
    # One callback per mark: a savepoint that rolls back drops its own, and whichever runs first publishes
    # everything marked (the others find nothing left).
    transaction.after_commit(lambda: publish(session))


def publish(session: Session) -> None:
    """Move the counters of what session marked (after its commit)."""
    marks = session.info.pop(_MARKS, None)
    if marks is None or not (marks.user_ids or marks.everyone):
        return
    if not has_app_context():
        log.error("sign-in changes of %s not published: no application", sorted(marks.user_ids) or "everyone")
        return
    store = version_store(current_app)
    if store is None:
        return
    try:
        store.bump(marks.user_ids, marks.everyone)
    except (redis.RedisError, OSError):
        log.exception("sign-in changes of %s not published; other workers may serve them for up to "
                      "SIGN_IN_CACHE_SECONDS", sorted(marks.user_ids) or "everyone")


def _row_changed(_mapper, _connection, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        mark_changed(session, [target.id if isinstance(target, User) else target.user_id])


for _model in (User, RoleGrant, UserSession):
    for _event in ("after_insert", "after_update", "after_delete"):
        sa.event.listen(_model, _event, _row_changed)


@sa.event.listens_for(Session, "do_orm_execute")
def _statement_executed(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _TABLE_OWNER:
        return
    user_ids = state.execution_options.get(CHANGES_USERS)
    mark_changed(state.session, None if user_ids is None else list(user_ids))


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_marks(session: Session, ended: SessionTransaction) -> None:
    if ended.parent is None:  # what a transaction that did not commit marked is void (one that did published)
        session.info.pop(_MARKS, None)
