"""Server-side sessions: which browsers are signed in to an account, and ending them.

Keys are random and only their SHA-256 is stored, so the table alone lets nobody in. A browser is signed in
while its row exists, has not expired, and carries the account's current `auth_version`; deleting rows or
bumping the version ends sessions at once on every node, as all of them read the same database. The functions
take their inputs as arguments (never the request), flush, and leave the commit to the caller."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..database import rows_affected
from ..errors import NotFound
from ..extensions import db
from .models import User, UserSession
from .signin_versions import CHANGES_USERS


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class StartedSession:
    """A new session row and the keys for the browser's cookies (shown once; only their hashes are kept)."""

    row: UserSession
    key: str
    remember_key: str | None


def _expiry(remember: bool, *, started: datetime, now: datetime) -> datetime:
    """When a session started at `started` and used `now` ends: a remembered one a fixed time after its log-in;
    any other after the idle timeout, but never later than its maximum lifetime."""
    config = current_app.config
    if remember:
        return started + timedelta(seconds=config["REMEMBER_COOKIE_DURATION"])
    return min(now + timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]),
               started + timedelta(seconds=config["SESSION_MAX_LIFETIME"]))


def start_session(user: User, *, device: str, remember: bool = False, by_password: bool = False) -> StartedSession:
    """Sign a browser in: a row with a new key (and a remember key when asked to remember the device).
    by_password: the holder typed the password to start it (which counts as a recent re-authentication)."""
    now = clock.now()
    key = new_key()
    remember_key = new_key() if remember else None
    row = UserSession(
        user_id=user.id, key_hash=key_hash(key), auth_version=user.auth_version, device=device[:80],
        created_at=now, last_seen_at=now, expires_at=_expiry(remember, started=now, now=now), remember=remember,
        remember_key_hash=key_hash(remember_key) if remember_key else None,
        password_confirmed_at=now if by_password else None,
    )
    db.session.add(row)
    db.session.flush()
    return StartedSession(row, key, remember_key)


@cache
def _signed_in_query() -> sa.Select:
    """Built once (on first use, when every model is mapped): every request of a signed-in user runs it, and
    it loads user, roles and session together."""
    return (
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.roles))
        .where(
            User.id == sa.bindparam("user_id"),
            UserSession.key_hash == sa.bindparam("key_hash"),
            UserSession.expires_at > sa.bindparam("now"),
            UserSession.auth_version == User.auth_version,
            User.auth_version == sa.bindparam("auth_version"),
            User.status == "active",
        )
    )


def signed_in_by_hash(user_id: int, hashed_key: str, auth_version: int) -> tuple[User, UserSession] | None:
    """The user and session a browser's cookie names (by its key's hash), when that session is still valid.
    Requests go through signin_cache.signed_in, which may answer from the worker's copy instead."""
    row = db.session.execute(_signed_in_query(), {
        "user_id": user_id, "key_hash": hashed_key, "now": clock.now(), "auth_version": auth_version,
    }).unique().first()
    return (row[0], row[1]) if row is not None else None


def touch_due(row: UserSession) -> bool:
    """Whether to record that the session was used: at most once per SESSION_TOUCH_INTERVAL, not per request."""
    interval = timedelta(seconds=current_app.config["SESSION_TOUCH_INTERVAL"])
    return clock.now() - row.last_seen_at >= interval


def record_use(user_id: int, session_id: int, started: datetime) -> None:
    """Note user_id's session (which began at `started`) as seen now; one that is not remembered lives
    SESSION_IDLE_TIMEOUT from here, up to SESSION_MAX_LIFETIME after it began."""
    now = clock.now()
    changes = {CHANGES_USERS: (user_id,)}
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now),
                       execution_options=changes)
    db.session.execute(
        sa.update(UserSession).where(UserSession.id == session_id, UserSession.remember.is_(False))
        .values(expires_at=_expiry(False, started=started, now=now)), execution_options=changes
    )
    db.session.flush()


# Remembered devices -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RememberedLookup:
    """What a remember cookie turned out to be: the current key of a live session (`current`), its previous key
    presented again (`replayed`; within the grace period a parallel request of the same browser), or nothing."""

    user: User
    row: UserSession
    current: bool
    within_grace: bool


@cache
def _remembered_query() -> sa.Select:
    return (
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.roles))
        .where(sa.or_(UserSession.remember_key_hash == sa.bindparam("key_hash"),
                      UserSession.previous_remember_key_hash == sa.bindparam("key_hash")))
    )


