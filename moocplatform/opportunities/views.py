"""Opportunity pages: learners browse, read, apply and follow their applications; employers post and work
the applications to their own postings; facilitators recommend; moderators remove and restore."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from .. import policy, query_args
from ..cohorts.queries import cohorts_led_by
from ..errors import NotFound
from ..forms import EmptyForm, apply_form, apply_or_flash
from ..organisations.queries import organisation_by_slug, organisations_of
from . import queries, services
from .attachments import kind_of_link, offered_links
from .forms import (
    KIND_LABELS,
    POSTING_STATUS_LABELS,
    ApplyForm,
    ModerationForm,
    OpportunityForm,
    RecommendForm,
    ReportForm,
    StatusForm,
)
from .notices import STATUS_LABELS
from .services import OpportunityFields

bp = Blueprint("opportunities", __name__, template_folder="templates")

LABELS = {"kinds": KIND_LABELS, "statuses": STATUS_LABELS, "posting_statuses": POSTING_STATUS_LABELS}


def _viewer_id() -> int | None:
    return current_user.id if policy.signed_in(current_user) else None


def _load(opportunity_id: int):
    """The posting (its tags and courses loaded) and its organisation; 404 for a posting the viewer may not see."""
    opportunity = queries.opportunity_with_children(opportunity_id)
    if opportunity is None:
        abort(404)
    organisation = services.organisation_of(opportunity)
    if organisation is None or not policy.can_view_opportunity(current_user, opportunity, organisation):
        abort(404)
    return opportunity, organisation


def _load_managed(opportunity_id: int):
    opportunity, organisation = _load(opportunity_id)
    if not policy.can_manage_opportunity(current_user, organisation):
        abort(403)
    return opportunity, organisation


def _organisation(slug: str):
    organisation = organisation_by_slug(slug)
    if organisation is None:
        abort(404)
    return organisation


# Learners ---------------------------------------------------------------------------------------------------

@bp.get("/opportunities")
def browse():
    filters = queries.BrowseFilters(
        q=query_args.text("q"), kind=query_args.choice("kind", KIND_LABELS),
        remote=query_args.choice("remote", ("yes",)) == "yes", competence=query_args.text("competence"),
        organisation=query_args.text("organisation"))
    page = queries.browse(filters, query_args.page_number(), viewer_id=_viewer_id())
    mine = organisations_of(current_user) if policy.signed_in(current_user) else []  # no query for non-members
    return render_template("opportunities/browse.html", page=page, filters=filters, my_organisations=mine, **LABELS)


@bp.get("/opportunities/<id:opportunity_id>")
def opportunity_page(opportunity_id: int):
    opportunity, organisation = _load(opportunity_id)
    found = queries.detail(opportunity, organisation, viewer_id=_viewer_id())
    return _detail_page(found, ApplyForm())


def _detail_page(found, apply_form_, status: int = 200):
    recommend_form = None
    if policy.signed_in(current_user) and found.opportunity.is_open:
        led = cohorts_led_by(current_user)
        if led:
            recommend_form = RecommendForm()
            recommend_form.cohort.choices = [SelectChoice(c.id, c.name) for c in led]
    links = offered_links(current_app, current_user) if policy.signed_in(current_user) else []
    return render_template("opportunities/opportunity.html", found=found, form=apply_form_, links=links,
                           report_form=ReportForm(), recommend_form=recommend_form, button=EmptyForm(),
                           moderation_form=ModerationForm(),
                           manages=policy.can_manage_opportunity(current_user, found.organisation),
                           **LABELS), status


@bp.post("/opportunities/<id:opportunity_id>/apply")
@login_required
def apply(opportunity_id: int):
    opportunity, organisation = _load(opportunity_id)
    form = ApplyForm()
    if form.validate_on_submit():
        succeeded, _application = apply_form(form, lambda: services.apply_to_opportunity(
            current_user, opportunity, form.message.data, form.shared_link.data or ""))
        if succeeded:
            flash(_("Your application is sent. Follow it on My applications."), "success")
            return redirect(url_for("opportunities.my_applications"))
    opportunity, organisation = _load(opportunity_id)  # again: a refused application rolled the session back
    found = queries.detail(opportunity, organisation, viewer_id=_viewer_id())
    return _detail_page(found, form, 422)


@bp.post("/opportunities/<id:opportunity_id>/report")
@login_required
def report(opportunity_id: int):
    opportunity, _organisation = _load(opportunity_id)
    form = ReportForm()
    if form.validate_on_submit() and apply_or_flash(
            lambda: services.report_opportunity(current_user, opportunity, form.reason.data))[0]:
        flash(_("Thank you: the moderators will look at this posting."), "success")
    return redirect(url_for("opportunities.opportunity_page", opportunity_id=opportunity.id))


@bp.post("/opportunities/<id:opportunity_id>/recommend")
@login_required
def recommend(opportunity_id: int):
    opportunity, _organisation = _load(opportunity_id)
    led = {c.id: c for c in cohorts_led_by(current_user)}
    form = RecommendForm()
    form.cohort.choices = [SelectChoice(c.id, c.name) for c in led.values()]
    if not led:
        abort(403)
    if form.validate_on_submit():
        succeeded, told = apply_or_flash(
            lambda: services.recommend_to_cohort(current_user, opportunity, led[form.cohort.data]))
        if succeeded:
            flash(_("Recommended: %(n)d learners told.", n=told or 0), "success")
    else:
        flash(_("Choose one of your cohorts."), "error")
    return redirect(url_for("opportunities.opportunity_page", opportunity_id=opportunity.id))


@bp.get("/opportunities/my-applications")
@login_required
def my_applications():
    return render_template("opportunities/my_applications.html",
                           applications=queries.my_applications(current_user.id), **LABELS)


# Employers --------------------------------------------------------------------------------------------------

@bp.get("/organisations/<key:slug>/opportunities")
@login_required
def organisation_postings(slug: str):
    organisation = _organisation(slug)
    if not policy.can_manage_opportunity(current_user, organisation):
        abort(403)
    return render_template("opportunities/postings.html", organisation=organisation,
                           postings=queries.organisation_postings(organisation.id),
                           may_post=policy.can_post_opportunities(current_user, organisation), **LABELS)


def _fields(form: OpportunityForm) -> OpportunityFields:
    return OpportunityFields(title=form.title.data, kind=form.kind.data, closes_on=form.closes_on.data,
                             description=form.description.data or "", place=form.place.data or "",
                             remote=form.remote.data,
                             competences=[*(form.framework_competences.data or []),
                                          *services.competence_tags(form.competences.data or "")],
                             course_ids=list(form.course_ids.data or []))


def _posting_form(**values) -> OpportunityForm:
    form = OpportunityForm(**values)
    form.course_ids.choices = [SelectChoice(course_id, title) for course_id, title in queries.course_choices()]
    form.framework_competences.choices = [SelectChoice(c.reference, f"{c.reference} · {c.name}")
                                          for c in queries.framework_competences()]
    return form


@bp.route("/organisations/<key:slug>/opportunities/new", methods=["GET", "POST"])
@login_required
def new_opportunity(slug: str):
    organisation = _organisation(slug)
    if not policy.can_post_opportunities(current_user, organisation):
        abort(403)
    form = _posting_form()
    if form.validate_on_submit():
        succeeded, opportunity = apply_form(form, lambda: services.create_opportunity(
            current_user, organisation, _fields(form), publish=form.publish.data))
        if succeeded and opportunity is not None:
            flash(_("Opportunity published.") if opportunity.is_open else _("Draft saved."), "success")
            return redirect(url_for("opportunities.opportunity_page", opportunity_id=opportunity.id))
    return render_template("opportunities/edit.html", form=form, organisation=organisation,
                           opportunity=None), 422 if form.errors else 200


@bp.route("/opportunities/<id:opportunity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_opportunity(opportunity_id: int):
    opportunity, organisation = _load_managed(opportunity_id)
    form = _posting_form(data={
        "title": opportunity.title, "kind": opportunity.kind.value, "description": opportunity.description,
        "place": opportunity.place, "remote": opportunity.remote, "closes_on": opportunity.closes_on,
        "framework_competences": [c.reference for c in opportunity.competences if c.reference],
        "competences": ", ".join(c.name for c in opportunity.competences if not c.reference),
        "course_ids": [c.course_id for c in opportunity.courses]})
    del form.publish
    if form.validate_on_submit() and apply_form(
            form, lambda: services.update_opportunity(current_user, opportunity, _fields(form)))[0]:
        flash(_("Opportunity saved."), "success")
        return redirect(url_for("opportunities.opportunity_page", opportunity_id=opportunity.id))
    return render_template("opportunities/edit.html", form=form, organisation=organisation,
                           opportunity=opportunity), 422 if form.errors else 200


def _posting_action(opportunity_id: int, action, message: str):
    opportunity, _organisation = _load_managed(opportunity_id)
    if EmptyForm().validate_on_submit() and apply_or_flash(lambda: action(current_user, opportunity))[0]:
        flash(message, "success")
    return redirect(url_for("opportunities.opportunity_page", opportunity_id=opportunity.id))


@bp.post("/opportunities/<id:opportunity_id>/publish")
@login_required
def publish(opportunity_id: int):
    return _posting_action(opportunity_id, services.publish_opportunity, _("Opportunity published."))


@bp.post("/opportunities/<id:opportunity_id>/close")
@login_required
def close(opportunity_id: int):
    return _posting_action(opportunity_id, services.close_opportunity, _("Closed: it takes no more applications."))


@bp.post("/opportunities/<id:opportunity_id>/withdraw")
@login_required
def withdraw(opportunity_id: int):
    return _posting_action(opportunity_id, services.withdraw_opportunity, _("Opportunity withdrawn."))


@bp.get("/opportunities/<id:opportunity_id>/applications")
@login_required
def applications(opportunity_id: int):
    opportunity, organisation = _load_managed(opportunity_id)
    applicants = queries.applications_to(opportunity.id)
    link_kinds = {a.application.id: kind_of_link(current_app, a.application.shared_link) for a in applicants}
    return render_template("opportunities/applications.html", opportunity=opportunity, organisation=organisation,
                           applicants=applicants, link_kinds=link_kinds, form=StatusForm(), **LABELS)


@bp.post("/opportunities/applications/<id:application_id>/status")
@login_required
def set_status(application_id: int):
    try:
        application, opportunity = services.get_application_for_employer(current_user, application_id)
    except NotFound:
        abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        if apply_or_flash(lambda: services.set_application_status(current_user, application, form.status.data))[0]:
            flash(_("Status saved; the applicant is told."), "success")
    else:
        flash(_("Choose a status from the list."), "error")
    return redirect(url_for("opportunities.applications", opportunity_id=opportunity.id))


# Moderators -------------------------------------------------------------------------------------------------

def _require_moderator() -> None:
    if not policy.can_moderate_opportunities(current_user):
        abort(403)


@bp.get("/admin/opportunities")
@login_required
def moderation_queue():
    _require_moderator()
    reported, removed = queries.moderation_queue()
    return render_template("opportunities/moderation.html", reported=reported, removed=removed,
                           form=ModerationForm(), button=EmptyForm(), **LABELS)


def _moderation(opportunity_id: int, action, message: str):
    _require_moderator()
    opportunity, _organisation = _load(opportunity_id)
    form = ModerationForm()
    if form.validate_on_submit() and apply_or_flash(lambda: action(opportunity, form))[0]:
        flash(message, "success")
    return redirect(url_for("opportunities.moderation_queue"))


@bp.post("/opportunities/<id:opportunity_id>/remove")
@login_required
def remove(opportunity_id: int):
    return _moderation(opportunity_id, lambda o, form: services.remove_opportunity(current_user, o, form.reason.data),
                       _("Opportunity removed."))


@bp.post("/opportunities/<id:opportunity_id>/restore")
@login_required
def restore(opportunity_id: int):
    return _moderation(opportunity_id, lambda o, form: services.restore_opportunity(current_user, o),
                       _("Opportunity restored."))


@bp.post("/opportunities/<id:opportunity_id>/dismiss-reports")
@login_required
def dismiss_reports(opportunity_id: int):
    return _moderation(opportunity_id, lambda o, form: services.dismiss_reports(current_user, o),
                       _("Reports dismissed."))
