"""People pages: a person's profile, one's own profile settings and blocks, the People of a course or a
cohort, and the administrators' queue of reported profiles and messages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy
from ..catalog import queries as catalog_queries
from ..discussion import moderation as discussion_moderation
from ..discussion import queries as discussion_queries
from ..forms import EmptyForm, apply_form, apply_or_flash
from . import queries, services
from .forms import DecisionForm, ReasonForm, SettingsForm

bp = Blueprint("people", __name__, template_folder="templates")


@bp.get("/people/<id:user_id>")
@login_required
def profile(user_id: int):
    view = queries.profile_view(current_user, user_id)
    if view is None:
        abort(404)  # hidden, blocked, or nobody the viewer shares a course with: not there
    return render_template("people/profile.html", view=view, subject=view.subject, fields=view.fields,
                           form=EmptyForm(), report_form=ReasonForm())


@bp.route("/account/public-profile", methods=["GET", "POST"])
@login_required
def settings():
    current = queries.settings_of(current_user.id)
    form = SettingsForm(data={"visibility": current.visibility.value, "allow_messages": current.allow_messages,
                              "bio": current_user.bio, "links": "\n".join(current.links)}
                        if request.method == "GET" else None)
    if form.validate_on_submit():
        ok, _row = apply_form(form, lambda: services.update_settings(
            current_user, current_user, visibility=form.visibility.data, allow_messages=bool(form.allow_messages.data),
            links=form.links.data or "", bio=form.bio.data or ""))
        if ok:
            flash(_("Your public profile is saved."), "success")
            return redirect(url_for("people.settings"))
    return render_template("people/settings.html", form=form, blocked=queries.blocked_by(current_user.id),
                           unblock_form=EmptyForm()), 422 if form.errors or form.form_errors else 200


@bp.post("/people/<id:user_id>/block")
@login_required
def block(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.block(current_user, user_id)  # refused: the error page says why
    flash(_("Blocked. They can no longer see your profile or write to you."), "success")
    return redirect(url_for("people.settings"))


@bp.post("/people/<id:user_id>/unblock")
@login_required
def unblock(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unblock(current_user, user_id)
    flash(_("Unblocked."), "success")
    return redirect(url_for("people.settings"))


@bp.post("/people/<id:user_id>/report")
@login_required
def report(user_id: int):
    if queries.profile_view(current_user, user_id) is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        ok, _report = apply_or_flash(lambda: services.report_profile(current_user, user_id, form.reason.data))
        if ok:
            flash(_("Thank you: the administrators will look at it."), "success")
    else:
        flash(_("Say what is wrong with the profile."), "error")
    return redirect(url_for("people.profile", user_id=user_id))


@bp.get("/courses/<key:slug>/people")
@login_required
def course_people(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_list_people(current_user, course):
        abort(404)
    page = queries.course_people(current_user, course, request.args.get("page", "1"))
    return render_template("people/people.html", course=course, cohort=None, page=page, facilitators=(),
                           endpoint="people.course_people")


@bp.get("/cohorts/<id:cohort_id>/people")
@login_required
def cohort_people(cohort_id: int):
    cohort = queries.cohort_by_id(cohort_id)
    if cohort is None:
        abort(404)
    if not (policy.can_manage_cohort(current_user, cohort) or queries.is_cohort_member(cohort.id, current_user.id)):
        abort(404)  # a cohort is no one else's business, not even its existence
    course = catalog_queries.get_course_by_id(cohort.course_id)
    if course is None:
        abort(404)  # a programme's cohort: its roster is on the cohort page
    page = queries.cohort_people(current_user, cohort, course, request.args.get("page", "1"))
    return render_template("people/people.html", course=course, cohort=cohort, page=page,
                           facilitators=queries.cohort_facilitators(cohort.id), endpoint="people.cohort_people")


@bp.get("/admin/reports")
@login_required
def reports():
    if not policy.can_resolve_reports(current_user):
        abort(403)
    return render_template("people/reports.html", profiles=queries.reported_profiles(),
                           messages=discussion_queries.reported_private_posts(), form=DecisionForm(),
                           now=clock.now())


def _decide_report(actions: tuple[str, str], decide, said: tuple[str, str]):
    """One decision on a report from the admin queue: `actions` are (hiding, not hiding), `decide(hide, reason)`
    applies it through the owning service, `said` the messages for each."""
    if not policy.can_resolve_reports(current_user):
        abort(403)
    form = DecisionForm()
    action = request.form.get("action", "")
    if action not in actions:
        abort(400)
    if form.validate_on_submit():
        hide = action == actions[0]
        ok, _result = apply_or_flash(lambda: decide(hide, form.reason.data or ""))
        if ok:
            flash(said[0] if hide else said[1], "success")
    return redirect(url_for("people.reports"))


@bp.post("/admin/reports/profiles/<id:user_id>")
@login_required
def decide_profile(user_id: int):
    return _decide_report(
        ("hide", "dismiss"),
        lambda hide, reason: services.resolve_profile_reports(current_user, user_id, hide=hide, reason=reason),
        (_("The profile is hidden."), _("The reports are dismissed.")))


@bp.post("/admin/reports/messages/<id:post_id>")
@login_required
def decide_message(post_id: int):
    return _decide_report(
        ("hide", "keep"),
        lambda hide, reason: discussion_moderation.decide_private_report(current_user, post_id, hide=hide,
                                                                         reason=reason),
        (_("The message is hidden."), _("The message is kept.")))
