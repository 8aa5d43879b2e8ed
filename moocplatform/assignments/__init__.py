"""Assignments: work learners hand in on the activity units whose pack declares an assignment (text, files, a
link), self-assessment against the rubric, the course staff's review queue and decisions, and the completion
rule `assignments`. Peer review is the next part."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages (and, through them, half the platform) before the application installs it.
    from ..learning.panels import UnitPanel, register_unit_panel
    from . import mails  # noqa: F401  (registers the mail templates)
    from .criteria import register_criteria
    from .panel import load_panel
    from .views import bp

    app.register_blueprint(bp)
    register_criteria()
    register_unit_panel(app, UnitPanel(
        "assignment", order=20, template="assignments/_panel.html",
        shows=lambda view: view.unit.type == "activity", load=load_panel,
        completes_unit=True,  # an accepted (or self-assessed) hand-in completes its unit
    ))
