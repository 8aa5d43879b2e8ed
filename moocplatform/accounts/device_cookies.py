"""Device cookies (OWASP): a successful log-in gives the browser a signed cookie naming this device and the
accounts that logged in on it. Later attempts for one of those accounts count against that device alone
(throttling.py), so failures from anywhere else never slow the account holder's own browser down."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request
from werkzeug.wrappers import Response

from .throttling import LoginSource, normalise_email
from .tokens import TokenError, make_token, read_token

PURPOSE = "device"
MAX_ACCOUNTS = 10  # a shared computer in a classroom remembers its last few accounts


def _account_digest(email: str) -> str:
    """The account in the cookie, without its address in clear."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()[:20]


def _cookie_payload() -> dict | None:
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not raw:
        return None
    try:
        payload = read_token(PURPOSE, raw[:2000], current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except TokenError:
        return None
    device, accounts = payload.get("d"), payload.get("a")
    if not isinstance(device, str) or not isinstance(accounts, list):
        return None
    return {"d": device, "a": [a for a in accounts if isinstance(a, str)]}


def trusted_device(email: str) -> str | None:
    """The id of this browser's device cookie when a successful log-in to this account gave it."""
    payload = _cookie_payload()
    if payload is None or _account_digest(email) not in payload["a"]:
        return None
    return payload["d"]


def login_source(email: str) -> LoginSource:
    """Where this request's attempt for this account comes from."""
    return LoginSource(ip=(request.remote_addr or "unknown")[:64], device=trusted_device(email))


def remember_device(response: Response, email: str) -> None:
    """After a successful log-in: this device is trusted for this account from now on."""
    payload = _cookie_payload() or {"d": secrets.token_hex(16), "a": []}
    digest = _account_digest(email)
    accounts = [a for a in payload["a"] if a != digest][-(MAX_ACCOUNTS - 1):] + [digest]
    config = current_app.config
    response.set_cookie(config["DEVICE_COOKIE_NAME"], make_token(PURPOSE, {"d": payload["d"], "a": accounts}),
                        max_age=config["DEVICE_COOKIE_MAX_AGE"], path="/", secure=config["SESSION_COOKIE_SECURE"],
                        httponly=True, samesite=config["SESSION_COOKIE_SAMESITE"])
