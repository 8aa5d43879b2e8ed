"""The reminders a cohort's learners get by themselves (the job `remind-cohort-learners`): a live session the day
before and within the hour, what is due within a day to those who have not finished it, and a word after a quiet
spell; never twice, and not to those who switched the kind off."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from moocplatform import clock
from moocplatform.cohorts import plan
from moocplatform.cohorts.models import PlanItem, PlanItemKind, ReminderSent
from moocplatform.cohorts.reminders import send_reminders
from moocplatform.cohorts.services import join_cohort
from moocplatform.extensions import db
from moocplatform.jobs import registered_jobs
from moocplatform.learning.services import set_unit_completion
from moocplatform.notifications.models import Channel, Notification
from moocplatform.notifications.services import set_preferences
from moocplatform.personal_data import export_user_data
from tests.conftest import START
from tests.factories import enrol, make_cohort, make_course, make_user

LOCAL = START.replace(tzinfo=None) + timedelta(hours=1)  # the cohort keeps Europe/Berlin time (UTC+1 in March)


def told(user) -> list[tuple[str, str]]:
    return [(n.kind.removeprefix("cohorts."), n.params.get("title") or str(n.params.get("days")))
            for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                        .order_by(Notification.id))]


def world():
    course = make_course("alpha", modules=2, units_per_module=2)
    creator = make_user("facilitator", course=course)
    cohort = make_cohort(course, creator)
    ada, bo = make_user(display_name="Ada"), make_user(display_name="Bo")
    for learner in (ada, bo):
        enrol(learner, course)
        join_cohort(learner, cohort, course)
    return course, creator, cohort, ada, bo


def test_sessions_are_told_the_day_before_and_within_the_hour_and_due_items_to_who_has_not_finished(app):
    course, creator, cohort, ada, bo = world()
    plan.add_live_session(creator, cohort, title="Kick-off", starts_local=LOCAL + timedelta(hours=20), minutes=60)
    plan.add_live_session(creator, cohort, title="Later", starts_local=LOCAL + timedelta(days=3), minutes=60)
    read = plan.add_external_item(creator, cohort, title="Read the article", url="https://example.org/a",
                                  due_local=LOCAL + timedelta(hours=10))
    plan.mark_item_done(bo, cohort, read.id)
    db.session.add(PlanItem(cohort_id=cohort.id, kind=PlanItemKind.WEEK, position=9, title="Week 1", module_key="m1",
                            due_at=START + timedelta(hours=12), agenda=[]))
    for key in ("m1-u1", "m1-u2"):
        set_unit_completion(ada, course, key, complete=True)
    db.session.flush()

    run = send_reminders()
    assert (run.sessions, run.due) == (2, 2)
    assert told(ada) == [("session_reminder", "Kick-off"), ("due_reminder", "Read the article")]
    assert told(bo) == [("session_reminder", "Kick-off"), ("due_reminder", "Week 1")]  # Bo did the reading
    assert send_reminders().sessions == 0 and len(told(ada)) == 2  # never twice

    clock.advance(timedelta(hours=19, minutes=15))  # 45 minutes before the kick-off
    assert send_reminders().sessions == 2
    [last] = db.session.scalars(sa.select(Notification).where(Notification.user_id == ada.id)
                                .order_by(Notification.id.desc()).limit(1))
    starts = LOCAL + timedelta(hours=20)
    assert last.params["soon"] is True and last.params["when"] == f"{starts:%Y-%m-%d %H:%M} (Europe/Berlin)"
    assert last.link.endswith(f"/cohorts/{cohort.id}/plan")
    assert send_reminders().sessions == 0
    keys = set(db.session.scalars(sa.select(ReminderSent.key).where(ReminderSent.user_id == ada.id)))
    assert {k.split(":")[0] for k in keys} == {"session_day", "session_hour", "due"}
    assert export_user_data(ada)["cohort_reminders_sent"]


def test_a_quiet_spell_is_told_once_and_a_learner_may_switch_reminders_off(app):
    course, _creator, cohort, ada, bo = world()
    set_preferences(bo, bo, {"cohorts.quiet_reminder": Channel.off.value})
    assert send_reminders().quiet == 0  # they joined just now
    clock.advance(timedelta(days=cohort.risk_inactive_days, hours=1))
    assert send_reminders().quiet == 2  # both are written down; Bo, who turned it off, hears nothing
    assert told(ada) == [("quiet_reminder", "7")] and told(bo) == []
    clock.advance(timedelta(days=1))
    assert send_reminders().quiet == 0  # the same spell
    set_unit_completion(ada, course, "m1-u1", complete=True)
    clock.advance(timedelta(days=cohort.risk_inactive_days, hours=1))
    assert send_reminders().quiet == 1  # Ada's new spell; Bo's old one goes on
    assert told(ada) == [("quiet_reminder", "7"), ("quiet_reminder", "7")]


def test_the_job_is_registered(app):
    job = next(j for j in registered_jobs(app) if j.name == "remind-cohort-learners")
    assert job.interval == timedelta(minutes=15)
