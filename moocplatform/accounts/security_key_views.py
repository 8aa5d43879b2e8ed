"""Security keys' pages: adding, renaming and removing one on the account's two-step log-in page, and answering
the log-in's second step with one. Routes of the accounts blueprint (views.py); the pages are those of
second_factor_views.py. A registration's challenge waits in the signed session cookie (with its expiry) and is
taken out when the answer comes, so that it is used once."""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import transaction
from ..errors import DomainError
from ..forms import apply_form, apply_or_flash, show_domain_error
from . import security_keys
from .device_cookies import login_source
from .devices import device_label
from .forms import SecondFactorLoginForm, SecurityKeyAnswerForm, SecurityKeyNameForm
from .reauth import requires_recent_password
from .second_factor import LoginChallengeEnded
from .second_factor_views import finish_login, login_page, pending_login, settings_page
from .session_cookies import credentials_changed, current_session_id, forget_challenge
from .throttling import LoginThrottled
from .views import bp

REGISTRATION_KEY = "_key_registration"


@bp.post("/account/second-factor/keys/new")
@login_required
@requires_recent_password
def begin_security_key():
    """The key's name is in: the options the browser passes to the key, and the button that asks it."""
    form = SecurityKeyNameForm()
    if not form.validate_on_submit():
        return settings_page(key_form=form, status=422)
    ok, registration = apply_form(form, lambda: security_keys.begin_registration(
        current_user, current_user, form.name.data))
    if not ok or registration is None:
        return settings_page(key_form=form, status=422)
    session[REGISTRATION_KEY] = {"challenge": registration.challenge, "name": registration.name,
                                 "expires": registration.expires_at.isoformat(), "user": current_user.id}
    return settings_page(registration=registration)


@bp.post("/account/second-factor/keys")
@login_required
@requires_recent_password
def add_security_key():
    """The key's answer: checked, and kept as one of the account's second factors."""
    form = SecurityKeyAnswerForm()
    pending = session.pop(REGISTRATION_KEY, None)
    if not isinstance(pending, dict) or pending.get("user") != current_user.id:
        flash(_("This registration has expired; start again."), "error")
        return redirect(url_for("accounts.second_factor_settings"))
    if not form.validate_on_submit():
        flash(_("The key did not answer. Start again, and touch or unlock the key when the browser asks."),
              "error")
        return redirect(url_for("accounts.second_factor_settings"))
    ok, added = apply_or_flash(lambda: security_keys.finish_registration(
        current_user, current_user, challenge=pending["challenge"], name=pending["name"],
        expires_at=datetime.fromisoformat(pending["expires"]), credential=form.credential.data,
        keep_session_id=current_session_id(), device=_device()))
    if not ok or added is None:
        return redirect(url_for("accounts.second_factor_settings"))
    key, codes = added
    credentials_changed(current_user)  # this browser's session stays, on the account's new version
    flash(_("The security key “%(name)s” now logs you in after your password.", name=key.name), "success")
    return settings_page(codes=codes) if codes else redirect(url_for("accounts.second_factor_settings"))


@bp.post("/account/second-factor/keys/<id:key_id>/rename")
@login_required
def rename_security_key(key_id: int):
    security_keys.key_of(current_user, key_id)  # another account's key: not found
    form = SecurityKeyNameForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("accounts.second_factor_settings"))
    if apply_or_flash(lambda: security_keys.rename_key(current_user, current_user, key_id, form.name.data))[0]:
        flash(_("The key is renamed."), "success")
    return redirect(url_for("accounts.second_factor_settings"))


@bp.post("/account/second-factor/keys/<id:key_id>/remove")
@login_required
@requires_recent_password
def remove_security_key(key_id: int):
    security_keys.key_of(current_user, key_id)  # another account's key: not found
    if apply_or_flash(lambda: security_keys.remove_key(
            current_user, current_user, key_id, keep_session_id=current_session_id(), device=_device()))[0]:
        credentials_changed(current_user)
        flash(_("The key is removed: it no longer logs you in."), "success")
    return redirect(url_for("accounts.second_factor_settings"))


@bp.post("/login/second-factor/key")
def login_with_security_key():
    """The log-in's second step answered by a security key (the page's script fills the answer in)."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    key, user = pending_login()
    if user is None:
        return redirect(url_for("accounts.login"))
    form = SecurityKeyAnswerForm()
    if not form.validate_on_submit():
        code_form = SecondFactorLoginForm(formdata=None)
        show_domain_error(code_form, DomainError(_("The key did not answer. Try again, or type a code.")))
        return login_page(user, code_form, status=422)
    try:  # wrong answers are counted (for throttling) and audited even though the request then fails
        with transaction.unit_of_work("security key attempt", keep_despite=(DomainError,)):
            done = security_keys.complete_login(key, form.credential.data,
                                                login_source(user.email))
    except LoginThrottled as error:
        code_form = SecondFactorLoginForm(formdata=None)
        show_domain_error(code_form, error)
        response = login_page(user, code_form, status=429)
        return (*response, {"Retry-After": str(error.retry_after)})
    except LoginChallengeEnded as error:
        forget_challenge()
        flash(error.message, "error")
        return redirect(url_for("accounts.login"))
    except DomainError as error:
        code_form = SecondFactorLoginForm(formdata=None)
        show_domain_error(code_form, DomainError(error.message))
        return login_page(user, code_form, status=422)
    return finish_login(done)


def _device() -> str:
    return device_label(request.user_agent.string)
