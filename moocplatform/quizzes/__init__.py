"""Quizzes and assessment.

`grading` holds the pure graders (no Flask, no database): one per question type of docs/quiz-format.md, plus
quiz-level scoring, pool draws and stable shuffles. `gift` converts Moodle GIFT files into that format and `cli`
offers it as `moocplatform quizzes import-gift`.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models and pure modules, which must not load its
    # pages and commands (and, through them, half the platform) before the application installs it.
    from ..cli import add_command
    from ..jobs import register_job
    from ..learning.activity import ActivitySource, register_activity_source
    from ..learning.panels import UnitPanel, register_unit_panel
    from . import queries
    from .blueprint import bp
    from .cli import quizzes_cli
    from .events import subscribe
    from .jobs import close_expired_attempts

    app.register_blueprint(bp)
    subscribe()
    add_command(app, quizzes_cli)
    register_job(app, "close-expired-quiz-attempts",
                 "Grade timed quiz attempts whose time ran out, with the answers saved in time.",
                 close_expired_attempts)
    register_activity_source(app, ActivitySource("quiz attempt", queries.attempt_moments,
                                                          queries.attempt_timeline))
    register_unit_panel(app, UnitPanel(
        "quiz", order=10, template="quizzes/_panel.html", shows=lambda view: view.unit.type == "quiz",
        load=lambda view: queries.quiz_panel(view.viewer, view.course, view.version.id, view.unit.key),
        completes_unit=True,  # passing the quiz completes its unit
    ))
