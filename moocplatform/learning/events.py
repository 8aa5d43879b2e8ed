"""What learning does when something is announced: a completed unit may complete the course; a published
version may complete it for many learners at once, which the worker records after the publish commits."""
from __future__ import annotations

from typing import Any

from .. import events, outbox
from ..catalog.queries import get_course_by_id
from .completion import process_all_completions, process_completions, record_completion_if_reached
from .criteria import register_criteria


def check_course_completion(event: events.UnitCompleted) -> None:
    """Durable: the completion is recorded in the transaction that completed the unit."""
    course = get_course_by_id(event.course_id)
    if course is not None:
        record_completion_if_reached(event.user_id, course)


COMPLETIONS_AFTER_PUBLISH = "learning.completions-after-publish"


def queue_completions_after_publish(event: events.VersionPublished) -> None:
    """Durable: the new version's rules may grant completions to everyone enrolled. Checking them all inside
    the publish would hold its transaction (and SQLite's write lock) for as long; the worker does it once the
    publish has committed, in a transaction of its own (the row and its "done" mark commit together)."""
    outbox.enqueue(COMPLETIONS_AFTER_PUBLISH, {"course_id": event.course_id},
                   key=f"{event.course_id}:{event.version_id}")


def record_completions_after_publish(payload: dict[str, Any], _row: object) -> None:
    course = get_course_by_id(payload["course_id"])
    if course is not None:
        process_completions(course)


def subscribe() -> None:
    register_criteria()
    events.subscribe(events.UnitCompleted, check_course_completion)
    events.subscribe(events.VersionPublished, queue_completions_after_publish)
    outbox.register_kind(COMPLETIONS_AFTER_PUBLISH, record_completions_after_publish, transactional=True)
    events.register_reconciliation(
        "process-completions", "Record course completions that progress or a new version has granted "
        "(and any a missed trigger left).", process_all_completions)
