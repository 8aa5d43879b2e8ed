"""The JSON API at /api/v1: personal access tokens, problem details, cursor pages, rate limits, and an
OpenAPI 3.1 document built from the routes' declarations.

An area adds endpoints from its own package: a blueprint with url_prefix API_PREFIX + "/<area>" (exempt from
Flask-WTF's form check like this one: auth.py checks a browser session's X-CSRFToken itself, and bearer
requests carry no cookie authority), its body
schemas through `schemas.register_schema`, and each view under `openapi.api_route(bp, Operation(...))`, which
authenticates, checks the scopes, rate-limits, parses the declared query parameters and puts the operation
in the document. The views call the area's services and policy, as its pages do. Raise `Problem` (or a
domain error) for errors; tests/test_api.py's bearer matrix lists every endpoint.
"""
from __future__ import annotations

from flask import Flask

from ..errors import register_error_renderer
from ..extensions import csrf
from .problems import Problem, problem_response, render_api_error
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Bearer tokens are not sent by browsers on their own; a cookie counts only with the page's CSRF token in a
    # header, which auth.authenticate checks for every method (so the form check is not needed).
    csrf.exempt(bp)
    register_error_renderer("/api/", render_api_error)
    # Raised by any area's API views (more specific than the app's handler of unexpected errors).
    app.register_error_handler(Problem, problem_response)
