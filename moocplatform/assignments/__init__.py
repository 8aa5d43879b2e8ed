"""Assignments: work learners hand in on the activity units whose pack declares an assignment (text, files, a
link), self-assessment against the rubric, the course staff's review queue and decisions, and the completion
rule `assignments`, and peer review (a version's score: staff's, else the median of three or more peers',
else the learner's own)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages (and, through them, half the platform) before the application installs it.
    from ..learning.panels import UnitPanel, register_unit_panel
    from . import mails  # noqa: F401  (registers the mail templates)
    from .criteria import register_criteria
    from .panel import load_panel
    from .scoring import version_score
    from .views import bp

    app.register_blueprint(bp)
    app.add_template_global(version_score, "assignment_version_score")
    register_criteria()
    register_unit_panel(app, UnitPanel(
        "assignment", order=20, template="assignments/_panel.html",
        shows=lambda view: view.unit.type == "activity", load=load_panel,
        completes_unit=True,  # an accepted (or self-assessed) hand-in completes its unit
    ))
