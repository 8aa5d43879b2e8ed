"""Assignments: work learners hand in on the activity units whose pack declares an assignment (text, files, a
link), self-assessment against the rubric, the course staff's review queue and decisions, and the completion
rule `assignments`, and peer review (a version's score: staff's, else the median of three or more peers',
else the learner's own; the peers' median against the pass mark decides where staff have not), with the job
that reassigns reviews not started in time and settles work whose reviews are due, and the API of my
assignments, my submissions and my reviews to do."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages (and, through them, half the platform) before the application installs it.
    from ..extensions import csrf
    from ..jobs import register_job
    from ..learning.activity import ActivitySource, register_activity_source
    from ..learning.panels import UnitPanel, register_unit_panel
    from . import notices  # noqa: F401  (registers the notification kind)
    from .api import bp as api_bp
    from .criteria import register_criteria
    from .panel import load_panel
    from .peers import review_due_at
    from .queries import submission_moments, submission_timeline
    from .schedule import run_peer_review_deadlines
    from .scoring import version_score
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # its requests carry a bearer token or the page's CSRF token in a header
    app.add_template_global(version_score, "assignment_version_score")
    app.add_template_global(review_due_at, "assignment_review_due_at")
    register_job(app, "assignments-peer-review-deadlines",
                 "Reassign peer reviews not started within 3 days; settle work whose reviews are due.",
                 run_peer_review_deadlines, interval=timedelta(hours=1))
    register_criteria()
    register_activity_source(app, ActivitySource("submission", submission_moments, submission_timeline))
    register_unit_panel(app, UnitPanel(
        "assignment", order=20, template="assignments/_panel.html",
        shows=lambda view: view.unit.type == "activity", load=load_panel,
        completes_unit=True,  # an accepted (or self-assessed) hand-in completes its unit
    ))
