"""The durable outbox: everything that must happen because of a change (a mail, a notification, a certificate
to issue) is a row written in the same transaction as the change, and `moocplatform worker` runs it after the
commit, at least once. Areas register their kinds with `register_kind` and write rows with `enqueue`."""
from .models import OutboxMessage, OutboxStatus, ScheduledJob, WorkerHeartbeat
from .queue import enqueue, failed_rows_query, retry_row
from .registry import Kind, PermanentFailure, get_kind, register_kind, registered_kinds
from .wake import wake_after_commit, wake_pending, wake_workers

__all__ = ["Kind", "OutboxMessage", "OutboxStatus", "PermanentFailure", "ScheduledJob", "WorkerHeartbeat",
           "enqueue", "failed_rows_query", "get_kind", "register_kind", "registered_kinds", "retry_row",
           "wake_after_commit", "wake_pending", "wake_workers"]
