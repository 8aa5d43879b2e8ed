"""A scoring against a rubric as services take it: the rubric's check, its error as a domain error."""
from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from .queries import Assignment
from .rubric import ScoringError

MAX_TEXT_CHARS = 50_000  # a hand-in's text, or feedback


def scored(assignment: Assignment, chosen: dict[str, Any]) -> tuple[dict[str, int], int]:
    try:
        return assignment.rubric.score(chosen)
    except ScoringError as error:
        raise InvalidInput(error.message, field=f"criterion-{error.criterion}" if error.criterion else None) \
            from None
