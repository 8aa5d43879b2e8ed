"""Account operations. Each takes its inputs as arguments (never the request), flushes, and raises
domain errors; the caller commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.util import identity_key

from .. import audit, clock, personal_data, policy, transaction, validation
from ..errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from ..events import UserErased, announce
from ..extensions import db
from ..mail import queue_mail, requested_mail_allowed
from ..urls import public_url
from .handles import assign_handle
from .mails import ACCOUNT_EXISTS, PASSWORD_CHANGED, PASSWORD_WAS_RESET, RESET_PASSWORD, VERIFY_EMAIL
from .models import Consent, RoleGrant, ScopeType, User, UserSession, UserStatus
from .passwords import burn_time, hash_password, needs_rehash, password_problem, verify_password
from .second_factor import has_second_factor
from .sessions import revoke_credentials
from .signin_versions import CHANGES_USERS
from .throttling import (
    LoginSource,
    clear_login_failures,
    clear_source_failures,
    normalise_email,
    record_failure,
    refuse_while_throttled,
)
from .tokens import TokenError, make_token, password_fingerprint, read_token


class InvalidCredentials(DomainError):
    status_code = 200


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# Registration and e-mail verification ---------------------------------------------------------------------

JUST_REGISTERED = timedelta(minutes=10)


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
    source: str | None = None  # the requesting address, for the mail limits


def register_user(form: Registration) -> User | None:
    """Create an unverified account and mail the verification link.

    An address that already has an account gets a mail saying so instead, and None is returned, so the page
    looks the same either way and does not reveal who is registered; the password is hashed either way, so
    the answer takes as long too.
    """
    if not (form.accepted_terms and form.accepted_privacy):
        raise InvalidInput(_("You must accept the terms and the privacy notice."), field="accept_terms")
    if not form.confirmed_age:
        raise InvalidInput(_("You must be %(n)d or older to register.", n=current_app.config["MINIMUM_AGE"]),
                           field="confirm_age")
    email = validation.email(form.email)
    display_name = _display_name(form.display_name)
    timezone, locale = validation.timezone(form.timezone), validation.locale(form.locale)
    problem = password_problem(form.password, email=email, display_name=display_name)
    if problem:
        raise InvalidInput(problem, field="password")
    password_hash = hash_password(form.password)
    existing = get_user_by_email(email)
    if existing is not None:
        if _just_registered(existing):
            return None  # the same form sent twice: its confirmation mail is on the way already
        if requested_mail_allowed(email, form.source):
            queue_mail(email, ACCOUNT_EXISTS, recipient_id=existing.id, login=public_url("accounts.login"),
                       reset=public_url("accounts.forgot_password"))
        return None
    now = clock.now()
    user = User(email=email, password_hash=password_hash, display_name=display_name,
                timezone=timezone, locale=locale, created_at=now, password_changed_at=now)
    if not transaction.add_unless_present(user):
        return None  # a parallel registration of this address won; it sends the mail
    assign_handle(user)
    config = current_app.config
    for kind, version in (("terms", config["TERMS_VERSION"]), ("privacy", config["PRIVACY_VERSION"]),
                          ("minimum_age", str(config["MINIMUM_AGE"]))):
        db.session.add(Consent(user_id=user.id, kind=kind, version=version, given_at=now))
    db.session.flush()
    send_verification_email(user, form.source)
    return user


def _just_registered(user: User) -> bool:
    return user.email_verified_at is None and user.created_at > clock.now() - JUST_REGISTERED


def create_verified_user(email: str, display_name: str, password: str, *, actor=None, **profile: str) -> User:
    """An account whose address needs no confirmation (administrators, demo and imported accounts).
    actor None means the command line or a seeding script; otherwise an administrator."""
    if actor is not None and not policy.can_administer(actor):
        raise PermissionDenied(_("Only administrators can create accounts."))
    email = validation.email(email)
    display_name = _display_name(display_name)
    profile = _profile_values(profile)
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
    assign_handle(user)
    return user


def send_verification_email(user: User, source: str | None = None) -> None:
    """Mail the confirmation link (within the limits on mail anyone can ask for). It does not carry the name
    typed at registration: whoever registers a stranger's address must not choose the first words they read."""
    if not requested_mail_allowed(user.email, source):
        return
    token = make_token("verify-email", {"user": user.id, "email": user.email, "av": user.auth_version})
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 3600
    queue_mail(user.email, VERIFY_EMAIL, recipient_id=user.id, link=public_url("accounts.verify_email", token=token),
               hours=hours)


