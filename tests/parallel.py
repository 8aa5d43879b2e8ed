"""What one pytest-xdist worker owns, so that the workers `make test` starts never share a PostgreSQL database
or Redis keys: each gets its own database (the suite's name plus the worker's id) and its own Redis databases."""
from __future__ import annotations

import os

import sqlalchemy as sa

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist; empty in a plain run
WORKER_INDEX = int(WORKER.removeprefix("gw") or 0)

# A Redis database per purpose and worker, counted down from 15; database 0 stays a developer's own.
REDIS_PURPOSES = ("outbox", "signin", "nodes", "api")
MAX_WORKERS = 15 // len(REDIS_PURPOSES)


def redis_test_url(purpose: str) -> str:
    if WORKER_INDEX >= MAX_WORKERS:
        raise RuntimeError(f"at most {MAX_WORKERS} test workers have Redis databases of their own (pytest -n)")
    number = 15 - WORKER_INDEX * len(REDIS_PURPOSES) - REDIS_PURPOSES.index(purpose)
    return f"redis://127.0.0.1:6379/{number}"


def worker_database_url(url: str) -> str:
    """The suite's PostgreSQL URL with this worker's own database; a SQLite URL (a file per run) as it is."""
    if not WORKER or not url.startswith("postgresql"):
        return url
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)
