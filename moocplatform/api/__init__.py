"""The JSON API at /api/v1: personal access tokens, problem details, cursor pages, rate limits, and an
OpenAPI 3.1 document built from the routes' declarations."""
from __future__ import annotations

from flask import Flask

from ..errors import register_error_renderer
from ..extensions import csrf
from .problems import render_api_error
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Bearer tokens are not sent by browsers on their own, so there is no forgery to protect against.
    csrf.exempt(bp)
    register_error_renderer("/api/", render_api_error)
