"""What the service worker learns from each response, in two headers.

`X-Offline-Session` names the signed-in browser session (an HMAC of user and session row, so it says nothing
about either) or `none`: the worker keeps offline copies in one cache per session and drops every other
session's cache as soon as a page answers for a different one (or for nobody), so a shared device never shows
one learner's pages to the next. `X-Offline-Copy: unit` marks the pages worth keeping for reading offline."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

from ..accounts.session_cookies import current_session_id

SESSION_HEADER = "X-Offline-Session"
COPY_HEADER = "X-Offline-Copy"
SIGNED_OUT = "none"
# The pages a learner reads offline: the unit pages they opened (the worker also keeps their images).
OFFLINE_ENDPOINTS = frozenset({"learning.unit_page"})


def offline_session_key() -> str | None:
    """The opaque name of this browser session's offline cache, or None when nobody is signed in."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    session_id = current_session_id()
    if session_id is None:
        return None
    message = f"offline-cache:{current_user.id}:{session_id}".encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def mark_offline_responses(response: Response) -> Response:
    if response.mimetype != "text/html" or request.method != "GET":
        return response
    key = offline_session_key()
    response.headers[SESSION_HEADER] = key or SIGNED_OUT
    if key and response.status_code == 200 and request.endpoint in OFFLINE_ENDPOINTS:
        response.headers[COPY_HEADER] = "unit"
    return response
