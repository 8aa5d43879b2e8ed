"""A learner's due dates in a cohort, for its facilitators (reached from the dashboard's row): extend one item's
due date for them, or withdraw an extension."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import EmptyForm, apply_form, apply_or_flash
from . import due_extensions, queries
from .forms import ExtendDueDateForm
from .plan_views import _in_zone
from .views import _load, bp


def _learner_page(cohort_id: int, user_id: int, form: ExtendDueDateForm | None = None):
    cohort, course = _load(cohort_id, programme_ok=True)
    learner = next(iter(queries.seated_users(cohort.id, [user_id])), None)
    if learner is None:
        abort(404)
    items = due_extensions.learner_due_items(cohort, learner.id)
    form = form or ExtendDueDateForm()
    form.item_id.choices = [(entry.item.id, entry.item.title) for entry in items]
    return cohort, course, learner, items, form


def _render(cohort, course, learner, items, form):
    return render_template("cohorts/learner_due_dates.html", cohort=cohort, course=course, learner=learner,
                           items=items, form=form, withdraw_form=EmptyForm(), local=_in_zone(cohort.time_zone))


@bp.get("/cohorts/<id:cohort_id>/learners/<id:user_id>/due-dates")
@login_required
def learner_due_dates(cohort_id: int, user_id: int):
    return _render(*_learner_page(cohort_id, user_id))


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/due-dates")
@login_required
def extend_due_date(cohort_id: int, user_id: int):
    cohort, course, learner, items, form = _learner_page(cohort_id, user_id)
    if form.validate_on_submit():
        succeeded, _extension = apply_form(form, lambda: due_extensions.extend_due_date(
            current_user, cohort, form.item_id.data, learner.id, form.due_at.data, form.reason.data or ""))
        if succeeded:
            flash(_("Due date extended for %(name)s.", name=learner.display_name), "success")
            return redirect(url_for("cohorts.learner_due_dates", cohort_id=cohort.id, user_id=learner.id))
    return _render(cohort, course, learner, items, form), 422


@bp.post("/cohorts/<id:cohort_id>/learners/<id:user_id>/due-dates/<id:item_id>/withdraw")
@login_required
def withdraw_due_extension(cohort_id: int, user_id: int, item_id: int):
    cohort, _course = _load(cohort_id, programme_ok=True)
    if EmptyForm().validate_on_submit():
        succeeded, _result = apply_or_flash(
            lambda: due_extensions.withdraw_extension(current_user, cohort, item_id, user_id))
        if succeeded:
            flash(_("The extension is withdrawn: the cohort's due date applies again."), "success")
    return redirect(url_for("cohorts.learner_due_dates", cohort_id=cohort.id, user_id=user_id))
