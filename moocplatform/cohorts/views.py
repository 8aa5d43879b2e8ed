"""Cohort pages: create and edit a cohort, its roster for its facilitators, and joining by code or link."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from ..forms import EmptyForm, apply_form, apply_or_flash
from . import programme_queries, queries, roster_import, services
from .forms import CohortForm, EmailForm, JoinCodeForm, MoveForm, RosterFileForm
from .panels import programme_cohort_panels_for
from .services import CohortFields

RISK_FIELDS = ("risk_inactive_days", "risk_modules_behind", "risk_failed_attempts")

bp = Blueprint("cohorts", __name__, template_folder="templates")


def _load(cohort_id: int, *, manage: bool = True, programme_ok: bool = False):
    """The cohort and its course, 404 when there is none; 403 when manage and the viewer does not lead it.
    A programme's cohort has no course: programme_ok pages take it (course None), the others answer 404."""
    try:
        cohort = services.get_cohort(cohort_id)
    except NotFound:
        abort(404)
    if cohort.course_id is None:
        if not programme_ok:
            abort(404)
        course = None
    else:
        course = catalog_queries.get_course_by_id(cohort.course_id)
        if course is None:
            abort(404)
    if manage and not policy.can_manage_cohort(current_user, cohort):
        abort(403)
    return cohort, course


def _fields(form: CohortForm) -> CohortFields:
    return CohortFields(name=form.name.data, description=form.description.data or "", language=form.language.data,
                        starts_on=form.starts_on.data, ends_on=form.ends_on.data, time_zone=form.time_zone.data,
                        capacity=form.capacity.data, is_open=form.is_open.data,
                        requires_sign_off=form.requires_sign_off.data,
                        names_peer_reviewers=form.names_peer_reviewers.data,
                        **{name: getattr(form, name).data for name in RISK_FIELDS
                           if getattr(form, name).data is not None})  # left empty: the default


