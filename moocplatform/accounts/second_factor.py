"""The second factor: an authenticator app (TOTP) with recovery codes, set up and turned off by the account
holder, reset by an administrator, and asked for at log-in after the password.

At log-in a correct password of an account with a second factor signs nothing in: it starts a challenge (a
row named by a random key in the browser's signed session cookie) that lives SECOND_FACTOR_PENDING_SECONDS.
Its code is checked as log-ins are throttled (per account and source, in the database, and a ceiling of
attempts per account and source through the rate limiter), a code is accepted once (the last accepted time
step is stored), and a recovery code works once. Each function takes its inputs as arguments, flushes, raises
domain errors and leaves the commit to the caller."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit, clock, policy, ratelimit
from ..database import rows_affected
from ..errors import Conflict, InvalidInput, PermissionDenied
from ..extensions import db
from ..mail import queue_mail
from ..urls import public_url
from . import totp
from .mails import (
    RECOVERY_CODE_USED,
    RECOVERY_CODES_RENEWED,
    SECOND_FACTOR_CODE_REUSED,
    SECOND_FACTOR_DISABLED,
    SECOND_FACTOR_ENABLED,
    SECOND_FACTOR_RESET,
)
from .models import LoginChallenge, RecoveryCode, SecondFactor, SecurityKey, User
from .sessions import key_hash, new_key, revoke_credentials
from .throttling import LoginSource, LoginThrottled, clear_source_failures, record_failure, refuse_while_throttled

log = logging.getLogger(__name__)

# An enrolment begun but not confirmed: its secret is shown again until then, and replaced after this long.
ENROLMENT_LIFETIME = timedelta(minutes=15)


class LoginChallengeEnded(InvalidInput):
    """The log-in's second step is over (it expired, or had too many wrong codes): enter the password again."""


def require_account_holder(actor, user: User) -> None:
    if not policy.can_manage_own_account(actor, user):
        raise PermissionDenied(_("Only the account holder can do that."))


def factor_of(user: User) -> SecondFactor | None:
    return db.session.scalar(sa.select(SecondFactor).where(SecondFactor.user_id == user.id))


def has_authenticator_app(user: User) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor).where(
        SecondFactor.user_id == user.id, SecondFactor.enabled_at.is_not(None))) == 1


def has_security_key(user: User) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(SecurityKey)
                                  .where(SecurityKey.user_id == user.id)))


def has_second_factor(user: User) -> bool:
    """Whether logging in asks for a second factor: an authenticator app or a security key (security_keys.py)."""
    return db.session.scalar(sa.select(
        sa.exists().where(SecondFactor.user_id == user.id, SecondFactor.enabled_at.is_not(None))
        | sa.exists().where(SecurityKey.user_id == user.id))) is True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# Setting up, renewing and turning off ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the secret (as a QR code and as text to type) until it is confirmed."""

    secret: str
    uri: str
    qr_code: str  # a data: URI of an SVG image

    @property
    def grouped_secret(self) -> str:
        return totp.grouped_secret(self.secret)


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = totp.provisioning_uri(secret, user.email)
    return Enrolment(secret, uri, totp.qr_code_data_uri(uri))


def begin_enrolment(actor, user: User) -> Enrolment:
    """A new secret for the account holder's authenticator app, kept (encrypted) until a code confirms it. An
    enrolment begun recently goes on with its secret (the page reloaded, the app scanned it already)."""
    require_account_holder(actor, user)
    row = factor_of(user)
    now = clock.now()
    if row is not None and row.enabled_at is not None:
        raise Conflict(_("Your account has a second factor already; turn it off first to set up another."))
    if row is not None and now - row.created_at <= ENROLMENT_LIFETIME:
        try:
            return _enrolment(user, totp.decrypt_secret(row.secret_encrypted, user.id))
        except totp.SecretUnreadable:
            pass  # made under another SECRET_KEY: start afresh
    secret = totp.new_secret()
    if row is None:
        row = SecondFactor(user_id=user.id, created_at=now)
        db.session.add(row)
    row.secret_encrypted, row.created_at, row.last_used_step = totp.encrypt_secret(secret, user.id), now, None
    db.session.flush()
    return _enrolment(user, secret)


