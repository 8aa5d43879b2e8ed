"""Portfolio: a learner's evidence in one place (entries written by hand, uploaded files, snapshots of
reflections, accepted submissions and certificates), a public page of chosen entries behind a revocable link,
and exports (the whole portfolio as a zip, the public page as a PDF)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: the pages and sources read half the platform, which must be installed first.
    from ..extensions import csrf
    from . import models  # noqa: F401  (registers the personal data)
    from .api import bp as api_bp
    from .sharing import register_sharing
    from .sources import register_sources
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    # Bearer tokens are not sent by browsers on their own, so there is no forgery to protect against.
    csrf.exempt(api_bp)
    register_sources()
    register_sharing(app)