@dataclass(frozen=True)
class VerifiedEmail:
    user: User
    may_sign_in: bool


def verify_email(token: str) -> VerifiedEmail:
    """Confirm the address a link was sent to. The link may sign its opener in only once: when it confirms the
    address for the first time and the account's credentials have not changed since it was sent (a forwarded
    or leaked link must not stay a way in)."""
    try:
        payload = read_token("verify-email", token, current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    except TokenError as error:
        raise InvalidInput(_("This confirmation link has expired; log in to get a new one.") if error.expired
                           else _("This confirmation link is not valid.")) from error
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email") or user.status == "deleted":
        raise InvalidInput(_("This confirmation link is not valid."))
    first_time = user.email_verified_at is None
    if first_time:
        user.email_verified_at = clock.now()
        audit.record(user, "account.verify_email", user)
    db.session.flush()
    return VerifiedEmail(user, first_time and payload.get("av", 0) == user.auth_version and user.status == "active"
                         and not has_second_factor(user))


# Log-in -------------------------------------------------------------------------------------------------------

def authenticate(email: str, password: str, source: LoginSource) -> User:
    """The user whose credentials these are; records failures and refuses while this account is throttled
    for this source (see throttling.py). For an account with a second factor this is only the first step:
    the caller then asks for the code (second_factor.start_challenge) and signs nothing in yet."""
    email = normalise_email(email)
    refuse_while_throttled(email, source)
    user = get_user_by_email(email)
    if user is None or user.status == "deleted":
        burn_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        record_failure(email, source)
        raise InvalidCredentials(_("That e-mail address and password do not match an account."))
    if user.status == "suspended":
        raise InvalidInput(_("This account is suspended. Contact the administrators if you think this is wrong."))
    if needs_rehash(user.password_hash):  # other argon2 costs, or a pepper set or rotated since
        user.password_hash = hash_password(password)
    if has_second_factor(user):
        # Half a log-in: the failures stay counted until the second step succeeds (second_factor.py), so that
        # knowing the password does not wipe the count of wrong codes.
        db.session.flush()
        return user
    clear_source_failures(email, source)
    user.last_login_at = clock.now()
    db.session.flush()
    return user


class WrongPassword(InvalidInput):
    """A current-password check failed; the failure is recorded, so the caller keeps it (keep_despite)."""


def check_current_password(user: User, password: str, source: LoginSource, *, field: str, message: str) -> None:
    """Proof of the account holder before a sensitive change, throttled as log-ins are: a stolen session
    must not become an unlimited password oracle."""
    refuse_while_throttled(user.email, source)
    if not verify_password(user.password_hash, password):
        record_failure(user.email, source)
        raise WrongPassword(message, field=field)
    clear_source_failures(user.email, source)


def confirm_password(user: User, session: UserSession | None, password: str, source: LoginSource) -> None:
    """The holder of this signed-in session proves it again with the password (throttled as log-ins are);
    the session then counts as recently authenticated (accounts/reauth.py)."""
    if session is None or session.user_id != getattr(user, "id", None):
        raise PermissionDenied(_("Log in first."))
    check_current_password(user, password, source, field="password", message=_("Your password is not right."))
    session.password_confirmed_at = clock.now()
    db.session.flush()


# Passwords ------------------------------------------------------------------------------------------------

def request_password_reset(email: str, source: str | None = None) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    user = get_user_by_email(email)
    if user is None or user.status != "active" or not requested_mail_allowed(user.email, source):
        return
    token = make_token("reset-password", {"user": user.id, "pw": _reset_fingerprint(user)})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_mail(user.email, RESET_PASSWORD, recipient_id=user.id,
               link=public_url("accounts.reset_password", token=token), minutes=minutes)


def _reset_fingerprint(user: User) -> str:
    """What a reset link is bound to: the password (the link works once) and the address it was sent to (a
    link mailed before the account moved to another address stops working)."""
    return password_fingerprint(f"{user.password_hash}\n{user.email}")


def user_for_reset_token(token: str) -> User:
    try:
        payload = read_token("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    except TokenError as error:
        raise InvalidInput(_("This reset link has expired; ask for a new one.") if error.expired
                           else _("This reset link is not valid.")) from error
    user = db.session.get(User, payload.get("user"))
    if user is None or user.status != "active" or payload.get("pw") != _reset_fingerprint(user):
        raise InvalidInput(_("This reset link has already been used or is not valid; ask for a new one."))
    return user


def reset_password(token: str, new_password: str, *, device: str = "Unknown device") -> User:
    """Set a new password from a mailed link; every session of the account ends, this browser's included, and
    the address is told (device: the label of the browser that did it)."""
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    revoke_credentials(user)
    if user.email_verified_at is None:  # the link reached the mailbox, which proves the address
        user.email_verified_at = clock.now()
    clear_login_failures(user.email)
    audit.record(user, "account.reset_password", user)
    _tell_the_account_holder(user, PASSWORD_WAS_RESET, device)
    db.session.flush()
    return user


def change_password(user: User, current: str, new_password: str, source: LoginSource, *,
                    keep_session_id: int | None = None, device: str = "Unknown device") -> None:
    """user changes their own password (proving it with the current one); every other session of the account
    ends (the one named stays signed in), and the address is told."""
    _require_account_holder(user, user)
    check_current_password(user, current, source, field="current_password",
                           message=_("Your current password is not right."))
    _set_password(user, new_password)
    revoke_credentials(user, keep_session_id=keep_session_id)
    audit.record(user, "account.change_password", user)
    _tell_the_account_holder(user, PASSWORD_CHANGED, device)
    db.session.flush()


def _tell_the_account_holder(user: User, template: str, device: str) -> None:
    """A notice after a change of credentials, to the account's address: never rate-limited away (only the
    account holder's own actions cause it), sent only if the change commits."""
    queue_mail(user.email, template, recipient_id=user.id, at=clock.now().isoformat(), device=device[:80],
               reset=public_url("accounts.forgot_password"))


def _set_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password, email=user.email, display_name=user.display_name)
    if problem:
        raise InvalidInput(problem, field="password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()


# Profile and personal data --------------------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "full_name", "locale", "timezone", "bio")


def update_profile(actor, user: User, **fields: str) -> None:
    if not policy.can_edit_profile(actor, user):
        raise PermissionDenied(_("You cannot change this profile."))
    values = _profile_values(fields)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.flush()


def _display_name(value: str) -> str:
    return validation.text(value, "display_name", min_length=2, max_length=80)


# Each profile field's check; the lengths are the columns' (a longer value would fail on PostgreSQL).
_PROFILE_CHECKS = {
    "display_name": _display_name,
    "full_name": lambda value: validation.text(value or "", "full_name", max_length=200),
    "locale": validation.locale,
    "timezone": validation.timezone,
    "bio": lambda value: validation.text(value or "", "bio", max_length=1000),
}


def _profile_values(fields: dict[str, str]) -> dict[str, str]:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown profile fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    return {name: _PROFILE_CHECKS[name](value) for name, value in fields.items()}


def _require_account_holder(actor, user: User) -> None:
    if not policy.can_manage_own_account(actor, user):
        raise PermissionDenied(_("Only the account holder can do that."))


def delete_account(user: User, password: str, source: LoginSource) -> list[str]:
    """user erases their own account (proving it with the password)."""
    _require_account_holder(user, user)
    check_current_password(user, password, source, field="password", message=_("Your password is not right."))
    ensure_not_last_admin(user)  # someone must remain who can run the service; grant another admin first
    done = personal_data.erase_user(user)
    audit.record(user, "account.delete", user, erased=done)  # the account holder did it, not the system
    db.session.flush()
    announce(UserErased(user_id=user.id))
    return done


# Roles and account status: the rows accounts owns, written for admin.services (its audited entry points
# check the policy and the invariants) ---------------------------------------------------------------------

def find_grant(user: User, role: str, scope_type: str = ScopeType.PLATFORM,
               scope_id: int | None = None, *, via_organisation_id: int | None = None) -> RoleGrant | None:
    """The user's grant of role on the scope from one source: given directly (via_organisation_id None) or
    through that organisation."""
    return next((g for g in user.roles if g.role == role and g.scope_type == scope_type
                 and g.scope_id == scope_id and g.via_organisation_id == via_organisation_id), None)


def grant_of(user: User, grant_id: int) -> RoleGrant | None:
    return next((g for g in user.roles if g.id == grant_id), None)


def lock_user(user: User) -> None:
    """Take the user's row for this transaction (a no-op UPDATE): changes to one account's roles then queue,
    so two parallel grants of one role find each other instead of both inserting (a platform grant's NULL
    scope makes the unique constraint unable to tell them apart)."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(id=User.id)
                       .execution_options(synchronize_session=False, **{CHANGES_USERS: (user.id,)}))
    db.session.expire(user, ["roles"])


def add_role_grant(user: User, role: str, scope_type: str, scope_id: int | None,
                   granted_by_id: int | None, *, via_organisation_id: int | None = None) -> RoleGrant:
    grant = RoleGrant(user=user, role=role, scope_type=scope_type, scope_id=scope_id, granted_at=clock.now(),
                      granted_by_id=granted_by_id, via_organisation_id=via_organisation_id)
    db.session.add(grant)
    db.session.flush()
    return grant


def remove_role_grant(user: User, grant: RoleGrant) -> None:
    user.roles.remove(grant)
    db.session.flush()


def grants_via_organisation(organisation_id: int, *, user_id: int | None = None,
                            scope_type: str | None = None, scope_id: int | None = None) -> list[RoleGrant]:
    """The grants an organisation gave (to one user, on one scope, or all), oldest first: one query."""
    query = sa.select(RoleGrant).where(RoleGrant.via_organisation_id == organisation_id)
    if user_id is not None:
        query = query.where(RoleGrant.user_id == user_id)
    if scope_type is not None:
        query = query.where(RoleGrant.scope_type == scope_type, RoleGrant.scope_id == scope_id)
    return list(db.session.scalars(query.order_by(RoleGrant.id)))


def set_account_status(user: User, status: str) -> None:
    """active | suspended (deleted comes only from erasing the account)."""
    if status not in (UserStatus.active, UserStatus.suspended):
        raise InvalidInput(_("Unknown account status."))
    user.status = UserStatus(status)
    db.session.flush()


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
        .where(RoleGrant.role == "admin", RoleGrant.scope_type == ScopeType.PLATFORM.value, User.status == "active")
    )
    if (admins or 0) <= 1:
        raise Conflict(_("This is the last active administrator."))



# The bell ---------------------------------------------------------------------------------------------------

def change_unread_notifications(user_id: int, delta: int) -> None:
    """Move a person's unread count (the notifications area calls this in the transaction that makes, reads
    or deletes notifications). An increment in the database, so concurrent changes add up; never below
    zero. A copy of the row already loaded in this session reads the new value next time."""
    if not delta:
        return
    moved = User.unread_notifications + delta
    db.session.execute(sa.update(User).where(User.id == user_id)
                       .values(unread_notifications=sa.case((moved < 0, 0), else_=moved)),
                       execution_options={"synchronize_session": False, CHANGES_USERS: (user_id,)})
    _forget_loaded_count(user_id)


def _forget_loaded_count(user_id: int) -> None:
    loaded = db.session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:
        db.session.expire(loaded, ["unread_notifications"])
