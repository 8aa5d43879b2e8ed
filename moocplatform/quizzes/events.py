"""What quizzes does when other areas announce something, and the completion rule it brings."""
from __future__ import annotations

from .. import events
from .criteria import register_criteria
from .definitions import store_definitions


def subscribe() -> None:
    register_criteria()
    events.subscribe(events.VersionImported, store_definitions)
