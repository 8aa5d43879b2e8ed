"""One scheduler for the periodic jobs of moocplatform/jobs.py, ticking inside every worker.

Each job has a row in scheduled_jobs with its next run. A worker owns a run when its conditional UPDATE
moves next_run_at forward (the row lock on PostgreSQL, the write lock on SQLite, make that atomic), so with
any number of workers each due job runs once per interval. `moocplatform jobs run` from cron still works.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import clock, jobs, transaction
from ..extensions import db
from .models import ScheduledJob

log = logging.getLogger(__name__)


def _ensure_rows(jobs, now) -> None:
    known = set(db.session.scalars(sa.select(ScheduledJob.name)))
    for job in jobs:
        if job.name not in known:
            try:
                with db.session.begin_nested():  # another worker may add the same row at the same moment
                    db.session.add(ScheduledJob(name=job.name, next_run_at=now))
            except IntegrityError:
                pass


def _claim_run(name: str, interval, worker_id: str, now) -> bool:
    result: sa.CursorResult = db.session.execute(  # type: ignore[assignment]
        sa.update(ScheduledJob).where(ScheduledJob.name == name, ScheduledJob.next_run_at <= now)
        .values(next_run_at=now + interval, last_started_at=now, last_run_by=worker_id),
        execution_options={"synchronize_session": False})
    return result.rowcount == 1


def tick(worker_id: str) -> dict[str, object]:
    """Run each registered job that is due and that no other worker claimed first; returns their results."""
    registered = jobs.registered_jobs()
    now = clock.now()
    results: dict[str, object] = {}
    for job in registered:
        with transaction.unit_of_work("scheduler claim"):
            _ensure_rows([job], now)
            owned = _claim_run(job.name, job.interval, worker_id, now)
        if not owned:
            continue
        try:
            results[job.name] = jobs.run_job(job)
            error = None
        except Exception as failure:  # a failing job must not stop the worker or the other jobs
            log.exception("scheduled job %s failed", job.name)
            error = f"{type(failure).__name__}: {failure}"[:4000]
        with transaction.unit_of_work("scheduler finished"):
            db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.name == job.name)
                               .values(last_finished_at=clock.now(), last_error=error),
                               execution_options={"synchronize_session": False})
    return results
