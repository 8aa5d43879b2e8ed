"""Domain errors raised by services, and the one place that maps them (and HTTP errors) to pages."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from . import dialect, transaction


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class InvalidInput(DomainError):
    status_code = 400


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("You cannot do that"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    409: _l("That has changed"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}


# An area that answers in another format (the JSON API's problem details) registers a renderer for its URL
# prefix; it gets the status, the message pages would show, and the error itself (for headers).
ErrorRenderer = Callable[[int, "str | None", Exception], ResponseReturnValue]
_error_renderers: dict[str, ErrorRenderer] = {}


def register_error_renderer(path_prefix: str, renderer: ErrorRenderer) -> None:
    _error_renderers[path_prefix] = renderer


def _renderer_for_path() -> ErrorRenderer | None:
    return next((r for prefix, r in _error_renderers.items() if request.path.startswith(prefix)), None)


def _render(status: int, message: str | None = None):
    transaction.roll_back()  # nothing of a failed request is kept, or shown on its error page
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=str(ERROR_TITLES.get(status, status)), message=message), status
    return render_template("errors/error.html", status=status, title=ERROR_TITLES.get(status), message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if (renderer := _renderer_for_path()) is not None:
            return renderer(error.status_code, error.message, error)
        return _render(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if (renderer := _renderer_for_path()) is not None:
            return renderer(error.code or 500, error.description, error)
        response = _render(error.code or 500, error.description if error.code != 404 else None)
        if error.code == 429 and error.response is not None and "Retry-After" in error.response.headers:
            body, status = response
            return body, status, {"Retry-After": error.response.headers["Retry-After"]}
        return response

    @app.errorhandler(sa.exc.IntegrityError)
    def integrity_error(error: sa.exc.IntegrityError):
        """A unique constraint that a service did not expect to meet (two requests raced to create one thing):
        the normal answer of a conflict, not a crash. Services that expect it use add_unless_present."""
        if not dialect.is_unique_violation(error):
            return unexpected_error(error)
        app.logger.info("unique constraint met on %s: %s", request.path, error.orig)
        message = str(_l("This was done already, perhaps by a request sent twice. Reload the page to see it."))
        if (renderer := _renderer_for_path()) is not None:
            return renderer(409, message, Conflict(message))
        return _render(409, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if (renderer := _renderer_for_path()) is not None:
            return renderer(500, None, error)
        return _render(500)
