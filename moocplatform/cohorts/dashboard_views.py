"""The facilitator dashboard of a cohort and its streamed CSV export."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import clock, query_args
from ..catalog.queries import live_version_of
from ..csv_export import safe_cell
from ..forms import apply_or_flash
from . import programme_queries, services
from .dashboard_queries import DashboardSort, DashboardView, cohort_dashboard, matrix_rows
from .forms import HandCompletionForm, SignOffForm, WithdrawSignOffForm
from .programme_queries import programme_dashboard
from .queries import learner_units, team_choices
from .views import _load, bp

AT_RISK = "at-risk"  # ?show=at-risk: only the learners at risk (where facilitators' quiet-spell notices link)


@bp.get("/cohorts/<id:cohort_id>/dashboard")
@login_required
def dashboard(cohort_id: int):
    cohort, course = _load(cohort_id, programme_ok=True)
    if course is None:  # a programme's cohort: its plan's items done and sessions attended, no units
        page = request.args.get("page", "1")
        return render_template("cohorts/programme_dashboard.html", cohort=cohort,
                               programme=programme_queries.programme_of(cohort),
                               board=programme_dashboard(cohort, clock.now(), int(page) if page.isdigit() else 1))
    version = live_version_of(course)
    if version is None:
        abort(404)
    teams = team_choices(cohort.id)
    view = _dashboard_view(teams)
    board = cohort_dashboard(cohort, version.id, clock.now(), query_args.page_number(), view=view)
    # One query more, only where the cohort asks for sign-offs, whatever the page's size.
    signed_off = (services.signed_off_ids(cohort, [row.user_id for row in board.rows])
                  if cohort.requires_sign_off else set())
    return render_template("cohorts/dashboard.html", cohort=cohort, course=course, board=board, view=view,
                           teams=teams, sorts=SORTS, signed_off=signed_off,
                           show=AT_RISK if view.at_risk_only else None,
                           sign_off_form=SignOffForm(), withdraw_form=WithdrawSignOffForm())


SORTS = [(DashboardSort.NAME, _l("Name")), (DashboardSort.QUIET, _l("Quiet the longest first")),
         (DashboardSort.LEAST_PROGRESS, _l("Least progress first")),
         (DashboardSort.MOST_PROGRESS, _l("Most progress first"))]


def _dashboard_view(teams: list[tuple[int, str]]) -> DashboardView:
    """The matrix as the query string asks for it; anything unknown gives the default."""
    team = query_args.whole_number("team", 0)
    return DashboardView(
        sort=DashboardSort(query_args.choice("sort", [s.value for s, _label in SORTS], DashboardSort.NAME.value)),
        at_risk_only=request.args.get("show") == AT_RISK,
        team_id=team if team in {team_id for team_id, _name in teams} else None,
        search=query_args.text("q", max_length=80),
        module_key=query_args.text("module", max_length=64) or None)


def _sign_off_button(cohort_id: int, form_class, change, done: str, invalid: str):
    """Give or withdraw a learner's sign-off from the dashboard: the cohort's facilitators only (_load), the
    service checks again; a form that does not validate says why; back to the dashboard either way."""
    cohort, _course = _load(cohort_id)
    form = form_class()
    if form.validate_on_submit():
        succeeded, _result = apply_or_flash(lambda: change(cohort, form))
        if succeeded:
            flash(done, "success")
    else:
        flash(invalid, "error")
    return redirect(url_for("cohorts.dashboard", cohort_id=cohort.id))


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/sign-off")
@login_required
def sign_off(cohort_id: int, user_id: int):
    return _sign_off_button(
        cohort_id, SignOffForm,
        lambda cohort, form: services.sign_off_learner(current_user, cohort, user_id, form.note.data or ""),
        _("Learner signed off."), _("The note is too long."))


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/sign-off/withdraw")
@login_required
def withdraw_sign_off(cohort_id: int, user_id: int):
    return _sign_off_button(
        cohort_id, WithdrawSignOffForm,
        lambda cohort, form: services.withdraw_sign_off(current_user, cohort, user_id, form.reason.data),
        _("Sign-off withdrawn."), _("Say why the sign-off is withdrawn."))


@bp.get("/cohorts/<id:cohort_id>/learners/<id:user_id>/units")
@login_required
def learner_units_page(cohort_id: int, user_id: int):
    """One seated learner's units, with the forms that mark a unit complete by hand (or take that back)."""
    cohort, course = _load(cohort_id)
    version = live_version_of(course)
    membership = services.membership_of(cohort, user_id)
    if version is None or membership is None or membership.status != "member":
        abort(404)
    return render_template("cohorts/learner_units.html", cohort=cohort, course=course,
                           learner=services.require_user(user_id), units=learner_units(cohort, version.id, user_id),
                           form=HandCompletionForm())


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/units")
@login_required
def complete_unit_by_hand(cohort_id: int, user_id: int):
    cohort, _course = _load(cohort_id)
    form = HandCompletionForm()
    if form.validate_on_submit():
        complete = form.complete.data == "1"
        succeeded, _result = apply_or_flash(lambda: services.complete_unit_for(
            current_user, cohort, user_id, form.unit_key.data, complete, form.reason.data))
        if succeeded:
            flash(_("Unit marked complete.") if complete else _("Unit marked not complete."), "success")
    else:
        flash(_("Say why, in at most 500 characters."), "error")
    return redirect(url_for("cohorts.learner_units_page", cohort_id=cohort.id, user_id=user_id))


@bp.get("/cohorts/<id:cohort_id>/dashboard.csv")
@login_required
def dashboard_csv(cohort_id: int):
    cohort, course = _load(cohort_id)
    version = live_version_of(course)
    if version is None:
        abort(404)
    now = clock.now()
    version_id = version.id

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        header_written = False
        for modules, rows in matrix_rows(cohort, version_id, now):
            if not header_written:
                writer.writerow(["learner", *(m.key for m in modules), "last_activity", "modules_behind",
                                 "at_risk_reasons", "sessions_attended", "sessions_held",
                                 "sessions_excused"])
                header_written = True
            for row in rows:
                writer.writerow([safe_cell(row.display_name), *(row.completed.get(m.key, 0) for m in modules),
                                 row.last_activity.isoformat() if row.last_activity else "", row.modules_behind,
                                 safe_cell("; ".join(row.reasons)), row.sessions_attended, row.sessions_held,
                                 row.sessions_excused])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if not header_written:
            yield "learner\n"

    return Response(stream_with_context(lines()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}-progress.csv"'})
