"""Certificates: issued once a course completion is recorded, verifiable by anyone at a public page, as a PDF
and as a signed Open Badges 3.0 credential; revoked or re-issued by the course team."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here, as in the other areas: the pages pull in half the platform.
    from ..cli import add_command
    from . import mails  # noqa: F401  (registers the mail templates)
    from .cli import certificates_cli
    from .events import subscribe
    from .queries import certificates_of, held_courses
    from .views import bp

    app.register_blueprint(bp)
    add_command(app, certificates_cli)
    subscribe()
    # The dashboard and the account page show the learner's certificates and any held for a full name.
    app.jinja_env.globals.update(learner_certificates=certificates_of, certificates_held_for_name=held_courses)
