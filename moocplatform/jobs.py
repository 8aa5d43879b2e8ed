"""Periodic jobs: one registry that areas add to in their init_app. The scheduler inside `moocplatform worker`
runs each job once per its interval; `moocplatform jobs run` (from cron or a systemd timer) stays as a fallback.
Each job is idempotent and runs in a unit of work of its own (a job may run its items in separate units)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from . import transaction
from .events import reconciliations
from .registry import Registry

DEFAULT_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[], object]
    interval: timedelta = DEFAULT_INTERVAL


jobs: Registry[Job] = Registry("jobs")


def register_job(app: Flask, name: str, description: str, run: Callable[[], object], *,
                 interval: timedelta = DEFAULT_INTERVAL) -> Job:
    if interval < timedelta(minutes=1):
        raise ValueError("the scheduler ticks once a minute: a job's interval is at least a minute")
    return jobs.register(app, Job(name, description, run, interval))


def registered_jobs(app: Flask | None = None) -> list[Job]:
    """The jobs, with every durable event consumer's reconciliation job among them."""
    found = {job.name: job for job in jobs.entries(app)}
    for name, (description, run) in reconciliations().items():
        found.setdefault(name, Job(name, description, run))
    return sorted(found.values(), key=lambda job: job.name)


def run_job(job: Job) -> object:
    """One run of a job in one unit of work, committed."""
    with transaction.unit_of_work(f"job {job.name}"):
        return job.run()


def run_jobs(names: list[str] | None = None) -> dict[str, object]:
    return {job.name: run_job(job) for job in registered_jobs() if not names or job.name in names}
