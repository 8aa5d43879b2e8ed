"""The one source of the current time. Tests move it with `frozen_at`; nothing else calls datetime.now()."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes")
    _frozen = moment


def advance(delta: timedelta) -> None:
    set_now(now() + delta)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    previous = _frozen
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