def pending_enrolment(user: User) -> Enrolment | None:
    """The enrolment begun and not confirmed yet, while it lasts (to show its QR code again)."""
    row = factor_of(user)
    if row is None or row.enabled_at is not None or clock.now() - row.created_at > ENROLMENT_LIFETIME:
        return None
    try:
        return _enrolment(user, totp.decrypt_secret(row.secret_encrypted, user.id))
    except totp.SecretUnreadable:
        return None


def confirm_enrolment(actor, user: User, code: str, *, keep_session_id: int | None = None,
                      device: str = "Unknown device") -> list[str]:
    """The code the app shows proves it holds the secret: the second factor is on. Every other session of the
    account ends, the address is told, and the recovery codes are returned (to show once; only their hashes
    are kept) when it is the account's first second factor (else the list is empty: the codes it has stay)."""
    require_account_holder(actor, user)
    row = factor_of(user)
    now = clock.now()
    if row is None or row.enabled_at is not None or now - row.created_at > ENROLMENT_LIFETIME:
        raise InvalidInput(_("This set-up has expired; start again."), field="code")
    secret = totp.decrypt_secret(row.secret_encrypted, user.id)
    step = totp.matching_step(secret, totp.normalise_code(code), now, after=None)
    if step is None:
        raise InvalidInput(_("That code is not right. Type the code your app shows now; if it keeps failing, "
                             "check that the device's clock is right."), field="code")
    first = not has_second_factor(user)  # a security key already brought the recovery codes
    row.enabled_at, row.last_used_step = now, step  # the confirming code cannot log in afterwards
    codes = replace_recovery_codes(user) if first else []
    end_challenges(user)
    revoke_credentials(user, keep_session_id=keep_session_id)
    audit.record(user, "account.second_factor_enable", user)
    tell_the_account_holder(user, SECOND_FACTOR_ENABLED, device)
    db.session.flush()
    return codes


def regenerate_recovery_codes(actor, user: User, *, device: str = "Unknown device") -> list[str]:
    """New recovery codes; the earlier ones stop working."""
    require_account_holder(actor, user)
    if not has_second_factor(user):
        raise InvalidInput(_("Set up a second factor first."))
    codes = replace_recovery_codes(user)
    audit.record(user, "account.recovery_codes_renew", user)
    tell_the_account_holder(user, RECOVERY_CODES_RENEWED, device)
    db.session.flush()
    return codes


def disable_second_factor(actor, user: User, *, keep_session_id: int | None = None,
                          device: str = "Unknown device") -> None:
    """The account holder turns two-step log-in off (the page asked for the password first): the app, every
    security key and the recovery codes go, every other session ends and the address is told."""
    require_account_holder(actor, user)
    if not has_second_factor(user):
        raise InvalidInput(_("Your account has no second factor."))
    remove_second_factor(user, keep_session_id=keep_session_id)
    audit.record(user, "account.second_factor_disable", user)
    tell_the_account_holder(user, SECOND_FACTOR_DISABLED, device)
    db.session.flush()


