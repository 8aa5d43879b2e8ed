"""Calendar feeds: issue a private feed URL (shown once), and serve the feed to whoever holds it."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..accounts.services import require_user
from ..errors import DomainError
from ..forms import EmptyForm, apply_or_flash
from ..tokens.services import TokenRejected, revoke_token, tokens_for_owner, verify_token
from . import calendar
from .views import _load, bp


@bp.post("/cohorts/<id:cohort_id>/calendar")
@login_required
def issue_cohort_calendar(cohort_id: int):
    cohort, _course = _load(cohort_id, manage=False, programme_ok=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        issued = calendar.issue_cohort_feed(current_user, cohort)
    except DomainError:
        abort(403)
    return _shown(issued.secret, cohort.name)


@bp.post("/my-cohorts/calendar")
@login_required
def issue_my_calendar():
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _shown(calendar.issue_learner_feed(current_user).secret, _("All my cohorts"))


def _shown(secret: str, name: str):
    url = url_for("cohorts.calendar_feed", secret=secret, _external=True)
    # The secret is in this one response only, and no cache keeps it.
    return render_template("cohorts/calendar_issued.html", url=url, name=name), 200, {"Cache-Control": "no-store"}


@bp.get("/my-cohorts/calendars")
@login_required
def my_calendars():
    feeds = tokens_for_owner(current_user, current_user, calendar.PURPOSE)
    return render_template("cohorts/calendars.html", feeds=feeds, now=clock.now(), form=EmptyForm())


@bp.post("/my-cohorts/calendars/<id:token_id>/revoke")
@login_required
def revoke_calendar(token_id: int):
    if EmptyForm().validate_on_submit():
        succeeded, _token = apply_or_flash(lambda: revoke_token(current_user, token_id))
        if succeeded:
            flash(_("The feed is revoked: calendars using its address get nothing more."), "success")
    return redirect(url_for("cohorts.my_calendars"))


@bp.get("/calendar/<secret>.ics")
def calendar_feed(secret: str):
    try:
        token = verify_token(secret, calendar.PURPOSE, scopes=[calendar.SCOPE])
    except TokenRejected:
        abort(404)
    owner = require_user(token.owner_id)
    if not owner.is_active:
        abort(404)
    cohorts = calendar.cohorts_of_feed(owner, token.subject)
    body = calendar.feed(cohorts, name=token.label or _("Cohort plan"), host=request.host.split(":")[0])
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
