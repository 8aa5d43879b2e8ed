"""Account operations. Each takes its inputs as arguments (never the request), flushes, and raises
domain errors; the caller commits."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit, clock, personal_data
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..extensions import db
from ..mail import send_mail
from ..urls import public_url
from .models import Consent, LoginFailure, RoleGrant, User
from .passwords import burn_time, hash_password, needs_rehash, password_problem, verify_password
from .tokens import TokenError, make_token, password_fingerprint, read_token


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(_("Too many failed log-in attempts. Try again in %(m)d minutes, or reset your password.",
                           m=max(1, math.ceil(retry_after / 60))))
        self.retry_after = retry_after


class InvalidCredentials(DomainError):
    status_code = 200


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# Registration and e-mail verification ---------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    display_name: str
    accepted_terms: bool
    accepted_privacy: bool
    confirmed_age: bool
    timezone: str = "UTC"
    locale: str = "en"


def register_user(form: Registration) -> User | None:
    """Create an unverified account and mail the verification link.

    An address that already has an account gets a mail saying so instead, and None is returned, so the page
    looks the same either way and does not reveal who is registered.
    """
    if not (form.accepted_terms and form.accepted_privacy):
        raise InvalidInput(_("You must accept the terms and the privacy notice."), field="accept_terms")
    if not form.confirmed_age:
        raise InvalidInput(_("You must be %(n)d or older to register.", n=current_app.config["MINIMUM_AGE"]),
                           field="confirm_age")
    email = normalise_email(form.email)
    problem = password_problem(form.password, email=email, display_name=form.display_name)
    if problem:
        raise InvalidInput(problem, field="password")
    existing = get_user_by_email(email)
    if existing is not None:
        send_mail(email, _("You already have an account"), _(
            "Someone, probably you, tried to register with this address, which already has an account.\n\n"
            "Log in: %(login)s\nForgot your password? %(reset)s\n",
            login=public_url("accounts.login"), reset=public_url("accounts.forgot_password")))
        return None
    now = clock.now()
    user = User(email=email, password_hash=hash_password(form.password), display_name=form.display_name.strip(),
                timezone=form.timezone, locale=form.locale, created_at=now, password_changed_at=now)
    db.session.add(user)
    db.session.flush()  # the consents need the new user's id (Consent has no relationship to set instead)
    config = current_app.config
    for kind, version in (("terms", config["TERMS_VERSION"]), ("privacy", config["PRIVACY_VERSION"]),
                          ("minimum_age", str(config["MINIMUM_AGE"]))):
        db.session.add(Consent(user_id=user.id, kind=kind, version=version, given_at=now))
    db.session.flush()
    send_verification_email(user)
    return user


def create_verified_user(email: str, display_name: str, password: str, **profile: str) -> User:
    """An account whose address needs no confirmation (administrators, demo and imported accounts)."""
    email = normalise_email(email)
    problem = password_problem(password, email=email, display_name=display_name)
    if problem:
        raise InvalidInput(problem, field="password")
    if get_user_by_email(email) is not None:
        raise Conflict(_("An account with this e-mail address exists already."), field="email")
    now = clock.now()
    user = User(email=email, password_hash=hash_password(password), display_name=display_name, created_at=now,
                email_verified_at=now, password_changed_at=now, **profile)
    db.session.add(user)
    db.session.flush()
    return user


def send_verification_email(user: User) -> None:
    token = make_token("verify-email", {"user": user.id, "email": user.email})
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 3600
    send_mail(user.email, _("Confirm your e-mail address"), _(
        "Welcome, %(name)s!\n\nConfirm your e-mail address to start learning:\n%(link)s\n\n"
        "The link works for %(hours)d hours. If you did not register, ignore this mail.\n",
        name=user.display_name, link=public_url("accounts.verify_email", token=token), hours=hours))


def verify_email(token: str) -> User:
    try:
        payload = read_token("verify-email", token, current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    except TokenError as error:
        raise InvalidInput(_("This confirmation link has expired; log in to get a new one.") if error.expired
                           else _("This confirmation link is not valid.")) from error
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email") or user.status == "deleted":
        raise InvalidInput(_("This confirmation link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        audit.record(user, "account.verify_email", user)
    db.session.flush()
    return user


# Log-in and throttling ------------------------------------------------------------------------------------

def _window_start():
    return clock.now() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def throttle_wait(email: str, ip: str) -> int:
    """Seconds until another log-in may be tried for this address or from this IP; 0 when allowed now."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _window_start()
    wait = 0
    for column, value in ((LoginFailure.email, normalise_email(email)), (LoginFailure.ip, ip)):
        times = db.session.scalars(
            sa.select(LoginFailure.failed_at).where(column == value, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc()).limit(limit)
        ).all()
        if len(times) >= limit:
            oldest = times[-1]
            wait = max(wait, math.ceil((oldest - since).total_seconds()))
    return max(wait, 0)


