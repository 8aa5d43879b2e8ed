"""The learner-activity registry: what a learner does in a course that counts as being active there (a visit to
the course, a unit viewed or completed, a quiz attempt, a post, a hand-in), each kind registered by the area that
records it, so that those who ask "when was this learner last active?" (the facilitator dashboard, the quiet-spell
reminders) know none of them.

A source gives, for a course and a column holding a learner's id, a select of the moments of that learner's
activity in the course; it is correlated to the column's table by whoever uses it, so any number of learners is
answered in the same one query.

A source may also give a learner's timeline in the course (`timeline`): a select of (kind, at, title, key) rows,
one per thing done, which `learner_timeline` combines with the other sources' in one UNION ALL query, newest
first. Each row is built with `timeline_row`, so that every source's columns have the same names and types.
The source knows nothing of who will read it: it lists only what every reader of the learner's record in the
course may see (a post in the course's forum, not one in a group's or a private space)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import QueryableAttribute

from ..extensions import db
from ..registry import Registry
from .models import Enrollment, UnitProgress

Moments = sa.Select[tuple[Any]]  # one column: moments (datetime, NULL for none)
Timeline = sa.Select[tuple[str, datetime, str, str]]  # (kind, at, title, key), built with timeline_row

TIMELINE_LIMIT = 50
KEY_LENGTH = 64
TITLE_LENGTH = 300


@dataclass(frozen=True)
class ActivitySource:
    name: str
    # (course id, learner id column) -> select of one column, the moments of that learner's activity in the course
    moments: Callable[[int, QueryableAttribute[int]], Moments]
    # (course id, learner id) -> select of the learner's timeline rows in the course (timeline_row); None: the
    # kind counts as activity but lists nothing (a visit to the course)
    timeline: Callable[[int, int], Timeline] | None = None


@dataclass(frozen=True)
class TimelineEvent:
    kind: str  # what the source says it is: "unit" (completed), "unit-opened", "quiz", "post", "submission"
    at: datetime
    title: str
    key: str  # what the kind's link needs: a unit's key (a hand-in's too), an attempt's id, a post's id


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


def timeline_row(kind: str | sa.ColumnElement[str], at: Any, title: Any, key: Any) -> list[sa.ColumnElement[Any]]:
    """The columns of a timeline select, named and typed alike in every source so that they unite; `kind` is a
    name, or an expression choosing between names row by row."""
    kind_column = sa.literal(kind) if isinstance(kind, str) else kind
    return [sa.cast(kind_column, sa.String(KEY_LENGTH)).label("kind"), at.label("at"),
            sa.cast(title, sa.String(TITLE_LENGTH)).label("title"), sa.cast(key, sa.String(KEY_LENGTH)).label("key")]


def learner_timeline(course_id: int, user_id: int, limit: int = TIMELINE_LIMIT) -> list[TimelineEvent]:
    """The learner's most recent `limit` events in the course across every source that has a timeline, newest
    first: one UNION ALL query whatever the number of sources or events (none when no source has one)."""
    selects = [source.timeline(course_id, user_id) for source in activity_sources.entries()
               if source.timeline is not None]
    if not selects:
        return []
    events = (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery()
    rows = db.session.execute(
        sa.select(events.c.kind, events.c.at, events.c.title, events.c.key)
        .where(events.c.at.is_not(None))
        .order_by(events.c.at.desc(), events.c.kind, events.c.key).limit(limit))
    return [TimelineEvent(kind, at, title or "", key) for kind, at, title, key in rows]


def _latest(moments: Moments) -> sa.ScalarSelect[Any]:
    return moments.with_only_columns(sa.func.max(moments.selected_columns[0])).scalar_subquery()


def _course_visits(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    return sa.select(Enrollment.last_visited_at).where(
        Enrollment.user_id == learner, Enrollment.course_id == course_id, Enrollment.last_visited_at.is_not(None))


def _units(course_id: int, learner: QueryableAttribute[int]) -> Moments:
    return sa.select(sa.func.coalesce(UnitProgress.completed_at, UnitProgress.first_viewed_at)).where(
        UnitProgress.user_id == learner, UnitProgress.course_id == course_id)


def register_activity_sources(app: Flask, unit_timeline: Callable[[int, int], Timeline]) -> None:
    """Learning's own sources; the units' timeline is a read-model (learning.queries), as it joins the catalogue
    for the units' titles."""
    register_activity_source(app, ActivitySource("course visit", _course_visits))
    register_activity_source(app, ActivitySource("unit", _units, unit_timeline))
