"""Writing to the outbox, in the caller's transaction (so a rollback sends nothing), and the administrator's
view of rows that failed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, policy
from ..errors import Conflict, NotFound, PermissionDenied
from ..extensions import db
from .models import OutboxMessage, OutboxStatus
from .registry import get_kind
from .wake import wake_after_commit


def enqueue(kind: str, payload: dict[str, Any], *, key: str | None = None,
            available_at: datetime | None = None) -> OutboxMessage:
    """Add a row for `kind` to the caller's transaction; the worker runs it after the commit, at or after
    `available_at`. With a `key`, a second enqueue of the same kind and key returns the first row."""
    registered = get_kind(kind)
    if registered is None:
        raise ValueError(f"no outbox kind {kind!r} is registered")
    same_key = sa.select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.key == key)
    if key is not None and (existing := db.session.scalar(same_key)) is not None:
        return existing
    now = clock.now()
    row = OutboxMessage(kind=kind, key=key, payload=payload, status=OutboxStatus.PENDING.value, attempts=0,
                        max_attempts=registered.max_attempts, available_at=available_at or now, created_at=now)
    if key is None:
        db.session.add(row)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():  # another transaction may have queued the same key meanwhile
                db.session.add(row)
        except IntegrityError:
            return db.session.scalars(same_key).one()
    wake_after_commit(db.session())
    return row


RETRYABLE = (OutboxStatus.FAILED.value, OutboxStatus.DEAD.value)


def failed_rows_query() -> sa.Select:
    """Rows waiting for a retry and dead rows, newest first (the admin page)."""
    return (sa.select(OutboxMessage).where(OutboxMessage.status.in_(RETRYABLE))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))


def retry_row(actor, row_id: int) -> OutboxMessage:
    """An administrator runs a failed or dead row again now, with a fresh set of attempts."""
    if not policy.can_administer(actor):
        raise PermissionDenied(_("Only administrators can retry outbox rows."))
    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        raise NotFound(_("There is no such outbox row."))
    if row.status not in RETRYABLE:
        raise Conflict(_("Only failed and dead rows can be retried."))
    previous = row.status
    registered = get_kind(row.kind)
    row.status = OutboxStatus.PENDING.value
    row.attempts = 0
    row.max_attempts = registered.max_attempts if registered else row.max_attempts
    row.available_at = clock.now()
    row.claimed_by = row.claimed_at = row.lease_expires_at = None
    audit.record(actor, "outbox.retry", row, kind=row.kind, previous_status=previous, last_error=row.last_error)
    db.session.flush()
    wake_after_commit(db.session())
    return row
