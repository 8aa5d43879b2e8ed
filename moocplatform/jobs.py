"""Periodic jobs: one registry that every area adds to. The scheduler inside `moocplatform worker` runs each
job once per its interval; `moocplatform jobs run` (from cron or a systemd timer) stays as a fallback. Each job
is idempotent and runs in its own transaction."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from .accounts.services import purge_old_login_failures
from .database import writing
from .extensions import db
from .learning.completion import process_all_completions
from .quizzes.services import close_expired_attempts

DEFAULT_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[], object]
    interval: timedelta = DEFAULT_INTERVAL


_jobs: dict[str, Job] = {}


def register_job(name: str, description: str, run: Callable[[], object], *,
                 interval: timedelta = DEFAULT_INTERVAL) -> None:
    if interval < timedelta(minutes=1):
        raise ValueError("the scheduler ticks once a minute: a job's interval is at least a minute")
    _jobs[name] = Job(name, description, run, interval)


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def run_job(job: Job) -> object:
    """One run of a job in one write transaction, committed."""
    with writing():
        try:
            result = job.run()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result


def run_jobs(names: list[str] | None = None) -> dict[str, object]:
    return {job.name: run_job(job) for job in registered_jobs() if not names or job.name in names}


register_job("process-completions", "Record course completions that progress or a new version has granted.",
             process_all_completions)
register_job("close-expired-quiz-attempts", "Grade timed quiz attempts whose time ran out, with the answers "
             "saved in time.", close_expired_attempts)
register_job("purge-login-failures", "Forget failed log-ins older than the throttling window.",
             purge_old_login_failures)
