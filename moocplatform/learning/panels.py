"""Unit-page panels: what other areas show on a unit page (the quiz of a quiz unit; later a discussion stream,
an assignment box). Areas register panels in their init_app; the unit page renders those shown for the unit and
the viewer, in their order, so learning includes no other area's template by name."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from ..registry import Registry, Shown, shown_panels


@dataclass(frozen=True)
class UnitView:
    """What a panel may look at: the unit on the page and who views it."""
    viewer: Any
    course: Any
    version: Any
    unit: Any
    enrolled: bool
    tracking: bool


@dataclass(frozen=True)
class UnitPanel:
    name: str
    order: int  # lower first
    template: str  # rendered with `panel` (what load returned) and the unit page's variables
    shows: Callable[[UnitView], bool]  # cheap: no queries, so units without the panel pay nothing
    load: Callable[[UnitView], object | None]  # the panel's data; None hides it after all
    completes_unit: bool = False  # the unit is completed through the panel, so it has no completion button


@dataclass(frozen=True)
class ShownPanel:
    panel: UnitPanel
    data: object


unit_panels: Registry[UnitPanel] = Registry("unit panels")


def register_unit_panel(app: Flask, panel: UnitPanel) -> UnitPanel:
    return unit_panels.register(app, panel)


def panels_for(view: UnitView) -> list[ShownPanel]:
    shown = []
    for panel in sorted(unit_panels.entries(), key=lambda p: (p.order, p.name)):
        if panel.shows(view):
            data = panel.load(view)
            if data is not None:
                shown.append(ShownPanel(panel, data))
    return shown


# "My learning" panels: what other areas show on a signed-in person's learning page, in its teaching part (above
# "Courses I take", shown to whoever has a panel there) or its learning part (beside their courses).

@dataclass(frozen=True)
class DashboardPanel:
    name: str
    order: int  # lower first
    section: str  # "teaching" or "learning"
    template: str  # rendered with `panel` (what load returned) and the page's variables
    load: Callable[[Any], object | None]  # (viewer) -> the panel's data; None hides it


dashboard_panels: Registry[DashboardPanel] = Registry("my learning panels")


def register_dashboard_panel(app: Flask, panel: DashboardPanel) -> DashboardPanel:
    if panel.section not in ("teaching", "learning"):
        raise ValueError(f"{panel.name}: no such section of My learning: {panel.section!r}")
    return dashboard_panels.register(app, panel)


def dashboard_panels_for(viewer: Any) -> dict[str, list[Shown[DashboardPanel]]]:
    """The panels shown to the viewer, by section, in their order."""
    shown: dict[str, list[Shown[DashboardPanel]]] = {"teaching": [], "learning": []}
    for panel in shown_panels(dashboard_panels, viewer):
        shown[panel.panel.section].append(panel)
    return shown
