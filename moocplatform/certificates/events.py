"""What certificates does when something is announced: a recorded completion queues the certificate's issue,
which the worker does after the completion commits (the issue and the row's done mark commit together)."""
from __future__ import annotations

from typing import Any

from .. import events, outbox
from .services import issue_certificate, issue_pending

ISSUE_CERTIFICATE = "certificates.issue"


def queue_certificate(event: events.CourseCompleted) -> None:
    """Durable: the row commits with the completion, so no completion goes without its certificate."""
    outbox.enqueue(ISSUE_CERTIFICATE, {"user_id": event.user_id, "course_id": event.course_id},
                   key=f"{event.user_id}:{event.course_id}")


def issue_from_outbox(payload: dict[str, Any], _row: object) -> None:
    issue_certificate(payload["user_id"], payload["course_id"], tell_if_held=True)


def subscribe() -> None:
    events.subscribe(events.CourseCompleted, queue_certificate)
    outbox.register_kind(ISSUE_CERTIFICATE, issue_from_outbox, transactional=True)
    events.register_reconciliation(
        "issue-certificates", "Issue the certificates that completions without one are owed (a missed trigger, "
        "or a full name for certificates set since).", issue_pending)