@bp.route("/courses/<key:slug>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort(slug: str):
    course, version = catalog_queries.course_with_live_version(slug)
    if not policy.can_create_cohort(current_user, course):
        abort(403)
    form = CohortForm(language=version.manifest.get("language", "en"), starts_on=clock.now().date())
    if form.validate_on_submit():
        succeeded, cohort = apply_form(form, lambda: services.create_cohort(current_user, course, _fields(form)))
        if succeeded and cohort is not None:
            flash(_("Cohort created. Share its code %(code)s with the learners.", code=cohort.join_code), "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return render_template("cohorts/edit.html", form=form, course=course, cohort=None), 422 if form.errors else 200


@bp.route("/cohorts/<id:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(cohort_id: int):
    cohort, course = _load(cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        succeeded, _cohort = apply_form(form, lambda: services.update_cohort(current_user, cohort, _fields(form)))
        if succeeded:
            flash(_("Cohort saved."), "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return render_template("cohorts/edit.html", form=form, course=course, cohort=cohort), 422 if form.errors else 200


@bp.get("/cohorts/<id:cohort_id>")
@login_required
def cohort_page(cohort_id: int):
    cohort, course = _load(cohort_id, manage=False, programme_ok=True)
    manages = policy.can_manage_cohort(current_user, cohort)
    membership = services.membership_of(cohort, current_user.id)
    if not policy.can_view_cohort(current_user, cohort, membership):
        abort(404)  # a cohort is no one else's business, not even its existence
    if course is None:
        return render_template("cohorts/programme_cohort.html", cohort=cohort, manages=manages,
                               programme=programme_queries.programme_of(cohort), membership=membership,
                               roster=queries.cohort_roster(cohort) if manages else None, email_form=EmailForm(),
                               facilitator_form=EmailForm(prefix="facilitator"), form=EmptyForm(),
                               panels=programme_cohort_panels_for(current_user, cohort))
    roster = None
    move_form = None
    if manages:
        roster = queries.cohort_roster(cohort)
        move_form = MoveForm()
        move_form.target.choices = _move_targets(cohort)
    return render_template("cohorts/cohort.html", cohort=cohort, course=course, manages=manages,
                           membership=membership, roster=roster, email_form=EmailForm(),
                           facilitator_form=EmailForm(prefix="facilitator"), move_form=move_form, form=EmptyForm())


@bp.post("/cohorts/<id:cohort_id>/learners")
@login_required
def add_learner(cohort_id: int):
    cohort, course = _load(cohort_id, programme_ok=True)
    form = EmailForm()
    if form.validate_on_submit():
        succeeded, membership = apply_or_flash(
            lambda: services.add_learner_by_email(current_user, cohort, course, form.email.data))
        if succeeded and membership is not None:
            flash(_("Added to the waiting list: the cohort is full.") if membership.status == "waiting"
                  else _("Learner added."), "success")
    else:
        flash(_("Enter an e-mail address."), "error")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


@bp.route("/cohorts/<id:cohort_id>/learners/import", methods=["GET", "POST"])
@login_required
def import_learners(cohort_id: int):
    """Learners added from a CSV file of addresses, with a report of each line."""
    cohort, course = _load(cohort_id, programme_ok=True)
    form = RosterFileForm()
    report = None
    if form.validate_on_submit():
        succeeded, report = apply_form(form, lambda: roster_import.add_learners_from_csv(
            current_user, cohort, course, form.file.data.read(roster_import.MAX_BYTES + 1)))
        if succeeded:
            flash(_("The file is read: what became of each line is below."), "success")
    status = 422 if form.errors else 200
    return render_template("cohorts/import_learners.html", cohort=cohort, form=form, report=report,
                           labels=roster_import.LABELS), status


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/remove")
@login_required
def remove_learner(cohort_id: int, user_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    if EmptyForm().validate_on_submit():
        succeeded, _none = apply_or_flash(lambda: services.remove_learner(current_user, cohort, user_id))
        if succeeded:
            flash(_("Learner removed from the cohort."), "success")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


def _move_targets(cohort) -> list[tuple[int, str]]:
    """The other cohorts of the course the viewer manages."""
    led = None if policy.is_admin(current_user) else {c.id for c in queries.cohorts_led_by(current_user)}
    return queries.other_cohorts(cohort, manager_cohort_ids=led)


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/move")
@login_required
def move_learner(cohort_id: int, user_id: int):
    cohort, _course = _load(cohort_id)
    form = MoveForm()
    form.target.choices = _move_targets(cohort)
    if form.validate_on_submit():
        def move():
            return services.move_learner(current_user, cohort, user_id, services.get_cohort(form.target.data))
        succeeded, _membership = apply_or_flash(move)
        if succeeded:
            flash(_("Learner moved."), "success")
    else:
        flash(_("Choose another cohort of this course."), "error")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


@bp.post("/cohorts/<id:cohort_id>/facilitators")
@login_required
def add_facilitator(cohort_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    form = EmailForm(prefix="facilitator")
    if form.validate_on_submit():
        succeeded, _none = apply_or_flash(lambda: services.add_facilitator(current_user, cohort, form.email.data))
        if succeeded:
            flash(_("Facilitator added."), "success")
    else:
        flash(_("Enter an e-mail address."), "error")
    return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))


@bp.post("/cohorts/<id:cohort_id>/leave")
@login_required
def leave(cohort_id: int):
    cohort, course = _load(cohort_id, manage=False, programme_ok=True)
    if EmptyForm().validate_on_submit():
        succeeded, _none = apply_or_flash(lambda: services.leave_cohort(current_user, cohort))
        if succeeded:
            flash(_("You left the cohort. You are still enrolled in the course.") if course is not None
                  else _("You left the cohort."), "success")
    if course is None:
        programme = programme_queries.programme_of(cohort)
        return redirect(url_for("cohorts.programme_page", slug=programme.slug) if programme
                        else url_for("cohorts.programmes_list"))
    return redirect(url_for("catalog.course_page", slug=course.slug))


@bp.post("/join")
@login_required
def join_by_code():
    form = JoinCodeForm()
    if not form.validate_on_submit():
        abort(400)
    return redirect(url_for("cohorts.join_page", code=services.normalise_code(form.code.data) or "-"))


@bp.route("/join/<key:code>", methods=["GET", "POST"])
@login_required
def join_page(code: str):
    try:
        cohort = services.cohort_by_code(code)
    except NotFound:
        abort(404)
    programme = programme_queries.programme_of(cohort)
    course = catalog_queries.get_course_by_id(cohort.course_id) if cohort.course_id is not None else None
    if programme is None and (course is None or not policy.can_view_course(current_user, course)):
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        succeeded, membership = apply_or_flash(lambda: services.join_cohort(current_user, cohort, course))
        if succeeded and membership is not None:
            flash(_("The cohort is full: you are on its waiting list.") if membership.status == "waiting"
                  else _("Welcome to %(name)s.", name=cohort.name), "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    membership = services.membership_of(cohort, current_user.id)
    return render_template("cohorts/join.html", cohort=cohort, course=course, programme=programme,
                           membership=membership, form=form,
                           seats_left=None if cohort.capacity is None
                           else max(cohort.capacity - services.seats_taken(cohort), 0))
