"""A rubric as a pack declares it, and the one check of a scoring against it. Pure: no Flask, no database."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ScoringError(ValueError):
    def __init__(self, message: str, criterion: str | None = None):
        super().__init__(message)
        self.message = message
        self.criterion = criterion


@dataclass(frozen=True)
class Level:
    label: str
    points: int
    descriptor: str


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    description: str
    levels: tuple[Level, ...]  # lowest points first

    @property
    def max_points(self) -> int:
        return max((level.points for level in self.levels), default=0)

    def level_with(self, points: int) -> Level | None:
        return next((level for level in self.levels if level.points == points), None)


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]

    @classmethod
    def from_declared(cls, declared: list[dict[str, Any]]) -> Rubric:
        return cls(tuple(
            Criterion(str(c.get("id", "")), str(c.get("title", "")), str(c.get("description") or ""),
                      tuple(sorted((Level(str(lv.get("label", "")), int(lv.get("points", 0)),
                                          str(lv.get("descriptor") or "")) for lv in c.get("levels") or []),
                                   key=lambda level: level.points)))
            for c in declared))

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def score(self, chosen: Mapping[str, Any]) -> tuple[dict[str, int], int]:
        """({criterion id: points}, total) for a level chosen on every criterion; ScoringError otherwise."""
        scores: dict[str, int] = {}
        for criterion in self.criteria:
            raw = chosen.get(criterion.id)
            if raw is None or str(raw).strip() == "":
                raise ScoringError(f"Choose a level for “{criterion.title}”.", criterion.id)
            try:
                points = int(str(raw))
            except ValueError:
                raise ScoringError(f"Choose one of the levels for “{criterion.title}”.", criterion.id) from None
            if criterion.level_with(points) is None:
                raise ScoringError(f"Choose one of the levels for “{criterion.title}”.", criterion.id)
            scores[criterion.id] = points
        return scores, sum(scores.values())
