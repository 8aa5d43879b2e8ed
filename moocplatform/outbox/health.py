"""The worker's health for /healthz: its newest heartbeat, and how many rows wait or died."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..extensions import db
from .models import OutboxMessage, OutboxStatus, WorkerHeartbeat


def worker_health() -> dict[str, Any]:
    """"ok" when a worker beat within WORKER_HEARTBEAT_STALE_SECONDS, "stale" when the newest beat is older,
    "missing" when no worker ever ran."""
    seen = db.session.scalar(sa.select(sa.func.max(WorkerHeartbeat.seen_at)))
    counts: dict[str, int] = {status: count for status, count in db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.FAILED.value,
                                      OutboxStatus.DEAD.value]))
        .group_by(OutboxMessage.status))}
    report: dict[str, Any] = {"outbox": {status: counts.get(status, 0) for status in ("pending", "failed", "dead")}}
    if seen is None:
        return {"status": "missing", **report}
    stale = clock.now() - seen > timedelta(seconds=current_app.config["WORKER_HEARTBEAT_STALE_SECONDS"])
    return {"status": "stale" if stale else "ok", "last_seen": seen.isoformat(), **report}
