"""Reminders a cohort's learners get by themselves, from the job `remind-cohort-learners` (every 15 minutes),
through the platform's one notification system (each kind can be switched off on the preferences page):

- a live session the day before (when it is planned that far ahead) and an hour before;
- a week or an item of the plan due within a day, to those who have not finished it (a week: every unit of its
  module completed; an item: marked done), by each learner's own date where a facilitator extended it;
- a quiet spell: no activity for the cohort's own at-risk number of days (the dashboard's rule), once per spell.

The cohort's facilitators hear of the same quiet spells: one notification per cohort and run naming the
learners who went quiet since the last, linked to the dashboard filtered to those at risk. Each learner's
spell is reported once (whatever the learner's own preferences), and not at all while the cohort has no
facilitator, so one appointed later hears of the spells still going on.

Each reminder is written down (`cohort_reminders_sent`, unique per learner and subject; "told_facilitators:"
for a spell reported to the facilitators) in the same transaction as its notification, so a second run, or a
run after a crash, sends nothing twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..notifications.services import notify
from ..urls import public_url
from . import dashboard_queries, notices, queries
from .models import Cohort, PlanItem, PlanItemDone, PlanItemKind, ReminderSent
from .programme_reminders import remind_programme_cohorts

DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)
DUE_WITHIN = timedelta(hours=24)


@dataclass
class ReminderRun:
    sessions: int = 0
    due: int = 0
    quiet: int = 0
    quiet_reported: int = 0  # learners' quiet spells reported to their facilitators
    facilitator_notices: int = 0  # notifications about them (one per facilitator and cohort)


def _local(moment: datetime, cohort: Cohort) -> str:
    """A time as the cohort keeps it: its own clock and zone (the mail reader may be anywhere)."""
    return f"{moment.astimezone(ZoneInfo(cohort.time_zone)):%Y-%m-%d %H:%M} ({cohort.time_zone})"


def send_reminders() -> ReminderRun:
    now = clock.now()
    run = ReminderRun()
    today = now.date()
    running = queries.running_cohorts(today)
    facilitators = queries.facilitators_of([cohort.id for cohort, *_rest in running])
    for cohort, slug, course_title, version_id in running:
        _remind_cohort(cohort, slug, course_title, version_id, now, run, facilitators[cohort.id])
    remind_programme_cohorts(now, run, day_before=DAY_BEFORE, hour_before=HOUR_BEFORE, due_within=DUE_WITHIN,
                             local=_local, due_key=due_key)
    return run


def _due_soon(moment: datetime | None, now: datetime, within: timedelta = DUE_WITHIN) -> bool:
    return moment is not None and now < queries._aware(moment) <= now + within


def due_key(item_id: int, extended_to: datetime | None) -> str:
    """What a due reminder is about: the item, and the learner's own date when extended (reminded of once more)."""
    return f"due:{item_id}" if extended_to is None else f"due:{item_id}:{queries._aware(extended_to):%Y%m%d%H%M}"


