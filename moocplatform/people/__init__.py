"""People: public profiles of course and cohort members (visibility opt-in), People lists, who may write to
whom, blocks, and reports of profiles to the administrators. Messages themselves are private spaces of the
discussion area."""
from __future__ import annotations

from flask import Flask


def _course_panel(viewer, course):
    """A link to the course's People for its members (the access context knows already: no query)."""
    from .. import policy

    return {"course": course} if policy.can_list_people(viewer, course) else None


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's queries, which must not load its pages first.
    from ..catalog.panels import CoursePanel, register_course_panel
    from ..extensions import csrf
    from . import api, personal  # noqa: F401  (personal registers the personal data)
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # its requests carry a bearer token or the page's CSRF token in a header
    register_course_panel(app, CoursePanel("people", order=20, template="people/_course_panel.html",
                                           load=_course_panel))
