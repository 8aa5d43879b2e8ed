"""The signed-in user, kept by each worker for a few seconds: a browser's next request is served from a copy of
its user, role grants and session row instead of loading them, as long as the account's sign-in versions
(accounts/signin_versions.py) are still those the copy was made at. A log-out, a password change, a suspension,
a role taken away or a renamed account moves them, so the next request on any worker loads afresh.

What is kept are plain column values, never ORM objects: each request gets objects of its own, attached to its
own database session as if loaded there (no query; lazy loads, changes and flushes work as usual), so nothing
is shared between requests or users. A copy is found only by the hash of the session key the browser holds,
and only for the account and auth_version its cookie names.

A copy is made only from a load that saw every commit before the versions were read: the versions are read
first, then the rows, and on SQLite (whose transaction reads one snapshot) only when the load is the first
statement of its transaction. The session's expiry is checked against the clock at every use; the copy's own
lifetime (SIGN_IN_CACHE_SECONDS) bounds what a change made outside the application (SQL by hand) or a lost
version update could leave unseen.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .. import clock, dialect
from ..extensions import db
from . import sessions, signin_versions
from .models import RoleGrant, User, UserSession

CAPACITY = 2000  # copies per worker; the oldest go first (they are also the first to lapse)


@dataclass(frozen=True)
class _Copy:
    user_id: int
    auth_version: int
    versions: signin_versions.Versions
    fresh_until: float  # time.monotonic()
    expires_at: datetime  # the session's
    session_id: int
    user: tuple[tuple[str, Any], ...]
    roles: tuple[tuple[tuple[str, Any], ...], ...]
    session: tuple[tuple[str, Any], ...]


class SignInCache:
    def __init__(self, store: signin_versions.VersionStore, seconds: float, capacity: int = CAPACITY) -> None:
        self.store = store
        self.seconds = seconds
        self.capacity = capacity
        self._copies: OrderedDict[str, _Copy] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threaded workers

    def get(self, hashed: str, user_id: int, auth_version: int, versions: signin_versions.Versions) -> _Copy | None:
        copy = self._copies.get(hashed)
        if copy is None:
            return None
        if (copy.user_id, copy.auth_version, copy.versions) != (user_id, auth_version, versions) \
                or time.monotonic() >= copy.fresh_until:
            self.discard(hashed)
            return None
        return copy

    def put(self, hashed: str, copy: _Copy) -> None:
        with self._lock:
            self._copies.pop(hashed, None)
            self._copies[hashed] = copy
            now = time.monotonic()
            while self._copies:
                oldest = next(iter(self._copies.values()))
                if len(self._copies) <= self.capacity and oldest.fresh_until > now:
                    break
                self._copies.popitem(last=False)

    def discard(self, hashed: str) -> None:
        with self._lock:
            self._copies.pop(hashed, None)

    def __len__(self) -> int:
        return len(self._copies)


_CACHE_KEY = "moocplatform.signin_cache"


def cache_for(app: Flask) -> SignInCache | None:
    """The app's cache, or None when sign-ins are not kept (see signin_versions.version_store)."""
    seconds = float(app.config["SIGN_IN_CACHE_SECONDS"])
    store = signin_versions.version_store(app) if seconds > 0 else None
    made: SignInCache | None = app.extensions.get(_CACHE_KEY)
    if store is None:
        return None
    if made is None or made.store is not store or made.seconds != seconds:
        made = app.extensions[_CACHE_KEY] = SignInCache(store, seconds)
    return made


def signed_in(user_id: int, key: str, auth_version: int) -> tuple[User, UserSession] | None:
    """The user and session a browser's cookie names, when that session is still valid: from this worker's
    copy when the account has not changed since it was made, else loaded (and a copy made)."""
    hashed = sessions.key_hash(key)
    cache = cache_for(current_app)
    versions = cache.store.read(user_id) if cache is not None else None
    if cache is None or versions is None:
        return sessions.signed_in_by_hash(user_id, hashed, auth_version)
    copy = cache.get(hashed, user_id, auth_version, versions)
    if copy is not None and copy.expires_at > clock.now():
        found = _rebuild(copy)
        if found is not None:
            return found
    sees_latest = _load_sees_commits_before_now()
    found = sessions.signed_in_by_hash(user_id, hashed, auth_version)
    if found is None:
        cache.discard(hashed)
    elif sees_latest:
        cache.put(hashed, _copy_of(*found, auth_version=auth_version, versions=versions,
                                   fresh_until=time.monotonic() + cache.seconds))
    return found


def _load_sees_commits_before_now() -> bool:
    return dialect.next_query_sees_recent_commits(db.session)


# Plain values and objects ---------------------------------------------------------------------------------

@cache
def _columns(model: type) -> tuple[str, ...]:
    """The attributes a copy keeps: every column (read on first use, once all models are mapped)."""
    mapper: sa.orm.Mapper[Any] = sa.inspect(model)
    return tuple(attribute.key for attribute in mapper.column_attrs)


def _values(instance: Any, model: type) -> tuple[tuple[str, Any], ...]:
    return tuple((name, getattr(instance, name)) for name in _columns(model))


def _copy_of(user: User, row: UserSession, *, auth_version: int, versions: signin_versions.Versions,
             fresh_until: float) -> _Copy:
    return _Copy(user.id, auth_version, versions, fresh_until, row.expires_at, row.id, _values(user, User),
                 tuple(_values(grant, RoleGrant) for grant in user.roles), _values(row, UserSession))


def _as_loaded(model: type, values: tuple[tuple[str, Any], ...]) -> Any:
    """A new instance holding values as a query loads them: into the instance's dict, without change history
    (make_transient_to_detached then gives it its identity)."""
    mapper: sa.orm.Mapper[Any] = sa.inspect(model)
    instance = mapper.class_manager.new_instance()
    sa.inspect(instance).dict.update(values)
    return instance


def _rebuild(copy: _Copy) -> tuple[User, UserSession] | None:
    """The copy as objects of this request's session, as if loaded there; None when the session holds one of
    them already (loaded by something earlier in the request), which the caller then loads as usual."""
    session = db.session()
    identity_map = session.identity_map
    if identity_key(User, copy.user_id) in identity_map or identity_key(UserSession, copy.session_id) in identity_map:
        return None
    grants = [_as_loaded(RoleGrant, values) for values in copy.roles]
    if any(identity_key(RoleGrant, grant.id) in identity_map for grant in grants):
        return None
    user: User = _as_loaded(User, copy.user)
    for grant in grants:
        set_committed_value(grant, "user", user)
        make_transient_to_detached(grant)
    set_committed_value(user, "roles", grants)
    make_transient_to_detached(user)
    row: UserSession = _as_loaded(UserSession, copy.session)
    make_transient_to_detached(row)
    session.add(user)  # and its grants
    session.add(row)
    return user, row
