"""Password hashing (argon2id) and the strength rules every password must meet."""
from __future__ import annotations

import gzip
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


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Spent on unknown e-mail addresses so that a log-in takes as long whether or not the account exists.
def burn_time(password: str) -> None:
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=4)
def _dummy_hash_for(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash("not a real password")


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
