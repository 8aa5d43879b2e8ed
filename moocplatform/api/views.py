"""The first endpoints of /api/v1: who I am, my courses, my progress in one course, a unit to read."""
from __future__ import annotations

from flask import Blueprint, current_app, url_for

from .. import access, policy
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from ..learning.queries import enrollment_and_progress
from .auth import api_user
from .cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from .openapi import API_PREFIX, Operation, QueryParameter, api_route, openapi_document
from .problems import Problem
from .queries import course_for_viewer, enrolments_page

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

# A signed position (itsdangerous' URL-safe form: base64url parts joined by dots).
CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500, "pattern": "^[A-Za-z0-9_.-]*$"},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _course_ref(course) -> dict:
    return {"slug": course.slug, "title": course.title,
            "url": url_for("catalog.course_page", slug=course.slug, _external=True)}


@api_route(bp, Operation("/openapi.json", "GET", "getOpenAPIDocument", "This document.", "OpenAPIDocument",
                         tag="meta", public=True))
def openapi_json():
    # One document for every host, naming the address users reach (as links in mails do).
    return openapi_document(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))


@api_route(bp, Operation("/me", "GET", "getMe", "The token's owner.", "Me", scopes=("read:profile",)))
def me():
    user = api_user()
    return {"id": user.id, "display_name": user.display_name, "full_name": user.full_name, "email": user.email,
            "locale": user.locale, "timezone": user.timezone, "created_at": _iso(user.created_at)}


@api_route(bp, Operation("/me/courses", "GET", "listMyCourses", "My enrolments, with progress, oldest first.",
                         "EnrolmentPage", scopes=("read:courses",), query=(CURSOR, LIMIT)))
def my_courses(cursor: str | None, limit: int):
    page = PageRequest("my_courses", decode_cursor(cursor, endpoint="my_courses"), limit)
    after = page.position.get("after", 0) if page.position else 0
    if not isinstance(after, int):
        after = 0
    rows, last_id = enrolments_page(api_user(), after_id=after, limit=limit)
    return {
        "items": [{
            "course": _course_ref(row.course), "status": row.enrollment.status,
            "enrolled_at": _iso(row.enrollment.enrolled_at), "left_at": _iso(row.enrollment.left_at),
            "last_visited_at": _iso(row.enrollment.last_visited_at), "completed_at": _iso(row.completed_at),
            "units": row.unit_count, "units_completed": row.completed_units, "percent": row.percent,
        } for row in rows],
        "next": page.next_link({"after": last_id} if last_id is not None else None),
    }


@api_route(bp, Operation("/courses/<key:slug>/progress", "GET", "getMyCourseProgress",
                         "My progress in each unit of a course I am enrolled in.", "CourseProgress",
                         scopes=("read:progress",), path_descriptions={"slug": "The course's slug."}))
def course_progress(slug: str):
    user = api_user()
    course, version = catalog_queries.course_with_live_version(slug)
    enrollment, progress = enrollment_and_progress(user, course.id)
    access.know_enrollment(user, course, enrollment)
    if not policy.can_view_course(user, course):
        raise NotFound("No such course.")
    if enrollment is None:
        raise Problem(404, "You are not enrolled in this course.", type_="not-enrolled", title="Not enrolled")
    outline = catalog_queries.outline_for(version)
    return {
        "course": _course_ref(course), "status": enrollment.status,
        "percent": progress.percent(u.key for u in outline.units),
        "units": [{"key": u.key, "title": u.title, "type": u.type, "module": u.module_key,
                   "status": "completed" if u.key in progress.completed
                   else "viewed" if u.key in progress.viewed else "not_started"}
                  for u in outline.units],
    }


@api_route(bp, Operation("/courses/<key:slug>/units/<key:key>", "GET", "getUnit",
                         "A unit of a course's live version that I may read, as its page shows it.", "Unit",
                         scopes=("read:courses",),
                         path_descriptions={"slug": "The course's slug.", "key": "The unit's stable key."}))
def unit(slug: str, key: str):
    user = api_user()
    course, version = course_for_viewer(user, slug)  # and the user's enrolment, for the policy
    outline = catalog_queries.outline_for(version)
    unit_outline = outline.by_key.get(key)
    if unit_outline is None or not policy.can_view_unit(user, course, unit_outline):
        raise NotFound("No such unit, or not one you may read (enrol in the course first).")
    content = catalog_queries.unit_body(version, key)
    previous, following = outline.neighbours(key)
    return {"course": _course_ref(course), "key": content.key, "title": content.title, "type": content.type,
            "minutes": content.minutes, "html": content.body_html,
            "previous": previous.key if previous else None, "next": following.key if following else None,
            "url": url_for("learning.unit_page", slug=course.slug, key=content.key, _external=True)}
