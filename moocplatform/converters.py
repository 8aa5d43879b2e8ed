"""Typed path converters: a URL whose id or key cannot name anything is a 404 at routing, before a view or the
database sees it (an id past the database's integer range, a slug with a NUL byte or a superscript digit)."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError

# Every id column is at least a 32-bit signed integer; PostgreSQL refuses a larger literal for one.
MAX_ID = 2**31 - 1
# Course slugs, unit keys and quiz keys as packs and services allow them (stable ids, at most 64 characters).
KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


class IdConverter(BaseConverter):
    """A row id: 1 to 2^31-1, written in ASCII digits without leading zeros."""

    regex = r"[1-9][0-9]{0,9}"
    weight = 50  # as werkzeug's int converter, so an id segment ranks before a free string

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]  # an int, or the text of one (an audit target)


class KeyConverter(BaseConverter):
    """A slug or key: ASCII letters, digits, '_', '.', '-', starting with a letter or digit."""

    regex = KEY_PATTERN


def register_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules are compiled against the converters known then."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["key"] = KeyConverter
