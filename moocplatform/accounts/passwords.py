"""Password hashing (argon2id) and the strength rules every password must meet."""
from __future__ import annotations

import gzip
import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_rules() -> str:
    """The rules of password_problem, as the help text under every field that sets a new password."""
    return _("At least %(n)d characters; not one of the %(common)s most common passwords, nor your e-mail address "
             "or name. A few unrelated words make a long password that is easy to remember.",
             n=current_app.config["PASSWORD_MIN_LENGTH"], common=format_number(len(common_passwords())))


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    if password.lower() in common_passwords():
        return _("This password is one of the most common ones; choose another.")
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if (len(local) >= 4 and local in lowered) or (display_name and display_name.lower() == lowered):
        return _("Do not use your e-mail address or name in your password.")
    return None


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"])


# The pepper (ASVS 2.4.5): with PASSWORD_PEPPER set, argon2id hashes HMAC-SHA256(pepper, password) instead of
# the password, and the stored hash begins with a marker naming the pepper: "pepper:<id>:" and the argon2id
# hash. The id is derived from the pepper (it reveals nothing of it), so a hash made with the previous pepper
# (PASSWORD_PEPPER_PREVIOUS) is recognised, verified with it, and re-hashed at its next log-in; a hash without
# a marker predates the pepper and is re-hashed with it likewise.
PEPPER_MARKER = "pepper"


def pepper_id(pepper: str) -> str:
    return hmac.new(pepper.encode(), b"moocplatform password pepper id", hashlib.sha256).hexdigest()[:12]


def _peppers() -> dict[str, str]:
    """The configured peppers by id: the current one and, while hashes made with it remain, the previous."""
    config = current_app.config
    return {pepper_id(p): p for p in (config["PASSWORD_PEPPER_PREVIOUS"], config["PASSWORD_PEPPER"]) if p}


def _current_pepper() -> str | None:
    return current_app.config["PASSWORD_PEPPER"] or None


def _peppered(pepper: str, password: str) -> bytes:
    return hmac.new(pepper.encode(), password.encode(), hashlib.sha256).digest()


def _split(stored: str) -> tuple[str | None, str]:
    """(the pepper id of a stored hash or None, the argon2id hash)."""
    if stored.startswith(PEPPER_MARKER + ":"):
        _, identifier, encoded = stored.split(":", 2)
        return identifier, encoded
    return None, stored


def hash_password(password: str) -> str:
    pepper = _current_pepper()
    if pepper is None:
        return _hasher().hash(password)
    return f"{PEPPER_MARKER}:{pepper_id(pepper)}:{_hasher().hash(_peppered(pepper, password))}"


def verify_password(password_hash: str, password: str) -> bool:
    try:
        identifier, encoded = _split(password_hash)
    except ValueError:
        return False
    secret: str | bytes = password
    if identifier is not None:
        pepper = _peppers().get(identifier)
        if pepper is None:  # made with a pepper no longer configured: such a password can only be reset
            current_app.logger.warning("a password hash names pepper %s, which is not configured", identifier)
            return False
        secret = _peppered(pepper, password)
    try:
        return _hasher().verify(encoded, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """After a successful verification: whether the hash should be made again (other argon2 costs, or not made
    with the current pepper)."""
    identifier, encoded = _split(password_hash)
    current = _current_pepper()
    if identifier != (pepper_id(current) if current else None):
        return True
    return _hasher().check_needs_rehash(encoded)


# Spent on unknown e-mail addresses so that a log-in takes as long whether or not the account exists.
def burn_time(password: str) -> None:
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=4)
def _dummy_hash_for(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash("not a real password")


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
