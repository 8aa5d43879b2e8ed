"""Daily and weekly digests: each goes once per period, counted in the recipient's time zone (the weekly one
from their Monday morning, with what came before it), with its own one-click unsubscribe, through the one
periodic digest job; the preferences page offers both."""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from moocplatform import clock
from moocplatform.extensions import db
from moocplatform.mail import _recipient_preferences
from moocplatform.notifications import digests
from moocplatform.notifications import services as notifications
from moocplatform.notifications.kinds import registered_notification_kinds
from moocplatform.notifications.models import Channel, DigestPeriod, NotificationDigest
from moocplatform.notifications.queries import preferences_of
from moocplatform.outbox import OutboxMessage
from tests.conftest import log_in
from tests.factories import make_user

REPLY = "discussion.reply"
MODERATION = "discussion.moderation"


def tell(user, text="Thread"):
    return notifications.notify(user, REPLY, {"name": "Someone", "thread": text}, link="/notifications")


def person(zone: str, channel: str = "weekly", **profile):
    user = make_user(timezone=zone, **profile)
    notifications.set_preferences(user, user, {REPLY: channel})
    return user


def digests_of(user) -> list[NotificationDigest]:
    return list(db.session.scalars(sa.select(NotificationDigest).where(NotificationDigest.user_id == user.id)
                                   .order_by(NotificationDigest.id)))


def mails_to(outbox, user):
    return [m for m in outbox.messages if m["To"] == user.email]


def test_a_weekly_choice_waits_for_the_recipients_monday_morning_and_goes_once(outbox):
    clock.set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # a Tuesday
    user = person("Europe/Berlin")
    first = tell(user, "One")
    tell(user, "Two")
    assert first.digest_pending and first.digest_period == DigestPeriod.weekly
    assert digests.send_digests() == 0 and mails_to(outbox, user) == []  # the week is not over
    clock.set_now(datetime(2026, 3, 9, 5, 30, tzinfo=UTC))  # Monday 06:30 in Berlin: not yet
    assert digests.send_digests() == 0
    clock.set_now(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Monday 07:30 in Berlin
    late = tell(user, "Three")  # after the week's start: it waits for the next Monday
    assert digests.send_digests() == 1
    assert digests.send_digests() == 0  # run again (or by a second worker): nothing more
    mails = mails_to(outbox, user)
    assert len(mails) == 1 and mails[0]["Subject"] == "Your weekly summary: 2 new notifications"
    assert "“One”" in mails[0].get_content() and "“Three”" not in mails[0].get_content()
    assert [(d.period, d.day, d.items) for d in digests_of(user)] == [(DigestPeriod.weekly, date(2026, 3, 9), 2)]
    db.session.refresh(late)
    assert late.digest_pending
    clock.set_now(datetime(2026, 3, 16, 7, 0, tzinfo=UTC))
    assert digests.send_digests() == 1
    assert [d.day for d in digests_of(user)] == [date(2026, 3, 9), date(2026, 3, 16)]


def test_each_recipient_has_their_own_monday(outbox):
    clock.set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    auckland, los_angeles = person("Pacific/Auckland"), person("America/Los_Angeles")
    tell(auckland)
    tell(los_angeles)
    clock.set_now(datetime(2026, 3, 8, 19, 0, tzinfo=UTC))  # Monday 08:00 in Auckland, Sunday noon in LA
    assert digests.send_digests() == 1
    assert [d.day for d in digests_of(auckland)] == [date(2026, 3, 9)] and digests_of(los_angeles) == []
    clock.set_now(datetime(2026, 3, 9, 15, 0, tzinfo=UTC))  # Monday 08:00 in LA (summer time began)
    assert digests.send_digests() == 1
    assert [d.day for d in digests_of(los_angeles)] == [date(2026, 3, 9)]


def test_the_daily_digest_counts_days_in_the_recipients_zone(outbox):
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # 22:00 in Auckland
    user = person("Pacific/Auckland", channel="digest")
    tell(user, "Evening")
    assert digests.send_digests() == 1
    clock.set_now(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))  # 23:30 there: the same day
    tell(user, "Late")
    assert digests.send_digests() == 0
    clock.set_now(datetime(2026, 3, 2, 11, 30, tzinfo=UTC))  # 00:30 on the 3rd there
    assert digests.send_digests() == 1
    assert [d.day for d in digests_of(user)] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [m["Subject"] for m in mails_to(outbox, user)] == ["Your daily summary: 1 new notification"] * 2


def test_daily_and_weekly_kinds_go_in_their_own_digests(outbox):
    clock.set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    user = person("UTC")
    notifications.set_preferences(user, user, {MODERATION: "digest"})
    tell(user)
    notifications.notify(user, MODERATION, {"thread": "Mod", "hidden": True}, link="/notifications")
    assert digests.send_digests() == 1  # the daily one, with the moderation notice only
    assert [(d.period, d.items) for d in digests_of(user)] == [(DigestPeriod.daily, 1)]
    clock.set_now(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    assert digests.send_digests() == 1
    assert [(d.period, d.items) for d in digests_of(user)] == [(DigestPeriod.daily, 1), (DigestPeriod.weekly, 1)]


def test_the_weekly_mails_unsubscribe_link_stops_the_weekly_kinds_only(outbox, client):
    clock.set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    user = person("UTC")
    notifications.set_preferences(user, user, {MODERATION: "digest"})
    tell(user)
    clock.set_now(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    digests.send_digests()
    mail = mails_to(outbox, user)[-1]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>").replace("http://learn.test", "")
    assert client.post(link).status_code == 200
    chosen = preferences_of(user.id)
    assert chosen[REPLY] == Channel.in_app and chosen[MODERATION] == Channel.digest


def test_the_mail_is_rendered_for_the_recipient(app):
    """The worker renders a queued mail in the language and zone of the account it names (mail.py)."""
    clock.set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    user = person("Europe/Paris")
    tell(user)
    clock.set_now(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert digests.send_digests() == 1
    row = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail")
                             .order_by(OutboxMessage.id.desc())).first()
    assert row.payload["recipient_id"] == user.id and row.payload["args"]["period"] == "weekly"
    assert _recipient_preferences(row.payload) == ("en", "Europe/Paris")


def test_the_preferences_page_offers_both_digests(client):
    user = make_user()
    log_in(client, user)
    page = client.get("/notifications/preferences").text
    assert "Daily summary" in page and "Weekly summary (Monday morning)" in page
    choices = {kind.name: "in_app" for kind in registered_notification_kinds()}
    response = client.post("/notifications/preferences", data={**choices, REPLY: "weekly"})
    assert response.status_code == 302
    assert preferences_of(user.id)[REPLY] == Channel.weekly
