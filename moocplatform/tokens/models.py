"""Secrets handed out in URLs and to API clients. Only the SHA-256 of each secret is stored."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..personal_data import register_owned


class Token(Model):
    """A revocable, scoped, expiring secret of one owner, for one purpose (see tokens.purposes)."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    # Hex SHA-256 of the secret: a database leak gives no usable secret, and lookup by hash is constant-time
    # with respect to the secret's characters.
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The secret's first characters, so the owner can tell tokens apart (not enough to guess the rest).
    hint: Mapped[str] = mapped_column(sa.String(16))
    # Space-separated, as in OAuth's scope parameter.
    scopes: Mapped[str] = mapped_column(sa.String(400), default="")
    subject: Mapped[str | None] = mapped_column(sa.String(64))  # e.g. a course id for a calendar feed
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_live(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)


register_owned(Token, section="tokens", owner="owner_id", exclude=("secret_hash",),
               reason="access tokens and links end with the account")
