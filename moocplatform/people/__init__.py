"""People: public profiles of course and cohort members (visibility opt-in), People lists, who may write to
whom, blocks, and reports of profiles to the administrators. Messages themselves are private spaces of the
discussion area."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's queries, which must not load its pages first.
    from . import personal  # noqa: F401  (registers the personal data)
    from .views import bp

    app.register_blueprint(bp)
