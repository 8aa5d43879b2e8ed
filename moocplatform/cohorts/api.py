"""Cohorts in the JSON API: the cohorts I am in or lead, a cohort's plan and live sessions (to those its pages
show them to), marking an external item done, and the reminders of what is coming in the cohorts I am seated
in, soonest first, for a phone to remind its learner (the Web Push channel tells of what happened; this is
what is coming)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, url_for

from .. import clock, policy
from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from ..errors import NotFound
from . import plan, queries, services
from .models import Cohort, CohortMembership, MembershipStatus, PlanItem, PlanItemKind

bp = Blueprint("cohorts_api", __name__, url_prefix=API_PREFIX)

MOST_DAYS = 90
MOST_REMINDERS = 200
DAYS = QueryParameter("days", {"type": "integer", "minimum": 1, "maximum": MOST_DAYS, "default": 14},
                      "How many days ahead to look.")
CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500, "pattern": "^[A-Za-z0-9_.-]*$"},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most cohorts on one page.")
COHORT_PATH = {"cohort_id": "The cohort's id."}

NULLABLE_TEXT = {"type": ["string", "null"]}
SLUGS = {
    "course": {**NULLABLE_TEXT, "description": "The course's slug; null for a programme's cohort."},
    "programme": {**NULLABLE_TEXT, "description": "The programme's slug; null for a course's cohort."},
}
AGENDA = {"type": "array", "description": "A live session's steps, from the course's pack.", "items": {
    "type": "object", "additionalProperties": False, "required": ["title", "minutes", "grouping"],
    "properties": {"title": {"type": "string"}, "minutes": {"type": "integer", "minimum": 0},
                   "grouping": {"type": "string", "description": "How learners work in it, e.g. small_groups."}}}}
VIDEO_URL = {**NULLABLE_TEXT, "description": "Where a live session is held: to its seated learners and "
                                            "facilitators, when set."}

register_schema("Reminder", {
    "type": "object", "additionalProperties": False,
    "required": ["kind", "title", "at", "minutes", "cohort", "cohort_name", "course", "programme", "video_url",
                 "url"],
    "properties": {
        "kind": {"enum": ["live_session", "due"],
                 "description": "A live session starting at `at`, or a week or item due at `at`."},
        "title": {"type": "string"},
        "at": {**DATE_TIME, "description": "When the session starts or the item is due."},
        "minutes": {"type": ["integer", "null"], "minimum": 0, "description": "A session's length."},
        "cohort": {"type": "integer"}, "cohort_name": {"type": "string"},
        **SLUGS,
        "video_url": {"type": ["string", "null"], "description": "Where a live session is held, when set."},
        "url": {"type": "string", "format": "uri", "description": "The cohort's plan, where the item is."},
    },
})
register_schema("ReminderList", {
    "type": "object", "additionalProperties": False, "required": ["items"],
    "properties": {"items": {"type": "array", "maxItems": MOST_REMINDERS,
                             "items": {"$ref": "#/components/schemas/Reminder"}}},
})
register_schema("MyCohort", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "name", "course", "programme", "role", "membership", "starts_on", "ends_on", "time_zone",
                 "team", "next_session", "next_due", "url"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, **SLUGS,
        "role": {"enum": ["learner", "facilitator"], "description": "facilitator when I lead the cohort."},
        "membership": {"enum": ["seated", "waiting", None],
                       "description": "My place as a learner: a seat, or on the waiting list; null if I am none."},
        "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"},
        "time_zone": {"type": "string", "description": "The IANA zone the cohort's times are set in."},
        "team": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}], "description": "My team."},
        "next_session": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False,
            "required": ["id", "title", "starts_at", "minutes", "video_url"],
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "starts_at": DATE_TIME,
                           "minutes": {"type": ["integer", "null"], "minimum": 0}, "video_url": VIDEO_URL}}],
            "description": "The next live session, or the one running now."},
        "next_due": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["id", "kind", "title", "due_at"],
            "properties": {"id": {"type": "integer"}, "kind": {"enum": [k.value for k in PlanItemKind]},
                           "title": {"type": "string"}, "due_at": DATE_TIME}}],
            "description": "The next week or item due that I have not marked done."},
        "url": {"type": "string", "format": "uri", "description": "The cohort's page."},
    },
})
register_schema("MyCohortPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/MyCohort"}},
        "next": {"type": ["string", "null"], "format": "uri",
                 "description": "The next page; null on the last. A page may hold fewer than limit cohorts."},
    },
})
register_schema("CohortRef", {
    "type": "object", "additionalProperties": False, "required": ["id", "name", "course", "programme", "time_zone",
                                                                  "url"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, **SLUGS,
                   "time_zone": {"type": "string", "description": "The IANA zone the cohort's times are set in."},
                   "url": {"type": "string", "format": "uri", "description": "The cohort's plan page."}},
})
register_schema("PlanItem", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "kind", "position", "title", "module", "releases_at", "due_at", "starts_at", "minutes",
                 "url", "instructions", "done", "video_url", "agenda"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": [k.value for k in PlanItemKind],
                 "description": "A week of the course, a live session, or an external item (any web address)."},
        "position": {"type": "integer"}, "title": {"type": "string"},
        "module": {**NULLABLE_TEXT, "description": "The key of a week's module, or of the module a session is in."},
        "releases_at": NULLABLE_DATE_TIME, "due_at": NULLABLE_DATE_TIME,
        "starts_at": {**NULLABLE_DATE_TIME, "description": "When a live session starts."},
        "minutes": {"type": ["integer", "null"], "minimum": 0, "description": "A live session's length."},
        "url": {**NULLABLE_TEXT, "description": "An external item's web address."},
        "instructions": {**NULLABLE_TEXT, "description": "What to do with an external item."},
        "done": {"type": ["boolean", "null"],
                 "description": "Whether I marked an external item done; null for other items, or if I am no "
                                "learner of the cohort."},
        "video_url": VIDEO_URL, "agenda": AGENDA,
    },
})
register_schema("CohortPlan", {
    "type": "object", "additionalProperties": False, "required": ["cohort", "items"],
    "properties": {"cohort": {"$ref": "#/components/schemas/CohortRef"},
                   "items": {"type": "array", "items": {"$ref": "#/components/schemas/PlanItem"}}},
})
register_schema("LiveSession", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "starts_at", "starts_at_local", "minutes", "agenda", "video_url", "attended",
                 "excused"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "starts_at": {**NULLABLE_DATE_TIME, "description": "In UTC."},
        "starts_at_local": {**NULLABLE_DATE_TIME, "description": "In the cohort's time zone, with its offset."},
        "minutes": {"type": ["integer", "null"], "minimum": 0}, "agenda": AGENDA, "video_url": VIDEO_URL,
        "attended": {"type": ["boolean", "null"],
                     "description": "For a seated learner, once the facilitators recorded the session's attendance: "
                                    "whether I was there (false when excused); null otherwise."},
        "excused": {"type": "boolean", "description": "For a seated learner: whether the facilitators excused my "
                                                      "absence from the session."},
    },
})
register_schema("LiveSessionList", {
    "type": "object", "additionalProperties": False, "required": ["cohort", "items"],
    "properties": {"cohort": {"$ref": "#/components/schemas/CohortRef"},
                   "items": {"type": "array", "items": {"$ref": "#/components/schemas/LiveSession"}}},
})
register_schema("PlanItemDone", {
    "type": "object", "additionalProperties": False, "required": ["item", "done"],
    "properties": {"item": {"type": "integer"}, "done": {"type": "boolean"}},
})


def _iso(moment: datetime | None) -> str | None:
    return queries._aware(moment).isoformat() if moment is not None else None


def _is_session(item: PlanItem) -> bool:
    return item.kind == PlanItemKind.LIVE_SESSION


def _agenda(item: PlanItem) -> list[dict[str, Any]]:
    return [{"title": str(step.get("title", "")), "minutes": max(int(step.get("minutes", 0) or 0), 0),
             "grouping": str(step.get("grouping", ""))} for step in item.agenda or [] if isinstance(step, dict)]


def _video_url(item: PlanItem, calls: bool) -> str | None:
    return (item.video_url or None) if calls and _is_session(item) else None


def _viewed_cohort(cohort_id: int) -> tuple[Any, Cohort, CohortMembership | None]:
    """The caller, the cohort and their membership of it; 404 for a cohort the caller may not see, as its
    pages answer."""
    viewer = api_user()
    try:
        cohort = services.get_cohort(cohort_id)
    except NotFound:
        raise NotFound("No such cohort.") from None
    membership = services.membership_of(cohort, viewer.id)
    if not policy.can_view_cohort(viewer, cohort, membership):
        raise NotFound("No such cohort.")
    return viewer, cohort, membership


def _cohort_ref(cohort: Cohort) -> dict[str, Any]:
    course, programme = queries.cohort_slugs(cohort)
    return {"id": cohort.id, "name": cohort.name, "course": course, "programme": programme,
            "time_zone": cohort.time_zone, "url": url_for("cohorts.plan_page", cohort_id=cohort.id, _external=True)}


@api_route(bp, Operation("/me/cohorts", "GET", "listMyCohorts",
                         "The cohorts I am in as a learner (seated or waiting) or lead, by id, each with my team, "
                         "its next live session and its next item due.", "MyCohortPage", scopes=("read:cohorts",),
                         query=(CURSOR, LIMIT), tag="cohorts"))
def my_cohorts(cursor: str | None, limit: int):
    viewer = api_user()
    page = PageRequest("my_cohorts", decode_cursor(cursor, endpoint="my_cohorts"), limit)
    after = (page.position or {}).get("after", 0)
    rows, last_id = queries.my_cohorts_page(viewer.id, queries.led_cohort_ids(viewer), clock.now(),
                                            after_id=after if isinstance(after, int) else 0, limit=limit)
    items = []
    for row in rows:
        session, due = row.next_session, row.next_due
        calls = row.leads or row.membership == MembershipStatus.MEMBER
        items.append({
            "id": row.cohort.id, "name": row.cohort.name, "course": row.course_slug, "programme": row.programme_slug,
            "role": "facilitator" if row.leads else "learner",
            "membership": None if row.membership is None
            else "seated" if row.membership == MembershipStatus.MEMBER else "waiting",
            "starts_on": row.cohort.starts_on.isoformat(), "ends_on": row.cohort.ends_on.isoformat(),
            "time_zone": row.cohort.time_zone,
            "team": {"id": row.team[0], "name": row.team[1]} if row.team is not None else None,
            "next_session": None if session is None else {
                "id": session.id, "title": session.title, "starts_at": _iso(session.starts_at),
                "minutes": session.minutes, "video_url": _video_url(session, calls)},
            "next_due": None if due is None else {"id": due.id, "kind": str(due.kind), "title": due.title,
                                                  "due_at": _iso(row.next_due_at)},
            "url": url_for("cohorts.cohort_page", cohort_id=row.cohort.id, _external=True),
        })
    return {"items": items, "next": page.next_link({"after": last_id} if last_id is not None else None)}


@api_route(bp, Operation("/cohorts/<id:cohort_id>/plan", "GET", "getCohortPlan",
                         "The plan of a cohort I am in or lead, as its plan page shows it: weeks with their release "
                         "and due dates, live sessions, and external items with whether I marked them done.",
                         "CohortPlan", scopes=("read:cohorts",), path_descriptions=COHORT_PATH, tag="cohorts"))
def cohort_plan(cohort_id: int):
    viewer, cohort, membership = _viewed_cohort(cohort_id)
    calls = policy.can_join_cohort_calls(viewer, cohort, membership)
    done = queries.items_done_by(viewer.id, cohort.id) if membership is not None else set()
    items = [{
        "id": item.id, "kind": str(item.kind), "position": item.position, "title": item.title,
        "module": item.module_key, "releases_at": _iso(item.releases_at), "due_at": _iso(item.due_at),
        "starts_at": _iso(item.starts_at), "minutes": item.minutes if _is_session(item) else None,
        "url": (item.url or None) if item.kind == PlanItemKind.EXTERNAL else None,
        "instructions": item.instructions if item.kind == PlanItemKind.EXTERNAL else None,
        "done": item.id in done if item.kind == PlanItemKind.EXTERNAL and membership is not None else None,
        "video_url": _video_url(item, calls), "agenda": _agenda(item) if _is_session(item) else [],
    } for item in queries.plan_items(cohort.id)]
    return {"cohort": _cohort_ref(cohort), "items": items}


@api_route(bp, Operation("/cohorts/<id:cohort_id>/sessions", "GET", "listCohortSessions",
                         "The live sessions of a cohort I am in or lead, in the plan's order, with their start in "
                         "UTC and in the cohort's time zone, and whether I attended.", "LiveSessionList",
                         scopes=("read:cohorts",), path_descriptions=COHORT_PATH, tag="cohorts"))
def cohort_sessions(cohort_id: int):
    viewer, cohort, membership = _viewed_cohort(cohort_id)
    calls = policy.can_join_cohort_calls(viewer, cohort, membership)
    seated = membership is not None and membership.status == MembershipStatus.MEMBER
    recorded = queries.attendance_counts(cohort.id) if seated else {}
    marks = queries.attendance_of(viewer.id, cohort.id) if seated else {}
    zone = ZoneInfo(cohort.time_zone)
    items = [{
        "id": item.id, "title": item.title, "starts_at": _iso(item.starts_at),
        "starts_at_local": queries._aware(item.starts_at).astimezone(zone).isoformat() if item.starts_at else None,
        "minutes": item.minutes, "agenda": _agenda(item), "video_url": _video_url(item, calls),
        "attended": (item.id in marks and not marks[item.id]) if item.id in recorded else None,
        "excused": marks.get(item.id, False),
    } for item in queries.plan_items(cohort.id) if _is_session(item)]
    return {"cohort": _cohort_ref(cohort), "items": items}


def _mark(cohort_id: int, item_id: int, *, done: bool) -> dict[str, Any]:
    viewer, cohort, _membership = _viewed_cohort(cohort_id)
    return {"item": item_id, "done": plan.mark_item_done(viewer, cohort, item_id, done=done)}


ITEM_PATH = {**COHORT_PATH, "item_id": "The external item's id, in the cohort's plan."}


@api_route(bp, Operation("/cohorts/<id:cohort_id>/items/<id:item_id>/done", "POST", "markPlanItemDone",
                         "Mark an external item of my cohort's plan done (as a seated learner); marking it again "
                         "changes nothing.", "PlanItemDone", scopes=("write:cohorts",), path_descriptions=ITEM_PATH,
                         tag="cohorts"))
def mark_item_done(cohort_id: int, item_id: int):
    return _mark(cohort_id, item_id, done=True)


@api_route(bp, Operation("/cohorts/<id:cohort_id>/items/<id:item_id>/done", "DELETE", "unmarkPlanItemDone",
                         "Mark an external item of my cohort's plan not done again.", "PlanItemDone",
                         scopes=("write:cohorts",), path_descriptions=ITEM_PATH, tag="cohorts"))
def unmark_item_done(cohort_id: int, item_id: int):
    return _mark(cohort_id, item_id, done=False)


@api_route(bp, Operation("/me/reminders", "GET", "listMyReminders",
                         "The live sessions and due items of my cohorts (of courses and of programmes) in the "
                         f"coming days, soonest first (at most {MOST_REMINDERS}); items I marked done are left out.",
                         "ReminderList", scopes=("read:reminders",), query=(DAYS,), tag="cohorts"))
def my_reminders(days: int):
    now = clock.now()
    found = queries.learner_reminders(api_user().id, now, now + timedelta(days=days), limit=MOST_REMINDERS)
    return {"items": [{
        "kind": "live_session" if r.item.kind == PlanItemKind.LIVE_SESSION else "due",
        "title": r.item.title, "at": r.at.isoformat(),
        "minutes": r.item.minutes if r.item.kind == PlanItemKind.LIVE_SESSION else None,
        "cohort": r.cohort.id, "cohort_name": r.cohort.name, "course": r.course_slug,
        "programme": r.programme_slug,
        "video_url": (r.item.video_url or None) if r.item.kind == PlanItemKind.LIVE_SESSION else None,
        "url": url_for("cohorts.plan_page", cohort_id=r.cohort.id, _external=True),
    } for r in found]}
