"""The worker: claims outbox rows, runs their handlers with retries and backoff, and ticks the scheduler.

Each step is its own short transaction: the claim (one conditional UPDATE; `FOR UPDATE SKIP LOCKED` on
PostgreSQL, SQLite's write lock elsewhere), the handler (outside any write transaction unless its kind is
transactional), and the done or failed mark. A claim is a lease: a row whose worker died is claimed again
once the lease runs out, so delivery is at least once.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import clock, dialect, transaction
from ..extensions import db
from . import scheduler
from .faults import fault_point
from .models import OutboxMessage, OutboxStatus, WorkerHeartbeat
from .registry import PermanentFailure, get_kind
from .wake import wait_for_wake

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 15.0  # seconds between heartbeat writes
SCHEDULER_TICK = 60.0  # seconds between scheduler ticks
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long a row waits after its n-th failed attempt: 30 s, 1 min, 2 min, … up to an hour."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _claimable(now) -> sa.ColumnElement[bool]:
    ready = sa.and_(OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.FAILED.value]),
                    OutboxMessage.available_at <= now)
    abandoned = sa.and_(OutboxMessage.status == OutboxStatus.RUNNING.value,
                        OutboxMessage.lease_expires_at <= now,
                        OutboxMessage.attempts < OutboxMessage.max_attempts)
    return sa.or_(ready, abandoned)


def claim(worker_id: str, *, limit: int, lease: timedelta) -> list[int]:
    """Mark up to `limit` runnable rows as running under this worker's lease, in one committed UPDATE."""
    now = clock.now()
    with transaction.unit_of_work("outbox claim"):
        _bury_abandoned(now)
        candidates = dialect.skipping_locked(sa.select(OutboxMessage.id).where(_claimable(now))
                                             .order_by(OutboxMessage.available_at, OutboxMessage.id).limit(limit))
        ids = db.session.scalars(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(candidates.scalar_subquery()))
            .values(status=OutboxStatus.RUNNING.value, claimed_by=worker_id, claimed_at=now,
                    lease_expires_at=now + lease, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id),
            execution_options={"synchronize_session": False}).all()
    return sorted(ids)


def _bury_abandoned(now) -> None:
    """A row whose worker died during its last allowed attempt is dead (it may be what kills the worker)."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.RUNNING.value, OutboxMessage.lease_expires_at <= now,
               OutboxMessage.attempts >= OutboxMessage.max_attempts)
        .values(status=OutboxStatus.DEAD.value, lease_expires_at=None,
                last_error="the worker stopped during the last attempt (lease expired)"),
        execution_options={"synchronize_session": False})


def _owned(row_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    # A worker whose lease ran out and was overtaken must not overwrite the new owner's outcome.
    return sa.and_(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker_id,
                   OutboxMessage.status == OutboxStatus.RUNNING.value)


def _mark_done(row_id: int, worker_id: str) -> None:
    db.session.execute(
        sa.update(OutboxMessage).where(_owned(row_id, worker_id))
        .values(status=OutboxStatus.DONE.value, done_at=clock.now(), lease_expires_at=None, last_error=None),
        execution_options={"synchronize_session": False})


def _mark_failed(row_id: int, worker_id: str, error: BaseException, *, permanent: bool) -> str:
    transaction.roll_back()
    with transaction.unit_of_work("outbox failure"):
        row = db.session.get(OutboxMessage, row_id, populate_existing=True)
        if row is None or row.claimed_by != worker_id or row.status != OutboxStatus.RUNNING.value:
            return "lost"
        dead = permanent or row.attempts >= row.max_attempts
        db.session.execute(
            sa.update(OutboxMessage).where(_owned(row_id, worker_id))
            .values(status=OutboxStatus.DEAD.value if dead else OutboxStatus.FAILED.value,
                    available_at=clock.now() + (timedelta(0) if dead else backoff(row.attempts)),
                    lease_expires_at=None, last_error=f"{type(error).__name__}: {error}"[:4000]),
            execution_options={"synchronize_session": False})
    return OutboxStatus.DEAD.value if dead else OutboxStatus.FAILED.value


def process(row_id: int, worker_id: str) -> str:
    """Run one claimed row's handler; returns the row's new status."""
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.claimed_by != worker_id or row.status != OutboxStatus.RUNNING.value \
            or row.lease_expires_at is None or row.lease_expires_at <= clock.now():
        # The lease ran out while earlier rows of the batch ran: another worker may hold the row now.
        transaction.roll_back()
        return "lost"
    kind = get_kind(row.kind)
    try:
        if kind is None:
            raise PermanentFailure(f"no handler is registered for the kind {row.kind!r}")
        if kind.transactional:  # the handler's writes and the done mark commit together: exactly once
            transaction.roll_back()
            with transaction.unit_of_work(f"outbox {row.kind}"):
                row = db.session.get(OutboxMessage, row_id, populate_existing=True)
                if row is None:
                    return "lost"
                kind.handler(dict(row.payload), row)
                _mark_done(row_id, worker_id)
            return OutboxStatus.DONE.value
        kind.handler(dict(row.payload), row)
        transaction.roll_back()  # the handler only read here; its side effect is outside the database
        fault_point("after-side-effect")
        with transaction.unit_of_work("outbox done"):
            _mark_done(row_id, worker_id)
        return OutboxStatus.DONE.value
    except PermanentFailure as error:
        log.error("outbox row %s (%s) failed for good: %s", row_id, getattr(row, "kind", "?"), error)
        return _mark_failed(row_id, worker_id, error, permanent=True)
    except Exception as error:  # noqa: BLE001  (any handler failure is retried; the worker carries on)
        log.warning("outbox row %s failed: %s\n%s", row_id, error, traceback.format_exc())
        return _mark_failed(row_id, worker_id, error, permanent=False)


def run_batch(worker_id: str, *, limit: int = 20, lease: timedelta | None = None) -> dict[int, str]:
    """Claim and run one batch; returns each claimed row's new status."""
    lease = lease or timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
    ids = claim(worker_id, limit=limit, lease=lease)
    if ids:
        fault_point("after-claim")
    return {row_id: process(row_id, worker_id) for row_id in ids}


