"""/api/v1/notes: my notes (one per unit, with the version an edit is based on) and my bookmarks, for the
platform's own pages (the unit panel syncs edits made offline) and for clients with a personal access token."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from .. import policy
from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.problems import Problem
from ..api.schemas import DATE_TIME, register_schema
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from . import queries, services
from .models import BookmarkKind

bp = Blueprint("notes_api", __name__, url_prefix=API_PREFIX + "/notes")

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
COURSE = QueryParameter("course", {"type": "string", "maxLength": 200}, "Only the notes of this course (its slug).")
UNIT_PATH = {"slug": "The course's slug.", "key": "The unit's stable key."}

NOTE = {
    "type": "object", "additionalProperties": False,
    "required": ["course", "unit", "unit_title", "in_course", "body", "body_html", "version", "created_at",
                 "updated_at", "url"],
    "properties": {
        "course": {"type": "string", "description": "The course's slug."},
        "unit": {"type": "string", "description": "The unit's stable key."},
        "unit_title": {"type": "string"},
        "in_course": {"type": "boolean", "description": "Whether the course's live version still has the unit."},
        "body": {"type": "string", "maxLength": services.MAX_NOTE_LENGTH, "description": "Markdown, as written."},
        "body_html": {"type": "string", "description": "The body rendered and sanitised."},
        "version": {"type": "integer", "minimum": 1,
                    "description": "Send it back with an edit: a note changed since is a 409, not overwritten."},
        "created_at": DATE_TIME, "updated_at": DATE_TIME,
        "url": {"type": "string", "format": "uri", "description": "This note in the API."},
    },
}
BOOKMARK = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "kind", "title", "note", "url", "course", "unit", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "kind": {"enum": ["unit", "external"]}, "title": {"type": "string"},
        "note": {"type": "string"},
        "url": {"type": "string", "format": "uri", "description": "The page: the unit's, or the address kept."},
        "course": {"type": ["string", "null"], "description": "A unit's course (slug)."},
        "unit": {"type": ["string", "null"], "description": "A unit's stable key."},
        "created_at": DATE_TIME,
    },
}
register_schema("Note", NOTE)
register_schema("NotePage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                   "next": {"type": ["string", "null"], "format": "uri",
                            "description": "The next page; null on the last."}},
})
register_schema("NoteEdit", {
    "type": "object", "required": ["body", "version"], "additionalProperties": False,
    "properties": {
        "body": {"type": "string", "maxLength": services.MAX_NOTE_LENGTH},
        "version": {"type": "integer", "minimum": 0, "maximum": services.MAX_VERSION,
                    "description": "The version the edit is based on: 0 for a note not written yet. A client "
                                   "may send it as If-Match (the note's ETag) instead."},
    },
})
register_schema("NoteConflict", {
    "allOf": [{"$ref": "#/components/schemas/Problem"}],
    "type": "object", "required": ["current"],
    "properties": {"current": {"anyOf": [{"$ref": "#/components/schemas/Note"}, {"type": "null"}],
                               "description": "The note as it is now (null: deleted)."}},
})
register_schema("Bookmark", BOOKMARK)
register_schema("BookmarkPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Bookmark"}},
                   "next": {"type": ["string", "null"], "format": "uri",
                            "description": "The next page; null on the last."}},
})
register_schema("NewBookmark", {
    "description": "A unit of a course (kind unit) or a page elsewhere (kind external).",
    "oneOf": [
        {"type": "object", "required": ["kind", "course", "unit"], "additionalProperties": False, "properties": {
            "kind": {"const": "unit"},
            "course": {"type": "string", "maxLength": 200, "description": "The course's slug."},
            "unit": {"type": "string", "maxLength": 200, "description": "The unit's stable key."}}},
        {"type": "object", "required": ["kind", "url", "title"], "additionalProperties": False, "properties": {
            "kind": {"const": "external"},
            "url": {"type": "string", "maxLength": services.MAX_URL_LENGTH, "description": "http or https.",
                    "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[1-9][0-9]{0,3})?(/[!-~]*)?$"},
            "title": {"type": "string", "minLength": 1, "maxLength": services.MAX_TITLE_LENGTH, "pattern": "\\S"},
            "note": {"type": "string", "maxLength": services.MAX_BOOKMARK_NOTE_LENGTH}}},
    ],
})


def _iso(moment) -> str:
    return moment.isoformat()


def note_json(row: queries.NoteRow) -> dict[str, Any]:
    note = row.note
    return {"course": row.course_slug, "unit": note.unit_key, "unit_title": row.unit_title, "in_course": row.in_course,
            "body": note.body, "body_html": note.body_html, "version": note.version,
            "created_at": _iso(note.created_at), "updated_at": _iso(note.updated_at),
            "url": url_for("notes_api.get_note", slug=row.course_slug, key=note.unit_key, _external=True)}


def bookmark_json(row: queries.BookmarkRow) -> dict[str, Any]:
    bookmark = row.bookmark
    unit = bookmark.kind == BookmarkKind.UNIT
    url = (url_for("learning.unit_page", slug=row.course_slug, key=bookmark.unit_key, _external=True)
           if unit else bookmark.url)
    return {"id": bookmark.id, "kind": bookmark.kind.value, "title": bookmark.title, "note": bookmark.note,
            "url": url, "course": row.course_slug if unit else None, "unit": bookmark.unit_key,
            "created_at": _iso(bookmark.created_at)}


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise Problem(400, "Send a JSON object (Content-Type: application/json).", type_="validation-error",
                      title="Your request is not valid", errors=[{"pointer": "#", "detail": "not a JSON object"}])
    return body


def _after(page: PageRequest) -> int:
    after = page.position.get("after", 0) if page.position else 0
    return after if isinstance(after, int) and not isinstance(after, bool) else 0


def _unit(slug: str, key: str):
    """The course and the unit of its live version that the caller may read and note; 404 otherwise."""
    course, version = catalog_queries.course_with_live_version(slug)
    unit = catalog_queries.outline_for(version).by_key.get(key)
    if unit is None or not policy.can_keep_notes(api_user(), course, unit):
        raise NotFound("No such unit.")
    return course, unit


def _etagged(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(body["version"]))
    return response


@api_route(bp, Operation("", "GET", "listMyNotes", "My notes, oldest first (empty ones too).", "NotePage",
                         scopes=("read:notes",), query=(COURSE, CURSOR, LIMIT), tag="notes"))
def list_notes(course: str | None, cursor: str | None, limit: int):
    page = PageRequest("notes", decode_cursor(cursor, endpoint="notes"), limit)
    course_id = None
    if course is not None:
        try:
            found, _version = catalog_queries.course_with_live_version(course)
        except NotFound:
            found = None
        if found is None:
            return {"items": [], "next": None}
        course_id = found.id
    rows, last_id = queries.notes_page(api_user().id, after_id=_after(page), limit=limit, course_id=course_id)
    return {"items": [note_json(row) for row in rows],
            "next": page.next_link({"after": last_id} if last_id is not None else None)}


@api_route(bp, Operation("/units/<key:slug>/<key:key>", "GET", "getMyNote", "My note on a unit.", "Note",
                         scopes=("read:notes",), path_descriptions=UNIT_PATH, tag="notes"))
def get_note(slug: str, key: str):
    course, unit = _unit(slug, key)
    note = queries.note_of(api_user().id, course.id, unit.key)
    if note is None:
        raise NotFound("You have no note on this unit.")
    return _etagged(note_json(queries.note_row(note)))


def _base_version(body: dict[str, Any]) -> Any:
    if "version" in body:
        return body["version"]
    tags = request.if_match
    values = list(tags.as_set()) if tags else []
    if len(values) == 1 and values[0].isdigit() and len(values[0]) <= 10:
        return int(values[0])
    raise Problem(422, "Send the version your edit is based on: the field version, or If-Match.",
                  type_="validation-error", title="Your request is not valid",
                  errors=[{"pointer": "#/version", "detail": "is required (or If-Match)"}])


@api_route(bp, Operation("/units/<key:slug>/<key:key>", "PUT", "putMyNote",
                         "Write my note on a unit, based on the version I last had (409 if it changed since).",
                         "Note", scopes=("write:notes",), path_descriptions=UNIT_PATH, tag="notes",
                         request_schema="NoteEdit", errors=("422",),
                         problems={"409": ("NoteConflict", "The note changed since that version: nothing was "
                                                           "written; `current` is the note now.")}))
def put_note(slug: str, key: str):
    course, unit = _unit(slug, key)
    body = _json_object()
    try:
        note = services.save_note(api_user(), course, unit, body.get("body"), base_version=_base_version(body))
    except services.NoteConflict as conflict:
        current = note_json(queries.note_row(conflict.current)) if conflict.current is not None else None
        raise Problem(409, conflict.message, type_="edit-conflict", title="Edit conflict",
                      extensions={"current": current}) from None
    return _etagged(note_json(queries.note_row(note)))


@api_route(bp, Operation("/units/<key:slug>/<key:key>", "DELETE", "deleteMyNote", "Delete my note on a unit.",
                         "Note", scopes=("write:notes",), path_descriptions=UNIT_PATH, tag="notes", status=204))
def delete_note(slug: str, key: str):
    course, unit = _unit(slug, key)
    note = queries.note_of(api_user().id, course.id, unit.key)
    if note is None:
        raise NotFound("You have no note on this unit.")
    services.delete_note(api_user(), note)
    return None


@api_route(bp, Operation("/bookmarks", "GET", "listMyBookmarks", "My bookmarks, oldest first.", "BookmarkPage",
                         scopes=("read:notes",), query=(CURSOR, LIMIT), tag="notes"))
def list_bookmarks(cursor: str | None, limit: int):
    page = PageRequest("bookmarks", decode_cursor(cursor, endpoint="bookmarks"), limit)
    rows = queries.bookmarks_of(api_user().id, after_id=_after(page), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [bookmark_json(row) for row in rows],
            "next": page.next_link({"after": rows[-1].bookmark.id} if more else None)}


@api_route(bp, Operation("/bookmarks", "POST", "createBookmark",
                         "Bookmark a unit, or a page elsewhere (the same one again gives the bookmark there is).",
                         "Bookmark", scopes=("write:notes",), tag="notes", request_schema="NewBookmark",
                         status=201, errors=("404", "409", "422")))
def create_bookmark():
    body = _json_object()
    user = api_user()
    if body.get("kind") == "unit":
        slug, key = body.get("course"), body.get("unit")
        if not isinstance(slug, str) or not isinstance(key, str) or len(slug) > 200 or len(key) > 200:
            raise Problem(422, "A unit bookmark names the course and the unit.", type_="validation-error",
                          title="Your request is not valid",
                          errors=[{"pointer": "#/course", "detail": "the course's slug and the unit's key"}])
        course, unit = _unit(slug, key)
        bookmark = services.bookmark_unit(user, course, unit)
    elif body.get("kind") == "external":
        bookmark = services.bookmark_link(user, body.get("url"), body.get("title"), body.get("note"))
    else:
        raise Problem(422, "kind is unit or external.", type_="validation-error", title="Your request is not valid",
                      errors=[{"pointer": "#/kind", "detail": "unit or external"}])
    return bookmark_json(queries.bookmark_row(bookmark))


@api_route(bp, Operation("/bookmarks/<id:bookmark_id>", "DELETE", "deleteBookmark", "Delete one of my bookmarks.",
                         "Bookmark", scopes=("write:notes",), path_descriptions={"bookmark_id": "The bookmark's id."},
                         tag="notes", status=204))
def delete_bookmark(bookmark_id: int):
    bookmark = queries.get_bookmark(bookmark_id)
    if bookmark is None or not policy.owns_private_item(api_user(), bookmark.user_id):
        raise NotFound("No such bookmark.")
    services.delete_bookmark(api_user(), bookmark)
    return None
