"""Issue, verify, revoke and list tokens. The secret is shown once, at issue; only its SHA-256 is stored.

Secrets have 256 bits of randomness, so an unsalted fast hash is the right tool: nobody can enumerate the
space, and lookup by the hash's unique index gives no timing signal about how much of a guess was right.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.engine import CursorResult

from .. import clock, policy
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from .models import Token
from .purposes import get_purpose

LABEL_MAX = 80
# last_used_at is a hint for the owner, not an audit trail: writing it at most once a minute keeps busy API
# clients from turning every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRejected(Exception):
    """The secret does not name a live token of this purpose with these scopes. `reason` is for logs only;
    callers answer the same way whatever it is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedToken:
    token: Token
    secret: str  # shown to the owner once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(actor, owner, purpose: str, *, scopes: Iterable[str], label: str = "", subject: str | None = None,
                expires_at: datetime | None = None, lifetime: timedelta | None = None) -> IssuedToken:
    """A new token for owner. Without expires_at or lifetime, the purpose's default lifetime applies."""
    if not policy.can_issue_token(actor, owner.id):
        raise PermissionDenied(_("You cannot issue tokens for this account."))
    kind = get_purpose(purpose)
    scope_list = sorted(set(scopes))
    if not scope_list:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    unknown = [s for s in scope_list if s not in kind.scopes]
    if unknown:
        raise InvalidInput(_("Unknown scope: %(scope)s.", scope=", ".join(unknown)), field="scopes")
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise InvalidInput(_("The name is too long (at most %(n)d characters).", n=LABEL_MAX), field="label")
    if subject is not None and (not subject or len(subject) > 64):
        raise InvalidInput(_("The token's subject is not valid."), field="subject")
    now = clock.now()
    if expires_at is None:
        lifetime = lifetime if lifetime is not None else kind.default_lifetime
        expires_at = now + lifetime if lifetime is not None else None
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(_("The expiry date must be in the future."), field="expires_at")
    if kind.max_lifetime is not None and (expires_at is None or expires_at - now > kind.max_lifetime):
        raise InvalidInput(_("Such a token can live at most %(days)d days.", days=kind.max_lifetime.days),
                           field="expires_at")
    live = db.session.scalar(sa.select(sa.func.count()).select_from(Token).where(
        Token.owner_id == owner.id, Token.purpose == purpose, Token.revoked_at.is_(None),
        sa.or_(Token.expires_at.is_(None), Token.expires_at > now)))
    if (live or 0) >= kind.max_per_owner:
        raise InvalidInput(_("You have too many tokens of this kind; revoke one first."))
    secret = f"{kind.prefix}_{secrets.token_urlsafe(32)}"
    token = Token(owner_id=owner.id, purpose=purpose, label=label, secret_hash=hash_secret(secret),
                  hint=secret[:len(kind.prefix) + 5], scopes=" ".join(scope_list), subject=subject,
                  created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token, secret)


# Built once: the statement is the same on every request.
_BY_HASH = sa.select(Token).where(Token.secret_hash == sa.bindparam("digest"))


def verify_token(secret: str, purpose: str, *, scopes: Iterable[str] = (), subject: str | None = None) -> Token:
    """The live token behind secret, if it has this purpose, every scope asked for and (if given) this
    subject; raises TokenRejected otherwise. Reads only (see record_token_use)."""
    digest = secret_digest(secret, purpose)
    token = db.session.scalar(_BY_HASH, {"digest": digest})
    return check_token(token, digest, purpose, scopes=scopes, subject=subject)


def secret_digest(secret: str, purpose: str) -> str:
    """The hash to look a secret up by (Token.secret_hash); raises TokenRejected when the secret cannot be
    one of purpose. With check_token, for a caller that loads the token together with more (its owner)."""
    kind = get_purpose(purpose)
    if not secret or len(secret) > 200 or not secret.startswith(kind.prefix + "_"):
        raise TokenRejected("malformed")
    return hash_secret(secret)


def check_token(token: Token | None, digest: str, purpose: str, *, scopes: Iterable[str] = (),
                subject: str | None = None) -> Token:
    """token, loaded by the digest of a secret, when it is live, of this purpose, with every scope asked for and
    (if given) this subject; raises TokenRejected otherwise."""
    # The index lookup already matched; the comparison guards against a collation that folds case.
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        raise TokenRejected("unknown")
    now = clock.now()
    if token.purpose != purpose:
        raise TokenRejected("purpose")
    if token.revoked_at is not None:
        raise TokenRejected("revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRejected("expired")
    if not set(scopes) <= token.scope_set:
        raise TokenRejected("scope")
    if subject is not None and token.subject != subject:
        raise TokenRejected("subject")
    return token


def token_use_is_stale(token: Token) -> bool:
    """Whether record_token_use would write (the last use is unknown or over a minute old)."""
    return token.last_used_at is None or clock.now() - token.last_used_at >= LAST_USED_RESOLUTION


def record_token_use(token: Token) -> None:
    """Remember that a verified token was used. Separate from verify_token so that a request can read in
    one transaction and write this in another (SQLite cannot turn a read transaction into a write one once
    another writer has committed)."""
    if token_use_is_stale(token):
        token.last_used_at = clock.now()
        db.session.flush()


def revoke_token(actor, token_id: int) -> Token:
    """Revoke one token. Revoking twice is harmless; the first time is kept."""
    token = db.session.get(Token, token_id)
    if token is None:
        raise NotFound(_("No such token."))
    if not policy.can_manage_tokens(actor, token.owner_id):
        raise NotFound(_("No such token."))  # someone else's tokens are not even confirmed to exist
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.session.flush()
    return token


def revoke_all(actor, owner, purpose: str | None = None) -> int:
    """Revoke every live token of owner (of one purpose, if given): on a password change, for instance."""
    if not policy.can_manage_tokens(actor, owner.id):
        raise PermissionDenied(_("You cannot revoke tokens of this account."))
    criteria = [Token.owner_id == owner.id, Token.revoked_at.is_(None)]
    if purpose is not None:
        criteria.append(Token.purpose == purpose)
    result = db.session.execute(sa.update(Token).where(*criteria).values(revoked_at=clock.now()))
    return cast(CursorResult, result).rowcount or 0


def tokens_for_owner(actor, owner, purpose: str | None = None) -> list[Token]:
    """Owner's tokens, newest first, revoked and expired ones included (the page shows their state)."""
    if not policy.can_manage_tokens(actor, owner.id):
        raise PermissionDenied(_("You cannot see the tokens of this account."))
    query = sa.select(Token).where(Token.owner_id == owner.id)
    if purpose is not None:
        query = query.where(Token.purpose == purpose)
    return list(db.session.scalars(query.order_by(Token.created_at.desc(), Token.id.desc())))
