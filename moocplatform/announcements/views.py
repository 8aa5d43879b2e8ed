"""Announcement pages: a course's announcements (with the form for whoever may announce) and one of them,
the address its notifications link to. Views load, call the service and redirect; the boundary commits."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy, query_args
from ..catalog import queries as catalog_queries
from ..forms import apply_form
from . import queries, services
from .forms import EVERYONE, TEAM_PREFIX, AnnouncementForm

bp = Blueprint("announcements", __name__, template_folder="templates")


def _course(slug: str) -> Any:
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_read_announcements(current_user, course):
        abort(404)
    return course


def _form(course: Any) -> AnnouncementForm | None:
    """The form with the audiences the viewer may announce to, or None when there is none."""
    choices = [(EVERYONE, _("Everyone enrolled in the course"))] if policy.can_announce(current_user, course) else []
    cohorts = queries.cohorts_to_announce_to(current_user, course)
    teams = queries.teams_of_cohorts([cohort_id for cohort_id, _name in cohorts])
    for cohort_id, name in cohorts:
        choices.append((str(cohort_id), _("The cohort %(name)s", name=name)))
        choices += [(f"{TEAM_PREFIX}{team_id}", _("The team %(team)s of the cohort %(cohort)s", team=team, cohort=name))
                    for team_id, team in teams.get(cohort_id, [])]
    if not choices or course.is_archived:
        return None
    form = AnnouncementForm()
    form.audience.choices = choices
    return form


@bp.get("/courses/<key:slug>/announcements")
@login_required
def index(slug: str, form: AnnouncementForm | None = None, status: int = 200):
    course = _course(slug)
    page = queries.announcements_page(current_user, course, query_args.page_number())
    return render_template("announcements/index.html", course=course, page=page,
                           form=form or _form(course)), status


@bp.post("/courses/<key:slug>/announcements")
@login_required
def post(slug: str):
    course = _course(slug)
    form = _form(course)
    if form is None:
        abort(403)
    if form.validate_on_submit():
        ok, announcement = apply_form(form, lambda: services.post_announcement(
            current_user, course, form.title.data, form.body.data, cohort_id=form.cohort_id(),
            team_id=form.team_id(), request_key=form.request_key.data))
        if ok and announcement is not None:
            flash(_("The announcement is made: everyone it is for is being told."), "success")
            return redirect(url_for("announcements.show", slug=slug, announcement_id=announcement.id))
    return index(slug, form=form, status=422)


@bp.get("/courses/<key:slug>/announcements/<id:announcement_id>")
@login_required
def show(slug: str, announcement_id: int):
    course = _course(slug)
    shown = queries.readable_announcement(current_user, course, announcement_id)
    if shown is None:
        abort(404)
    return render_template("announcements/show.html", course=course, item=shown)
