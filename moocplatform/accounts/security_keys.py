"""Security keys and passkeys as a second factor (WebAuthn, checked by py_webauthn), beside the authenticator
app of second_factor.py and under the same rules: the account holder adds or removes one with a fresh password,
the address is told of each change, it is audited, and adding one ends the account's other sessions. The
first factor set up brings the recovery codes.

The relying party is this platform as PUBLIC_BASE_URL names it: its host is the RP id, its scheme and host the
only origin accepted. A registration's challenge is held by the caller (in the signed session cookie, with its
expiry) and used once; a log-in's challenge is stored on the pending log-in (LoginChallenge.key_challenge) and
cleared when an answer to it is checked. Each function flushes, raises domain errors and leaves the commit to the
caller."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .. import audit, clock
from ..database import rows_affected
from ..errors import InvalidInput, NotFound
from ..extensions import db
from . import second_factor
from .mails import SECURITY_KEY_ADDED, SECURITY_KEY_REMOVED, SECURITY_KEY_SIGN_COUNT_REGRESSED
from .models import LoginChallenge, SecurityKey, User
from .sessions import revoke_credentials
from .throttling import LoginSource

log = logging.getLogger(__name__)

# How long the browser has to answer a registration's challenge (the authenticator's own timeout is shorter).
REGISTRATION_LIFETIME = timedelta(minutes=5)
TIMEOUT_MS = 120_000
NAME_MAX = 60
KEYS_MAX = 10  # per account: enough for a spare or two, and a bound on the options offered at log-in
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origin: str


def relying_party() -> RelyingParty:
    """This platform as WebAuthn sees it, from PUBLIC_BASE_URL (not the request's Host header)."""
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    host = parts.hostname or "localhost"
    return RelyingParty(id=host, name=current_app.config["SECOND_FACTOR_ISSUER"],
                        origin=f"{parts.scheme}://{parts.netloc}")


def user_handle(user: User) -> bytes:
    """An opaque handle for the account on its keys (WebAuthn's user.id): not the address nor the row id."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"webauthn-user:{user.id}".encode(),
                    hashlib.sha256).digest()


def keys_of(user: User) -> list[SecurityKey]:
    return list(db.session.scalars(sa.select(SecurityKey).where(SecurityKey.user_id == user.id)
                                   .order_by(SecurityKey.created_at, SecurityKey.id)))


def _descriptors(keys: list[SecurityKey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(key.credential_id),
        transports=[AuthenticatorTransport(t) for t in key.transports.split(",") if t in _TRANSPORTS] or None)
        for key in keys]


def clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInput(_("Give the key a name, to tell it apart from others."), field="name")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(_("Keep the name to %(n)d characters.", n=NAME_MAX), field="name")
    return cleaned


def key_of(user: User, key_id: int) -> SecurityKey:
    """One of the account's keys; NotFound for any other (another account's key is not told apart)."""
    key = db.session.get(SecurityKey, key_id)
    if key is None or key.user_id != user.id:
        raise NotFound(_("This account has no such security key."))
    return key


# Registering, renaming, removing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """A registration under way: the options for navigator.credentials.create() (JSON), and what the server
    keeps to check the answer (the caller holds it until then)."""

    options_json: str
    challenge: str  # base64url
    name: str
    expires_at: datetime


def begin_registration(actor, user: User, name: str | None) -> Registration:
    """Options for the browser to make a credential on a key: a fresh challenge, user verification preferred,
    a resident key (passkey) allowed but not required, 'none' attestation, and the account's keys excluded
    so that one key is not registered twice."""
    second_factor.require_account_holder(actor, user)
    cleaned = clean_name(name)
    keys = keys_of(user)
    if len(keys) >= KEYS_MAX:
        raise InvalidInput(_("An account can have at most %(n)d security keys; remove one first.", n=KEYS_MAX))
    rp = relying_party()
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_id=user_handle(user), user_name=user.email,
        user_display_name=user.display_name, timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=_descriptors(keys))
    return Registration(options_to_json(options), bytes_to_base64url(options.challenge), cleaned,
                        clock.now() + REGISTRATION_LIFETIME)


def finish_registration(actor, user: User, *, challenge: str, name: str, expires_at: datetime,
                        credential: str, keep_session_id: int | None = None,
                        device: str = "Unknown device") -> tuple[SecurityKey, list[str]]:
    """Check the browser's answer to begin_registration's challenge (py_webauthn: the challenge, the origin,
    the RP id, user presence, the public key) and keep the key. Every other session of the account ends and
    the address is told. When it is the account's first second factor, recovery codes are made and returned
    (to show once); otherwise the list is empty and the earlier codes stay."""
    second_factor.require_account_holder(actor, user)
    if clock.now() > expires_at:
        raise InvalidInput(_("This registration has expired; start again."), field="credential")
    rp = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id, expected_origin=rp.origin)
    except (WebAuthnException, ValueError, TypeError) as error:
        log.info("security key registration refused for user %s: %s", user.id, error)
        raise InvalidInput(_("The key's answer could not be checked. Try again, or try another key."),
                           field="credential") from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(sa.select(SecurityKey.id).where(SecurityKey.credential_id == credential_id)):
        raise InvalidInput(_("This key is registered already."), field="credential")
    if len(keys_of(user)) >= KEYS_MAX:
        raise InvalidInput(_("An account can have at most %(n)d security keys; remove one first.", n=KEYS_MAX))
    first = not second_factor.has_second_factor(user)
    now = clock.now()
    key = SecurityKey(user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, transports=_transports_of(credential), name=clean_name(name),
                      created_at=now)
    db.session.add(key)
    db.session.flush()
    codes = second_factor.replace_recovery_codes(user) if first else []
    second_factor.end_challenges(user)
    revoke_credentials(user, keep_session_id=keep_session_id)
    audit.record(user, "account.security_key_add", user, key=key.id, name=key.name,
                 user_verified=verified.user_verified)
    second_factor.tell_the_account_holder(user, SECURITY_KEY_ADDED, device, key_name=key.name)
    db.session.flush()
    return key, codes


def _transports_of(credential: str) -> str:
    """The transports the browser says the key uses (a hint for later log-ins), those WebAuthn knows."""
    try:
        listed = json.loads(credential).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        return ""
    return ",".join(t for t in listed if isinstance(t, str) and t in _TRANSPORTS)[:200]


def rename_key(actor, user: User, key_id: int, name: str | None) -> SecurityKey:
    second_factor.require_account_holder(actor, user)
    key = key_of(user, key_id)
    key.name = clean_name(name)
    db.session.flush()
    return key


def remove_key(actor, user: User, key_id: int, *, keep_session_id: int | None = None,
               device: str = "Unknown device") -> None:
    """The account holder removes a key (the page asked for the password first): every other session ends,
    the address is told. The last second factor removed takes the recovery codes with it."""
    second_factor.require_account_holder(actor, user)
    key = key_of(user, key_id)
    name = key.name
    db.session.delete(key)
    db.session.flush()
    if not second_factor.has_second_factor(user):
        second_factor.remove_second_factor(user, keep_session_id=keep_session_id)
    else:
        second_factor.end_challenges(user)
        revoke_credentials(user, keep_session_id=keep_session_id)
    audit.record(user, "account.security_key_remove", user, key=key_id, name=name)
    second_factor.tell_the_account_holder(user, SECURITY_KEY_REMOVED, device, key_name=name)
    db.session.flush()


# The log-in's second step ---------------------------------------------------------------------------------------

def login_options(challenge: LoginChallenge) -> str | None:
    """Options for navigator.credentials.get() offering the account's keys, with a fresh challenge stored on
    the pending log-in (the latest page shown is the one that can answer); None when it has no key."""
    keys = db.session.scalars(sa.select(SecurityKey).where(SecurityKey.user_id == challenge.user_id)
                              .order_by(SecurityKey.id)).all()
    if not keys:
        return None
    options = generate_authentication_options(
        rp_id=relying_party().id, timeout=TIMEOUT_MS, allow_credentials=_descriptors(list(keys)),
        user_verification=UserVerificationRequirement.PREFERRED)
    challenge.key_challenge = bytes_to_base64url(options.challenge)
    db.session.flush()
    return options_to_json(options)


def check_assertion(challenge: LoginChallenge, user: User, credential: str) -> str:
    """Check an answer to the pending log-in's challenge: "accepted", "wrong" (not one of the account's keys,
    not this challenge, not this origin, a bad signature...) or "cloned" (a genuine signature whose counter did
    not move on from the one stored: two copies of the key exist). The challenge is spent either way."""
    expected = challenge.key_challenge
    challenge.key_challenge = None
    if not expected:
        return "wrong"
    try:
        answer = json.loads(credential)
        raw_id = answer.get("rawId") or answer.get("id")
    except (ValueError, AttributeError):
        return "wrong"
    if not isinstance(raw_id, str):
        return "wrong"
    key = db.session.scalar(sa.select(SecurityKey).where(SecurityKey.credential_id == raw_id,
                                                         SecurityKey.user_id == user.id))
    if key is None:
        return "wrong"
    rp = relying_party()
    try:
        # The counter is compared below, after the signature is known to be the key's: the library would
        # refuse a stale counter before checking the signature, and a forged answer is no sign of a copy.
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(expected), expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=key.public_key, credential_current_sign_count=0)
    except (WebAuthnException, ValueError, TypeError) as error:
        log.info("security key assertion refused for user %s: %s", user.id, error)
        return "wrong"
    if (verified.new_sign_count or key.sign_count) and verified.new_sign_count <= key.sign_count:
        audit.record(None, "account.security_key_sign_count_regressed", user, key=key.id, name=key.name,
                     stored=key.sign_count, reported=verified.new_sign_count)
        second_factor.tell_the_account_holder(user, SECURITY_KEY_SIGN_COUNT_REGRESSED, "", key_name=key.name)
        return "cloned"
    result = db.session.execute(
        sa.update(SecurityKey).where(SecurityKey.id == key.id, SecurityKey.sign_count == key.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=clock.now())
        .execution_options(synchronize_session=False))
    db.session.expire(key)
    return "accepted" if rows_affected(result) == 1 else "wrong"


def complete_login(key: object, credential: str, source: LoginSource) -> second_factor.CompletedLogIn:
    """The log-in's second step answered by a security key, throttled and counted as codes are
    (second_factor.complete_login); a key whose signature counter went back is refused. The caller keeps what
    this records even when it raises."""
    challenge, user = second_factor.attempt_second_step(key, source)
    outcome = check_assertion(challenge, user, credential)
    if outcome != "accepted":
        second_factor.refuse_attempt(
            challenge, user, source, "security key",
            _("This security key was refused: it may have been copied. Use another key, your app or a recovery "
              "code, and tell the administrators.") if outcome == "cloned"
            else _("That security key did not answer as it should. Try again, or use your app or a recovery "
                   "code."), "credential",
            _("Too many refused security-key answers. Enter your password again, then use your key, your app "
              "or a recovery code."))
    remember = second_factor.accept_attempt(challenge, user, source)
    db.session.flush()
    return second_factor.CompletedLogIn(user, remember, False, second_factor.recovery_codes_left(user))
