"""Announcement pages: a course's announcements (with the form for whoever may announce) and one of them,
the address its notifications link to; the same for a programme's cohort, which has no course (its page shows
them too, through a cohort-page panel). Views load, call the service and redirect; the boundary commits."""
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


def _course_place(course: Any) -> dict[str, Any]:
    """What the shared templates link to for a course's announcements."""
    return {"title": course.title, "url": url_for("catalog.course_page", slug=course.slug),
            "args": {"slug": course.slug}, "index": "announcements.index", "show": "announcements.show",
            "post": "announcements.post"}


@bp.get("/courses/<key:slug>/announcements")
@login_required
def index(slug: str, form: AnnouncementForm | None = None, status: int = 200):
    course = _course(slug)
    page = queries.announcements_page(current_user, course, query_args.page_number())
    return render_template("announcements/index.html", place=_course_place(course), page=page,
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
    return render_template("announcements/show.html", place=_course_place(course), item=shown)


# A programme's cohort ---------------------------------------------------------------------------------

def _programme_cohort(cohort_id: int) -> tuple[queries.ProgrammeCohort, bool]:
    """The programme cohort and whether the viewer announces to it; 404 for whoever does not read its
    announcements (a course's cohort has its course's pages)."""
    place = queries.programme_cohort(cohort_id, current_user)
    if place is None or not policy.can_read_programme_cohort_announcements(
            current_user, place.cohort, place.membership, place.programme, place.organisation):
        abort(404)
    return place, policy.can_announce_to_programme_cohort(current_user, place.cohort, place.programme,
                                                          place.organisation)


def cohort_form(place: queries.ProgrammeCohort) -> AnnouncementForm:
    """The form of whoever announces to a programme cohort: to the cohort or one of its teams."""
    cohort = place.cohort
    choices = [(str(cohort.id), _("The cohort %(name)s", name=cohort.name))]
    choices += [(f"{TEAM_PREFIX}{team_id}", _("The team %(team)s of the cohort %(cohort)s", team=team,
                                              cohort=cohort.name))
                for team_id, team in queries.teams_of_cohorts([cohort.id]).get(cohort.id, [])]
    form = AnnouncementForm()
    form.audience.choices = choices
    return form


def cohort_place(place: queries.ProgrammeCohort) -> dict[str, Any]:
    """What the shared templates link to for a programme cohort's announcements."""
    cohort = place.cohort
    return {"title": f"{cohort.name} · {place.programme.title}",
            "url": url_for("cohorts.cohort_page", cohort_id=cohort.id), "args": {"cohort_id": cohort.id},
            "index": "announcements.cohort_index", "show": "announcements.cohort_show",
            "post": "announcements.cohort_post"}


@bp.get("/cohorts/<id:cohort_id>/announcements")
@login_required
def cohort_index(cohort_id: int, form: AnnouncementForm | None = None, status: int = 200):
    place, announces = _programme_cohort(cohort_id)
    page = queries.cohort_announcements_page(current_user, place.cohort, query_args.page_number(),
                                             staff=announces)
    return render_template("announcements/index.html", place=cohort_place(place), page=page,
                           form=form or (cohort_form(place) if announces else None)), status


@bp.post("/cohorts/<id:cohort_id>/announcements")
@login_required
def cohort_post(cohort_id: int):
    place, announces = _programme_cohort(cohort_id)
    if not announces:
        abort(403)
    form = cohort_form(place)
    if form.validate_on_submit():
        ok, announcement = apply_form(form, lambda: services.post_announcement(
            current_user, None, form.title.data, form.body.data, cohort_id=form.cohort_id(),
            team_id=form.team_id(), request_key=form.request_key.data))
        if ok and announcement is not None:
            flash(_("The announcement is made: everyone it is for is being told."), "success")
            return redirect(url_for("announcements.cohort_show", cohort_id=cohort_id,
                                    announcement_id=announcement.id))
    return cohort_index(cohort_id, form=form, status=422)


@bp.get("/cohorts/<id:cohort_id>/announcements/<id:announcement_id>")
@login_required
def cohort_show(cohort_id: int, announcement_id: int):
    place, announces = _programme_cohort(cohort_id)
    shown = queries.readable_cohort_announcement(current_user, place.cohort, announcement_id, staff=announces)
    if shown is None:
        abort(404)
    return render_template("announcements/show.html", place=cohort_place(place), item=shown)
