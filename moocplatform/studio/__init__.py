"""The studio: course teams' versions, previews, uploads and exports."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from .blueprint import bp

    app.register_blueprint(bp)
