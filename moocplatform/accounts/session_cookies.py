"""The browser's side of server-side sessions: Flask's signed session cookie names a session row (its key and
the `auth_version` it was made with), and a remembered device also holds a remember cookie with a key that is
replaced each time it re-establishes a session. Flask-Login's own remember cookie is not used.

Writes that a reading request causes (a session seen again, a remember key rotated or revoked) are made after
the view, in a short transaction of their own, so that GET requests keep reading without SQLite's write lock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from .. import transaction
from ..extensions import login_manager
from . import sessions, signin_cache
from .devices import device_label
from .models import User, UserSession

SESSION_KEY = "_sid"  # the session row's key, in Flask's signed cookie
VERSION_KEY = "_av"  # the auth_version the session was made with
HOST_PREFIX = "__Host-"  # a secure cookie bound to this host and path /: no subdomain can set or read it
LEGACY_REMEMBER_COOKIE = "remember_token"  # Flask-Login's, no longer honoured
# Between the password and the second factor: the pending log-in's key (its row is the state, see
# second_factor.py) and where to go afterwards. Nothing is signed in meanwhile.
CHALLENGE_KEY, CHALLENGE_NEXT = "_2fa", "_2fa_next"


@dataclass
class _Pending:
    """What the request's user loading decided to write or send once the view has run."""

    touch_user_id: int | None = None
    touch_session_id: int | None = None
    touch_session_started: datetime | None = None
    rotation: sessions.Rotation | None = None
    revoke_session_id: int | None = None
    clear_remember: bool = False
    set_remember: str | None = None


def _pending() -> _Pending:
    if "_session_pending" not in g:
        g._session_pending = _Pending()
    return g._session_pending


def browser_session_values(user: User, started: sessions.StartedSession, *, fresh: bool = True) -> dict[str, Any]:
    """What Flask's session cookie holds for a signed-in browser (also how tests sign a client in)."""
    return {"_user_id": str(user.id), "_fresh": fresh, SESSION_KEY: started.key, VERSION_KEY: user.auth_version}


def remember_cookie_name() -> str:
    return current_app.config["REMEMBER_ME_COOKIE_NAME"]


def current_session() -> UserSession | None:
    """The session row of this request's signed-in browser (loaded with the user)."""
    return g.get("_user_session")


def current_session_id() -> int | None:
    row = current_session()
    return row.id if row is not None else None


def sign_in(user: User, *, remember: bool = False, by_password: bool = False) -> sessions.StartedSession:
    """Log this browser in as user: a new session row (the caller commits) and the cookies that name it."""
    started = sessions.start_session(user, device=device_label(request.user_agent.string), remember=remember,
                                     by_password=by_password)
    login_user(user)
    forget_challenge()
    session.update(browser_session_values(user, started))
    g._user_session = started.row
    if started.remember_key is not None:
        _pending().set_remember = started.remember_key
    return started


def sign_out() -> None:
    """Log this browser out and end its session row (the caller commits)."""
    if current_user.is_authenticated:  # loads this request's session row, if the cookie names a valid one
        sessions.end_session_by_id(current_user, current_session_id())
    forget_browser()


def forget_browser() -> None:
    """Drop this browser's sign-in (its session row has ended, or is about to)."""
    logout_user()
    for key in (SESSION_KEY, VERSION_KEY):
        session.pop(key, None)
    forget_challenge()
    g.pop("_user_session", None)
    pending = _pending()
    pending.rotation, pending.touch_session_id, pending.set_remember = None, None, None
    pending.clear_remember = True


def forget_challenge() -> None:
    """Drop a pending log-in's key from the browser (it was completed, abandoned or has ended)."""
    for key in (CHALLENGE_KEY, CHALLENGE_NEXT):
        session.pop(key, None)


def credentials_changed(user: User) -> None:
    """The account moved to a new auth_version while this browser's session was kept: carry it over."""
    session[VERSION_KEY] = user.auth_version


# Loading the signed-in user ----------------------------------------------------------------------------------

def _load_from_session_cookie(user_id: str) -> User | None:
    key, version = session.get(SESSION_KEY), session.get(VERSION_KEY)
    if not user_id.isdigit() or not isinstance(key, str) or not isinstance(version, int):
        return None
    found = signin_cache.signed_in(int(user_id), key, version)
    if found is None:
        return None
    user, row = found
    g._user_session = row
    if sessions.touch_due(row):
        pending = _pending()
        pending.touch_user_id, pending.touch_session_id, pending.touch_session_started = (
            row.user_id, row.id, row.created_at)
    return user


