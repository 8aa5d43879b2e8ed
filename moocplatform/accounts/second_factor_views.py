"""The second factor's pages: the log-in's second step, and the account page that sets an authenticator app
up, lists the security keys (security_key_views.py adds and removes them), renews the recovery codes and turns
two-step log-in off. Routes of the accounts blueprint (views.py)."""
from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import transaction
from ..errors import DomainError
from ..extensions import db
from ..forms import apply_form, apply_or_flash, show_domain_error
from ..urls import is_safe_next
from . import second_factor, security_keys
from .device_cookies import login_source, remember_device
from .devices import device_label
from .forms import EnrolmentForm, SecondFactorLoginForm, SecurityKeyAnswerForm, SecurityKeyNameForm
from .models import User
from .reauth import password_recently_confirmed, requires_recent_password
from .session_cookies import (
    CHALLENGE_KEY,
    CHALLENGE_NEXT,
    credentials_changed,
    current_session,
    current_session_id,
    forget_challenge,
)
from .session_cookies import sign_in as sign_in_browser
from .throttling import LoginThrottled
from .views import bp


def pending_login() -> tuple[object, User | None]:
    """The browser's pending log-in (its key) and its account; None after it ended (the browser is told)."""
    key = session.get(CHALLENGE_KEY)
    challenge = second_factor.pending_challenge(key)
    if challenge is None:
        if key is not None:
            flash(_("Your log-in took too long. Enter your password again."), "info")
        forget_challenge()
        return key, None
    return key, db.session.get(User, challenge.user_id)


def login_page(user: User, form: SecondFactorLoginForm, *, status: int = 200):
    """The second step's page: the code's form and, when the account has security keys, the button that asks
    one (with a fresh challenge, kept even when the page shows an error)."""
    challenge = second_factor.pending_challenge(session.get(CHALLENGE_KEY))
    key_options = None
    if challenge is not None:
        with transaction.unit_of_work("security key challenge"):
            options_json = security_keys.login_options(challenge)
        key_options = json.loads(options_json) if options_json else None
    return render_template("accounts/login_second_factor.html", form=form, key_options=key_options,
                           key_form=SecurityKeyAnswerForm(formdata=None),
                           has_app=second_factor.has_authenticator_app(user)), status


def finish_login(done: second_factor.CompletedLogIn):
    """Sign the browser in after the second step, and go where the log-in was headed."""
    next_url = session.get(CHALLENGE_NEXT)
    sign_in_browser(done.user, remember=done.remember, by_password=True)
    if done.by_recovery_code:
        flash(ngettext("You logged in with a recovery code, which now no longer works: %(num)d is left.",
                       "You logged in with a recovery code, which now no longer works: %(num)d are left.",
                       done.recovery_codes_left), "warning")
    response = redirect(next_url if isinstance(next_url, str) and is_safe_next(next_url)
                        else url_for("learning.dashboard"))
    remember_device(response, done.user.email)
    return response


