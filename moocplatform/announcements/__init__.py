"""Announcements: the course team to everyone enrolled, and a cohort's facilitators (a course's cohort or a
programme's) to their cohort, told through the notification system (a kind of its own, so each person chooses
on the site, by e-mail or in a digest) by the worker, in batches; the latest shown on the course page (a
programme cohort's newest on its cohort page), all of them on a page of their own."""
from __future__ import annotations

from flask import Flask

PANEL_SIZE = 5  # a programme cohort page's newest announcements; the rest on their own page


def init_app(app: Flask) -> None:
    # Imported here: other areas may import this package's models, which must not load its pages first.
    from ..catalog.panels import CoursePanel, register_course_panel
    from ..cohorts.panels import CohortPanel, register_programme_cohort_panel
    from ..outbox import register_kind
    from . import personal  # noqa: F401  (personal data)
    from .queries import latest_for
    from .services import DELIVER_KIND, deliver_batch
    from .views import bp, cohort_form, cohort_place

    def course_panel(viewer, course):
        from .. import policy

        if not policy.can_read_announcements(viewer, course):
            return None
        return {"latest": latest_for(viewer, course), "slug": course.slug}

    def programme_cohort_panel(viewer, cohort):
        from .. import policy
        from .queries import cohort_announcements_page, programme_cohort

        place = programme_cohort(cohort.id, viewer)
        if place is None or not policy.can_read_programme_cohort_announcements(
                viewer, cohort, place.membership, place.programme, place.organisation):
            return None
        announces = policy.can_announce_to_programme_cohort(viewer, cohort, place.programme, place.organisation)
        return {"page": cohort_announcements_page(viewer, cohort, 1, staff=announces, per_page=PANEL_SIZE),
                "place": cohort_place(place), "form": cohort_form(place) if announces else None}

    app.register_blueprint(bp)
    register_kind(DELIVER_KIND, deliver_batch, transactional=True)
    register_course_panel(app, CoursePanel("announcements", order=5, template="announcements/_course_panel.html",
                                           load=course_panel))
    register_programme_cohort_panel(app, CohortPanel("announcements", order=5,
                                                     template="announcements/_cohort_panel.html",
                                                     load=programme_cohort_panel))