def _load_from_remember_cookie(_request: Any) -> User | None:
    raw = request.cookies.get(remember_cookie_name())
    if not raw:
        return None
    lookup = sessions.find_remembered(raw[:200])
    pending = _pending()
    if lookup is None:
        pending.clear_remember = True
        return None
    if lookup.within_grace:
        # A parallel request of a browser whose key was just replaced: it may go on with the new cookies.
        g._user_session = lookup.row
        return lookup.user
    if not lookup.current:
        pending.revoke_session_id = lookup.row.id
        pending.clear_remember = True
        return None
    rotation = sessions.plan_rotation(lookup.row)
    pending.rotation = rotation
    login_user(lookup.user, fresh=False)
    session.update(browser_session_values(
        lookup.user, sessions.StartedSession(lookup.row, rotation.key, rotation.remember_key), fresh=False))
    g._user_session = lookup.row
    return lookup.user


# After the view --------------------------------------------------------------------------------------------

def _write_pending(pending: _Pending, response: Response) -> None:
    """Session writes caused by loading the user, in a short unit of work of their own once the request's unit
    has committed (or rolled back): a failed page still records that its session was used."""
    if pending.touch_session_id is None and pending.rotation is None and pending.revoke_session_id is None:
        return
    transaction.end_request_unit(response)
    written = False
    with transaction.unit_of_work("session bookkeeping", best_effort=True):
        if pending.revoke_session_id is not None:
            sessions.revoke_replayed(pending.revoke_session_id)
        if pending.rotation is not None:
            if sessions.rotate(pending.rotation):
                pending.set_remember = pending.rotation.remember_key
            else:  # another request of this browser rotated first; its cookies stand
                session.pop(SESSION_KEY, None)
        elif (pending.touch_user_id is not None and pending.touch_session_id is not None
              and pending.touch_session_started is not None):
            sessions.record_use(pending.touch_user_id, pending.touch_session_id, pending.touch_session_started)
        written = True
    if not written and pending.rotation is not None:  # skipped: a busy database (only bookkeeping)
        session.pop(SESSION_KEY, None)


def _send_cookies(response: Response, pending: _Pending) -> None:
    config = current_app.config
    name = remember_cookie_name()
    options = {"path": "/", "secure": config["SESSION_COOKIE_SECURE"], "httponly": True,
               "samesite": config["SESSION_COOKIE_SAMESITE"]}
    if pending.set_remember is not None:
        response.set_cookie(name, pending.set_remember, max_age=config["REMEMBER_COOKIE_DURATION"], **options)
    elif pending.clear_remember and name in request.cookies:
        response.delete_cookie(name, **options)


def _after_request(response: Response) -> Response:
    pending = g.get("_session_pending")
    if pending is not None:
        _write_pending(pending, response)
        _send_cookies(response, pending)
    if LEGACY_REMEMBER_COOKIE in request.cookies:
        # While it is there Flask-Login would not even look at ours.
        response.delete_cookie(LEGACY_REMEMBER_COOKIE, path="/")
    return response


def _cookie_names(app: Flask) -> None:
    """Secure cookies take the __Host- prefix, which the browser accepts only with Secure, Path=/ and no
    Domain."""
    config = app.config
    if not config["SESSION_COOKIE_SECURE"]:
        return
    for key in ("SESSION_COOKIE_NAME", "REMEMBER_ME_COOKIE_NAME", "DEVICE_COOKIE_NAME"):
        if not config[key].startswith(HOST_PREFIX):
            config[key] = HOST_PREFIX + config[key]
    config["SESSION_COOKIE_PATH"] = "/"
    config["SESSION_COOKIE_DOMAIN"] = None


def _load_signed_in_user_first() -> None:
    """A browser whose cookie names a session has it checked before the view runs, as nearly every page of a
    signed-in user shows who it is anyway: the load is then the first statement of the request's transaction,
    the only kind whose result a worker may keep a copy of on SQLite (see signin_cache)."""
    endpoint = request.endpoint
    if SESSION_KEY in session and endpoint is not None and not endpoint.endswith("static"):
        current_user._get_current_object()


def install_server_sessions(app: Flask) -> None:
    _cookie_names(app)
    login_manager.user_loader(_load_from_session_cookie)
    login_manager.request_loader(_load_from_remember_cookie)
    app.before_request(_load_signed_in_user_first)
    app.after_request(_after_request)
