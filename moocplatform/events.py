"""Events: a service announces what happened; areas subscribe in their own code (`<area>/events.py`).

Two kinds of subscriber:

- **durable** (`subscribe(Event, handler)`): runs at once, inside the transaction of the change, before
  `announce` returns. It writes rows (its own area's tables, or outbox rows for work done later), so a
  rollback undoes the reaction with the change, and a commit keeps both. An exception in it fails the change.
  Anything another area must not miss is durable, and has a reconciliation job (`register_reconciliation`)
  that repairs what an older release, or a subscriber added later, never saw.
- **after commit** (`subscribe(Event, handler, after_commit=True)`): in-process, for caches only. It runs
  once the transaction commits, never on a rollback (a savepoint rolled back drops what was announced in
  it). It must not use the session (it runs inside the commit), and an exception in it is logged, not
  raised (the change is committed already).

The events (fields are plain values, ids rather than objects, so they can be queued as they are; only
VersionImported also carries the loaded pack, for the subscribers that store their part of it):

=====================  ===========================  =====================================================
event                  announced by                 when
=====================  ===========================  =====================================================
Enrolled               learning.services            a learner enrols, or comes back after leaving
LeftCourse             learning.services            a learner leaves a course
UnitCompleted          learning.services            a unit becomes complete for a learner (once)
CourseCompleted        learning.completion          a learner's course completion is recorded (once)
QuizSubmitted          quizzes.services             an attempt is graded and recorded (once)
VersionImported        catalog.services             a pack is stored as a content version (draft or not)
VersionPublished       catalog.services             a stored version becomes the live one
VersionDiscarded       catalog.services             a draft version is deleted
CourseArchived         catalog.services             a course is archived (`archived=False`: brought back)
UserErased             accounts.services            an account's personal data is erased
CohortCreated          cohorts.services             a cohort is created for a course
CohortJoined           cohorts.services             a learner takes a seat in a cohort (or a waiting place)
CohortLeft             cohorts.services             a learner leaves, is removed from or moved out of a cohort
=====================  ===========================  =====================================================

Subscribers today (durable): quizzes stores its quiz definitions on VersionImported; learning records a
course completion on UnitCompleted (reconciled by the job "process-completions"); organisations takes away
the course-team roles a partner gave when VersionPublished leaves it out (job "drop-former-partner-roles").
Each area subscribes in
its `<area>/events.py` `subscribe()`, called when the app is created.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from . import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every event."""


@dataclass(frozen=True)
class Enrolled(Event):
    user_id: int
    course_id: int
    returning: bool = False  # True: enrolled before, left, and came back


@dataclass(frozen=True)
class LeftCourse(Event):
    user_id: int
    course_id: int


@dataclass(frozen=True)
class UnitCompleted(Event):
    user_id: int
    course_id: int
    unit_key: str


@dataclass(frozen=True)
class CourseCompleted(Event):
    user_id: int
    course_id: int
    version: str  # the content version whose rules were met
    completed_at: datetime


@dataclass(frozen=True)
class QuizSubmitted(Event):
    user_id: int
    course_id: int
    quiz_key: str
    attempt_id: int
    version_id: int
    score: float
    passed: bool
    late: bool


@dataclass(frozen=True)
class VersionImported(Event):
    """A pack was stored as a version. `pack` is the loaded, rendered pack (in-process subscribers store
    their part of it, as quizzes does its definitions); a queued copy would carry the ids only."""

    course_id: int
    version_id: int
    version: str
    pack: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class VersionPublished(Event):
    course_id: int
    version_id: int
    version: str
    actor_id: int | None


@dataclass(frozen=True)
class VersionDiscarded(Event):
    course_id: int
    version_id: int
    version: str


@dataclass(frozen=True)
class CourseArchived(Event):
    course_id: int
    archived: bool  # False: brought back from the archive


@dataclass(frozen=True)
class UserErased(Event):
    user_id: int


@dataclass(frozen=True)
class CohortCreated(Event):
    cohort_id: int
    course_id: int
    actor_id: int | None


@dataclass(frozen=True)
class CohortJoined(Event):
    cohort_id: int
    course_id: int
    user_id: int
    waiting: bool = False  # True: on the waiting list, no seat yet
    from_waiting_list: bool = False  # True: a seat freed up and was given to them


@dataclass(frozen=True)
class CohortLeft(Event):
    cohort_id: int
    course_id: int
    user_id: int


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]

_durable: dict[type[Event], list[Handler]] = {}
_after_commit: dict[type[Event], list[Handler]] = {}
_reconciliations: dict[str, tuple[str, Callable[[], object]]] = {}


def subscribe(event_type: type[E], handler: Callable[[E], None], *, after_commit: bool = False) -> None:
    """Call handler with every event_type announced. Subscribing the same handler twice changes nothing
    (apps created twice in one process subscribe once)."""
    handlers = (_after_commit if after_commit else _durable).setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[Event], handler: Handler) -> None:
    for registry in (_durable, _after_commit):
        if handler in registry.get(event_type, []):
            registry[event_type].remove(handler)


def subscribers(event_type: type[Event]) -> tuple[list[Handler], list[Handler]]:
    """(durable, after-commit) handlers of an event type, in subscription order."""
    return list(_durable.get(event_type, [])), list(_after_commit.get(event_type, []))


def announce(event: Event) -> None:
    """Tell the subscribers: durable ones now, in this transaction; after-commit ones when it commits."""
    for handler in list(_durable.get(type(event), [])):
        handler(event)
    for handler in list(_after_commit.get(type(event), [])):
        transaction.after_commit(partial(_deliver, handler, event))


def _deliver(handler: Handler, event: Event) -> None:
    try:
        handler(event)
    except Exception:  # the change is committed; a cache handler must not turn it into an error
        log.exception("after-commit handler %r failed on %r", handler, event)


def register_reconciliation(name: str, description: str, run: Callable[[], object]) -> None:
    """A durable consumer's repair job: finds what it should have done and did not (missed events, rows from
    before it existed) and does it, idempotently. The job registry runs each with the scheduled jobs."""
    _reconciliations[name] = (description, run)


def reconciliations() -> dict[str, tuple[str, Callable[[], object]]]:
    return dict(_reconciliations)
