"""Reminders in the JSON API: the live sessions and due items coming up in the cohorts I am seated in, soonest
first, for a phone to remind its learner (the Web Push channel tells of what happened; this is what is coming)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, url_for

from .. import clock
from ..api.auth import api_user
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.schemas import DATE_TIME, register_schema
from . import queries
from .models import PlanItemKind

bp = Blueprint("cohorts_api", __name__, url_prefix=API_PREFIX + "/me")

MOST_DAYS = 90
MOST_REMINDERS = 200
DAYS = QueryParameter("days", {"type": "integer", "minimum": 1, "maximum": MOST_DAYS, "default": 14},
                      "How many days ahead to look.")

register_schema("Reminder", {
    "type": "object", "additionalProperties": False,
    "required": ["kind", "title", "at", "minutes", "cohort", "cohort_name", "course", "video_url", "url"],
    "properties": {
        "kind": {"enum": ["live_session", "due"],
                 "description": "A live session starting at `at`, or a week or item due at `at`."},
        "title": {"type": "string"},
        "at": {**DATE_TIME, "description": "When the session starts or the item is due."},
        "minutes": {"type": ["integer", "null"], "minimum": 0, "description": "A session's length."},
        "cohort": {"type": "integer"}, "cohort_name": {"type": "string"},
        "course": {"type": "string", "description": "The course's slug."},
        "video_url": {"type": ["string", "null"], "description": "Where a live session is held, when set."},
        "url": {"type": "string", "format": "uri", "description": "The cohort's plan, where the item is."},
    },
})
register_schema("ReminderList", {
    "type": "object", "additionalProperties": False, "required": ["items"],
    "properties": {"items": {"type": "array", "maxItems": MOST_REMINDERS,
                             "items": {"$ref": "#/components/schemas/Reminder"}}},
})


@api_route(bp, Operation("/reminders", "GET", "listMyReminders",
                         "The live sessions and due items of my cohorts in the coming days, soonest first "
                         f"(at most {MOST_REMINDERS}); items I marked done are left out.",
                         "ReminderList", scopes=("read:reminders",), query=(DAYS,), tag="cohorts"))
def my_reminders(days: int):
    now = clock.now()
    found = queries.learner_reminders(api_user().id, now, now + timedelta(days=days), limit=MOST_REMINDERS)
    return {"items": [{
        "kind": "live_session" if r.item.kind == PlanItemKind.LIVE_SESSION else "due",
        "title": r.item.title, "at": r.at.isoformat(),
        "minutes": r.item.minutes if r.item.kind == PlanItemKind.LIVE_SESSION else None,
        "cohort": r.cohort.id, "cohort_name": r.cohort.name, "course": r.course_slug,
        "video_url": (r.item.video_url or None) if r.item.kind == PlanItemKind.LIVE_SESSION else None,
        "url": url_for("cohorts.plan_page", cohort_id=r.cohort.id, _external=True),
    } for r in found]}
