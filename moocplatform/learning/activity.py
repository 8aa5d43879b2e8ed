"""The learner-activity registry: what a learner does in a course that counts as being active there (a visit to
the course, a unit viewed or completed, a quiz attempt, a post, a hand-in), each kind registered by the area that
records it, so that those who ask "when was this learner last active?" (the facilitator dashboard, the quiet-spell
reminders) know none of them.

A source gives, for a course and a column holding a learner's id, a select of the moments of that learner's
activity in the course; it is correlated to the column's table by whoever uses it, so any number of learners is
answered in the same one query."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import QueryableAttribute

from ..registry import Registry
from .models import Enrollment, UnitProgress

Moments = sa.Select[tuple[Any]]  # one column: moments (datetime, NULL for none)


@dataclass(frozen=True)
class ActivitySource:
    name: str
    # (course id, learner id column) -> select of one column, the moments of that learner's activity in the course
    moments: Callable[[int, QueryableAttribute[int]], Moments]


activity_sources: Registry[ActivitySource] = Registry("learner activity sources")


def register_activity_source(app: Flask, source: ActivitySource) -> ActivitySource:
    return activity_sources.register(app, source)


def latest_activity(course_id: int, learner: QueryableAttribute[int]) -> list[sa.ScalarSelect[Any]]:
    """The learner's last moment of each kind of activity in the course (NULL for a kind never done), as scalar
    subqueries correlated to `learner`'s table: the latest of them is when the learner was last active."""
    return [_latest(source.moments(course_id, learner).correlate(learner.parent.selectable))
            for source in activity_sources.entries()]


def active_since(course_id: int, learner: QueryableAttribute[int], cutoff: datetime) -> sa.ColumnElement[bool]:
    """Whether the learner did anything in the course after `cutoff`: one EXISTS per source, never NULL."""
    clauses = []
    for source in activity_sources.entries():
        moments = source.moments(course_id, learner).correlate(learner.parent.selectable)
        clauses.append(sa.exists(moments.where(moments.selected_columns[0] > cutoff)))
    return sa.or_(sa.false(), *clauses)


def _latest(moments: Moments) -> sa.ScalarSelect[Any]:
    return moments.with_only_columns(sa.func.max(moments.selected_columns[0])).scalar_subquery()


def _course_visits(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    return sa.select(Enrollment.last_visited_at).where(
        Enrollment.user_id == learner, Enrollment.course_id == course_id, Enrollment.last_visited_at.is_not(None))


def _units(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    return sa.select(sa.func.coalesce(UnitProgress.completed_at, UnitProgress.first_viewed_at)).where(
        UnitProgress.user_id == learner, UnitProgress.course_id == course_id)


def register_activity_sources(app: Flask) -> None:
    register_activity_source(app, ActivitySource("course visit", _course_visits))
    register_activity_source(app, ActivitySource("unit", _units))
