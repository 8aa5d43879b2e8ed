"""Cursor pagination: an opaque, signed position (so clients cannot forge one), a limit with a maximum, and
a `next` link while more items follow."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from .problems import Problem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="moocplatform.api.cursor")


def encode_cursor(position: dict[str, Any]) -> str:
    return str(_serializer().dumps(position))


def decode_cursor(cursor: str | None, *, endpoint: str) -> dict[str, Any] | None:
    """The position a cursor names; a cursor from another endpoint or altered by hand is a 400."""
    if not cursor:
        return None
    try:
        position = _serializer().loads(cursor)
    except BadSignature:
        position = None
    if not isinstance(position, dict) or position.get("e") != endpoint:
        raise Problem(400, "The cursor is not valid; start again without it.", type_="validation-error",
                      title="Your request is not valid",
                      errors=[{"parameter": "cursor", "detail": "not a cursor of this list"}])
    return position


@dataclass(frozen=True)
class PageRequest:
    endpoint: str
    position: dict[str, Any] | None
    limit: int

    def next_link(self, position: dict[str, Any] | None) -> str | None:
        """The URL of the next page, keeping the request's other parameters."""
        if position is None:
            return None
        args = request.args.to_dict()
        args["cursor"] = encode_cursor({**position, "e": self.endpoint})
        args["limit"] = str(self.limit)
        return f"{request.base_url}?{urlencode(sorted(args.items()))}"
