"""Course-page panels: what other areas show on a course's page (its open cohorts; later its partner
organisations). Areas register them in their init_app, so the course page includes no other area's template
by name."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from ..registry import Registry, Shown, shown_panels


@dataclass(frozen=True)
class CoursePanel:
    name: str
    order: int  # lower first
    template: str  # rendered with `panel` (what load returned) and the course page's variables
    load: Callable[[Any, Any], object | None]  # (viewer, course) -> the panel's data; None hides it


course_panels: Registry[CoursePanel] = Registry("course page panels")


def register_course_panel(app: Flask, panel: CoursePanel) -> CoursePanel:
    return course_panels.register(app, panel)


def course_panels_for(viewer: Any, course: Any) -> list[Shown[CoursePanel]]:
    return shown_panels(course_panels, viewer, course)
