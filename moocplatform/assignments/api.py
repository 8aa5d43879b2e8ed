"""Assignments in the JSON API: my assignments (in the courses I am enrolled in, with the state of my work, my
cohort's due date and whether it is late), my submissions (with the score where I may see it) and my peer
reviews to do (without the author: reviews are anonymous). Each a cursor page; each shows only the caller's
own."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from .. import clock
from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from ..learning.deadlines import due_dates_for
from ..urls import public_url
from . import queries
from .models import SubmissionStatus
from .peers import review_due_at
from .scoring import version_score

bp = Blueprint("assignments_api", __name__, url_prefix=API_PREFIX + "/me")

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
STATUS = {"enum": [s.value for s in SubmissionStatus]}
NEXT = {"type": ["string", "null"], "format": "uri",
        "description": "The next page; null on the last. A page may hold fewer than limit items."}

register_schema("MyAssignment", {
    "type": "object", "additionalProperties": False,
    "required": ["course", "course_title", "unit", "unit_title", "hand_in", "assessed_by", "peer_count",
                 "max_points", "pass_mark", "counts_toward_completion", "status", "due_at", "late", "url"],
    "properties": {
        "course": {"type": "string", "description": "The course's slug."}, "course_title": {"type": "string"},
        "unit": {"type": "string", "description": "The unit's stable key."}, "unit_title": {"type": "string"},
        "hand_in": {"type": "array", "items": {"enum": ["text", "files", "link"]}},
        "assessed_by": {"type": "array", "items": {"enum": ["facilitator", "peers", "self"]}},
        "peer_count": {"type": ["integer", "null"], "description": "How many peers' work each learner reviews."},
        "max_points": {"type": "integer", "minimum": 0},
        "pass_mark": {"type": "integer", "minimum": 0,
                      "description": "The points the peers' median must reach for them to accept the work."},
        "counts_toward_completion": {"type": "boolean"},
        "status": {"oneOf": [{"type": "null"}, STATUS], "description": "My work's state; null: not started."},
        "due_at": {**NULLABLE_DATE_TIME,
                   "description": "When my cohort expects the work (the plan's week of the unit); null when I "
                                  "study self-paced or the plan sets no date."},
        "late": {"type": "boolean",
                 "description": "My latest hand-in came after the due date; with nothing handed in, the due date "
                                "has passed (a hand-in now is marked late). Self-paced work is never late."},
        "url": {"type": "string", "format": "uri", "description": "The unit's page, where the work is handed in."},
    },
})
register_schema("MyAssignmentPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/MyAssignment"}}, "next": NEXT},
})
register_schema("MySubmission", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "course", "unit", "unit_title", "status", "late", "versions", "submitted_at", "decided_at",
                 "score", "url"],
    "properties": {
        "id": {"type": "integer"}, "course": {"type": "string"}, "unit": {"type": "string"},
        "unit_title": {"type": "string"}, "status": STATUS,
        "late": {"type": "boolean", "description": "The latest version came after the cohort's due date."},
        "versions": {"type": "integer", "minimum": 0, "description": "How many versions were handed in."},
        "submitted_at": NULLABLE_DATE_TIME, "decided_at": NULLABLE_DATE_TIME,
        "score": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["points", "max_points", "source"],
            "properties": {"points": {"type": "number"}, "max_points": {"type": "integer"},
                           "source": {"enum": ["staff", "peers", "self"]}}}],
            "description": "The latest version's score: staff's, else the median of three or more peers' (once "
                           "the work is decided), else my own; null while there is none."},
        "url": {"type": "string", "format": "uri", "description": "The unit's page, with the feedback."},
    },
})
register_schema("MySubmissionPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/MySubmission"}}, "next": NEXT},
})
register_schema("MyPeerReview", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "course", "unit", "unit_title", "allocated_at", "due_at", "started_at", "url"],
    "description": "A peer's work to review; who wrote it is not said.",
    "properties": {
        "id": {"type": "integer"}, "course": {"type": "string"}, "unit": {"type": "string"},
        "unit_title": {"type": "string"}, "allocated_at": DATE_TIME,
        "due_at": {**DATE_TIME, "description": "When the review is due."},
        "started_at": {**NULLABLE_DATE_TIME,
                       "description": "When I first opened the work; one not opened within 3 days goes to another "
                                      "learner."},
        "url": {"type": "string", "format": "uri", "description": "The page to review the work on."},
    },
})
register_schema("MyPeerReviewPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/MyPeerReview"}}, "next": NEXT},
})


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _after(page: PageRequest) -> int:
    after = page.position.get("after", 0) if page.position else 0
    return after if isinstance(after, int) and not isinstance(after, bool) else 0


def _score(row: queries.MySubmissionRow) -> dict[str, Any] | None:
    score = version_score(row.latest_assessments)
    # The peers' median shows once it has decided: before, the unit page keeps it until my own reviews are done.
    if score is None or (score.source == "peers" and row.submission.status == SubmissionStatus.submitted):
        return None
    return {"points": score.points, "max_points": score.max_points, "source": score.source}


@api_route(bp, Operation("/assignments", "GET", "listMyAssignments",
                         "The assignments of the courses I am enrolled in, with the state of my work.",
                         "MyAssignmentPage", scopes=("read:assignments",), query=(CURSOR, LIMIT), tag="assignments"))
def my_assignments(cursor: str | None, limit: int):
    page = PageRequest("my_assignments", decode_cursor(cursor, endpoint="my_assignments"), limit)
    user = api_user()
    rows, last = queries.my_assignments_page(user.id, after_unit_id=_after(page), limit=limit)
    due = due_dates_for(user.id, {(r.course_id, r.assignment.unit_key) for r in rows})  # one query per source
    now = clock.now()

    def late(row: queries.MyAssignmentRow) -> bool:
        if row.submitted_at is not None:
            return row.late
        due_at = due.get((row.course_id, row.assignment.unit_key))
        return due_at is not None and now > due_at

    return {"items": [{
        "course": r.course_slug, "course_title": r.course_title, "unit": r.assignment.unit_key,
        "unit_title": r.assignment.unit_title, "hand_in": list(r.assignment.hand_in),
        "assessed_by": list(r.assignment.assessed_by), "peer_count": r.assignment.peer_count,
        "max_points": r.assignment.rubric.max_points, "pass_mark": r.assignment.pass_mark,
        "counts_toward_completion": r.assignment.counts_toward_completion,
        "status": r.status.value if r.status else None,
        "due_at": _iso(due.get((r.course_id, r.assignment.unit_key))), "late": late(r),
        "url": public_url("learning.unit_page", slug=r.course_slug, key=r.assignment.unit_key),
    } for r in rows], "next": page.next_link({"after": last} if last is not None else None)}


@api_route(bp, Operation("/submissions", "GET", "listMySubmissions",
                         "My submissions, oldest first, with their state and score.", "MySubmissionPage",
                         scopes=("read:assignments",), query=(CURSOR, LIMIT), tag="assignments"))
def my_submissions(cursor: str | None, limit: int):
    page = PageRequest("my_submissions", decode_cursor(cursor, endpoint="my_submissions"), limit)
    rows, more = queries.my_submissions_page(api_user().id, after_id=_after(page), limit=limit)
    return {"items": [{
        "id": r.submission.id, "course": r.course_slug, "unit": r.submission.unit_key, "unit_title": r.unit_title,
        "status": r.submission.status.value, "late": r.submission.late, "versions": r.versions_submitted,
        "submitted_at": _iso(r.submission.submitted_at), "decided_at": _iso(r.submission.decided_at),
        "score": _score(r),
        "url": public_url("learning.unit_page", slug=r.course_slug, key=r.submission.unit_key),
    } for r in rows], "next": page.next_link({"after": rows[-1].submission.id} if more else None)}


@api_route(bp, Operation("/peer-reviews", "GET", "listMyPeerReviewsToDo",
                         "The peers' work given to me to review and not reviewed yet, oldest first (anonymous).",
                         "MyPeerReviewPage", scopes=("read:assignments",), query=(CURSOR, LIMIT), tag="assignments"))
def my_peer_reviews(cursor: str | None, limit: int):
    page = PageRequest("my_peer_reviews", decode_cursor(cursor, endpoint="my_peer_reviews"), limit)
    rows, more = queries.my_reviews_to_do(api_user().id, after_id=_after(page), limit=limit)
    return {"items": [{
        "id": r.allocation.id, "course": r.course_slug, "unit": r.unit_key, "unit_title": r.unit_title,
        "allocated_at": _iso(r.allocation.allocated_at), "due_at": _iso(review_due_at(r.allocation.allocated_at)),
        "started_at": _iso(r.allocation.started_at),
        "url": public_url("assignments.peer_review", slug=r.course_slug, allocation_id=r.allocation.id),
    } for r in rows], "next": page.next_link({"after": rows[-1].allocation.id} if more else None)}
