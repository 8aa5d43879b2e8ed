"""Cohorts: groups of learners led by facilitators through a course on dates of their own (the MOOC4ALL
social model). A cohort's facilitators hold role grants scoped to it; this area tells the access context which
course a cohort lies in and who is in it, so they reach those learners and no others."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask


def _course_panel(viewer, course):
    from .. import clock, policy
    from .forms import JoinCodeForm
    from .queries import course_page_cohorts, led_cohort_ids

    signed_in = policy.signed_in(viewer)
    cohorts = course_page_cohorts(course.id, viewer.id if signed_in else None,
                                  led_cohort_ids(viewer) if signed_in else (), clock.now().date())
    can_create = policy.can_create_cohort(viewer, course)
    if not (cohorts.open or cohorts.mine or can_create):
        return None
    return {"open": cohorts.open, "mine": cohorts.mine, "can_create": can_create, "code_form": JoinCodeForm()}


def _my_cohorts_panel(viewer):
    from .. import clock
    from .queries import learner_cohort_agenda
    return learner_cohort_agenda(viewer.id, clock.now()) or None


def _led_cohorts_panel(viewer):
    from .. import clock
    from .dashboard_queries import led_cohorts_at_risk
    return led_cohorts_at_risk(viewer, clock.now()) or None


def init_app(app: Flask) -> None:
    # Imported here: other areas may import this package's models, which must not load its pages.
    from ..access import AccessLoader, register_access_loader, registered_loaders
    from ..accounts.models import ScopeType
    from ..catalog.panels import CoursePanel, register_course_panel
    from ..extensions import csrf
    from ..jobs import register_job
    from ..learning.deadlines import DueDateSource, register_due_date_source
    from ..learning.panels import DashboardPanel, register_dashboard_panel
    from . import (  # noqa: F401  (routes, notification kinds, mails)
        api,
        calendar_views,
        dashboard_views,
        due_extension_views,
        figures_views,
        learner_views,
        notices,
        programme_views,
        queries,
        roster_import,
        teams_views,
    )
    from .criteria import register_criteria
    from .plan_views import bp  # the cohort pages, with the plan's, the dashboard's and the calendar's routes
    from .spaces import SEATS_FACT
    from .spaces import register as register_spaces

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # its requests carry a bearer token or the page's CSRF token in a header
    register_criteria()
    register_spaces()  # the cohort discussion spaces, a membership kind of discussion's
    from ..outbox import register_kind
    from .reminders import send_reminders
    from .teams import TELL_PLACED, tell_placed
    register_kind(TELL_PLACED, tell_placed, transactional=True)
    register_job(app, "remind-cohort-learners",
                 "Remind cohorts' learners of live sessions, of what is due and after a quiet spell; "
                 "tell their facilitators who went quiet",
                 send_reminders, interval=timedelta(minutes=15))
    if "cohorts" not in registered_loaders():  # loaders are per process; apps may be created twice
        register_access_loader(AccessLoader(
            name="cohorts", load=queries.viewer_cohort_ids, scope_type=ScopeType.COHORT.value,
            scope_courses=queries.courses_of_cohorts, scope_members=queries.members_of_cohorts))
    if SEATS_FACT not in registered_loaders():
        register_access_loader(AccessLoader(name=SEATS_FACT, load=queries.seated_cohort_ids))
    register_course_panel(app, CoursePanel("cohorts", order=10, template="cohorts/_course_panel.html",
                                           load=_course_panel))
    register_due_date_source(DueDateSource("cohort-plan", queries.unit_due_at, queries.units_due_at))
    register_dashboard_panel(app, DashboardPanel("cohorts-led", order=10, section="teaching",
                                                 template="cohorts/_led_cohorts_panel.html", load=_led_cohorts_panel))
    register_dashboard_panel(app, DashboardPanel("my-cohorts", order=10, section="learning",
                                                 template="cohorts/_my_cohorts_panel.html", load=_my_cohorts_panel))
    from .plan import local_time
    app.add_template_global(local_time, "cohort_local_time")
