"""The reminders of `remind-cohort-learners` for programmes' cohorts: a live session the day before and an hour
before, and an external item due within a day to those who have not marked it done. Written down in
`cohort_reminders_sent` under the same keys as a course cohort's, so none is sent twice. (No quiet-spell
reminder: a programme's content lives elsewhere, so a learner's activity there is not seen.)"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..notifications.services import notify
from ..urls import public_url
from . import notices, queries
from .models import (
    Cohort,
    CohortMembership,
    MembershipStatus,
    PlanItem,
    PlanItemDone,
    PlanItemKind,
    Programme,
    ReminderSent,
)


def remind_programme_cohorts(now: datetime, run: Any, *, day_before: timedelta, hour_before: timedelta,
                             due_within: timedelta, local: Callable[[datetime, Cohort], str],
                             due_key: Callable[[int, datetime | None], str]) -> None:
    """Per running cohort: its coming items, seated learners, reminders sent, marks done and learners'
    extensions (five queries); an item is due when it is due for the learner (cohorts.due_extensions)."""
    today = now.date()
    cohorts = db.session.execute(
        sa.select(Cohort, Programme.title).join(Programme, Programme.id == Cohort.programme_id)
        .where(Cohort.starts_on <= today + timedelta(days=1), Cohort.ends_on >= today - timedelta(days=1))
        .order_by(Cohort.id)).tuples().all()
    for cohort, title in cohorts:
        items = list(db.session.scalars(sa.select(PlanItem).where(
            PlanItem.cohort_id == cohort.id,
            sa.or_(sa.and_(PlanItem.kind == PlanItemKind.LIVE_SESSION, PlanItem.starts_at > now,
                           PlanItem.starts_at <= now + day_before),
                   sa.and_(PlanItem.kind == PlanItemKind.EXTERNAL, PlanItem.due_at.is_not(None),
                           sa.or_(sa.and_(PlanItem.due_at > now, PlanItem.due_at <= now + due_within),
                                  PlanItem.id.in_(queries.extended_within(now, now + due_within))))))))
        if not items:
            continue
        learners = queries.users_by_id(list(db.session.scalars(sa.select(CohortMembership.user_id).where(
            CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER))))
        sent = set(db.session.execute(sa.select(ReminderSent.user_id, ReminderSent.key)
                                      .where(ReminderSent.cohort_id == cohort.id)).tuples())
        done = set(db.session.execute(sa.select(PlanItemDone.user_id, PlanItemDone.item_id)
                                      .where(PlanItemDone.item_id.in_([i.id for i in items]))).tuples())
        extended = queries.extensions_of_items([i.id for i in items if i.kind == PlanItemKind.EXTERNAL])
        plan = public_url("cohorts.plan_page", cohort_id=cohort.id)
        for user_id, user in learners.items():
            for item in items:
                if item.kind == PlanItemKind.LIVE_SESSION:
                    starts = queries._aware(item.starts_at)
                    soon = starts - now <= hour_before
                    key = f"session_{'hour' if soon else 'day'}:{item.id}"
                    kind, params = notices.SESSION_REMINDER.name, {"when": local(starts, cohort), "soon": soon}
                else:
                    extended_to = extended.get((user_id, item.id))
                    due_at = queries._aware(extended_to or item.due_at)
                    if (user_id, item.id) in done or not now < due_at <= now + due_within:
                        continue
                    key = due_key(item.id, extended_to)
                    kind, params = notices.DUE_REMINDER.name, {"when": local(due_at, cohort)}
                if (user_id, key) in sent:
                    continue
                db.session.add(ReminderSent(cohort_id=cohort.id, user_id=user_id, key=key, sent_at=now))
                sent.add((user_id, key))
                notify(user, kind, {"cohort": cohort.name, "course": title, "title": item.title, **params}, link=plan)
                if item.kind == PlanItemKind.LIVE_SESSION:
                    run.sessions += 1
                else:
                    run.due += 1