def find_remembered(remember_key: str) -> RememberedLookup | None:
    hashed = key_hash(remember_key)
    found = db.session.execute(_remembered_query(), {"key_hash": hashed}).unique().first()
    if found is None:
        return None
    user, row = found[0], found[1]
    now = clock.now()
    if row.expires_at <= now or row.auth_version != user.auth_version or user.status != "active":
        return None
    current = row.remember_key_hash == hashed
    grace = timedelta(seconds=current_app.config["REMEMBER_ROTATION_GRACE"])
    within_grace = not current and row.remember_rotated_at is not None and now - row.remember_rotated_at <= grace
    return RememberedLookup(user, row, current, within_grace)


@dataclass(frozen=True)
class Rotation:
    user_id: int
    session_id: int
    old_remember_hash: str
    key: str
    remember_key: str


def plan_rotation(row: UserSession) -> Rotation:
    """New keys for a remembered session that re-establishes a browser session (written by `rotate`)."""
    assert row.remember_key_hash is not None
    return Rotation(row.user_id, row.id, row.remember_key_hash, new_key(), new_key())


def rotate(rotation: Rotation) -> bool:
    """Replace the session's keys, unless another request rotated them first (then False: that one's cookies
    stand). The replaced remember key is kept to recognise its reuse."""
    now = clock.now()
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == rotation.session_id, UserSession.remember_key_hash == rotation.old_remember_hash)
        .values(key_hash=key_hash(rotation.key), remember_key_hash=key_hash(rotation.remember_key),
                previous_remember_key_hash=rotation.old_remember_hash, remember_rotated_at=now, last_seen_at=now),
        execution_options={CHANGES_USERS: (rotation.user_id,)},
    )
    db.session.flush()
    return bool(rows_affected(result))


def revoke_replayed(session_id: int) -> None:
    """A remember key that was already replaced came back: someone holds a copy, so the session ends."""
    row = db.session.get(UserSession, session_id)
    if row is None:
        return
    user = db.session.get(User, row.user_id)
    db.session.delete(row)
    audit.record(None, "session.remember_key_reused", user, session=session_id, device=row.device)
    db.session.flush()


# Listing and ending sessions ----------------------------------------------------------------------------------

def sessions_of(user: User) -> list[UserSession]:
    """The account's live sessions, most recently used first."""
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at > clock.now(),
                                     UserSession.auth_version == user.auth_version)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def end_session(actor: User, session_id: int) -> UserSession:
    """Log one of the actor's own sessions out. Someone else's session is not found, whoever asks."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != actor.id:
        raise NotFound(_("No such session."))
    db.session.delete(row)
    db.session.flush()
    return row


def end_session_by_id(user: User, session_id: int | None) -> None:
    """Log-out: the browser's own session (of user) ends (nothing to do when it has ended already)."""
    if session_id is not None:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id),
                           execution_options={CHANGES_USERS: (user.id,)})
        db.session.flush()


def end_other_sessions(user: User, keep_session_id: int | None) -> int:
    """Log out everywhere else: every session of the account but the one named."""
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    ended = rows_affected(db.session.execute(query, execution_options={CHANGES_USERS: (user.id,)}))
    db.session.flush()
    return ended


def revoke_credentials(user: User, *, keep_session_id: int | None = None) -> int:
    """The account's credentials changed or were withdrawn: bump `auth_version`, so nothing made before counts
    any more, and delete every session but the one kept (which moves to the new version). Returns how many
    sessions ended."""
    ended = end_other_sessions(user, keep_session_id)
    user.auth_version = (user.auth_version or 0) + 1
    if keep_session_id is not None:
        db.session.execute(sa.update(UserSession).where(UserSession.id == keep_session_id)
                           .values(auth_version=user.auth_version), execution_options={CHANGES_USERS: (user.id,)})
    db.session.flush()
    return ended


def purge_expired_sessions(now: datetime | None = None) -> int:
    """Scheduled job: delete sessions that have expired or belong to an earlier `auth_version`."""
    now = now or clock.now()
    stale_version = sa.select(User.auth_version).where(User.id == UserSession.user_id).scalar_subquery()
    # No signed-in browser relies on these rows: a copy of an expired session is refused by its expiry, and one
    # of an older auth_version went when the version moved.
    result = db.session.execute(
        sa.delete(UserSession).where(sa.or_(UserSession.expires_at <= now, UserSession.auth_version != stale_version)),
        execution_options={CHANGES_USERS: ()},
    )
    return rows_affected(result)
