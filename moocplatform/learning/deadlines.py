"""When a learner's work on a unit is due. Areas that set dates (the cohorts area's plan) register a source;
areas that judge work against them (assignments: a late hand-in) ask here without knowing who set the date.
Self-paced learners have no source that answers, so nothing of theirs is ever due."""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DueDateSource:
    name: str
    due_at: Callable[[int, int, str], datetime | None]  # (user id, course id, unit key) -> when, or None
    # (user id, [(course id, unit key)]) -> {(course id, unit key): when} for those it sets, in one query; a
    # source without it is asked unit by unit.
    due_at_units: Callable[[int, Collection[tuple[int, str]]], dict[tuple[int, str], datetime]] | None = None


_sources: dict[str, DueDateSource] = {}


def register_due_date_source(source: DueDateSource) -> DueDateSource:
    if _sources.get(source.name, source) != source:
        raise ValueError(f"due date source {source.name!r} is registered already")
    _sources[source.name] = source
    return source


def due_date_for(user_id: int, course_id: int, unit_key: str) -> datetime | None:
    """The earliest date any source sets for the learner's work on the unit, or None."""
    dates = [d for source in _sources.values() if (d := source.due_at(user_id, course_id, unit_key)) is not None]
    return min(dates) if dates else None


def due_dates_for(user_id: int, units: Collection[tuple[int, str]]) -> dict[tuple[int, str], datetime]:
    """The earliest date any source sets for each of the learner's (course id, unit key); units without one
    are left out. A query per source for the whole list (lists of work ask this, not due_date_for per row)."""
    wanted = set(units)
    found: dict[tuple[int, str], datetime] = {}
    if not wanted:
        return found
    for source in _sources.values():
        if source.due_at_units is not None:
            dates = source.due_at_units(user_id, wanted)
        else:
            dates = {unit: d for unit in wanted if (d := source.due_at(user_id, *unit)) is not None}
        for unit, moment in dates.items():
            if unit in wanted and (unit not in found or moment < found[unit]):
                found[unit] = moment
    return found
