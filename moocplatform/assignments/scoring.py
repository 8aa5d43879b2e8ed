"""A scoring against a rubric as services take it: the rubric's check, its error as a domain error."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any

from ..errors import InvalidInput
from .models import Assessment, AssessorRole
from .queries import Assignment
from .rubric import ScoringError

MAX_TEXT_CHARS = 50_000  # a hand-in's text, or feedback
MIN_PEER_SCORES = 3  # fewer peers' scores than this make no score of their own


@dataclass(frozen=True)
class VersionScore:
    """The score a version of a hand-in has, and where it comes from."""
    points: float
    max_points: int
    source: str  # "staff", "peers" or "self"
    peer_scores: int  # how many peers' scores there are (the median is of these)


def version_score(assessments: Iterable[Assessment]) -> VersionScore | None:
    """Staff's score where there is one (it replaces the peers', as a staff override does); otherwise the
    median of at least MIN_PEER_SCORES peers' scores; the learner's own only where neither exists. Pure: the
    assessments of one version, in the order they were made."""
    made = list(assessments)
    peers = [a for a in made if a.role == AssessorRole.peer and a.points is not None]
    staff = [a for a in made if a.role == AssessorRole.facilitator and a.points is not None]
    own = [a for a in made if a.role == AssessorRole.self and a.points is not None]
    if staff:
        return VersionScore(staff[-1].points, staff[-1].max_points, "staff", len(peers))
    if len(peers) >= MIN_PEER_SCORES:
        return VersionScore(median(a.points for a in peers), peers[-1].max_points, "peers", len(peers))
    if own:
        return VersionScore(own[-1].points, own[-1].max_points, "self", len(peers))
    return None


def scored(assignment: Assignment, chosen: dict[str, Any]) -> tuple[dict[str, int], int]:
    try:
        return assignment.rubric.score(chosen)
    except ScoringError as error:
        raise InvalidInput(error.message, field=f"criterion-{error.criterion}" if error.criterion else None) \
            from None
