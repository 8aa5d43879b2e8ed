"""What discussion does when other areas announce something, and the completion rule it brings."""
from __future__ import annotations

from .. import events
from ..extensions import db
from . import notices
from .criteria import register_criteria
from .queries import courses_with_live_version
from .services import ensure_course_space, on_version_published


def subscribe() -> None:
    register_criteria()
    notices.subscribe()
    events.subscribe(events.VersionPublished, on_version_published)


def ensure_all_course_spaces() -> int:
    course_ids = courses_with_live_version()
    for course_id in course_ids:
        ensure_course_space(course_id)
    db.session.flush()
    return len(course_ids)

