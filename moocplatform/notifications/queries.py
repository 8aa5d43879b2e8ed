"""Read-models of notifications: the bell's count (one indexed query), the list page, a person's choices."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..pagination import Page, paginate
from .kinds import NotificationKind, registered_notification_kinds
from .models import Channel, Notification, NotificationPreference

PAGE_SIZE = 30


def unread_count(user: Any) -> int:
    """The bell: the count kept on the person's row (services keep it in step), so a page adds no query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return max(0, user.unread_notifications or 0)


def counted_unread(user_id: int) -> int:
    """The unread notifications counted (one query on the (user_id, read_at) index): what the kept count
    must equal."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def notifications_page(user: Any, page: str) -> Page:
    return paginate(sa.select(Notification).where(Notification.user_id == user.id)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page=PAGE_SIZE)


def preferences_of(user_id: int) -> dict[str, Channel]:
    """Every registered kind with the channel in force for the person (their choice or the kind's default)."""
    chosen = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == user_id)).tuples().all())
    return {kind.name: Channel(chosen.get(kind.name, kind.default_channel)) for kind in registered_notification_kinds()}


def channel_for(user_id: int, kind: NotificationKind) -> Channel:
    chosen = db.session.scalar(sa.select(NotificationPreference.channel).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.name))
    return Channel(chosen) if chosen is not None else kind.default_channel


def recipient(user_id: int) -> Any:
    """The account a digest goes to, unless it was erased."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.status != "deleted" else None


def notifications_after(user_id: int, *, after: tuple[datetime, int] | None, unread_only: bool,
                        limit: int) -> tuple[list[Notification], bool]:
    """A keyset page of the person's notifications, newest first, and whether more follow: one query."""
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if after is not None:
        moment, row_id = after
        query = query.where(sa.or_(Notification.created_at < moment,
                                   sa.and_(Notification.created_at == moment, Notification.id < row_id)))
    rows = list(db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit + 1)))
    return rows[:limit], len(rows) > limit
