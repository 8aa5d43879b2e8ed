"""Scheduled jobs: one registry that areas add to in their init_app; `moocplatform jobs run` runs them (from
cron or a systemd timer, every 15 minutes). Each job is idempotent and runs in a unit of work of its own (a job
may run its items in separate units inside it)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from . import transaction
from .events import reconciliations
from .registry import Registry


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[], object]


jobs: Registry[Job] = Registry("jobs")


def register_job(app: Flask, name: str, description: str, run: Callable[[], object]) -> Job:
    return jobs.register(app, Job(name, description, run))


def registered_jobs(app: Flask | None = None) -> list[Job]:
    """The jobs, with every durable event consumer's reconciliation job among them."""
    found = {job.name: job for job in jobs.entries(app)}
    for name, (description, run) in reconciliations().items():
        found.setdefault(name, Job(name, description, run))
    return sorted(found.values(), key=lambda job: job.name)


def run_jobs(names: list[str] | None = None) -> dict[str, object]:
    results = {}
    for job in registered_jobs():
        if names and job.name not in names:
            continue
        with transaction.unit_of_work(f"job {job.name}"):
            results[job.name] = job.run()
    return results
