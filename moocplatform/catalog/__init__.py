"""The catalogue: courses, their versions and units, and the content packs they are imported from."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from ..cli import add_command
    from ..content.credential_checks import country_name
    from .cli import courses_cli
    from .views import bp

    app.register_blueprint(bp)
    add_command(app, courses_cli)
    app.jinja_env.filters["country_name"] = country_name  # partners' ISO codes, as the course page shows them
