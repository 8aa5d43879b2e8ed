"""Who an API request acts as: the owner of a personal access token (RFC 6750 bearer), or the signed-in
browser of the platform's own pages.

A browser's session cookie authenticates a request only together with the page's CSRF token in the
X-CSRFToken header, whatever the method: a cookie alone authenticates nothing, so a page elsewhere that makes
the browser send a request (a form, an image, a script without our token) gets the 401 an anonymous client
gets. Such a request holds every learner scope (those named read:… and write:…), never more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from ..access import signed_in
from ..tokens.purposes import PERSONAL_ACCESS
from ..tokens.services import TokenRejected, check_token, secret_digest
from .problems import Problem
from .queries import token_and_owner

if TYPE_CHECKING:
    from ..tokens.models import Token

REALM = "moocplatform"
CSRF_HEADER = "X-CSRFToken"
LEARNER_SCOPE_PREFIXES = ("read:", "write:")


@dataclass(frozen=True)
class Caller:
    user: Any
    token: Token | None  # None for a browser session
    scopes: frozenset[str]

    @property
    def rate_limit_key(self) -> str:
        """A token counts on its own; a browser counts for its account (all its tabs and devices together)."""
        return f"token:{self.token.id}" if self.token is not None else f"user:{self.user.id}"


def _challenge(error: str | None = None, scope: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if scope:
        value += f', scope="{scope}"'
    return {"WWW-Authenticate": value}


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def session_scopes() -> frozenset[str]:
    return frozenset(s for s in PERSONAL_ACCESS.scopes if s.startswith(LEARNER_SCOPE_PREFIXES))


def authenticate(scopes: tuple[str, ...]) -> Caller:
    """The request's caller (its user also as g.api_user), or a 401/403 problem."""
    secret = bearer_secret()
    if secret is None and CSRF_HEADER in request.headers:
        caller = _browser_session()
    elif secret is None:
        raise Problem(401, "Send a personal access token: Authorization: Bearer <token>.", type_="invalid-token",
                      title="Authentication required", headers=_challenge())
    else:
        caller = _bearer(secret)
    missing = [s for s in scopes if s not in caller.scopes]
    if missing:
        raise Problem(403, f"The token lacks the scope {' '.join(missing)}.", type_="insufficient-scope",
                      title="Insufficient scope", headers=_challenge("insufficient_scope", " ".join(scopes)))
    g.api_user = caller.user
    g.api_token = caller.token
    return caller


def _bearer(secret: str) -> Caller:
    try:
        digest = secret_digest(secret, PERSONAL_ACCESS.name)
        found, user = token_and_owner(digest)  # one query: the token, its owner and the owner's roles
        token = check_token(found, digest, PERSONAL_ACCESS.name)
    except TokenRejected:
        raise Problem(401, "The token is unknown, expired or revoked.", type_="invalid-token",
                      title="Authentication required", headers=_challenge("invalid_token")) from None
    if user is None or not user.is_active:  # a suspended or erased account's tokens stop working at once
        raise Problem(401, "The token's account cannot use the API.", type_="invalid-token",
                      title="Authentication required", headers=_challenge("invalid_token"))
    return Caller(user, token, frozenset(token.scope_set))


def _browser_session() -> Caller:
    user = current_user._get_current_object()  # loads the session the cookie names, if it names a live one
    if not signed_in(user):
        raise Problem(401, "Log in again: this browser's session has ended.", type_="invalid-token",
                      title="Authentication required", headers=_challenge())
    try:
        validate_csrf(request.headers.get(CSRF_HEADER, ""))
    except ValidationError:
        raise Problem(403, "The page's CSRF token is not valid for this session; reload the page.",
                      type_="invalid-csrf-token", title="Forbidden", headers=_challenge()) from None
    return Caller(user, None, session_scopes())


def api_user():
    return g.api_user