def authenticate(email: str, password: str, ip: str) -> User:
    """The user whose credentials these are; records failures and refuses while throttled."""
    email = normalise_email(email)
    wait = throttle_wait(email, ip)
    if wait:
        raise LoginThrottled(wait)
    user = get_user_by_email(email)
    if user is None or user.status == "deleted":
        burn_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        db.session.add(LoginFailure(email=email, ip=ip, failed_at=clock.now()))
        db.session.flush()
        raise InvalidCredentials(_("That e-mail address and password do not match an account."))
    if user.status == "suspended":
        raise InvalidInput(_("This account is suspended. Contact the administrators if you think this is wrong."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = clock.now()
    db.session.flush()
    return user


def clear_login_failures(email: str) -> int:
    return _deleted(sa.delete(LoginFailure).where(LoginFailure.email == normalise_email(email)))


def purge_old_login_failures() -> int:
    """Scheduled job: drop failures older than the throttling window."""
    return _deleted(sa.delete(LoginFailure).where(LoginFailure.failed_at <= _window_start()))


def _deleted(statement: sa.Delete) -> int:
    """Runs a DELETE; how many rows it removed."""
    # Session.execute() is declared to return a Result; a DELETE's is a CursorResult, which has rowcount.
    result = cast(sa.CursorResult[Any], db.session.execute(statement))
    return result.rowcount or 0


# Passwords ------------------------------------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    user = get_user_by_email(email)
    if user is None or user.status != "active":
        return
    token = make_token("reset-password", {"user": user.id, "pw": password_fingerprint(user.password_hash)})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_mail(user.email, _("Reset your password"), _(
        "Choose a new password here:\n%(link)s\n\nThe link works once, for %(minutes)d minutes. "
        "If you did not ask for it, ignore this mail: your password stays as it is.\n",
        link=public_url("accounts.reset_password", token=token), minutes=minutes))


def user_for_reset_token(token: str) -> User:
    try:
        payload = read_token("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    except TokenError as error:
        raise InvalidInput(_("This reset link has expired; ask for a new one.") if error.expired
                           else _("This reset link is not valid.")) from error
    user = db.session.get(User, payload.get("user"))
    if user is None or user.status != "active" or payload.get("pw") != password_fingerprint(user.password_hash):
        raise InvalidInput(_("This reset link has already been used or is not valid; ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    if user.email_verified_at is None:  # the link reached the mailbox, which proves the address
        user.email_verified_at = clock.now()
    clear_login_failures(user.email)
    audit.record(user, "account.reset_password", user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(_("Your current password is not right."), field="current_password")
    _set_password(user, new_password)
    audit.record(user, "account.change_password", user)
    db.session.flush()


def _set_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password, email=user.email, display_name=user.display_name)
    if problem:
        raise InvalidInput(problem, field="password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()


# Profile and personal data --------------------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "full_name", "locale", "timezone", "bio")


def update_profile(user: User, **fields: str) -> None:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown profile fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()


def delete_account(user: User, password: str) -> list[str]:
    if not verify_password(user.password_hash, password):
        raise InvalidInput(_("Your password is not right."), field="password")
    ensure_not_last_admin(user)  # someone must remain who can run the service; grant another admin first
    done = personal_data.erase_user(user)
    audit.record(None, "account.delete", user, erased=done)
    db.session.flush()
    return done


# Roles (administrators grant them; see admin.services for the audited entry points) ----------------------

def find_grant(user: User, role: str, course_id: int | None) -> RoleGrant | None:
    return next((g for g in user.roles if g.role == role and g.course_id == course_id), None)


def require_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def ensure_not_last_admin(user: User) -> None:
    """Refuse to take away the last active administrator (suspended ones do not count, so they are no
    obstacle either)."""
    if user.status != "active" or not user.has_role("admin"):
        return
    admins = db.session.scalar(
        sa.select(sa.func.count()).select_from(RoleGrant).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == "admin", User.status == "active")
    )
    if (admins or 0) <= 1:
        raise Conflict(_("This is the last active administrator."))
