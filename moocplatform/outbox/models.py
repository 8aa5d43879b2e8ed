"""The outbox's tables: one row per thing that must happen because of a change, the workers' heartbeats, and
the scheduler's next run of each periodic job."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class OutboxStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by a worker whose lease has not run out
    DONE = "done"
    FAILED = "failed"  # failed, waiting for its retry at available_at
    DEAD = "dead"  # out of attempts, or failed for good: only an administrator's retry runs it again


class OutboxMessage(Model):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_([s.value for s in OutboxStatus]), name="status"),
        sa.UniqueConstraint("kind", "key"),
        sa.Index("ix_outbox_status_available_at", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    key: Mapped[str | None] = mapped_column(sa.String(200))  # idempotency key, unique per kind
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int]
    available_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """The stable Message-ID of a mail sent for this row: a retried send carries the same one."""
        return f"<outbox-{self.id}.{int(self.created_at.timestamp())}@moocplatform>"


class WorkerHeartbeat(Model):
    """Each worker updates its row once per loop; /healthz reports the newest."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(index=True)


class ScheduledJob(Model):
    """When a periodic job runs next: a worker that moves next_run_at forward in one conditional UPDATE owns
    that run, so with several workers each due job runs once per interval."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_run_at: Mapped[datetime]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_run_by: Mapped[str | None] = mapped_column(sa.String(128))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
