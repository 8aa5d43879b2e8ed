"""The account page where a user creates and revokes personal access tokens for the API."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..forms import EmptyForm, apply_form
from . import services
from .forms import PersonalAccessTokenForm
from .purposes import PERSONAL_ACCESS

bp = Blueprint("tokens", __name__, template_folder="templates")


def _page(form: PersonalAccessTokenForm, *, secret: str | None = None, status: int = 200):
    tokens = services.tokens_for_owner(current_user, current_user, PERSONAL_ACCESS.name)
    return render_template("tokens/personal_access.html", form=form, tokens=tokens, secret=secret,
                           scope_texts=PERSONAL_ACCESS.scopes, now=clock.now(), button=EmptyForm()), status


@bp.get("/account/tokens")
@login_required
def personal_access_tokens():
    return _page(PersonalAccessTokenForm())


@bp.post("/account/tokens")
@login_required
def create_personal_access_token():
    form = PersonalAccessTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    ok, issued = apply_form(form, lambda: services.issue_token(
        current_user, current_user, PERSONAL_ACCESS.name, scopes=form.scopes.data, label=form.label.data,
        lifetime=timedelta(days=int(form.lifetime_days.data))))
    if not ok or issued is None:
        return _page(form, status=422)
    # The secret is in this one response only (never in a flash message, which the session cookie would carry).
    response = _page(PersonalAccessTokenForm(formdata=None), secret=issued.secret)
    return response[0], 200, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_personal_access_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        services.revoke_token(current_user, token_id)
        flash(_("The token is revoked; programs using it are refused from now on."), "success")
    return redirect(url_for("tokens.personal_access_tokens"))
