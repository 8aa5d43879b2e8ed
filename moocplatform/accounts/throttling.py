"""Log-in throttling that slows attackers without locking anyone out (OWASP's device cookies).

Failures count per account and source. A source is the address a request came from, or, when the browser
shows a device cookie that a successful log-in to this account gave it, that device alone. From the third
failure of an account and source on, each attempt must wait 1, 2, 4 … up to 60 seconds after the last one;
nothing is ever locked for good. An address that fails very often across accounts (a password spray) meets a
ceiling for the window; a trusted device does not, so a class behind one school router keeps logging in while
someone attacks an account. An account attacked from many addresses meets a ceiling of its own (100 untrusted
failures an hour): then it lets in only its trusted devices, until the failures age out or a password reset
(or an administrator's unlock) clears them. The counts are rows in the database, shared by every worker
without Redis; attempts on one account are checked one after the other (`hold_account`), so guesses sent at
the same instant are each counted before the next is judged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import ngettext

from .. import clock, dialect
from ..errors import DomainError
from ..extensions import db
from .models import LoginFailure


@dataclass(frozen=True)
class LoginSource:
    """Where an attempt comes from: the client's address, and the device id of a device cookie that this
    account trusts (None without one)."""

    ip: str
    device: str | None = None


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message or ngettext(
            "Too many failed attempts. Try again in %(num)d second, or reset your password.",
            "Too many failed attempts. Try again in %(num)d seconds, or reset your password.", retry_after))
        self.retry_after = retry_after


class AccountNeedsTrustedDevice(LoginThrottled):
    """The account met its ceiling of failures from untrusted sources."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after, ngettext(
            "This account has had too many failed log-ins. Log in on a device you have used before, try again "
            "in %(num)d minute, or reset your password.",
            "This account has had too many failed log-ins. Log in on a device you have used before, try again "
            "in %(num)d minutes, or reset your password.", max(1, math.ceil(retry_after / 60))))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def failure_delay(failures: int) -> int:
    """Seconds to wait after the last of `failures` recent failures: none for the first two, then 1, 2, 4 …
    doubling up to the configured maximum (60 s)."""
    free = current_app.config["LOGIN_FREE_FAILURES"]
    if failures <= free:
        return 0
    return min(current_app.config["LOGIN_MAX_DELAY_SECONDS"], 2 ** min(failures - free - 1, 30))


def window_start():
    return clock.now() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _source_filter(source: LoginSource) -> sa.ColumnElement[bool]:
    if source.device is not None:
        return LoginFailure.device == source.device
    return sa.and_(LoginFailure.ip == source.ip, LoginFailure.device.is_(None))


def hold_account(email: str) -> None:
    """Until the caller's transaction ends, other attempts on this account wait: each then sees the failures
    recorded before it, however many are sent at the same instant."""
    dialect.serialise_on(db.session, "login:" + normalise_email(email))


def throttle_wait(email: str, source: LoginSource) -> int:
    """Seconds until this account may be tried again from this source; 0 when it may be tried now."""
    since = window_start()
    count, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.failed_at))
        .where(LoginFailure.email == normalise_email(email), _source_filter(source), LoginFailure.failed_at > since)
    ).one()
    wait = 0.0
    if count and last is not None:
        wait = (last + timedelta(seconds=failure_delay(count)) - clock.now()).total_seconds()
    if source.device is None:
        wait = max(wait, _source_ceiling_wait(source.ip, since))
    return max(0, math.ceil(wait))


def account_ceiling_wait(email: str) -> int:
    """Seconds until an account that met its ceiling of untrusted failures may be tried from an untrusted
    source again (when the oldest of the failures that make the ceiling leaves the window); 0 below it."""
    ceiling = current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    since = _account_window_start()
    oldest = db.session.scalars(
        sa.select(LoginFailure.failed_at)
        .where(LoginFailure.email == normalise_email(email), LoginFailure.device.is_(None),
               LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at.desc()).offset(ceiling - 1).limit(1)
    ).first()
    return 0 if oldest is None else max(1, math.ceil((oldest - since).total_seconds()))


def _account_window_start():
    return clock.now() - timedelta(seconds=current_app.config["LOGIN_ACCOUNT_WINDOW_SECONDS"])


def _source_ceiling_wait(ip: str, since) -> float:
    """An address with the ceiling's number of untrusted failures in the window waits until the oldest of them
    leaves it."""
    ceiling = current_app.config["LOGIN_SOURCE_MAX_FAILURES"]
    oldest = db.session.scalars(
        sa.select(LoginFailure.failed_at)
        .where(LoginFailure.ip == ip, LoginFailure.device.is_(None), LoginFailure.failed_at > since)
        .order_by(LoginFailure.failed_at.desc()).offset(ceiling - 1).limit(1)
    ).first()
    return 0.0 if oldest is None else (oldest - since).total_seconds()


def refuse_while_throttled(email: str, source: LoginSource) -> None:
    """Raise while this account may not be tried from this source. Holds the account first (see
    `hold_account`), so the caller's check and the failure it may record are one step."""
    hold_account(email)
    wait = throttle_wait(email, source)
    if wait:
        raise LoginThrottled(wait)
    if source.device is None:
        ceiling_wait = account_ceiling_wait(email)
        if ceiling_wait:
            raise AccountNeedsTrustedDevice(ceiling_wait)


def record_failure(email: str, source: LoginSource) -> None:
    db.session.add(LoginFailure(email=normalise_email(email), ip=source.ip[:64], device=source.device,
                                failed_at=clock.now()))
    db.session.flush()


def clear_source_failures(email: str, source: LoginSource) -> None:
    """A success from a source forgets that source's failures (not an attacker's elsewhere)."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == normalise_email(email),
                                                     _source_filter(source)))


def clear_login_failures(email: str) -> int:
    """Everything that slows this account down, from every source and device."""
    return _deleted(sa.delete(LoginFailure).where(LoginFailure.email == normalise_email(email)))


def recent_failures(email: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(
        LoginFailure.email == normalise_email(email), LoginFailure.failed_at > window_start())) or 0


def purge_old_login_failures() -> int:
    """Scheduled job: drop failures older than both throttling windows."""
    return _deleted(sa.delete(LoginFailure).where(LoginFailure.failed_at <= min(window_start(),
                                                                                  _account_window_start())))


def _deleted(statement: sa.Delete) -> int:
    """Runs a DELETE; how many rows it removed."""
    # Session.execute() is declared to return a Result; a DELETE's is a CursorResult, which has rowcount.
    result = cast(sa.CursorResult[Any], db.session.execute(statement))
    return result.rowcount or 0
