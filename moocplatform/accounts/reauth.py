"""Re-authentication before sensitive actions (ASVS 3.7.1, 4.3.3): an action marked `@requires_recent_password`
runs only when this browser's session had its password typed within RECENT_PASSWORD_SECONDS (at log-in or on
the confirmation page). The time is kept on the server-side session row, so it cannot be forged in a cookie,
and it ends with the session. Everything that decides this is here; views only wear the decorator."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from .. import clock
from ..urls import is_safe_next
from .models import UserSession
from .session_cookies import current_session


def password_recently_confirmed(row: UserSession | None) -> bool:
    """Whether the session's holder typed the password recently enough for a sensitive action."""
    if row is None or row.password_confirmed_at is None:
        return False
    window = timedelta(seconds=current_app.config["RECENT_PASSWORD_SECONDS"])
    return clock.now() - row.password_confirmed_at <= window


def requires_recent_password(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send a browser whose password is not fresh to the confirmation page first. A page comes back to itself
    afterwards; a form sent meanwhile is not carried out, and its page (the referrer) is shown again so that the
    action can be repeated knowingly."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if password_recently_confirmed(current_session()):
            return view(*args, **kwargs)
        back: str | None
        if request.method in ("GET", "HEAD"):
            back = request.full_path.rstrip("?")
        else:
            flash(_("For your safety, confirm your password, then do that again."), "info")
            back = _same_site_referrer()
        return redirect(url_for("accounts.confirm_password", next=back) if back
                        else url_for("accounts.confirm_password"))

    guarded.requires_recent_password = True  # type: ignore[attr-defined]
    return guarded


def _same_site_referrer() -> str | None:
    """The page a form was sent from, as a path on this site (None for anything else)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_next(path) else None
