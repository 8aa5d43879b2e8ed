"""Named registries that areas fill in their init_app, so that no area edits another to plug something in
(jobs, unit-page panels, ...). The entries live on the application: an area that is not installed registers
nothing, and two applications in one process do not share entries."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from flask import Flask, current_app

T = TypeVar("T")


class DuplicateEntry(ValueError):
    """Two registrations under one name: the second would silently replace the first."""


class Registry(Generic[T]):
    def __init__(self, name: str, key: Callable[[T], str] = lambda entry: entry.name):  # type: ignore[attr-defined]
        self.name = name
        self._key = key

    def _entries(self, app: Flask | None) -> dict[str, T]:
        app = app if app is not None else current_app
        return app.extensions.setdefault("moocplatform.registries", {}).setdefault(self, {})

    def register(self, app: Flask, entry: T) -> T:
        entries = self._entries(app)
        key = self._key(entry)
        if key in entries:
            raise DuplicateEntry(f"{self.name}: {key!r} is registered already")
        entries[key] = entry
        return entry

    def entries(self, app: Flask | None = None) -> list[T]:
        """In the order they were registered."""
        return list(self._entries(app).values())

    def get(self, key: str, app: Flask | None = None) -> T:
        try:
            return self._entries(app)[key]
        except KeyError:
            raise LookupError(f"{self.name}: nothing registered as {key!r}") from None

    def names(self, app: Flask | None = None) -> list[str]:
        return list(self._entries(app))

    def __repr__(self) -> str:
        return f"Registry({self.name!r})"


class Panel(Protocol):
    """What a page's panel registry holds (course page, unit page, My learning, a programme's cohort)."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...  # lower first

    @property
    def load(self) -> Callable[..., object | None]: ...


P = TypeVar("P", bound=Panel)


@dataclass(frozen=True)
class Shown(Generic[T]):
    """A panel a page shows, with the data its `load` gave."""
    panel: T
    data: object


def shown_panels(registry: Registry[P], *args: Any) -> list[Shown[P]]:
    """The registry's panels in their order, each loaded with args; a panel whose load gives None is not shown."""
    shown = []
    for panel in sorted(registry.entries(), key=lambda p: (p.order, p.name)):
        data = panel.load(*args)
        if data is not None:
            shown.append(Shown(panel, data))
    return shown
