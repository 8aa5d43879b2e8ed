"""The signed-in home page in one read-model: courses to continue, cohorts with what comes next, unread
notifications. Five queries whatever the numbers (learning's dashboard: two; cohorts' agenda: two; the bell)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..cohorts.queries import CohortAgenda, learner_cohort_agenda
from ..learning.queries import DashboardEntry, dashboard
from ..notifications.queries import unread_count


@dataclass(frozen=True)
class Home:
    courses: list[DashboardEntry]
    cohorts: list[CohortAgenda]
    unread: int


def home_for(user: Any, now: datetime) -> Home:
    courses = [entry for entry in dashboard(user.id) if entry.enrollment.is_active]
    return Home(courses, learner_cohort_agenda(user.id, now), unread_count(user))
