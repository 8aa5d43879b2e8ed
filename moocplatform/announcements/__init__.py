"""Announcements: the course team to everyone enrolled, and a cohort's facilitators to their cohort, told
through the notification system (a kind of its own, so each person chooses on the site, by e-mail or in a
digest) by the worker, in batches; the latest shown on the course page, all of them on a page of their own."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas may import this package's models, which must not load its pages first.
    from ..catalog.panels import CoursePanel, register_course_panel
    from ..outbox import register_kind
    from . import personal  # noqa: F401  (personal data)
    from .queries import latest_for
    from .services import DELIVER_KIND, deliver_batch
    from .views import bp

    def course_panel(viewer, course):
        from .. import policy

        if not policy.can_read_announcements(viewer, course):
            return None
        return {"latest": latest_for(viewer, course), "slug": course.slug}

    app.register_blueprint(bp)
    register_kind(DELIVER_KIND, deliver_batch, transactional=True)
    register_course_panel(app, CoursePanel("announcements", order=5, template="announcements/_course_panel.html",
                                           load=course_panel))
