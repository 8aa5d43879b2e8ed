"""Scheduled jobs: one registry that every area adds to; `moocplatform jobs run` runs them (from cron or a
systemd timer, every 15 minutes). Each job is idempotent and commits its own work."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .accounts.services import purge_old_login_failures
from .accounts.sessions import purge_expired_sessions
from .database import writing
from .extensions import db
from .learning.completion import process_all_completions
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
    return sorted(_jobs.values(), key=lambda job: job.name)


def run_jobs(names: list[str] | None = None) -> dict[str, object]:
    results = {}
    for job in registered_jobs():
        if names and job.name not in names:
            continue
        with writing():
            results[job.name] = job.run()
            db.session.commit()
    return results


register_job("process-completions", "Record course completions that progress or a new version has granted.",
             process_all_completions)
register_job("close-expired-quiz-attempts", "Grade timed quiz attempts whose time ran out, with the answers "
             "saved in time.", close_expired_attempts)
register_job("purge-login-failures", "Forget failed log-ins older than the throttling window.",
             purge_old_login_failures)
register_job("purge-sessions", "Delete sessions that expired or were made before a password change or suspension.",
             purge_expired_sessions)
