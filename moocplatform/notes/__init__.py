"""Notes and bookmarks: a learner's private note beside each unit (Markdown, autosaved, kept on the device
while offline and synced with the version it was based on, so an edit is never silently lost), collected per
course, searchable and exported as Markdown and PDF; bookmarks of units and of pages elsewhere; and the
/api/v1/notes endpoints the unit panel and other clients use."""
from __future__ import annotations

from flask import Flask


def _course_panel(viewer, course):
    from .. import policy

    return {"slug": course.slug} if policy.signed_in(viewer) else None


def init_app(app: Flask) -> None:
    # Imported here: other areas may import this package's models, which must not load its pages first.
    from ..catalog.panels import CoursePanel, register_course_panel
    from ..extensions import csrf
    from ..learning.panels import UnitPanel, register_unit_panel
    from ..templating import register_signed_in_script
    from . import api
    from .panel import load_panel
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    # Its requests carry a bearer token or the page's CSRF token in a header (api/auth.py checks either).
    csrf.exempt(api.bp)
    register_unit_panel(app, UnitPanel("notes", order=40, template="notes/_panel.html",
                                       shows=lambda view: view.viewer.is_authenticated, load=load_panel))
    # Edits kept on the device while offline are sent from whichever page opens first, not only a unit's.
    register_signed_in_script(app, "js/notes.js")
    register_course_panel(app, CoursePanel("notes", order=30, template="notes/_course_panel.html",
                                           load=_course_panel))
