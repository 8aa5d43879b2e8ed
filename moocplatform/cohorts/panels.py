"""Programme-cohort-page panels: what other areas show on a programme cohort's page (its announcements).
Areas register them in their init_app, so the page includes no other area's template by name. A course's
cohort shows such things on the course's own pages (`catalog.panels`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from ..registry import Registry, Shown, shown_panels


@dataclass(frozen=True)
class CohortPanel:
    name: str
    order: int  # lower first
    template: str  # rendered with `panel` (what load returned) and the cohort page's variables
    load: Callable[[Any, Any], object | None]  # (viewer, cohort) -> the panel's data; None hides it


programme_cohort_panels: Registry[CohortPanel] = Registry("programme cohort page panels")


def register_programme_cohort_panel(app: Flask, panel: CohortPanel) -> CohortPanel:
    return programme_cohort_panels.register(app, panel)


def programme_cohort_panels_for(viewer: Any, cohort: Any) -> list[Shown[CohortPanel]]:
    return shown_panels(programme_cohort_panels, viewer, cohort)
