"""What push delivery reads: a person's subscriptions, and one row's subscription with its notification and
recipient (all three, or nothing to send)."""
from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..notifications.models import Notification
from .models import PushSubscription


def subscriptions_of(user_id: int) -> list[PushSubscription]:
    return list(db.session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id == user_id)
                                   .order_by(PushSubscription.id)))


def delivery_of(subscription_id: object, notification_id: object
                ) -> tuple[PushSubscription, Notification, User] | None:
    """The device, the notification and its recipient, when the notification is still that device's owner's."""
    row = db.session.execute(
        sa.select(PushSubscription, Notification, User)
        .join(Notification, Notification.user_id == PushSubscription.user_id)
        .join(User, User.id == PushSubscription.user_id)
        .where(PushSubscription.id == subscription_id, Notification.id == notification_id)).first()
    return (row[0], row[1], row[2]) if row is not None else None