def beat(worker_id: str, started_at) -> None:
    now = clock.now()
    with transaction.unit_of_work("worker heartbeat"):
        result: sa.CursorResult = db.session.execute(  # type: ignore[assignment]
            sa.update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id).values(seen_at=now),
            execution_options={"synchronize_session": False})
        if not result.rowcount:
            db.session.add(WorkerHeartbeat(worker_id=worker_id, started_at=started_at, seen_at=now))
            # Heartbeats of workers gone for a day are forgotten.
            db.session.execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - timedelta(days=1)))


@dataclass
class WorkerLoop:
    """`moocplatform worker`: heartbeat, scheduler tick each minute, batches of rows until stopped."""

    worker_id: str = field(default_factory=new_worker_id)
    run_scheduler: bool = True
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, *, until_idle: bool = False) -> int:
        """Loop until stopped (or, with until_idle, until nothing is runnable); returns the rows run."""
        config = current_app.config
        started_at = clock.now()
        next_beat = next_tick = 0.0
        handled = 0
        while not self.stop.is_set():
            poll = float(config["WORKER_POLL_SECONDS"])
            try:
                if time.monotonic() >= next_beat:
                    beat(self.worker_id, started_at)
                    next_beat = time.monotonic() + HEARTBEAT_EVERY
                if self.run_scheduler and time.monotonic() >= next_tick:
                    scheduler.tick(self.worker_id)
                    next_tick = time.monotonic() + SCHEDULER_TICK
                results = run_batch(self.worker_id)
            except sa.exc.SQLAlchemyError:  # the database is away for a moment: wait, then carry on
                log.exception("worker %s: database error; retrying", self.worker_id)
                db.session.remove()
                self.stop.wait(max(poll, 5.0))
                continue
            handled += len(results)
            db.session.remove()
            if results:
                continue
            if until_idle:
                break
            if not config["REDIS_URL"] or wait_for_wake(config["REDIS_URL"], poll) is None:
                self.stop.wait(poll)  # no Redis, or Redis unreachable: poll
        return handled

    def stop_on_signals(self) -> None:
        """SIGTERM and SIGINT finish the row at hand, then stop."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop.set())


def run_outbox(*, scheduler_tick: bool = False) -> dict[int, str]:
    """Run every runnable row now, in this process, until none is left (tests and `worker --until-idle`);
    returns each row's last status."""
    worker_id = new_worker_id()
    outcome: dict[int, str] = {}
    if scheduler_tick:
        scheduler.tick(worker_id)
    while results := run_batch(worker_id):
        outcome.update(results)
    return outcome
