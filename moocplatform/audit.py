"""The audit log: who changed what, when. Services call `record`; the admin area and CLI read it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .extensions import Model, db
from .personal_data import register, rows_as_dicts


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor = relationship("User", lazy="raise")


def record(actor, action: str, target: Any, **details: Any) -> AuditEntry:
    """Add an audit entry to the session (the caller commits). `actor` is a User or None for the system."""
    target_type = type(target).__name__.lower() if target is not None else "system"
    target_id = str(getattr(target, "id", "") or "")
    entry = AuditEntry(
        created_at=clock.now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.session.add(entry)
    return entry


def audit_page_query(*, action: str | None = None, actor_id: int | None = None, target_type: str | None = None,
                     target_id: str | None = None, since: datetime | None = None,
                     before: datetime | None = None) -> sa.Select:
    """Entries newest first, narrowed by action, actor, target and a time window [since, before)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if before is not None:
        query = query.where(AuditEntry.created_at < before)
    return query


register(
    AuditEntry, section="audit_log", rule="keep",
    export=lambda user: rows_as_dicts(AuditEntry, AuditEntry.actor_id == user.id),
    erase=lambda user: None,
    reason="the audit log is an accountability record; it keeps the id of the de-personalised account",
)
