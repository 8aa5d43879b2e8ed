"""Learning: enrolment, the unit pages (with the panels other areas register), progress and completion."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from ..jobs import register_job
    from .activity import register_activity_sources
    from .completion import process_all_completions
    from .events import subscribe
    from .queries import unit_timeline
    from .views import bp

    app.register_blueprint(bp)
    subscribe()
    register_activity_sources(app, unit_timeline)
    register_job(app, "process-completions",
                 "Record course completions that progress or a new version has granted.", process_all_completions)
