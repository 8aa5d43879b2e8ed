"""A browser's push subscription: where its push service takes messages for it (the endpoint) and the keys
they are encrypted with (RFC 8291). It belongs to the signed-in session that made it, so logging out (or the
session's end) stops push messages to that device."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..personal_data import delete_rows, register, rows_as_dicts


class PushSubscription(Model):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))  # the browser's public key, base64url
    auth: Mapped[str] = mapped_column(sa.String(64))  # the browser's authentication secret, base64url
    created_at: Mapped[datetime]
    last_success_at: Mapped[datetime | None]


register(PushSubscription, section="push_subscriptions", rule="delete",
         export=lambda user: rows_as_dicts(PushSubscription, PushSubscription.user_id == user.id,
                                           exclude=("p256dh", "auth")),
         erase=lambda user: delete_rows(PushSubscription, PushSubscription.user_id == user.id),
         reason="the devices a person gets push messages on are theirs alone")
