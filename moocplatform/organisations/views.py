"""Organisation pages: the public page, its members for its admins, and the administrators' list, forms and
approval of employers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy, query_args
from ..catalog.queries import get_course_by_slug
from ..forms import EmptyForm, apply_form, apply_or_flash
from . import queries, services
from .forms import KIND_LABELS, ROLE_LABELS, CourseTeamForm, MemberForm, OrganisationForm, WithdrawForm
from .services import OrganisationFields

bp = Blueprint("organisations", __name__, template_folder="templates")


def _load(slug: str):
    organisation = queries.organisation_by_slug(slug)
    if organisation is None:
        abort(404)
    return organisation


def _require_admin() -> None:
    if not policy.can_manage_organisations(current_user):
        abort(403)


def _fields(form: OrganisationForm) -> OrganisationFields:
    return OrganisationFields(name=form.name.data, legal_name=form.legal_name.data, kind=form.kind.data,
                              country=form.country.data)


@bp.get("/organisations/<key:slug>")
def organisation_page(slug: str):
    organisation = _load(slug)
    return render_template("organisations/organisation.html", organisation=organisation, kinds=KIND_LABELS,
                           role=policy.organisation_role(current_user, organisation),
                           courses=queries.partner_courses(organisation))


@bp.get("/organisations/<key:slug>/members")
@login_required
def members(slug: str):
    organisation = _load(slug)
    if not policy.can_manage_organisation_members(current_user, organisation):
        abort(403)
    return render_template("organisations/members.html", organisation=organisation,
                           members=queries.members_of(organisation), form=MemberForm(), roles=ROLE_LABELS,
                           button=EmptyForm())


@bp.post("/organisations/<key:slug>/members")
@login_required
def add_member(slug: str):
    organisation = _load(slug)
    if not policy.can_manage_organisation_members(current_user, organisation):
        abort(403)
    form = MemberForm()
    if form.validate_on_submit():
        if apply_or_flash(lambda: services.add_member(current_user, organisation, form.email.data,
                                                      form.role.data))[0]:
            flash(_("Member added."), "success")
    else:
        flash(_("Enter the e-mail address of an account and choose a role."), "error")
    return redirect(url_for("organisations.members", slug=organisation.slug))


@bp.post("/organisations/<key:slug>/members/<id:user_id>/remove")
@login_required
def remove_member(slug: str, user_id: int):
    organisation = _load(slug)
    if not policy.can_manage_organisation_members(current_user, organisation):
        abort(403)
    if EmptyForm().validate_on_submit() and apply_or_flash(
            lambda: services.remove_member(current_user, organisation, user_id))[0]:
        flash(_("Member removed."), "success")
    return redirect(url_for("organisations.members", slug=organisation.slug))


# Course teams of the courses it co-owns --------------------------------------------------------------------

@bp.get("/organisations/<key:slug>/courses")
@login_required
def partner_courses(slug: str):
    organisation = _load(slug)
    if not policy.can_manage_organisation_members(current_user, organisation):
        abort(403)
    courses = queries.partner_courses(organisation)
    teams = queries.contributed_team(organisation, [c.id for c in courses])
    members = queries.members_of(organisation)
    forms = {}
    for course in courses:
        form = CourseTeamForm()
        form.user_id.id = f"member-for-course-{course.id}"  # one form per course on the page: ids stay unique
        on_team = {user_id for user_id, _name in teams[course.id]}
        form.user_id.choices = [(m.user_id, f"{m.display_name} ({m.email})") for m in members
                                 if m.user_id not in on_team]
        forms[course.id] = form
    return render_template("organisations/courses.html", organisation=organisation, courses=courses, teams=teams,
                           forms=forms, button=EmptyForm())


def _partner_course(organisation, course_slug: str):
    course = get_course_by_slug(course_slug)
    if course is None:
        abort(404)
    if not policy.can_manage_partner_course_team(current_user, organisation, course):
        abort(403)
    return course


@bp.post("/organisations/<key:slug>/courses/<key:course_slug>/team")
@login_required
def add_to_course_team(slug: str, course_slug: str):
    organisation = _load(slug)
    course = _partner_course(organisation, course_slug)
    form = CourseTeamForm()
    form.user_id.choices = [(m.user_id, m.display_name) for m in queries.members_of(organisation)]
    if form.validate_on_submit():
        if apply_or_flash(lambda: services.add_to_course_team(current_user, organisation, course,
                                                              form.user_id.data))[0]:
            flash(_("Added to the course team of %(course)s.", course=course.title), "success")
    else:
        flash(_("Choose one of the organisation's members."), "error")
    return redirect(url_for("organisations.partner_courses", slug=organisation.slug))


@bp.post("/organisations/<key:slug>/courses/<key:course_slug>/team/<id:user_id>/remove")
@login_required
def remove_from_course_team(slug: str, course_slug: str, user_id: int):
    organisation = _load(slug)
    course = _partner_course(organisation, course_slug)
    if EmptyForm().validate_on_submit() and apply_or_flash(
            lambda: services.remove_from_course_team(current_user, organisation, course, user_id))[0]:
        flash(_("Removed from the course team of %(course)s.", course=course.title), "success")
    return redirect(url_for("organisations.partner_courses", slug=organisation.slug))


# Administration ------------------------------------------------------------------------------------------

@bp.get("/admin/organisations")
@login_required
def admin_list():
    _require_admin()
    page = queries.organisations_page(query_args.page_number())
    return render_template("organisations/admin_list.html", page=page, kinds=KIND_LABELS)


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation():
    _require_admin()
    form = OrganisationForm()
    if form.validate_on_submit():
        succeeded, organisation = apply_form(
            form, lambda: services.create_organisation(current_user, form.slug.data, _fields(form)))
        if succeeded and organisation is not None:
            flash(_("Organisation created."), "success")
            return redirect(url_for("organisations.edit_organisation", slug=organisation.slug))
    return render_template("organisations/edit.html", form=form, organisation=None), 422 if form.errors else 200


@bp.route("/admin/organisations/<key:slug>", methods=["GET", "POST"])
@login_required
def edit_organisation(slug: str):
    _require_admin()
    organisation = _load(slug)
    form = OrganisationForm(obj=organisation)
    del form.slug  # stable: never edited
    if form.validate_on_submit() and apply_form(
            form, lambda: services.update_organisation(current_user, organisation, _fields(form)))[0]:
        flash(_("Organisation saved."), "success")
        return redirect(url_for("organisations.edit_organisation", slug=organisation.slug))
    return render_template("organisations/edit.html", form=form, organisation=organisation,
                           withdraw_form=WithdrawForm(), button=EmptyForm()), 422 if form.errors else 200


@bp.post("/admin/organisations/<key:slug>/approve")
@login_required
def approve(slug: str):
    _require_admin()
    organisation = _load(slug)
    if EmptyForm().validate_on_submit() and apply_or_flash(
            lambda: services.approve_organisation(current_user, organisation))[0]:
        flash(_("Approved: its members may post opportunities."), "success")
    return redirect(url_for("organisations.edit_organisation", slug=organisation.slug))


@bp.post("/admin/organisations/<key:slug>/withdraw-approval")
@login_required
def withdraw_approval(slug: str):
    _require_admin()
    organisation = _load(slug)
    form = WithdrawForm()
    if form.validate_on_submit() and apply_or_flash(
            lambda: services.withdraw_approval(current_user, organisation, form.reason.data))[0]:
        flash(_("Approval withdrawn: its members post nothing new."), "success")
    return redirect(url_for("organisations.edit_organisation", slug=organisation.slug))
