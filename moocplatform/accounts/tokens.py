"""Signed, expiring tokens for e-mail links. A reset token is single-use: it carries a fingerprint of the
password hash, which changes as soon as the password does."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from .. import clock


class TokenError(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class _ClockSigner(TimestampSigner):
    """itsdangerous reads time.time(); tokens follow the injectable clock instead."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"moocplatform.{purpose}",
                                  signer=_ClockSigner)


def _signer(serializer: URLSafeTimedSerializer) -> _ClockSigner:
    signer = serializer.make_signer()  # declared to return a plain Signer
    if not isinstance(signer, _ClockSigner):
        raise TypeError(f"expected the clock's timestamp signer, not {type(signer).__name__}")
    return signer


def make_token(purpose: str, payload: dict) -> str:
    serializer = _serializer(purpose)
    return _signer(serializer).sign(serializer.dump_payload(payload)).decode()


def read_token(purpose: str, token: str, max_age: int) -> dict:
    serializer = _serializer(purpose)
    signer = _signer(serializer)
    try:
        raw, stamp = signer.unsign(token, return_timestamp=True)
    except BadSignature as error:
        raise TokenError(expired=False) from error
    age = clock.now().timestamp() - stamp.timestamp()
    if age > max_age or age < -60:
        raise TokenError(expired=True)
    try:
        return serializer.load_payload(raw)
    except BadSignature as error:
        raise TokenError(expired=False) from error


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
