"""The pages that move an account to another e-mail address (accounts/email_change.py): asking, cancelling,
and confirming from the link. Routes of the accounts blueprint (views.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import transaction
from ..errors import DomainError
from ..forms import EmptyForm, apply_or_flash, show_domain_error
from . import email_change
from .device_cookies import login_source, remember_device
from .devices import device_label
from .forms import ChangeEmailForm
from .services import WrongPassword
from .session_cookies import credentials_changed, current_session_id
from .views import bp


def _page(form: ChangeEmailForm, status: int = 200):
    return render_template("accounts/change_email.html", form=form, cancel_form=EmptyForm(),
                           hours=email_change.email_change_lifetime_hours()), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    try:  # a wrong password is counted (for throttling) although the request then fails
        with transaction.unit_of_work("e-mail change request", keep_despite=(WrongPassword,)):
            email_change.request_email_change(
                current_user, form.new_email.data, form.current_password.data, login_source(current_user.email),
                device=device_label(request.user_agent.string))
    except DomainError as error:
        show_domain_error(form, error)
        return _page(form, error.status_code if error.status_code == 429 else 422)
    # The same words whether the address is free or not: the mail sent there says which.
    flash(_("We sent a link to %(address)s. Open it while logged in here to move your account there.",
            address=form.new_email.data.strip().lower()), "success")
    return redirect(url_for("accounts.change_email"))


@bp.post("/account/email/cancel")
@login_required
def cancel_email_change():
    ok, cancelled = apply_or_flash(lambda: email_change.cancel_email_change(current_user))
    if ok:
        flash(_("The change is cancelled; its link no longer works.") if cancelled
              else _("No change of address was waiting."), "info")
    return redirect(url_for("accounts.change_email"))


@bp.route("/account/email/confirm/<secret>", methods=["GET", "POST"])
@login_required
def confirm_email_change(secret: str):
    """The link from the mail: it shows what would change, and a button does it (a mail scanner that opens
    links, or a link opened by someone else, changes nothing)."""
    form = EmptyForm()
    try:
        address = email_change.address_of_link(current_user, secret)
    except DomainError as error:
        return render_template("accounts/token_problem.html", message=error.message,
                               kind="email_change"), 400
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email_change.html", form=form, address=address)
    ok, _old = apply_or_flash(lambda: email_change.confirm_email_change(
        current_user, secret, keep_session_id=current_session_id(), device=device_label(request.user_agent.string)))
    if not ok:
        return redirect(url_for("accounts.change_email"))
    credentials_changed(current_user)
    flash(_("Your e-mail address is now %(address)s. You were logged out on every other device.",
            address=current_user.email), "success")
    response = redirect(url_for("accounts.change_email"))
    remember_device(response, current_user.email)  # this browser stays trusted for the account's new address
    return response
