"""The kinds of outbox rows: each area registers its kinds with a handler and an attempts policy."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_ATTEMPTS = 8


class PermanentFailure(Exception):
    """A handler's failure that no retry can cure (an SMTP 5xx, a payload that names nothing): the row is
    dead at once."""


@dataclass(frozen=True)
class Kind:
    """`handler(payload, row)` does the work. A kind whose handler only changes this database sets
    `transactional`: its writes and the row's done mark then commit together, so it runs exactly once. Other
    handlers touch the outside world and run outside any write transaction; they must be idempotent, since
    a worker that dies between the side effect and the done mark leaves the row to be run again."""

    name: str
    handler: Callable[[dict[str, Any], Any], object]
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    transactional: bool = False


_kinds: dict[str, Kind] = {}


def register_kind(name: str, handler: Callable[[dict[str, Any], Any], object], *,
                  max_attempts: int = DEFAULT_MAX_ATTEMPTS, transactional: bool = False) -> Kind:
    if max_attempts < 1:
        raise ValueError("a kind needs at least one attempt")
    existing = _kinds.get(name)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"outbox kind {name!r} is registered already")
    kind = _kinds[name] = Kind(name, handler, max_attempts, transactional)
    return kind


def get_kind(name: str) -> Kind | None:
    return _kinds.get(name)


def registered_kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)
