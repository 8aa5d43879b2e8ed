"""Notifications: one row per thing a person is told about, their per-kind channel choice, and the digests
sent (one per person, period and day: the day of a daily digest, the Monday of a weekly one, both in the
person's time zone, which makes the digest job idempotent)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..personal_data import delete_rows, register, rows_as_dicts
from ..stored_enum import stored_enum


class Channel(StrEnum):
    in_app = "in_app"  # on the notifications page and the bell only
    email = "email"  # also an e-mail at once
    digest = "digest"  # also in the daily digest mail
    weekly = "weekly"  # also in the weekly digest mail (Monday morning, the person's time)
    push = "push"  # also a push message to the person's devices (offered only where push is set up)
    off = "off"


class DigestPeriod(StrEnum):
    daily = "daily"
    weekly = "weekly"


DIGEST_OF_CHANNEL = {Channel.digest: DigestPeriod.daily, Channel.weekly: DigestPeriod.weekly}


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    read_at: Mapped[datetime | None]
    # Plain values the kind renders in the reader's language when shown or mailed.
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str] = mapped_column(sa.String(400), default="")
    digest_pending: Mapped[bool] = mapped_column(default=False, index=True)
    # Which digest it waits for (the channel chosen when it was made); None when it waits for none.
    digest_period: Mapped[DigestPeriod | None] = mapped_column(stored_enum(DigestPeriod, column="digest_period",
                                                                           length=16))


class NotificationPreference(Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[Channel] = mapped_column(stored_enum(Channel, column="channel", length=16))


class NotificationDigest(Model):
    __tablename__ = "notification_digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "period", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period: Mapped[DigestPeriod] = mapped_column(stored_enum(DigestPeriod, column="period", length=16),
                                                 default=DigestPeriod.daily, server_default="daily")
    day: Mapped[date]  # the person's day of a daily digest; the Monday of a weekly one
    sent_at: Mapped[datetime]
    items: Mapped[int]


for _model, _section in ((Notification, "notifications"), (NotificationPreference, "notification_preferences"),
                         (NotificationDigest, "notification_digests")):
    register(_model, section=_section, rule="delete",
             export=lambda user, m=_model: rows_as_dicts(m, m.user_id == user.id),
             erase=lambda user, m=_model: delete_rows(m, m.user_id == user.id),
             reason="what a person was told, and how they wanted to be told, is theirs alone")
