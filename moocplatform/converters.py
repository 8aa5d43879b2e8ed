"""Typed path converters: a URL whose id or key cannot name anything is a 404 at routing, before a view or the
database sees it (an id past the database's integer range, a slug with a NUL byte or a superscript digit)."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter

# Every id column is at least a 32-bit signed integer; PostgreSQL refuses a larger literal for one.
MAX_ID = 2**31 - 1
# Course slugs, unit keys and quiz keys as packs and services allow them (stable ids, at most 64 characters).
KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


def _up_to(limit: int) -> str:
    """A pattern for the whole numbers 1..limit in ASCII digits without leading zeros."""
    digits = str(limit)
    shorter = [r"[1-9]"] + [rf"[1-9][0-9]{{{n}}}" for n in range(1, len(digits) - 1)]
    same_length = []
    for i, digit in enumerate(digits):  # numbers of the same length below the limit, digit by digit
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            rest = len(digits) - i - 1
            same_length.append(digits[:i] + f"[{low}-{int(digit) - 1}]" + (rf"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(shorter + same_length + [digits]) + ")"


class IdConverter(BaseConverter):
    """A row id: 1 to 2^31-1, written in ASCII digits without leading zeros."""

    # The range is in the pattern itself, not checked after the match: a rule whose converter refuses a value
    # after its pattern matched still counts as a match for another method's rule, which turns a 404 into a
    # 405 when a GET and a POST view share the path.
    regex = _up_to(MAX_ID)
    weight = 50  # as werkzeug's int converter, so an id segment ranks before a free string
    schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]  # an int, or the text of one (an audit target)


class KeyConverter(BaseConverter):
    """A slug or key: ASCII letters, digits, '_', '.', '-', starting with a letter or digit."""

    regex = KEY_PATTERN
    schema: dict[str, Any] = {"type": "string", "pattern": f"^{KEY_PATTERN}$", "maxLength": 64}


class TokenConverter(BaseConverter):
    """An unguessable public id (a certificate's): URL-safe base64 letters, 8 to 128 of them."""

    regex = r"[A-Za-z0-9_-]{8,128}"
    schema: dict[str, Any] = {"type": "string", "pattern": f"^{regex}$"}


CONVERTERS: dict[str, type[BaseConverter]] = {"id": IdConverter, "key": KeyConverter, "token": TokenConverter}
# Werkzeug's own string converter (a rule's <name> without a converter): any text up to the next slash.
DEFAULT_SCHEMA: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def path_parameter_schema(converter: str | None) -> dict[str, Any]:
    """The JSON Schema of a path segment's values as a converter accepts them, for the API document."""
    if converter is None:
        return dict(DEFAULT_SCHEMA)
    try:
        return dict(CONVERTERS[converter].schema)  # type: ignore[attr-defined]
    except KeyError:
        raise ValueError(f"no schema for the path converter {converter!r}") from None


def register_converters(app: Flask) -> None:
    """Before any blueprint is registered: rules are compiled against the converters known then."""
    app.url_map.converters.update(CONVERTERS)
