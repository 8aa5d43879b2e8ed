"""Bearer authentication with personal access tokens (RFC 6750).

Cookie sessions never authenticate the API: a request is who its token says, so cross-site request forgery
has nothing to ride on and a client can be granted less than the whole account.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, request

from ..accounts.queries import user_with_roles
from ..tokens.purposes import PERSONAL_ACCESS
from ..tokens.services import TokenRejected, verify_token
from .problems import Problem

if TYPE_CHECKING:
    from ..tokens.models import Token

REALM = "moocplatform"


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


def authenticate(scopes: tuple[str, ...]) -> Token:
    """The request's token and its owner (as g.api_user), or a 401/403 problem."""
    secret = bearer_secret()
    if secret is None:
        raise Problem(401, "Send a personal access token: Authorization: Bearer <token>.", type_="invalid-token",
                      title="Authentication required", headers=_challenge())
    try:
        token = verify_token(secret, PERSONAL_ACCESS.name)
    except TokenRejected:
        raise Problem(401, "The token is unknown, expired or revoked.", type_="invalid-token",
                      title="Authentication required", headers=_challenge("invalid_token")) from None
    user = user_with_roles(token.owner_id)
    if user is None or not user.is_active:  # a suspended or erased account's tokens stop working at once
        raise Problem(401, "The token's account cannot use the API.", type_="invalid-token",
                      title="Authentication required", headers=_challenge("invalid_token"))
    missing = [s for s in scopes if s not in token.scope_set]
    if missing:
        raise Problem(403, f"The token lacks the scope {' '.join(missing)}.", type_="insufficient-scope",
                      title="Insufficient scope", headers=_challenge("insufficient_scope", " ".join(scopes)))
    g.api_user = user
    g.api_token = token
    return token


def api_user():
    return g.api_user
