"""Signed, expiring tokens for e-mail links. A reset token is single-use: it carries a fingerprint of the
password hash, which changes as soon as the password does."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import clock


class TokenError(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"moocplatform.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    serializer = _serializer(purpose)
    signer = serializer.make_signer()
    # itsdangerous reads time.time(); tokens follow the injectable clock instead.
    signer.get_timestamp = lambda: int(clock.now().timestamp())  # type: ignore[method-assign]
    return signer.sign(serializer.dump_payload(payload)).decode()


def read_token(purpose: str, token: str, max_age: int) -> dict:
    serializer = _serializer(purpose)
    signer = serializer.make_signer()
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
