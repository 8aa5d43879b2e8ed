from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import policy, transaction
from ..catalog import queries as catalog_queries
from ..errors import Conflict
from ..forms import EmptyForm, apply_form
from . import queries, services
from .forms import CompletionForm, InviteForm
from .panels import UnitView, dashboard_panels_for, panels_for

bp = Blueprint("learning", __name__, template_folder="templates")


@bp.get("/my-learning")
@login_required
def dashboard():
    entries = queries.dashboard(current_user.id)
    return render_template("learning/dashboard.html",
                           active=[e for e in entries if e.enrollment.is_active],
                           left=[e for e in entries if not e.enrollment.is_active], form=EmptyForm(),
                           teaching=_courses_taught(current_user), panels=dashboard_panels_for(current_user))


TEACHING_ROLES = {"course_team": _l("Course team"), "facilitator": _l("Facilitator")}


def _courses_taught(user) -> list[tuple[Any, list[str]]]:
    """The courses where user holds a staff role, each with the role names: staff see what they may do there."""
    roles_by_course: dict[int, list[str]] = {}
    for grant in user.roles:
        if grant.scope_type == "course" and grant.role in TEACHING_ROLES and grant.scope_id is not None:
            roles_by_course.setdefault(grant.scope_id, []).append(str(TEACHING_ROLES[grant.role]))
    courses = catalog_queries.courses_by_id(set(roles_by_course))
    return sorted(((course, sorted(roles_by_course[course.id])) for course in courses.values()),
                  key=lambda pair: pair[0].title)


@bp.post("/courses/<key:slug>/enrol")
@login_required
def enrol(slug: str):
    course, version = catalog_queries.course_with_live_version(slug)
    services.enrol_learner(current_user, course)
    flash(_("You are enrolled in %(title)s.", title=course.title), "success")
    enrollment = services.get_enrollment(current_user, course)
    target = enrollment.last_unit_key if enrollment and enrollment.last_unit_key else None
    if target is None:
        outline = catalog_queries.outline_for(version)
        target = outline.units[0].key if outline.units else None
    if target is None:
        return redirect(url_for("catalog.course_page", slug=slug))
    return redirect(url_for("learning.unit_page", slug=slug, key=target))


@bp.post("/courses/<key:slug>/leave")
@login_required
def leave(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    services.leave_course(current_user, course)
    flash(_("You left %(title)s. Your progress is kept if you come back.", title=course.title), "info")
    return redirect(url_for("learning.dashboard"))


@bp.get("/courses/<key:slug>/units/<key:key>")
def unit_page(slug: str, key: str):
    course, version = catalog_queries.course_with_live_version(slug)
    outline = catalog_queries.outline_for(version)
    unit_outline = outline.by_key.get(key)
    if unit_outline is None:
        abort(404)
    enrollment, known_progress = queries.enrollment_and_progress(current_user, course.id)
    enrolled = policy.is_enrolled(current_user, course)
    if not policy.can_view_unit(current_user, course, unit_outline):
        if not policy.can_view_course(current_user, course):
            abort(404)
        flash(_("Enrol in the course to read this unit."), "info")
        return redirect(url_for("catalog.course_page", slug=slug))
    unit = catalog_queries.unit_body(version, key)
    tracking = policy.can_track_progress(current_user, course)
    progress = known_progress if tracking else queries.NO_PROGRESS
    if tracking:  # the page matters more than the visit record: a busy database skips it
        with transaction.unit_of_work("unit visit", best_effort=True):
            services.record_unit_visit(current_user, enrollment, key, progress.viewed)
    previous, following = outline.neighbours(key)
    panels = panels_for(UnitView(current_user, course, version, unit, enrolled=enrolled, tracking=tracking))
    return render_template(
        "learning/unit.html", course=course, version=version, outline=outline, unit=unit,
        previous=previous, following=following, progress=progress, tracking=tracking, enrolled=enrolled,
        panels=panels, completed_by_panel=any(shown.panel.completes_unit for shown in panels),
        staff_notes=(catalog_queries.staff_notes(version, key) if policy.is_course_staff(current_user, course)
                     else None),
    )


@bp.post("/courses/<key:slug>/units/<key:key>/complete")
@login_required
def set_completion(slug: str, key: str):
    course, version = catalog_queries.course_with_live_version(slug)
    outline = catalog_queries.outline_for(version)
    if key not in outline.by_key:
        abort(404)
    if outline.by_key[key].type == "quiz":
        raise Conflict(_("A quiz unit is completed by passing its quiz."))
    form = CompletionForm()
    if not form.validate_on_submit():
        abort(400)
    complete = form.complete.data == "1"
    services.set_unit_completion(current_user, course, key, complete=complete)
    _previous, following = outline.neighbours(key)
    if complete and following is not None:
        return redirect(url_for("learning.unit_page", slug=slug, key=following.key))
    return redirect(url_for("learning.unit_page", slug=slug, key=key))


@bp.route("/courses/<key:slug>/invitations", methods=["GET", "POST"])
@login_required
def invitations(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_invite(current_user, course):
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        emails = [e for e in re.split(r"[\s,;]+", form.emails.data) if e]
        succeeded, created = apply_form(form, lambda: services.invite_learners(current_user, course, emails))
        if succeeded:
            flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(created or [])), "success")
            return redirect(url_for("learning.invitations", slug=slug))
    return render_template("learning/invitations.html", course=course, form=form,
                           invitations=queries.course_invitations(course.id)), 200 if not form.errors else 422
