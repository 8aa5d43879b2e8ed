"""The plan pages of a cohort: its items for its learners, and for its facilitators the forms that change it."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..forms import EmptyForm, apply_or_flash
from . import plan, programme_queries, queries, services
from .due_extensions import extended_items
from .forms import DoneForm, ExternalItemForm, LiveSessionForm, ScheduleForm
from .models import MembershipStatus
from .views import _load, bp


def _in_zone(zone: str):
    def local(moment: datetime | None) -> str:
        return plan.local_time(moment, zone)
    return local


def _back(cohort_id: int):
    return redirect(url_for("cohorts.plan_page", cohort_id=cohort_id))


@bp.get("/cohorts/<id:cohort_id>/plan")
@login_required
def plan_page(cohort_id: int):
    cohort, course = _load(cohort_id, manage=False, programme_ok=True)
    manages = policy.can_manage_cohort(current_user, cohort)
    membership = services.membership_of(cohort, current_user.id)
    if not policy.can_view_cohort(current_user, cohort, membership):
        abort(404)
    return render_template(
        "cohorts/plan.html", cohort=cohort, course=course, manages=manages, membership=membership,
        calls=policy.can_join_cohort_calls(current_user, cohort, membership),
        programme=programme_queries.programme_of(cohort) if course is None else None,
        items=queries.plan_items(cohort.id), done=queries.items_done_by(current_user.id, cohort.id),
        extended=(extended_items(current_user.id, cohort.id)
                  if membership is not None and membership.status == MembershipStatus.MEMBER else {}),
        attended=queries.attendance_counts(cohort.id) if manages else {}, begun=queries.session_has_begun,
        local=_in_zone(cohort.time_zone), form=EmptyForm(), session_form=LiveSessionForm(prefix="session"),
        external_form=ExternalItemForm(prefix="external"), schedule_form=ScheduleForm(prefix="schedule"),
        done_form=DoneForm())


@bp.post("/cohorts/<id:cohort_id>/plan/from-pack")
@login_required
def fill_plan(cohort_id: int):
    cohort, _course = _load(cohort_id)  # a programme has no pack to fill from
    if EmptyForm().validate_on_submit():
        succeeded, items = apply_or_flash(lambda: plan.fill_plan_from_pack(current_user, cohort))
        if succeeded:
            flash(_("The plan is filled from the course: %(n)d items.", n=len(items or [])), "success")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/plan/sessions")
@login_required
def add_session(cohort_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    form = LiveSessionForm(prefix="session")
    if form.validate_on_submit():
        succeeded, _item = apply_or_flash(lambda: plan.add_live_session(
            current_user, cohort, title=form.title.data, starts_local=form.starts_at.data,
            minutes=form.minutes.data, video_url=form.video_url.data or ""))
        if succeeded:
            flash(_("Live session added."), "success")
    else:
        flash(_("Give the session a title, a start and a length."), "error")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/plan/items")
@login_required
def add_external_item(cohort_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    form = ExternalItemForm(prefix="external")
    if form.validate_on_submit():
        succeeded, _item = apply_or_flash(lambda: plan.add_external_item(
            current_user, cohort, title=form.title.data, url=form.url.data,
            instructions=form.instructions.data or "", due_local=form.due_at.data))
        if succeeded:
            flash(_("Item added to the plan."), "success")
    else:
        flash(_("Give the item a title and a web address."), "error")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/plan/items/<id:item_id>/schedule")
@login_required
def schedule_session(cohort_id: int, item_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    form = ScheduleForm(prefix="schedule")
    if form.validate_on_submit():
        succeeded, _item = apply_or_flash(lambda: plan.schedule_live_session(
            current_user, cohort, item_id, starts_local=form.starts_at.data, video_url=form.video_url.data or ""))
        if succeeded:
            flash(_("Session scheduled."), "success")
    else:
        flash(_("Enter the session's date and time."), "error")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/plan/items/<id:item_id>/remove")
@login_required
def remove_item(cohort_id: int, item_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    if EmptyForm().validate_on_submit():
        succeeded, _none = apply_or_flash(lambda: plan.remove_item(current_user, cohort, item_id))
        if succeeded:
            flash(_("Item removed from the plan."), "success")
    return _back(cohort.id)


@bp.post("/cohorts/<id:cohort_id>/plan/items/<id:item_id>/done")
@login_required
def mark_done(cohort_id: int, item_id: int):
    cohort, _course = _load(cohort_id, manage=False, programme_ok=True)
    form = DoneForm()
    if form.validate_on_submit():
        apply_or_flash(lambda: plan.mark_item_done(current_user, cohort, item_id, done=form.done.data == "1"))
    return _back(cohort.id)


def _marked(state: str) -> set[int]:
    """The learners the sheet marks with this state: its fields are `attendance-<user id>` (and, from older
    pages and clients, a `present` list of ids)."""
    marked = {int(key.removeprefix("attendance-")) for key, value in request.form.items(multi=True)
              if key.startswith("attendance-") and key.removeprefix("attendance-").isdigit() and value == state}
    if state == queries.PRESENT:
        marked |= {int(value) for value in request.form.getlist("present") if value.isdigit()}
    return marked


@bp.route("/cohorts/<id:cohort_id>/plan/items/<id:item_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(cohort_id: int, item_id: int):
    """The facilitator records each seated learner as present, excused or absent (a radio group each)."""
    cohort, course = _load(cohort_id, programme_ok=True)
    item = queries.plan_item(cohort.id, item_id)
    if item is None or item.kind != "live_session":
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        present, excused = _marked(queries.PRESENT), _marked(queries.EXCUSED)
        succeeded, counts = apply_or_flash(
            lambda: plan.record_attendance(current_user, cohort, item.id, present, excused))
        if succeeded and counts is not None:
            flash(_("Attendance saved: %(present)d of %(seated)d learners.", present=counts[0], seated=counts[1]),
                  "success")
            return _back(cohort.id)
    return render_template("cohorts/attendance.html", cohort=cohort, course=course, item=item, form=form,
                           sheet=queries.attendance_sheet(cohort, item.id), local=_in_zone(cohort.time_zone),
                           begun=queries.session_has_begun(item))