def _remind_cohort(cohort: Cohort, slug: str, course_title: str, version_id: int, now: datetime,
                   run: ReminderRun, facilitators: list[Any]) -> None:
    # Items due soon for anyone: by the cohort's date, or by a learner's extension of it.
    extended_soon = queries.extended_within(now, now + DUE_WITHIN)
    items = list(db.session.scalars(sa.select(PlanItem).where(
        PlanItem.cohort_id == cohort.id,
        sa.or_(sa.and_(PlanItem.kind == PlanItemKind.LIVE_SESSION, PlanItem.starts_at > now,
                       PlanItem.starts_at <= now + DAY_BEFORE),
               sa.and_(PlanItem.kind != PlanItemKind.LIVE_SESSION, PlanItem.due_at.is_not(None),
                       sa.or_(sa.and_(PlanItem.due_at > now, PlanItem.due_at <= now + DUE_WITHIN),
                              PlanItem.id.in_(extended_soon)))))))
    extended = queries.extensions_of_items([item.id for item in items if item.kind != PlanItemKind.LIVE_SESSION])
    sent = set(db.session.execute(sa.select(ReminderSent.user_id, ReminderSent.key)
                                  .where(ReminderSent.cohort_id == cohort.id)).tuples())
    done = set(db.session.execute(
        sa.select(PlanItemDone.user_id, PlanItemDone.item_id).where(PlanItemDone.item_id.in_([i.id for i in items])))
        .tuples()) if items else set()
    plan = public_url("cohorts.plan_page", cohort_id=cohort.id)
    users: dict[int, Any] = {}
    newly_quiet: list[tuple[Any, str]] = []  # (dashboard row, its spell's key) not yet reported to facilitators
    for modules, rows in dashboard_queries.matrix_rows(cohort, version_id, now):
        units = {m.key: m.units for m in modules}
        users.update(queries.users_by_id([r.user_id for r in rows]))

        def tell(row, key: str, kind: str, params: dict, link: str) -> bool:
            if (row.user_id, key) in sent or row.user_id not in users:
                return False
            db.session.add(ReminderSent(cohort_id=cohort.id, user_id=row.user_id, key=key, sent_at=now))
            sent.add((row.user_id, key))
            notify(users[row.user_id], kind, {"cohort": cohort.name, "course": course_title, **params}, link=link)
            return True

        for row in rows:
            for item in items:
                if item.kind == PlanItemKind.LIVE_SESSION:
                    starts = queries._aware(item.starts_at)
                    soon = starts - now <= HOUR_BEFORE
                    key = f"session_{'hour' if soon else 'day'}:{item.id}"
                    run.sessions += tell(row, key, notices.SESSION_REMINDER.name,
                                         {"title": item.title, "when": _local(starts, cohort), "soon": soon},
                                         plan)
                else:
                    due_at = extended.get((row.user_id, item.id), item.due_at)
                    if not _due_soon(due_at, now):
                        continue
                    finished = ((row.user_id, item.id) in done if item.kind == PlanItemKind.EXTERNAL
                                else item.module_key is not None
                                and row.completed.get(item.module_key, 0) >= units.get(item.module_key, 0) > 0)
                    if not finished:
                        key = due_key(item.id, extended.get((row.user_id, item.id)))
                        run.due += tell(row, key, notices.DUE_REMINDER.name,
                                        {"title": item.title, "when": _local(queries._aware(due_at), cohort)},
                                        plan)
            # The dashboard's rule for "No activity" (dashboard_queries.is_quiet), once the cohort has started.
            last = dashboard_queries.quiet_since(row)
            if cohort.starts_on <= now.date() and dashboard_queries.is_quiet(cohort, row, now):
                run.quiet += tell(row, f"inactive:{last.date().isoformat()}", notices.QUIET_REMINDER.name,
                                  {"days": (now - last).days}, public_url("catalog.course_page", slug=slug))
                reported = f"told_facilitators:{last.date().isoformat()}"
                if facilitators and (row.user_id, reported) not in sent:
                    newly_quiet.append((row, reported))
    if newly_quiet:
        _tell_facilitators(cohort, course_title, facilitators, newly_quiet, now, run)


def _tell_facilitators(cohort: Cohort, course_title: str, facilitators: list[Any], quiet: list[tuple[Any, str]],
                       now: datetime, run: ReminderRun) -> None:
    for row, key in quiet:
        db.session.add(ReminderSent(cohort_id=cohort.id, user_id=row.user_id, key=key, sent_at=now))
    run.quiet_reported += len(quiet)
    names = sorted(row.display_name for row, _key in quiet)
    params = {"cohort": cohort.name, "course": course_title, "days": cohort.risk_inactive_days,
              "count": len(names), "names": names[:notices.NAMES_LISTED]}
    link = public_url("cohorts.dashboard", cohort_id=cohort.id, show="at-risk")
    for facilitator in facilitators:
        run.facilitator_notices += notify(facilitator, notices.QUIET_LEARNERS.name, params, link=link) is not None
