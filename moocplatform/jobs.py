"""Scheduled jobs: one registry that every area adds to; `moocplatform jobs run` runs them (from cron or a
systemd timer, every 15 minutes). Each job is idempotent and commits its own work."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .accounts.services import purge_old_login_failures
from .database import writing
from .events import reconciliations
from .extensions import db
from .quizzes.services import close_expired_attempts


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[], object]


_jobs: dict[str, Job] = {}


def register_job(name: str, description: str, run: Callable[[], object]) -> None:
    _jobs[name] = Job(name, description, run)


def registered_jobs() -> list[Job]:
    """The jobs, with every durable event consumer's reconciliation job among them."""
    jobs = {name: Job(name, description, run) for name, (description, run) in reconciliations().items()}
    jobs.update(_jobs)
    return sorted(jobs.values(), key=lambda job: job.name)


def run_jobs(names: list[str] | None = None) -> dict[str, object]:
    results = {}
    for job in registered_jobs():
        if names and job.name not in names:
            continue
        with writing():
            results[job.name] = job.run()
            db.session.commit()
    return results


register_job("close-expired-quiz-attempts", "Grade timed quiz attempts whose time ran out, with the answers "
             "saved in time.", close_expired_attempts)
register_job("purge-login-failures", "Forget failed log-ins older than the throttling window.",
             purge_old_login_failures)