@bp.route("/login/second-factor", methods=["GET", "POST"])
def login_second_factor():
    """The log-in's second step: the password was right; the code (or a security key, security_key_views.py)
    signs the browser in."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    key, user = pending_login()
    if user is None:
        return redirect(url_for("accounts.login"))
    form = SecondFactorLoginForm()
    status = 200
    if form.validate_on_submit():
        try:  # wrong codes are counted (for throttling) and audited even though the request then fails
            with transaction.unit_of_work("second-factor attempt", keep_despite=(DomainError,)):
                done = second_factor.complete_login(key, form.code.data, login_source(user.email))
        except LoginThrottled as error:
            show_domain_error(form, error)
            response = login_page(user, form, status=429)
            return (*response, {"Retry-After": str(error.retry_after)})
        except second_factor.LoginChallengeEnded as error:
            forget_challenge()
            flash(error.message, "error")
            return redirect(url_for("accounts.login"))
        except DomainError as error:
            show_domain_error(form, error)
            status = 422
        else:
            return finish_login(done)
    elif form.errors:
        status = 422
    return login_page(user, form, status=status)


def settings_page(*, enrolment: second_factor.Enrolment | None = None, form: EnrolmentForm | None = None,
                  codes: list[str] | None = None, registration: security_keys.Registration | None = None,
                  key_form: SecurityKeyNameForm | None = None, status: int = 200):
    enabled = second_factor.factor_of(current_user)
    enabled = enabled if enabled is not None and enabled.enabled_at is not None else None
    keys = security_keys.keys_of(current_user)
    on = enabled is not None or bool(keys)
    return render_template(
        "accounts/second_factor.html", factor=enabled, enrolment=enrolment, form=form or EnrolmentForm(),
        codes=codes, codes_left=second_factor.recovery_codes_left(current_user) if on else 0, on=on, keys=keys,
        registration=registration, key_form=key_form or SecurityKeyNameForm(formdata=None),
        registration_options=json.loads(registration.options_json) if registration else None,
        answer_form=SecurityKeyAnswerForm(formdata=None)), status


def _device() -> str:
    return device_label(request.user_agent.string)


@bp.get("/account/second-factor")
@login_required
def second_factor_settings():
    # A set-up under way shows its key again (the page was reloaded), but only while the password is fresh.
    fresh = password_recently_confirmed(current_session())
    return settings_page(enrolment=second_factor.pending_enrolment(current_user) if fresh else None)


@bp.post("/account/second-factor/setup")
@login_required
@requires_recent_password
def begin_second_factor():
    """A new secret to scan; it protects nothing until a code from the app confirms it."""
    ok, enrolment = apply_or_flash(lambda: second_factor.begin_enrolment(current_user, current_user))
    if not ok:
        return redirect(url_for("accounts.second_factor_settings"))
    return settings_page(enrolment=enrolment)


@bp.post("/account/second-factor/confirm")
@login_required
@requires_recent_password
def confirm_second_factor():
    form = EnrolmentForm()
    if form.validate_on_submit():
        ok, codes = apply_form(form, lambda: second_factor.confirm_enrolment(
            current_user, current_user, form.code.data, keep_session_id=current_session_id(), device=_device()))
        if ok:
            credentials_changed(current_user)  # this browser's session stays, on the account's new version
            flash(_("Your account now asks for a code from your app at each log-in."), "success")
            return settings_page(codes=codes)
    enrolment = second_factor.pending_enrolment(current_user)
    if enrolment is None:  # nothing to try again with
        flash(_("This set-up has expired; start again."), "error")
        return redirect(url_for("accounts.second_factor_settings"))
    return settings_page(enrolment=enrolment, form=form, status=422)


@bp.post("/account/second-factor/recovery-codes")
@login_required
@requires_recent_password
def renew_recovery_codes():
    ok, codes = apply_or_flash(lambda: second_factor.regenerate_recovery_codes(
        current_user, current_user, device=_device()))
    if not ok:
        return redirect(url_for("accounts.second_factor_settings"))
    flash(_("Your new recovery codes are below; the earlier ones no longer work."), "success")
    return settings_page(codes=codes)


@bp.post("/account/second-factor/disable")
@login_required
@requires_recent_password
def disable_second_factor():
    if apply_or_flash(lambda: second_factor.disable_second_factor(
            current_user, current_user, keep_session_id=current_session_id(), device=_device()))[0]:
        credentials_changed(current_user)
        flash(_("Your account no longer asks for a code at log-in."), "success")
    return redirect(url_for("accounts.second_factor_settings"))


# Endpoints an administrator without a second factor still reaches when one is required: the account's own
# pages (to set it up, confirm the password, log out), the API (which holds no administrative scope) and files.
_OPEN_BLUEPRINTS = frozenset({"accounts", "api", "ops"})
_OPEN_ENDPOINTS = frozenset({"static", "app_shell.manifest", "app_shell.service_worker", "app_shell.offline_page"})


def require_second_factor_for_admins():
    """With REQUIRE_SECOND_FACTOR_FOR_ADMINS, an administrator without a second factor is sent to set one up
    before any other page (ASVS 4.3.1)."""
    if not current_app.config["REQUIRE_SECOND_FACTOR_FOR_ADMINS"]:
        return None
    if request.blueprint in _OPEN_BLUEPRINTS or request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not current_user.is_admin:
        return None
    if second_factor.has_second_factor(current_user):
        return None
    flash(_("Administrators must log in with a second factor here. Set one up to go on."), "warning")
    return redirect(url_for("accounts.second_factor_settings"))
