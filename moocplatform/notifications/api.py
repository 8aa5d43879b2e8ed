"""/api/v1/notifications: the caller's notifications (newest first, each described in their language), with
the bell's unread count, and marking them read. Only ever the caller's own: another's is not found."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint
from flask_babel import gettext as _

from ..api.auth import api_user
from ..api.cursor import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from ..api.openapi import API_PREFIX, Operation, QueryParameter, api_route
from ..api.schemas import DATE_TIME, NULLABLE_DATE_TIME, register_schema
from . import queries, services
from .kinds import notification_kind
from .models import Notification

bp = Blueprint("notifications_api", __name__, url_prefix=API_PREFIX + "/notifications")

CURSOR = QueryParameter("cursor", {"type": "string", "maxLength": 500},
                        "The position to continue from: the `next` link of the previous page carries it.")
LIMIT = QueryParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                       "The most items on one page.")
SHOW = QueryParameter("show", {"type": "string", "enum": ["all", "unread"], "default": "all"},
                      "Every notification, or the unread ones only.")

register_schema("Notification", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "kind", "text", "link", "created_at", "read_at"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "description": "The registered kind, e.g. discussion.reply."},
        "text": {"type": "string", "description": "What happened, in my language (plain text)."},
        "link": {"type": ["string", "null"], "format": "uri", "description": "Where it happened."},
        "created_at": DATE_TIME, "read_at": NULLABLE_DATE_TIME,
    },
})
register_schema("NotificationPage", {
    "type": "object", "additionalProperties": False, "required": ["items", "next", "unread"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
        "next": {"type": ["string", "null"], "format": "uri", "description": "The next page; null on the last."},
        "unread": {"type": "integer", "minimum": 0, "description": "My unread notifications (the bell)."},
    },
})
register_schema("NotificationsMarkedRead", {
    "type": "object", "additionalProperties": False, "required": ["marked", "unread"],
    "properties": {"marked": {"type": "integer", "minimum": 0, "description": "How many were unread."},
                   "unread": {"type": "integer", "minimum": 0}},
})


def _describe(row: Notification) -> str:
    try:
        return notification_kind(row.kind).describe(row.params)
    except LookupError:  # a kind no area registers any more
        return _("Something happened on moocplatform.")


def notification_json(row: Notification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "text": _describe(row),
            "link": services.absolute(row.link) if row.link else None,
            "created_at": row.created_at.isoformat(), "read_at": row.read_at.isoformat() if row.read_at else None}


@api_route(bp, Operation("", "GET", "listMyNotifications", "My notifications, newest first, and my unread count.",
                         "NotificationPage", scopes=("read:notifications",), query=(SHOW, CURSOR, LIMIT),
                         tag="notifications"))
def list_notifications(show: str, cursor: str | None, limit: int):
    user = api_user()
    page = PageRequest("notifications", decode_cursor(cursor, endpoint="notifications"), limit)
    after = None
    position = page.position or {}
    if isinstance(position.get("t"), str) and isinstance(position.get("i"), int):
        after = (datetime.fromisoformat(position["t"]), position["i"])
    rows, more = queries.notifications_after(user.id, after=after, unread_only=show == "unread", limit=limit)
    last = rows[-1] if rows and more else None
    return {"items": [notification_json(row) for row in rows],
            "next": page.next_link({"t": last.created_at.isoformat(), "i": last.id} if last is not None else None),
            "unread": queries.unread_count(user)}


@api_route(bp, Operation("/read", "POST", "markAllMyNotificationsRead", "Mark all my notifications read.",
                         "NotificationsMarkedRead", scopes=("write:notifications",), tag="notifications"))
def mark_all_read():
    return {"marked": services.mark_all_read(api_user()), "unread": 0}


@api_route(bp, Operation("/<id:notification_id>/read", "POST", "markMyNotificationRead",
                         "Mark one of my notifications read.", "Notification", scopes=("write:notifications",),
                         path_descriptions={"notification_id": "The notification's id."}, tag="notifications"))
def mark_read(notification_id: int):
    return notification_json(services.open_notification(api_user(), notification_id))
