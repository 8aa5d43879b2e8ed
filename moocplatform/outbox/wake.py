"""Waking the worker through Redis when REDIS_URL is set: an enqueue marks its session, and after the session
commits one element is pushed to a list that idle workers wait on with BLPOP. Without Redis the workers poll;
a lost wake-up only delays a row until the next poll."""
from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from .. import transaction
from ..extensions import db

log = logging.getLogger(__name__)

WAKE_LIST = "moocplatform:outbox:wake"
_PENDING = "outbox_wake_pending"
_clients: dict[str, redis.Redis] = {}


def redis_client(url: str) -> redis.Redis:
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=2)
    return client


def wake_after_commit(session: Session | None = None) -> None:
    """Ask for a wake-up once the current transaction commits (a rolled-back enqueue wakes nobody), through
    the transaction boundary's after_commit."""
    url = current_app.config["REDIS_URL"]
    session = session or db.session()
    if url:
        session.info[_PENDING] = True
        transaction.after_commit(lambda: _wake_now(session, url))


def _wake_now(session: Session, url: str) -> None:
    session.info.pop(_PENDING, None)
    wake_workers(url)


def wake_pending(session: Session) -> bool:
    return bool(session.info.get(_PENDING))


def wake_workers(url: str | None = None) -> None:
    """Wake one idle worker now (after a commit)."""
    url = url or current_app.config["REDIS_URL"]
    if not url:
        return
    try:
        client = redis_client(url)
        pipe = client.pipeline()
        pipe.lpush(WAKE_LIST, "1")
        pipe.ltrim(WAKE_LIST, 0, 99)  # wake-ups nobody waited for do not pile up
        pipe.execute()
    except redis.RedisError as error:  # the workers still poll
        log.warning("could not wake the outbox worker through Redis: %s", error)


def wait_for_wake(url: str, timeout: float) -> bool | None:
    """Block until a wake-up arrives (True) or timeout seconds pass (False); None when Redis cannot be
    reached, so that the caller polls instead."""
    try:
        return redis_client(url).blpop([WAKE_LIST], timeout=timeout) is not None
    except redis.RedisError as error:
        log.warning("Redis wait failed, polling instead: %s", error)
        return None


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_wake(session: Session, ended) -> None:
    # A transaction that ended without committing leaves no wake-up asked for (its callback was dropped).
    if ended.parent is None:
        session.info.pop(_PENDING, None)
