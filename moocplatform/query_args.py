"""The one reader of query strings. Views ask for a typed value with a default; whatever a client sends
(a superscript digit, a number of 400 digits, a list where a word was expected) gives the default, never an
exception. The pager keeps only the plain parameters of the request, so `_method`, `_external` and the like
never reach url_for."""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlencode

from flask import request, url_for

MAX_TEXT = 200
MAX_PAGE = 1_000_000
_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")
# Parameters a page link may carry on: lowercase names of the forms' own fields.
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def text(name: str, default: str = "", *, max_length: int = MAX_TEXT) -> str:
    """A parameter as text, stripped and cut to max_length."""
    value = request.args.get(name)
    if value is None:
        return default
    return value.strip()[:max_length]


def choice(name: str, allowed: Iterable[str], default: str = "") -> str:
    """A parameter that must be one of `allowed`; anything else gives the default."""
    value = request.args.get(name, default)
    return value if value in set(allowed) else default


def whole_number(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_PAGE) -> int:
    """A parameter written in ASCII digits within [minimum, maximum]; anything else gives the default."""
    return parse_whole_number(request.args.get(name, ""), default, minimum=minimum, maximum=maximum)


def parse_whole_number(value: str, default: int, *, minimum: int, maximum: int) -> int:
    """`str.isdigit()` accepts '²' and '٣', which int() then refuses: only ASCII digits count here."""
    value = value.strip()
    if not _ASCII_NUMBER.fullmatch(value):
        return default
    number = int(value)
    return number if minimum <= number <= maximum else default


def page_number(name: str = "page") -> int:
    """The page a list is asked for, from 1 (the pager clamps it to the last page)."""
    return whole_number(name, 1, minimum=1)


def link_args(**overrides: object) -> dict[str, str]:
    """The request's plain parameters (one value each) with `overrides`, for a link to the same list."""
    args = {key: value for key, value in request.args.items() if _PLAIN_NAME.fullmatch(key)}
    args.update({key: str(value) for key, value in overrides.items()})
    return args


def list_url(endpoint: str, **overrides: object) -> str:
    """A relative link to `endpoint` with the request's own path arguments (a thread's id: values its route
    converters already checked) and its plain query parameters: built as a path and an encoded query, never by
    passing client query parameters to url_for."""
    query = urlencode(sorted(link_args(**overrides).items()))
    return url_for(endpoint, **(request.view_args or {})) + (f"?{query}" if query else "")
