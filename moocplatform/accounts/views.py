from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import clock, personal_data, query_args, transaction
from ..errors import DomainError
from ..forms import apply_form, show_domain_error
from ..urls import is_safe_next
from . import second_factor, services, sessions
from .device_cookies import login_source, remember_device
from .devices import device_label
from .forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from .passwords import COMMON_PASSWORDS
from .session_cookies import (
    CHALLENGE_KEY,
    CHALLENGE_NEXT,
    credentials_changed,
    current_session,
    current_session_id,
    forget_browser,
    sign_in,
    sign_out,
)
from .throttling import LoginThrottled

T = TypeVar("T")
bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        registration = services.Registration(
            email=form.email.data, password=form.password.data, display_name=form.display_name.data,
            accepted_terms=form.accept_terms.data, accepted_privacy=form.accept_privacy.data,
            confirmed_age=form.confirm_age.data, timezone=form.timezone.data, source=request.remote_addr,
        )
        if apply_form(form, lambda: services.register_user(registration))[0]:
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


@bp.route("/register/check-email")
def check_email():
    return render_template("accounts/check_email.html")


@bp.route("/verify/<token>")
def verify_email(token: str):
    try:
        verified = services.verify_email(token)
    except DomainError as error:
        transaction.roll_back()
        return render_template("accounts/token_problem.html", message=error.message), 400
    if not current_user.is_authenticated:
        if not verified.may_sign_in:
            flash(_("Your e-mail address is confirmed. Log in to continue."), "success")
            return redirect(url_for("accounts.login"))
        sign_in(verified.user)
    flash(_("Your e-mail address is confirmed. Welcome!"), "success")
    return redirect(url_for("catalog.catalogue"))


@bp.post("/verify/resend")
@login_required
def resend_verification():
    if not current_user.is_verified:
        services.send_verification_email(current_user, request.remote_addr)
        flash(_("We sent you a new confirmation link."), "info")
    return redirect(request.referrer if is_safe_next(request.referrer) else url_for("learning.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:  # a failed log-in is counted (for throttling) even though the request then fails
            with transaction.unit_of_work("log-in attempt", keep_despite=(DomainError,)):
                user = services.authenticate(form.email.data, form.password.data, login_source(form.email.data))
                challenge = (second_factor.start_challenge(user, remember=bool(form.remember.data))
                             if second_factor.has_second_factor(user) else None)
        except LoginThrottled as error:
            show_domain_error(form, error)
            response = render_template("accounts/login.html", form=form), 429
            return (*response, {"Retry-After": str(error.retry_after)})
        except DomainError as error:
            show_domain_error(form, error)
            status = 422
        else:
            next_url = query_args.text("next", max_length=2000)
            if challenge is not None:  # the password was right; nothing is signed in until the code is
                session[CHALLENGE_KEY], session[CHALLENGE_NEXT] = challenge, next_url
                return redirect(url_for("accounts.login_second_factor"))
            sign_in(user, remember=bool(form.remember.data), by_password=True)
            response = redirect(next_url if is_safe_next(next_url) else url_for("learning.dashboard"))
            remember_device(response, user.email)
            return response
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("You are logged out."), "info")
    response = redirect(url_for("catalog.catalogue"))
    # Pages of the session may sit in the browser's cache; the device cookie stays (it only helps log-ins).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except DomainError as error:
        return render_template("accounts/token_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    device = device_label(request.user_agent.string)
    if form.validate_on_submit() and apply_form(
            form, lambda: services.reset_password(token, form.password.data, device=device))[0]:
        forget_browser()  # the reset ended every session of the account
        flash(_("Your password is changed. Log in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 200 if not form.errors else 422


@bp.get("/password-rules/common-passwords.txt")
def common_passwords():
    """The list of common passwords that new passwords are checked against, one a line, for the feedback shown
    while a password is typed: the same file the server checks with, so there is one list."""
    body = COMMON_PASSWORDS.read_bytes()
    response = Response(body, mimetype="text/plain")
    if "gzip" in request.accept_encodings:
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(gzip.decompress(body))
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.PROFILE_FIELDS}
        if apply_form(form, lambda: services.update_profile(current_user, current_user, **values))[0]:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, sessions=sessions.sessions_of(current_user),
                           current_session_id=current_session_id()), \
        200 if not form.errors else 422


@bp.post("/account/sessions/<id:session_id>/end")
@login_required
def end_session(session_id: int):
    if session_id == current_session_id():
        sign_out()
        flash(_("You are logged out."), "info")
        return redirect(url_for("catalog.catalogue"))
    sessions.end_session(current_user, session_id)
    flash(_("That device is logged out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_other_sessions(current_user, current_session_id())
    flash(ngettext("You are logged out on %(num)d other device.", "You are logged out on %(num)d other devices.",
                   ended) if ended else _("You were not logged in anywhere else."), "success")
    return redirect(url_for("accounts.profile"))


def _keeping_failures(action: Callable[[], T]) -> T:
    """Run a service that checks the current password in a unit of its own, which keeps a recorded failure
    (for throttling) although the request then shows an error."""
    with transaction.unit_of_work("current-password check", keep_despite=(services.WrongPassword,)):
        return action()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and apply_form(form, lambda: _keeping_failures(lambda: services.change_password(
            current_user, form.current_password.data, form.password.data, login_source(current_user.email),
            keep_session_id=current_session_id(), device=device_label(request.user_agent.string))))[0]:
        credentials_changed(current_user)
        flash(_("Your password is changed."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), 200 if not form.errors else 422


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@login_required
def confirm_password():
    """Type the password again before a sensitive action (see reauth.py); then back to where it was asked."""
    form = ConfirmPasswordForm()
    next_url = query_args.text("next", max_length=2000)
    if form.validate_on_submit() and apply_form(form, lambda: _keeping_failures(lambda: services.confirm_password(
            current_user, current_session(), form.password.data, login_source(current_user.email))))[0]:
        flash(_("Thank you. You can go on for the next %(n)d minutes.",
                n=current_app.config["RECENT_PASSWORD_SECONDS"] // 60), "success")
        return redirect(next_url if is_safe_next(next_url) else url_for("accounts.profile"))
    return render_template("accounts/confirm_password.html", form=form, next_url=next_url), \
        200 if not form.errors else 422


@bp.route("/account/data")
@login_required
def my_data():
    return render_template("accounts/my_data.html", form=DeleteAccountForm(),
                           sections=personal_data.registered_models().values())


@bp.get("/account/data/export.json")
@login_required
def export_data():
    data = {"exported_at": clock.now().isoformat(), "user_id": current_user.id,
            **personal_data.export_user_data(current_user)}
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="moocplatform-data-{current_user.id}.json"',
        "Cache-Control": "no-store",
    })


@bp.post("/account/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit() and apply_form(form, lambda: _keeping_failures(lambda: services.delete_account(
            current_user, form.password.data, login_source(current_user.email))))[0]:
        forget_browser()  # erasing the account deleted its sessions
        flash(_("Your account and personal data are deleted."), "success")
        return redirect(url_for("catalog.catalogue"))
    return render_template("accounts/my_data.html", form=form,
                           sections=personal_data.registered_models().values()), 422


@bp.get("/terms")
def terms():
    return render_template("accounts/terms.html")


@bp.get("/privacy")
def privacy():
    return render_template("accounts/privacy.html")
