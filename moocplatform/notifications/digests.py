"""The digest job, run hourly by the scheduler: each person with notifications waiting for a digest gets at
most one daily summary per day and one weekly summary per week, both counted in their own time zone. The
weekly one goes from their Monday at WEEKLY_HOUR on, with what came before that moment (what comes later waits
for the next Monday). The digest row (unique per person, period and day) is written in the same unit of work
as the mail and the marks, so a job run twice, or by two workers, sends one digest; the worker renders the
mail in the person's language."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import clock, transaction
from ..extensions import db
from ..mail import queue_mail
from . import queries
from .models import DigestPeriod, Notification, NotificationDigest
from .services import DIGEST_MAIL, DIGEST_SUBJECT, WEEKLY_DIGEST_SUBJECT, absolute, site_path, unsubscribe_url

WEEKLY_HOUR = 7  # Monday morning, the recipient's time
SUBJECTS = {DigestPeriod.daily: DIGEST_SUBJECT, DigestPeriod.weekly: WEEKLY_DIGEST_SUBJECT}


def send_digests() -> int:
    """Returns how many digests were queued."""
    waiting = db.session.execute(sa.select(Notification.user_id, Notification.digest_period).where(
        Notification.digest_pending.is_(True)).distinct().order_by(Notification.user_id,
                                                                    Notification.digest_period)).all()
    sent = 0
    for user_id, period in waiting:
        with transaction.unit_of_work(f"notification digest {user_id}"):
            sent += send_digest_to(user_id, DigestPeriod(period or DigestPeriod.daily))
    return sent


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_period_now(period: DigestPeriod, zone_name: str | None, now: datetime) -> tuple[date, datetime]:
    """The day the digest of this period sent now is filed under, and the moment up to which it takes what
    was made: for a weekly one, the Monday at WEEKLY_HOUR that began the week (a Monday before that hour
    belongs to the week before)."""
    local = now.astimezone(_zone(zone_name))
    if period == DigestPeriod.daily:
        return local.date(), now
    monday = local.date() - timedelta(days=local.weekday())
    starts = datetime.combine(monday, time(WEEKLY_HOUR), tzinfo=local.tzinfo)
    if local < starts:
        monday -= timedelta(days=7)
        starts = datetime.combine(monday, time(WEEKLY_HOUR), tzinfo=local.tzinfo)
    return monday, starts


def send_digest_to(user_id: int, period: DigestPeriod = DigestPeriod.daily) -> int:
    recipient = queries.recipient(user_id)
    if recipient is None:
        return 0
    day, before = digest_period_now(period, recipient.timezone, clock.now())
    if db.session.scalar(sa.select(NotificationDigest.id).where(
            NotificationDigest.user_id == user_id, NotificationDigest.period == period,
            NotificationDigest.day == day)) is not None:
        return 0
    waiting = Notification.digest_period == period
    if period == DigestPeriod.daily:  # rows from before weekly digests existed name no period
        waiting = sa.or_(waiting, Notification.digest_period.is_(None))
    rows = list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.digest_pending.is_(True), waiting,
        Notification.created_at <= before).order_by(Notification.id)))
    if not rows:
        return 0
    try:
        with db.session.begin_nested():  # another worker's digest for the same period wins
            db.session.add(NotificationDigest(user_id=user_id, period=period, day=day, sent_at=clock.now(),
                                              items=len(rows)))
    except IntegrityError:
        return 0
    for row in rows:
        row.digest_pending = False
    stop = unsubscribe_url(recipient, SUBJECTS[period])
    queue_mail(recipient.email, DIGEST_MAIL, recipient_id=user_id, list_unsubscribe=stop, period=period.value,
               items=[{"kind": r.kind, "params": r.params, "link": absolute(r.link)} for r in rows],
               page=absolute(site_path("notifications.index")), unsubscribe=stop)
    db.session.flush()
    return 1
