"""Administration: users, roles, suspensions, courses and the audit log, on pages and on the command line."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from ..cli import add_command
    from .audit_text import audit_sentence
    from .cli import seed_demo, users_cli
    from .views import bp

    app.register_blueprint(bp)
    app.add_template_global(audit_sentence)
    add_command(app, users_cli)
    add_command(app, seed_demo)
