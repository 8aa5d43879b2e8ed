"""One learner of a cohort for its facilitators, reached from the dashboard's row: their row of the dashboard,
then what they did in the course (the timeline every area contributes to), their quiz attempts, the reflections
the visibility rules let the viewer read, and their posts in the spaces the viewer reads."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from .. import clock, policy
from ..catalog.queries import live_version_of
from ..discussion.queries import learner_posts
from ..learning.activity import learner_timeline
from ..quizzes.queries import learner_attempts, learner_reflections
from . import dashboard_queries, queries
from .views import _load, bp


@bp.get("/cohorts/<id:cohort_id>/learners/<id:user_id>")
@login_required
def learner_page(cohort_id: int, user_id: int):
    """Its facilitators (and administrators) only, for a learner with a seat in the cohort. To anyone else,
    other cohorts' facilitators included, the page does not exist: it would tell who is in the cohort."""
    cohort, course = _load(cohort_id, manage=False)
    if not policy.can_manage_cohort(current_user, cohort):
        abort(404)
    version = live_version_of(course)
    learner = next(iter(queries.seated_users(cohort.id, [user_id])), None)
    found = dashboard_queries.learner_row(cohort, version.id, user_id, clock.now()) if version and learner else None
    if learner is None or found is None:
        abort(404)
    modules, row = found
    relations = policy.relations_for(current_user, [learner.id], course)[learner.id]
    return render_template(
        "cohorts/learner.html", cohort=cohort, course=course, learner=learner, modules=modules, row=row,
        shows={what: policy.sees(relations, what) for what in ("full_name", "bio", "reflections")},
        timeline=learner_timeline(course.id, learner.id),
        attempts=learner_attempts(course.id, learner.id),
        reflections=(learner_reflections(course.id, learner.id) if policy.sees(relations, "reflections") else None),
        posts=learner_posts(current_user, course.id, learner.id))
