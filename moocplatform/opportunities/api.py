"""The opportunities endpoints of /api/v1: open postings (a cursor list with the browse page's filters, and
one posting), applying, and my applications. They call the same services and read-models as the pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for

from .. import policy
from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.problems import Problem
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from . import queries, services
from .models import ApplicationStatus, OpportunityKind, OpportunityStatus

bp = Blueprint("opportunities_api", __name__, url_prefix=API_PREFIX)

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
FILTERS = (
    QueryParameter("q", {"type": "string", "maxLength": 200}, "Words in the title, description or place."),
    QueryParameter("kind", {"type": "string", "enum": [k.value for k in OpportunityKind]}, "Only this kind."),
    QueryParameter("remote", {"type": "string", "enum": ["yes"]}, "yes: only postings open to remote work."),
    QueryParameter("competence", {"type": "string", "maxLength": 80}, "Only postings asking this competence."),
)
NEXT = {"type": ["string", "null"], "format": "uri",
        "description": "The next page; null on the last. A page may hold fewer than limit items."}

register_schema("Opportunity", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "kind", "status", "organisation", "place", "remote", "closes_on", "published_at",
                 "competences", "framework_competences", "courses", "url"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "kind": {"enum": [k.value for k in OpportunityKind]},
        "status": {"enum": [s.value for s in OpportunityStatus]},
        "organisation": {"type": "object", "additionalProperties": False, "required": ["slug", "name", "country"],
                         "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                        "country": {"type": "string", "minLength": 2, "maxLength": 2}}},
        "place": {"type": "string"}, "remote": {"type": "boolean"},
        "closes_on": {"type": "string", "format": "date", "description": "The last day to apply."},
        "published_at": NULLABLE_DATE_TIME,
        "competences": {"type": "array", "items": {"type": "string"}, "description": "Every competence asked."},
        "framework_competences": {
            "type": "array", "description": "Those of the competences asked that are the courses' framework ones.",
            "items": {"type": "object", "additionalProperties": False, "required": ["framework", "code", "name"],
                      "properties": {"framework": {"type": "string"}, "code": {"type": "string"},
                                     "name": {"type": "string"}}}},
        "courses": {"type": "array", "items": {"type": "integer"}, "description": "Ids of the courses it names."},
        "url": {"type": "string", "format": "uri", "description": "The posting's page."},
        "description_html": {"type": "string", "description": "Sanitised HTML (in single postings only)."},
    },
})
register_schema("OpportunityPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Opportunity"}}, "next": NEXT},
})
register_schema("NewApplication", {
    "type": "object", "additionalProperties": False, "required": ["message"],
    "properties": {"message": {"type": "string", "minLength": 1, "maxLength": services.MAX_MESSAGE},
                   "shared_link": {"type": "string", "maxLength": 500,
                                   "description": "An http(s) link to share, such as a public portfolio page."}},
})
register_schema("Application", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "opportunity", "status", "message", "shared_link", "created_at", "status_changed_at"],
    "properties": {
        "id": {"type": "integer"},
        "opportunity": {"type": "object", "additionalProperties": False, "required": ["id", "title", "status",
                                                                                      "organisation"],
                        "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                       "status": {"enum": [s.value for s in OpportunityStatus]},
                                       "organisation": {"type": "string"}}},
        "status": {"enum": [s.value for s in ApplicationStatus]},
        "message": {"type": "string"}, "shared_link": {"type": "string"},
        "created_at": DATE_TIME, "status_changed_at": NULLABLE_DATE_TIME,
    },
})
register_schema("ApplicationPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Application"}}, "next": NEXT},
})


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _opportunity(card: queries.Card, *, full: bool = False) -> dict[str, Any]:
    o, organisation = card.opportunity, card.organisation
    body: dict[str, Any] = {
        "id": o.id, "title": o.title, "kind": o.kind.value, "status": o.status.value,
        "organisation": {"slug": organisation.slug, "name": organisation.name, "country": organisation.country},
        "place": o.place, "remote": o.remote, "closes_on": o.closes_on.isoformat(),
        "published_at": _iso(o.published_at), "competences": [c.name for c in o.competences],
        "framework_competences": [{"framework": c.framework, "code": c.code, "name": c.name}
                                  for c in o.competences if c.framework and c.code],
        "courses": sorted(c.course_id for c in o.courses),
        "url": url_for("opportunities.opportunity_page", opportunity_id=o.id, _external=True),
    }
    if full:
        body["description_html"] = o.description_html
    return body


def _application(row: queries.MyApplication) -> dict[str, Any]:
    a, o = row.application, row.opportunity
    return {"id": a.id, "status": a.status.value, "message": a.message, "shared_link": a.shared_link,
            "created_at": _iso(a.created_at), "status_changed_at": _iso(a.status_changed_at),
            "opportunity": {"id": o.id, "title": o.title, "status": o.status.value,
                            "organisation": row.organisation_name}}


def _position(page: PageRequest) -> int | None:
    before = page.position.get("before") if page.position else None
    return before if isinstance(before, int) else None


@api_route(bp, Operation("/opportunities", "GET", "listOpportunities", "Open opportunities, newest first.",
                         "OpportunityPage", scopes=("read:opportunities",), query=(CURSOR, LIMIT, *FILTERS),
                         tag="opportunities"))
def list_opportunities(cursor: str | None, limit: int, q: str | None, kind: str | None, remote: str | None,
                       competence: str | None):
    if kind is not None and kind not in {k.value for k in OpportunityKind}:
        raise FILTERS[1]._invalid("must be one of " + ", ".join(k.value for k in OpportunityKind))
    if remote is not None and remote != "yes":
        raise FILTERS[2]._invalid("must be yes")
    page = PageRequest("opportunities", decode_cursor(cursor, endpoint="opportunities"), limit)
    filters = queries.BrowseFilters(q=q or "", kind=kind or "", remote=remote == "yes", competence=competence or "")
    cards, last_id = queries.opportunities_after(filters, before_id=_position(page), limit=limit)
    return {"items": [_opportunity(card) for card in cards],
            "next": page.next_link({"before": last_id} if last_id is not None else None)}


def _visible(opportunity_id: int) -> queries.Card:
    opportunity = queries.opportunity_with_children(opportunity_id)
    organisation = services.organisation_of(opportunity) if opportunity is not None else None
    if opportunity is None or organisation is None or not policy.can_view_opportunity(
            api_user(), opportunity, organisation):
        raise Problem(404, "No such opportunity.")
    return queries.Card(opportunity, organisation, [])


@api_route(bp, Operation("/opportunities/<id:opportunity_id>", "GET", "getOpportunity", "One opportunity.",
                         "Opportunity", scopes=("read:opportunities",), tag="opportunities",
                         path_descriptions={"opportunity_id": "The opportunity's id."}))
def get_opportunity(opportunity_id: int):
    return _opportunity(_visible(opportunity_id), full=True)


@api_route(bp, Operation("/opportunities/<id:opportunity_id>/applications", "POST", "applyToOpportunity",
                         "Apply to an open opportunity; sent twice, it is one application.", "Application",
                         scopes=("write:applications",), tag="opportunities", request_schema="NewApplication",
                         errors=("409", "422"), path_descriptions={"opportunity_id": "The opportunity's id."}))
def apply(opportunity_id: int):
    card = _visible(opportunity_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("message"), str) or not isinstance(
            body.get("shared_link", ""), str) or set(body) - {"message", "shared_link"}:
        raise Problem(400, "Send a JSON object with a message (text) and optionally a shared_link (text).",
                      type_="validation-error", title="Your request is not valid",
                      errors=[{"pointer": "#/message", "detail": "a JSON object with a message is required"}])
    user = api_user()
    application = services.apply_to_opportunity(user, card.opportunity, body["message"], body.get("shared_link", ""))
    return _application(queries.MyApplication(application, card.opportunity, card.organisation.name))


@api_route(bp, Operation("/me/applications", "GET", "listMyApplications", "My applications, newest first.",
                         "ApplicationPage", scopes=("read:applications",), query=(CURSOR, LIMIT),
                         tag="opportunities"))
def my_applications(cursor: str | None, limit: int):
    page = PageRequest("my_applications", decode_cursor(cursor, endpoint="my_applications"), limit)
    rows, last_id = queries.my_applications_after(api_user().id, before_id=_position(page), limit=limit)
    return {"items": [_application(row) for row in rows],
            "next": page.next_link({"before": last_id} if last_id is not None else None)}