def remove_second_factor(user: User, *, keep_session_id: int | None = None) -> bool:
    """Delete the account's authenticator app, security keys, recovery codes and pending log-ins, and end its
    sessions (all but the one kept); whether it had a second factor. A step of audited services
    (disable_second_factor, security_keys.remove_key, admin.reset_second_factor)."""
    had = has_second_factor(user)
    db.session.execute(sa.delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.execute(sa.delete(SecurityKey).where(SecurityKey.user_id == user.id))
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_challenges(user)
    revoke_credentials(user, keep_session_id=keep_session_id)
    db.session.flush()
    return had


def tell_of_reset(user: User) -> None:
    """The mail after an administrator reset the account's second factor."""
    tell_the_account_holder(user, SECOND_FACTOR_RESET, "")


def replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    now = clock.now()
    codes = totp.new_recovery_codes()
    for code in codes:
        salt = totp.new_salt()
        db.session.add(RecoveryCode(user_id=user.id, salt=salt, created_at=now,
                                    code_hash=totp.hash_recovery_code(totp.normalise_code(code), salt)))
    db.session.flush()
    return codes


def tell_the_account_holder(user: User, template: str, device: str, **details: str) -> None:
    """As for a password change: a notice to the account's address, never rate-limited away (only the account
    holder's own actions, or an administrator's, cause it), sent only if the change commits."""
    queue_mail(user.email, template, recipient_id=user.id, at=clock.now().isoformat(), device=device[:80],
               reset=public_url("accounts.forgot_password"), codes_left=recovery_codes_left(user), **details)


# The log-in's second step ---------------------------------------------------------------------------------------

def start_challenge(user: User, *, remember: bool = False) -> str:
    """The password was right and the account has a second factor: a pending log-in, and the key (for the
    browser's session cookie) that names it."""
    now = clock.now()
    db.session.execute(sa.delete(LoginChallenge).where(LoginChallenge.user_id == user.id,
                                                       LoginChallenge.expires_at <= now))
    key = new_key()
    db.session.add(LoginChallenge(
        user_id=user.id, key_hash=key_hash(key), auth_version=user.auth_version, remember=remember,
        created_at=now, expires_at=now + timedelta(seconds=current_app.config["SECOND_FACTOR_PENDING_SECONDS"])))
    db.session.flush()
    return key


def pending_challenge(key: object) -> LoginChallenge | None:
    """The pending log-in the browser's key names, while it lasts and the account's credentials are those it
    began with."""
    if not isinstance(key, str) or not key:
        return None
    row = db.session.scalar(sa.select(LoginChallenge).where(LoginChallenge.key_hash == key_hash(key),
                                                            LoginChallenge.expires_at > clock.now()))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or user.status != "active" or user.auth_version != row.auth_version:
        return None
    return row


@dataclass(frozen=True)
class CompletedLogIn:
    user: User
    remember: bool
    by_recovery_code: bool
    recovery_codes_left: int


def attempt_second_step(key: object, source: LoginSource) -> tuple[LoginChallenge, User]:
    """The pending log-in an attempt of its second step answers, once throttling lets the attempt through
    (per account and source in the database, and a ceiling through the rate limiter); the attempt is
    counted."""
    config = current_app.config
    challenge = pending_challenge(key)
    if challenge is None:
        raise LoginChallengeEnded(_("Your log-in took too long. Enter your password again."))
    user = db.session.get(User, challenge.user_id)
    assert user is not None
    refuse_while_throttled(user.email, source)
    if pending_challenge(key) is None:  # a parallel attempt of this browser, now done, ended it meanwhile
        raise LoginChallengeEnded(_("Your log-in took too long. Enter your password again."))
    window = config["SECOND_FACTOR_WINDOW_SECONDS"]
    decision = ratelimit.hit(f"second-factor:{user.id}:{source.device or source.ip}",
                             config["SECOND_FACTOR_MAX_ATTEMPTS"], window)
    if not decision.allowed:
        audit.record(None, "account.second_factor_throttled", user, retry_after=decision.retry_after)
        raise LoginThrottled(decision.retry_after)
    challenge.attempts += 1
    return challenge, user


def refuse_attempt(challenge: LoginChallenge, user: User, source: LoginSource, kind: str, message: str,
            field: str, ended_message: str | None = None) -> NoReturn:
    """A wrong answer: counted as a failed log-in of the account from this source, audited, and the end of
    the pending log-in after SECOND_FACTOR_ATTEMPTS_PER_LOG_IN of them (saying ended_message, by default
    that of wrong codes)."""
    record_failure(user.email, source)
    ended = challenge.attempts >= current_app.config["SECOND_FACTOR_ATTEMPTS_PER_LOG_IN"]
    audit.record(None, "account.second_factor_failed", user, attempts=challenge.attempts, kind=kind, ended=ended)
    if ended:
        db.session.delete(challenge)
        db.session.flush()
        raise LoginChallengeEnded(ended_message or _("Too many wrong codes. Enter your password again."))
    db.session.flush()
    raise InvalidInput(message, field=field)


def accept_attempt(challenge: LoginChallenge, user: User, source: LoginSource) -> bool:
    remember = challenge.remember
    db.session.delete(challenge)
    clear_source_failures(user.email, source)
    user.last_login_at = clock.now()
    return remember


def complete_login(key: object, code: str, source: LoginSource) -> CompletedLogIn:
    """Check the second step's code (an app's code or a recovery code). Wrong codes count as failed log-ins of
    the account from this source (so the delays of throttling.py apply to them, in the database), and the
    rate limiter caps the attempts per account and source; SECOND_FACTOR_ATTEMPTS_PER_LOG_IN wrong codes end
    the pending log-in. The caller keeps what this records even when it raises."""
    challenge, user = attempt_second_step(key, source)
    normalised = totp.normalise_code(code)
    by_recovery_code = not totp.looks_like_totp(normalised)
    if by_recovery_code:
        outcome = "accepted" if _use_recovery_code(user, normalised) else "wrong"
    else:
        outcome = _use_app_code(user, normalised)
    if outcome == "replayed":  # ASVS 2.8.5: someone may have watched the code being typed
        audit.record(None, "account.second_factor_replayed", user)
        tell_the_account_holder(user, SECOND_FACTOR_CODE_REUSED, "")
    if outcome != "accepted":
        refuse_attempt(challenge, user, source, "recovery code" if by_recovery_code else "app code",
                _("That code is not right."), "code")
    remember = accept_attempt(challenge, user, source)
    left = recovery_codes_left(user)
    if by_recovery_code:
        audit.record(user, "account.recovery_code_used", user, left=left)
        tell_the_account_holder(user, RECOVERY_CODE_USED, "")
    db.session.flush()
    return CompletedLogIn(user, remember, by_recovery_code, left)


def _use_app_code(user: User, code: str) -> str:
    """"accepted" when the code is the app's for now (within one step) and newer than the last code accepted
    (the update that records its step succeeds once, so a code sent twice at the same instant is accepted
    once); "replayed" for a code of the window that was accepted before; else "wrong"."""
    row = factor_of(user)
    if row is None or row.enabled_at is None:
        return "wrong"
    try:
        secret = totp.decrypt_secret(row.secret_encrypted, user.id)
    except totp.SecretUnreadable:
        log.warning("the second-factor secret of user %s does not decrypt (was SECRET_KEY changed?)", user.id)
        return "wrong"
    now = clock.now()
    step = totp.matching_step(secret, code, now, after=row.last_used_step)
    if step is None:
        return "replayed" if totp.matching_step(secret, code, now, after=None) is not None else "wrong"
    result = db.session.execute(
        sa.update(SecondFactor)
        .where(SecondFactor.id == row.id,
               sa.or_(SecondFactor.last_used_step.is_(None), SecondFactor.last_used_step < step))
        .values(last_used_step=step).execution_options(synchronize_session=False))
    db.session.expire(row)
    return "accepted" if rows_affected(result) == 1 else "replayed"


def _use_recovery_code(user: User, code: str) -> bool:
    if not totp.looks_like_recovery_code(code):
        return False
    unused = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                              RecoveryCode.used_at.is_(None))).all()
    for row in unused:
        if totp.recovery_code_matches(code, row.salt, row.code_hash):
            result = db.session.execute(
                sa.update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=clock.now()).execution_options(synchronize_session=False))
            db.session.expire(row)
            return rows_affected(result) == 1
    return False


def end_challenges(user: User) -> None:
    db.session.execute(sa.delete(LoginChallenge).where(LoginChallenge.user_id == user.id))


def purge_expired_challenges() -> int:
    """Scheduled job: forget pending log-ins that expired."""
    return rows_affected(db.session.execute(sa.delete(LoginChallenge)
                                            .where(LoginChallenge.expires_at <= clock.now())))
