"""Programme pages: the list and the public page of a programme with its open cohorts, creating and editing a
programme, and creating and editing its cohorts. A programme cohort's own pages (roster, plan, dashboard,
joining) are the cohort pages, which serve both kinds."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy
from ..errors import NotFound
from ..forms import apply_form
from ..organisations.queries import get_organisation, organisations_of, organisations_page
from ..query_args import page_number
from . import programme_queries, programmes, services
from .forms import JoinCodeForm
from .programme_forms import ProgrammeCohortForm, ProgrammeEditForm, ProgrammeForm
from .queries import led_cohort_ids
from .services import CohortFields
from .views import bp

MAX_ORGANISATION_CHOICES = 500


def _programme(slug: str):
    try:
        programme = programmes.get_programme(slug)
    except NotFound:
        abort(404)
    organisation = get_organisation(programme.organisation_id) if programme.organisation_id else None
    return programme, organisation


def _owner_choices():
    """The organisations the viewer may create a programme for."""
    if policy.is_admin(current_user):
        return organisations_page(1, per_page=MAX_ORGANISATION_CHOICES).items
    return [o for o in organisations_of(current_user) if policy.can_create_programme(current_user, o)]


def _fields(form) -> programmes.ProgrammeFields:
    owner = getattr(form, "organisation_id", None)
    return programmes.ProgrammeFields(
        title=form.title.data, language=form.language.data, description=form.description.data or "",
        competences=programmes.competence_tags(form.competences.data or ""),
        organisation_id=(owner.data or None) if owner is not None else None)


@bp.get("/programmes")
def programmes_list():
    can_create = policy.can_create_programme(current_user) or (
        policy.signed_in(current_user) and bool(_owner_choices()))
    return render_template("cohorts/programmes.html", page=programme_queries.programmes_page(page_number()),
                           can_create=can_create)


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new_programme():
    choices = _owner_choices()
    if not (policy.can_create_programme(current_user) or choices):
        abort(403)
    form = ProgrammeForm(organisations=choices)
    if form.validate_on_submit():
        succeeded, programme = apply_form(
            form, lambda: programmes.create_programme(current_user, form.slug.data, _fields(form)))
        if succeeded and programme is not None:
            flash(_("Programme created. Now create a cohort for it."), "success")
            return redirect(url_for("cohorts.programme_page", slug=programme.slug))
    return (render_template("cohorts/programme_edit.html", form=form, programme=None),
            422 if form.errors else 200)


@bp.get("/programmes/<key:slug>")
def programme_page(slug: str):
    programme, organisation = _programme(slug)
    signed_in = policy.signed_in(current_user)
    cohorts = programme_queries.programme_page_cohorts(
        programme.id, current_user.id if signed_in else None, led_cohort_ids(current_user) if signed_in else (),
        clock.now().date())
    return render_template(
        "cohorts/programme.html", programme=programme, organisation=organisation, cohorts=cohorts,
        can_edit=policy.can_edit_programme(current_user, programme, organisation),
        can_create_cohort=policy.can_create_programme_cohort(current_user, programme, organisation),
        code_form=JoinCodeForm())


@bp.route("/programmes/<key:slug>/edit", methods=["GET", "POST"])
@login_required
def edit_programme(slug: str):
    programme, organisation = _programme(slug)
    if not policy.can_edit_programme(current_user, programme, organisation):
        abort(403)
    form = ProgrammeEditForm(obj=programme)
    if not form.is_submitted():
        form.competences.data = ", ".join(c["name"] if not c.get("framework") else f"{c['framework']} {c['code']}"
                                          for c in programme.competences)
    if form.validate_on_submit():
        succeeded, _programme_row = apply_form(
            form, lambda: programmes.update_programme(current_user, programme, _fields(form)))
        if succeeded:
            flash(_("Programme saved."), "success")
            return redirect(url_for("cohorts.programme_page", slug=programme.slug))
    return (render_template("cohorts/programme_edit.html", form=form, programme=programme),
            422 if form.errors else 200)


def _cohort_fields(form: ProgrammeCohortForm) -> CohortFields:
    return CohortFields(name=form.name.data, description=form.description.data or "", language=form.language.data,
                        starts_on=form.starts_on.data, ends_on=form.ends_on.data, time_zone=form.time_zone.data,
                        capacity=form.capacity.data, is_open=form.is_open.data)


@bp.route("/programmes/<key:slug>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_programme_cohort(slug: str):
    programme, organisation = _programme(slug)
    if not policy.can_create_programme_cohort(current_user, programme, organisation):
        abort(403)
    form = ProgrammeCohortForm(language=programme.language, starts_on=clock.now().date())
    if form.validate_on_submit():
        succeeded, cohort = apply_form(
            form, lambda: programmes.create_programme_cohort(current_user, programme, _cohort_fields(form)))
        if succeeded and cohort is not None:
            flash(_("Cohort created. Share its code %(code)s with the learners.", code=cohort.join_code), "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return (render_template("cohorts/edit.html", form=form, programme=programme, cohort=None),
            422 if form.errors else 200)


@bp.route("/programmes/<key:slug>/cohorts/<id:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_programme_cohort(slug: str, cohort_id: int):
    programme, _organisation = _programme(slug)
    try:
        cohort = services.get_cohort(cohort_id)
    except NotFound:
        abort(404)
    if cohort.programme_id != programme.id:
        abort(404)
    if not policy.can_manage_cohort(current_user, cohort):
        abort(403)
    form = ProgrammeCohortForm(obj=cohort)
    if form.validate_on_submit():
        succeeded, _cohort = apply_form(form, lambda: services.update_cohort(
            current_user, cohort, _cohort_fields(form)))
        if succeeded:
            flash(_("Cohort saved."), "success")
            return redirect(url_for("cohorts.cohort_page", cohort_id=cohort.id))
    return (render_template("cohorts/edit.html", form=form, programme=programme, cohort=cohort),
            422 if form.errors else 200)
