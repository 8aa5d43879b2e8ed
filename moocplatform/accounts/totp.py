"""The second factor's secrets: time-based one-time passwords (RFC 6238, through pyotp) and recovery codes.

Pure functions of their inputs and the app's SECRET_KEY; the rows they fill are written by second_factor.py.

- A TOTP secret has 160 random bits (RFC 4226's recommended length). The server must be able to read it to
  check codes, so it cannot be hashed: it is encrypted with AES-256-GCM under a key derived from SECRET_KEY
  (HKDF-SHA256, a purpose of its own), the account's id as associated data, so a copied database or backup
  alone does not give the secrets away, and a secret moved to another account does not decrypt.
- Recovery codes have about 60 random bits; each is stored as SHA-256 over a random 128-bit salt of its own
  and the code (ASVS 2.6.2 for look-up secrets below 112 bits), and guessing is throttled as log-ins are.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from pyotp.utils import strings_equal

# Codes of the step before and after the current one are accepted too (RFC 6238 section 5.2: clocks drift
# and people type slowly), so a code lives 30 to 90 seconds.
VALID_WINDOW = 1
CODE_DIGITS = 6
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is read back unambiguously.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4
_ENCRYPTION_VERSION = "v1"


class SecretUnreadable(Exception):
    """A stored secret does not decrypt: SECRET_KEY changed since it was stored, or the row was altered."""


def new_secret() -> str:
    return pyotp.random_base32(32)  # 32 base32 characters: 160 bits


def _key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"moocplatform second-factor secret").derive(current_app.config["SECRET_KEY"].encode())


def encrypt_secret(secret: str, user_id: int) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key()).encrypt(nonce, secret.encode(), str(user_id).encode())
    return f"{_ENCRYPTION_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt_secret(stored: str, user_id: int) -> str:
    version, _, body = stored.partition(":")
    if version != _ENCRYPTION_VERSION:
        raise SecretUnreadable(f"unknown encryption {version!r}")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], str(user_id).encode()).decode()
    except (InvalidTag, ValueError) as error:
        raise SecretUnreadable("the secret does not decrypt") from error


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=current_app.config["SECOND_FACTOR_ISSUER"])


def qr_code_data_uri(uri: str) -> str:
    """The QR code of the address as an SVG data: URI, drawn here (no third party sees the secret)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, title="QR code")


def grouped_secret(secret: str) -> str:
    """The secret as people type it: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def looks_like_totp(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, at: datetime, *, after: int | None) -> int | None:
    """The time step whose code this is, within VALID_WINDOW of `at` and later than `after` (the step of the
    last accepted code: a code is never accepted twice); None when it matches none."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if (after is None or step > after) and strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def code_at(secret: str, at: datetime) -> str:
    """The code an authenticator app shows at `at` (for tests and the enrolment check)."""
    return pyotp.TOTP(secret).at(at)


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    def one() -> str:
        groups = ("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
                  for _ in range(RECOVERY_GROUPS))
        return "-".join(groups)

    return [one() for _ in range(count)]


def looks_like_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_recovery_code(code: str, salt: str) -> str:
    """code: normalised (normalise_code)."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def recovery_code_matches(code: str, salt: str, code_hash: str) -> bool:
    return hmac.compare_digest(hash_recovery_code(code, salt), code_hash)
