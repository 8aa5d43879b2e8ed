"""The daily digest job, run by the scheduler: each person with notifications waiting for the digest gets one
mail a day. The digest row (unique per person and day) is written in the same unit of work as the mail and
the marks, so a job run twice, or by two workers, sends one digest."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import clock, transaction
from ..extensions import db
from ..mail import queue_mail
from . import queries
from .models import Notification, NotificationDigest
from .services import DIGEST_MAIL, DIGEST_SUBJECT, absolute, site_path, unsubscribe_url


def send_digests() -> int:
    """Returns how many digests were queued."""
    user_ids = list(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.digest_pending.is_(True)).distinct().order_by(Notification.user_id)))
    sent = 0
    for user_id in user_ids:
        with transaction.unit_of_work(f"notification digest {user_id}"):
            sent += send_digest_to(user_id)
    return sent


def send_digest_to(user_id: int) -> int:
    recipient = queries.recipient(user_id)
    today = clock.now().date()
    if recipient is None or db.session.scalar(sa.select(NotificationDigest.id).where(
            NotificationDigest.user_id == user_id, NotificationDigest.day == today)) is not None:
        return 0
    rows = list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.digest_pending.is_(True)).order_by(Notification.id)))
    if not rows:
        return 0
    try:
        with db.session.begin_nested():  # another worker's digest for the same day wins
            db.session.add(NotificationDigest(user_id=user_id, day=today, sent_at=clock.now(), items=len(rows)))
    except IntegrityError:
        return 0
    for row in rows:
        row.digest_pending = False
    stop = unsubscribe_url(recipient, DIGEST_SUBJECT)
    queue_mail(recipient.email, DIGEST_MAIL, recipient_id=user_id, list_unsubscribe=stop,
               items=[{"kind": r.kind, "params": r.params, "link": absolute(r.link)} for r in rows],
               page=absolute(site_path("notifications.index")), unsubscribe=stop)
    db.session.flush()
    return 1
