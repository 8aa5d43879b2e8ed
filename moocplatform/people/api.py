"""People in the JSON API, as their pages show them: the people of a course or of a cohort who share their
profile with course-mates (and did not block the caller), by name; and one person's profile with only the
fields its owner shows the caller. Nobody the caller may not see is there, not even as a 403."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for

from .. import policy
from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.schemas import register_schema
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from . import queries

bp = Blueprint("people_api", __name__, url_prefix=API_PREFIX)

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most people on one page.")
COURSE_PATH = {"slug": "The course's slug."}
COHORT_PATH = {"cohort_id": "The cohort's id."}
PERSON = {
    "type": "object", "additionalProperties": False, "required": ["id", "name", "bio", "url"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "bio": {"type": "string"},
                   "url": {"type": "string", "format": "uri", "description": "The person's profile page."}},
}
register_schema("Person", PERSON)
register_schema("PeoplePage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}},
        "facilitators": {"type": "array", "description": "A cohort's facilitators (on a cohort's first page).",
                         "items": {"type": "object", "additionalProperties": False, "required": ["id", "name"],
                                   "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}},
        "next": {"type": ["string", "null"], "format": "uri",
                 "description": "The next page; null on the last. A page may hold fewer than limit people."},
    },
})
register_schema("Profile", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "name", "handle", "me", "bio", "links", "competences", "may_message"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "handle": {"type": "string", "description": "What @mentions of the person are written with."},
        "me": {"type": "boolean"}, "bio": {"type": "string"},
        "links": {"type": "array", "items": {"type": "string"}},
        "competences": {"type": "array", "items": {"type": "string"},
                        "description": "Of the courses whose certificate of achievement the person holds."},
        "full_name": {"type": "string", "description": "Only to the person, their facilitators and administrators."},
        "email": {"type": "string", "description": "Only to the person and administrators."},
        "may_message": {"type": "boolean", "description": "Whether the caller may write to them."},
    },
})


def _person(person: queries.Person) -> dict[str, Any]:
    return {"id": person.user_id, "name": person.display_name, "bio": person.bio or "",
            "url": url_for("people.profile", user_id=person.user_id, _external=True)}


def _after(page: PageRequest) -> tuple[str, int] | None:
    position = page.position or {}
    name, user_id = position.get("n"), position.get("i")
    return (name, user_id) if isinstance(name, str) and isinstance(user_id, int) else None


def _page(page: PageRequest, people: list[queries.Person], last: tuple[str, int] | None) -> dict[str, Any]:
    return {"items": [_person(p) for p in people],
            "next": page.next_link({"n": last[0], "i": last[1]} if last is not None else None)}


@api_route(bp, Operation("/courses/<key:slug>/people", "GET", "listCoursePeople",
                         "The people of a course who share their profile with course-mates, by name.",
                         "PeoplePage", scopes=("read:people",), query=(CURSOR, LIMIT),
                         path_descriptions=COURSE_PATH, tag="people"))
def course_people(slug: str, cursor: str | None, limit: int):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_list_people(api_user(), course):
        raise NotFound("No such course.")
    page = PageRequest("course_people", decode_cursor(cursor, endpoint="course_people"), limit)
    people, last = queries.course_people_after(api_user(), course, after=_after(page), limit=limit)
    return _page(page, people, last)


@api_route(bp, Operation("/cohorts/<id:cohort_id>/people", "GET", "listCohortPeople",
                         "The people of a cohort I am in or lead who share their profile, by name, and its "
                         "facilitators.", "PeoplePage", scopes=("read:people",), query=(CURSOR, LIMIT),
                         path_descriptions=COHORT_PATH, tag="people"))
def cohort_people(cohort_id: int, cursor: str | None, limit: int):
    viewer = api_user()
    cohort = queries.cohort_by_id(cohort_id)
    if cohort is None or not (policy.can_manage_cohort(viewer, cohort)
                              or queries.is_cohort_member(cohort.id, viewer.id)):
        raise NotFound("No such cohort.")
    course = catalog_queries.get_course_by_id(cohort.course_id)
    if course is None:  # a programme's cohort
        raise NotFound("No such cohort.")
    page = PageRequest("cohort_people", decode_cursor(cursor, endpoint="cohort_people"), limit)
    people, last = queries.cohort_people_after(viewer, cohort, course, after=_after(page), limit=limit)
    body = _page(page, people, last)
    if page.position is None:
        body["facilitators"] = [{"id": user_id, "name": name}
                                for user_id, name in queries.cohort_facilitators(cohort.id)]
    return body


@api_route(bp, Operation("/people/<id:user_id>", "GET", "getPerson",
                         "A person's profile, with the fields they show me.", "Profile", scopes=("read:people",),
                         path_descriptions={"user_id": "The person's id."}, tag="people"))
def person(user_id: int):
    view = queries.profile_view(api_user(), user_id)
    if view is None:
        raise NotFound("No such person.")
    subject = view.subject
    body: dict[str, Any] = {"id": subject.id, "name": subject.display_name, "handle": subject.handle or "",
                            "me": subject.id == api_user().id, "bio": subject.bio or "",
                            "links": list(view.settings.links), "competences": list(view.competences),
                            "may_message": view.may_message}
    if "full_name" in view.fields and subject.full_name:
        body["full_name"] = subject.full_name
    if "email" in view.fields:
        body["email"] = subject.email
    return body
