"""The quizzes' scheduled job."""
from __future__ import annotations

from .. import transaction
from . import services


def close_expired_attempts() -> int:
    """Close the timed attempts nobody came back to, so that results and statistics count them. Each is closed
    in a unit of work of its own, so one that fails keeps the others; returns how many were closed."""
    closed = 0
    for attempt_id in services.expired_attempts_to_close():
        with transaction.unit_of_work(f"close expired quiz attempt {attempt_id}"):
            closed += services.close_expired_attempt_by_id(attempt_id)
    return closed
