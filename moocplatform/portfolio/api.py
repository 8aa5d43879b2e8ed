"""The portfolio in the JSON API: my entries (a cursor page), one entry, writing and deleting an entry, and
the state of my public link."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.problems import Problem
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from ..errors import InvalidInput, NotFound
from ..urls import public_url
from . import queries, services
from .models import PortfolioEntry

bp = Blueprint("portfolio_api", __name__, url_prefix=API_PREFIX + "/portfolio")

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
ENTRY_ID = {"entry_id": "The entry's id."}

register_schema("PortfolioEntry", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "kind", "title", "text", "html", "public", "position", "created_at", "updated_at", "file",
                 "evidence", "url"],
    "properties": {
        "id": {"type": "integer"}, "kind": {"enum": ["written", "file", "evidence"]},
        "title": {"type": "string"},
        "text": {"type": "string", "description": "The learner's own Markdown."},
        "html": {"type": "string", "description": "That Markdown as sanitised HTML."},
        "public": {"type": "boolean", "description": "Whether the public page shows it."},
        "position": {"type": "integer"}, "created_at": DATE_TIME, "updated_at": DATE_TIME,
        "file": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["name", "content_type", "size"],
            "properties": {"name": {"type": "string"}, "content_type": {"type": "string"},
                           "size": {"type": "integer", "minimum": 0}}}]},
        "evidence": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["source", "html", "url", "date"],
            "properties": {"source": {"type": "string"}, "html": {"type": "string"}, "url": {"type": "string"},
                           "date": NULLABLE_DATE_TIME}}]},
        "url": {"type": "string", "format": "uri", "description": "The entry's page."},
    },
})
register_schema("PortfolioEntryPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/PortfolioEntry"}},
        "next": {"type": ["string", "null"], "format": "uri",
                 "description": "The next page; null on the last. A page may hold fewer than limit items."},
    },
})
register_schema("NewPortfolioEntry", {
    "type": "object", "additionalProperties": False, "required": ["title"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": services.MAX_TITLE},
        "text": {"type": "string", "maxLength": services.MAX_BODY, "description": "Markdown."},
        "request_key": {"type": "string", "maxLength": services.MAX_REQUEST_KEY,
                        "description": "Sent again with the same value, the request makes no second entry."},
    },
})
register_schema("DeletedPortfolioEntry", {
    "type": "object", "additionalProperties": False, "required": ["id", "deleted"],
    "properties": {"id": {"type": "integer"}, "deleted": {"const": True}},
})
register_schema("PortfolioPublicLink", {
    "type": "object", "additionalProperties": False, "required": ["published", "url", "created_at", "expires_at",
                                                                  "public_entries"],
    "properties": {
        "published": {"type": "boolean"},
        "url": {"type": ["string", "null"], "format": "uri", "description": "The public page, while published."},
        "created_at": NULLABLE_DATE_TIME, "expires_at": NULLABLE_DATE_TIME,
        "public_entries": {"type": "integer", "minimum": 0, "description": "How many entries the page shows."},
    },
})


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def entry_json(entry: PortfolioEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "kind": entry.kind.value, "title": entry.title, "text": entry.body_source,
        "html": entry.body_html, "public": entry.is_public, "position": entry.position,
        "created_at": _iso(entry.created_at), "updated_at": _iso(entry.updated_at),
        "file": None if entry.file_name is None else {"name": entry.file_name, "content_type": entry.content_type,
                                                      "size": entry.file_size or 0},
        "evidence": None if entry.evidence_source is None else {
            "source": entry.evidence_source, "html": entry.evidence_html, "url": entry.evidence_url,
            "date": _iso(entry.evidence_date)},
        "url": public_url("portfolio.entry_page", entry_id=entry.id),
    }


def _mine(entry_id: int) -> PortfolioEntry:
    entry = queries.entry_of(api_user().id, entry_id)
    if entry is None:
        raise NotFound("No such portfolio entry.")
    return entry


@api_route(bp, Operation("/entries", "GET", "listPortfolioEntries", "My portfolio entries, in my order.",
                         "PortfolioEntryPage", scopes=("read:portfolio",), query=(CURSOR, LIMIT), tag="portfolio"))
def list_entries(cursor: str | None, limit: int):
    page = PageRequest("portfolio_entries", decode_cursor(cursor, endpoint="portfolio_entries"), limit)
    after = None
    if page.position:
        position, entry_id = page.position.get("p"), page.position.get("i")
        if isinstance(position, int) and isinstance(entry_id, int):
            after = (position, entry_id)
    rows, more = queries.entries_page(api_user().id, after=after, limit=limit)
    last = rows[-1] if rows and more else None
    return {"items": [entry_json(e) for e in rows],
            "next": page.next_link({"p": last.position, "i": last.id} if last is not None else None)}


@api_route(bp, Operation("/entries/<id:entry_id>", "GET", "getPortfolioEntry", "One of my portfolio entries.",
                         "PortfolioEntry", scopes=("read:portfolio",), path_descriptions=ENTRY_ID, tag="portfolio"))
def get_entry(entry_id: int):
    return entry_json(_mine(entry_id))


@api_route(bp, Operation("/entries", "POST", "createPortfolioEntry",
                         "Write an entry (private until I show it on my public page).", "PortfolioEntry",
                         scopes=("write:portfolio",), tag="portfolio", request_schema="NewPortfolioEntry",
                         status=201))
def create_entry():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.", type_="validation-error",
                      title="Your request is not valid", errors=[{"pointer": "#", "detail": "not a JSON object"}])
    unknown = sorted(set(body) - {"title", "text", "request_key"})
    if unknown:
        raise Problem(422, f"Unknown field {unknown[0]}.", type_="validation-error",
                      title="Your request is not valid",
                      errors=[{"pointer": f"#/{name}", "detail": "not a field of an entry"} for name in unknown])
    user = api_user()
    try:
        entry = services.write_entry(user, user, title=body.get("title"), body=body.get("text", ""),
                                     request_key=body.get("request_key"))
    except InvalidInput as error:
        # The service names the page's fields; the body calls the entry's Markdown "text".
        raise InvalidInput(error.message, field="text" if error.field == "body" else error.field) from None
    return entry_json(entry)


@api_route(bp, Operation("/entries/<id:entry_id>", "DELETE", "deletePortfolioEntry",
                         "Delete one of my entries (and its file).", "DeletedPortfolioEntry",
                         scopes=("write:portfolio",), path_descriptions=ENTRY_ID, tag="portfolio"))
def delete_entry(entry_id: int):
    entry = _mine(entry_id)
    services.delete_entry(api_user(), entry)
    return {"id": entry_id, "deleted": True}


@api_route(bp, Operation("/public-link", "GET", "getPortfolioPublicLink",
                         "Whether my public page is published, and its address.", "PortfolioPublicLink",
                         scopes=("read:portfolio",), tag="portfolio"))
def public_link():
    user = api_user()
    link = queries.current_public_link(user)
    shown = sum(1 for e in queries.entries_of(user.id) if e.is_public)
    return {"published": link is not None, "url": link.url if link else None,
            "created_at": _iso(link.created_at) if link else None,
            "expires_at": _iso(link.expires_at) if link else None, "public_entries": shown}
