"""RFC 9457 problem details: every error of the API, in one format (application/problem+json)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Problem types beyond the plain HTTP status (whose type is "about:blank"), documented in the OpenAPI
# document's description.
PROBLEM_TYPES = {
    "validation-error": "The request's parameters or body are not valid; `errors` lists each one.",
    "invalid-token": "The bearer token is missing, unknown, expired or revoked.",
    "insufficient-scope": "The token lacks a scope the endpoint needs.",
    "invalid-csrf-token": "A browser session's request carries an X-CSRFToken that is not this session's.",
    "edit-conflict": ("The resource changed since the version the edit was based on; nothing was written, and "
                      "`current` holds the resource as it is now (null when it was deleted)."),
    "rate-limited": "Too many requests with this token; wait for the seconds in Retry-After.",
    "not-enrolled": "You are not enrolled in this course.",
}


class Problem(Exception):
    """Raised by the API's views and wrappers; rendered by `problem_response`."""

    def __init__(self, status: int, detail: str | None = None, *, type_: str | None = None,
                 title: str | None = None, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None, extensions: dict[str, Any] | None = None):
        super().__init__(detail or title or str(status))
        self.extensions = extensions or {}  # RFC 9457 extension members of this problem type
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title
        self.errors = errors
        self.headers = headers or {}


def problem_type_uri(name: str) -> str:
    if name not in PROBLEM_TYPES:
        raise ValueError(f"undocumented problem type {name!r}")
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/api/v1/problems/{name}"


# The characters RFC 3986 allows in a path as they are; everything else is percent-encoded.
_PATH_CHARACTERS = "/!$&'()*+,;=:@-._~"


def request_path_reference() -> str:
    """The request's path as a URI reference: Werkzeug gives it decoded, so a path sent with %23, %20, a
    control character or non-ASCII letters would otherwise come back as text that is not a URI."""
    return quote(request.path, safe=_PATH_CHARACTERS)


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": problem_type_uri(problem.type) if problem.type else "about:blank",
        "title": problem.title or HTTP_STATUS_CODES.get(problem.status, "Error"),
        "status": problem.status,
        "instance": request_path_reference(),
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update({k: v for k, v in problem.extensions.items() if k not in body})
    response = Response(json.dumps(body, ensure_ascii=False), status=problem.status, mimetype=PROBLEM_MEDIA_TYPE)
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def render_api_error(status: int, message: str | None, error: Exception) -> Response:
    """The app's error handlers call this for every error under /api/ (see errors.register_error_renderer)."""
    if isinstance(error, Problem):
        return problem_response(error)
    headers: dict[str, str] = {}
    if isinstance(error, HTTPException):
        if error.response is not None and "Retry-After" in error.response.headers:
            headers["Retry-After"] = error.response.headers["Retry-After"]
        if status == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        # Werkzeug's default descriptions are written for browsers; the title says enough.
        detail = None if message == type(error).description else message
        return problem_response(Problem(status, detail, headers=headers))
    if isinstance(error, DomainError):
        if error.field:
            return problem_response(Problem(422, error.message, type_="validation-error",
                                            title="Your request is not valid",
                                            errors=[{"pointer": f"#/{error.field}", "detail": error.message}]))
        return problem_response(Problem(status, error.message))
    return problem_response(Problem(500))  # no detail: an unexpected error says nothing of its cause
