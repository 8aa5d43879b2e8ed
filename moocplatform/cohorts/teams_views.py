"""A cohort's teams: its facilitators make, form and edit them and export them for breakout rooms; a learner
sees their own team, its members and the link to its discussion space."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import policy
from ..csv_export import safe_cell, safe_filename
from ..forms import EmptyForm, apply_or_flash
from . import queries, services, teams
from .forms import FormTeamsForm, TeamForm, TeamMoveForm
from .views import _load, bp

NO_TEAM = 0


def _back(cohort_id: int):
    return redirect(url_for("cohorts.teams_page", cohort_id=cohort_id))


def _move_choices(listing: queries.CohortTeams) -> list[tuple[int, str]]:
    return [(NO_TEAM, _("No team")), *((team.id, team.name) for team in listing.teams)]


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


@bp.get("/cohorts/<id:cohort_id>/teams")
@login_required
def teams_page(cohort_id: int):
    cohort, course = _load(cohort_id, manage=False, programme_ok=True)
    if policy.can_manage_teams(current_user, cohort):
        listing = queries.cohort_teams(cohort.id)
        move_form = TeamMoveForm()
        move_form.team.choices = _move_choices(listing)
        return render_template("cohorts/teams.html", cohort=cohort, course=course, listing=listing,
                               new_form=TeamForm(prefix="new"), forming_form=FormTeamsForm(),
                               rename_form=TeamForm, move_form=move_form, form=EmptyForm(),
                               leads=policy.leads_cohort(current_user, cohort))  # team spaces: its facilitators
    membership = services.membership_of(cohort, current_user.id)
    if membership is None or membership.status != "member":
        abort(404)  # like the cohort itself: no one else's business
    return render_template("cohorts/my_team.html", cohort=cohort, course=course,
                           team=queries.team_of(cohort.id, current_user.id))


def _manage(cohort_id: int):
    cohort, _course = _load(cohort_id, manage=False, programme_ok=True)
    if not policy.can_manage_teams(current_user, cohort):
        abort(403)
    return cohort


@bp.post("/cohorts/<id:cohort_id>/teams")
@login_required
def create_team(cohort_id: int):
    cohort = _manage(cohort_id)
    form = TeamForm(prefix="new")
    if form.validate_on_submit():
        succeeded, team = apply_or_flash(lambda: teams.create_team(current_user, cohort, form.name.data))
        if succeeded and team is not None:
            flash(_("Team %(name)s made.", name=team.name), "success")
    else:
        _flash_errors(form)
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/teams/<id:team_id>/rename")
@login_required
def rename_team(cohort_id: int, team_id: int):
    cohort = _manage(cohort_id)
    form = TeamForm(prefix=f"team-{team_id}")
    if form.validate_on_submit():
        succeeded, _team = apply_or_flash(lambda: teams.rename_team(current_user, cohort, team_id, form.name.data))
        if succeeded:
            flash(_("Team renamed."), "success")
    else:
        _flash_errors(form)
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/teams/<id:team_id>/delete")
@login_required
def delete_team(cohort_id: int, team_id: int):
    cohort = _manage(cohort_id)
    if EmptyForm().validate_on_submit():
        succeeded, _none = apply_or_flash(lambda: teams.delete_team(current_user, cohort, team_id))
        if succeeded:
            flash(_("Team deleted. Its learners are in no team now."), "success")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/teams/form")
@login_required
def form_teams(cohort_id: int):
    cohort = _manage(cohort_id)
    form = FormTeamsForm()
    if form.validate_on_submit():
        succeeded, made = apply_or_flash(
            lambda: teams.form_teams(current_user, cohort, form.size.data, replace=form.replace.data))
        if succeeded and made is not None:
            flash(ngettext("%(num)d team formed.", "%(num)d teams formed.", len(made)), "success")
    else:
        _flash_errors(form)
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/teams/learners/<id:user_id>")
@login_required
def move_to_team(cohort_id: int, user_id: int):
    cohort = _manage(cohort_id)
    form = TeamMoveForm()
    form.team.choices = _move_choices(queries.cohort_teams(cohort.id))
    if form.validate_on_submit():
        target = form.team.data or None
        succeeded, _membership = apply_or_flash(lambda: teams.move_to_team(current_user, cohort, user_id, target))
        if succeeded:
            flash(_("Learner moved."), "success")
    else:
        flash(_("Choose one of the cohort's teams."), "error")
    return _back(cohort.id)


@bp.get("/cohorts/<id:cohort_id>/teams.csv")
@login_required
def teams_csv(cohort_id: int):
    """One row per learner in a team: for breakout rooms (e-mail addresses: the export is its managers')."""
    cohort = _manage(cohort_id)
    listing = queries.cohort_teams(cohort.id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["team", "learner", "email", "time_zone"])
    for team in listing.teams:
        for member in team.members:
            writer.writerow([safe_cell(v) for v in (team.name, member.display_name, member.email, member.timezone)])
    filename = safe_filename("cohort", cohort.id, cohort.name, "teams")
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
