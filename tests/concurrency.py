"""Helpers for tests that need real concurrency: PostgreSQL only (SQLite runs one writer at a time), data
committed for real (the per-test transaction is invisible to other connections), one thread per request."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from moocplatform.accounts.models import User
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import Course
from moocplatform.extensions import db
from moocplatform.outbox import OutboxMessage


def only_on_postgres(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                              reason=f"SQLite runs one writer at a time, so {reason}")


@contextmanager
def committed_for_real(app: Flask, make: Callable[[], dict[str, int]]) -> Iterator[dict[str, int]]:
    """Run make() and commit what it wrote, with sessions per application context on the engine (as in
    production) for the rest of the block; then delete the courses and users it names ("course", "learner"
    and any key ending in "_user" or "_course"), with what cascades from them, their audit entries and the
    outbox rows queued meanwhile."""
    test_session = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine, expire_on_commit=False), scopefunc=_app_ctx_id)
    ids: dict[str, int] = {}
    outbox_before = 0
    try:
        with app.app_context():
            outbox_before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))
            ids.update(make())
            db.session.commit()
            db.session.remove()
        yield ids
    finally:
        if ids:
            with app.app_context():
                courses = [v for k, v in ids.items() if k == "course" or k.endswith("_course")]
                users = [v for k, v in ids.items() if k == "learner" or k.endswith("_user")]
                db.session.execute(sa.delete(AuditEntry).where(AuditEntry.target_type == "course",
                                                               AuditEntry.target_id.in_([str(c) for c in courses])))
                db.session.execute(sa.delete(Course).where(Course.id.in_(courses)))
                db.session.execute(sa.delete(User).where(User.id.in_(users)))
                # Rows its subscribers queued (issues, mails) would be run and counted by later tests.
                db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > outbox_before))
                db.session.commit()
                db.session.remove()
        db.session = test_session


def at_once(app: Flask, work: Callable[[Any, threading.Barrier], Any], arguments: list[Any]) -> list[Any]:
    """Run work(argument, barrier) in one thread per argument, each in its own application context (so its own
    session and connection); the barrier lets them start together. Returns what each returned."""
    barrier = threading.Barrier(len(arguments), timeout=30)
    outcomes: list[Any] = []

    def run(argument: Any) -> None:
        with app.app_context():
            try:
                outcomes.append(work(argument, barrier))
            except Exception as error:  # reported by the main thread
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(isinstance(outcome, BaseException) for outcome in outcomes), outcomes
    return outcomes
