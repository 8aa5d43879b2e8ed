"""What learning does when something is announced: a completed unit may complete the course."""
from __future__ import annotations

from .. import events
from ..catalog.queries import get_course_by_id
from .completion import process_all_completions, record_completion_if_reached
from .criteria import register_criteria


def check_course_completion(event: events.UnitCompleted) -> None:
    """Durable: the completion is recorded in the transaction that completed the unit."""
    course = get_course_by_id(event.course_id)
    if course is not None:
        record_completion_if_reached(event.user_id, course)


def subscribe() -> None:
    register_criteria()
    events.subscribe(events.UnitCompleted, check_course_completion)
    events.register_reconciliation(
        "process-completions", "Record course completions that progress or a new version has granted "
        "(and any a missed trigger left).", process_all_completions)
