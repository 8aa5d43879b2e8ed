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
from moocplatform.cohorts.services import add_facilitator, join_cohort, remove_facilitator
from moocplatform.extensions import db
from moocplatform.jobs import registered_jobs
from moocplatform.learning.services import set_unit_completion
from moocplatform.notifications.kinds import notification_kind
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


def test_facilitators_hear_of_learners_gone_quiet_once_per_spell_in_one_notice_per_cohort(app):
    course, creator, cohort, ada, bo = world()
    cy = make_user(display_name="Cy")
    enrol(cy, course)
    join_cohort(cy, cohort, course)
    second = make_user(email="second@example.org", display_name="Second facilitator")
    add_facilitator(creator, cohort, second.email)
    set_preferences(ada, ada, {"cohorts.quiet_reminder": Channel.off.value})  # the learner's choice, not theirs
    db.session.flush()
    assert send_reminders().quiet_reported == 0 and quiet_notices(creator) == []  # they joined just now

    clock.advance(timedelta(days=3))
    set_unit_completion(cy, course, "m1-u1", complete=True)  # Cy keeps going
    clock.advance(timedelta(days=cohort.risk_inactive_days - 3, hours=1))
    run = send_reminders()
    assert (run.quiet_reported, run.facilitator_notices) == (2, 2)  # Ada and Bo, in one notice to each of two
    for facilitator in (creator, second):
        [notice] = quiet_notices(facilitator)
        assert notice.params["names"] == ["Ada", "Bo"] and notice.params["count"] == 2
        assert notice.link.endswith(f"/cohorts/{cohort.id}/dashboard?show=at-risk")
        assert describe(notice) == ("In “Spring group”, 2 learners have gone quiet for 7 days or more: Ada, Bo")
    clock.advance(timedelta(days=1))
    assert send_reminders().quiet_reported == 0  # the same spells are not reported again

    clock.advance(timedelta(days=3))  # Cy's unit is now more than seven days old
    run = send_reminders()
    assert run.quiet_reported == 1 and [n.params["names"] for n in quiet_notices(creator)] == [["Ada", "Bo"], ["Cy"]]

    set_preferences(second, second, {"cohorts.quiet_learners": Channel.off.value})
    set_unit_completion(ada, course, "m1-u1", complete=True)
    clock.advance(timedelta(days=cohort.risk_inactive_days, hours=1))
    run = send_reminders()
    assert (run.quiet_reported, run.facilitator_notices) == (1, 1)  # Ada's new spell; the second turned it off
    assert quiet_notices(creator)[-1].params["names"] == ["Ada"] and len(quiet_notices(second)) == 2


def test_a_cohort_without_facilitators_keeps_its_quiet_spells_for_the_one_appointed_later(app):
    course, creator, cohort, ada, bo = world()
    remove_facilitator(creator, cohort, creator.id)
    clock.advance(timedelta(days=cohort.risk_inactive_days, hours=1))
    assert send_reminders().quiet_reported == 0
    admin = make_user("admin")
    add_facilitator(admin, cohort, creator.email)
    run = send_reminders()
    assert run.quiet_reported == 2 and [n.params["count"] for n in quiet_notices(creator)] == [2]


def test_a_notice_names_ten_learners_and_counts_the_rest(app):
    course, creator, cohort, ada, bo = world()
    for n in range(10):
        learner = make_user(display_name=f"Learner {n:02d}")
        enrol(learner, course)
        join_cohort(learner, cohort, course)
    clock.advance(timedelta(days=cohort.risk_inactive_days, hours=1))
    send_reminders()
    [notice] = quiet_notices(creator)
    assert notice.params["count"] == 12 and len(notice.params["names"]) == 10
    assert describe(notice).endswith("Learner 07 and 2 more")


def quiet_notices(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "cohorts.quiet_learners").order_by(Notification.id)))


def describe(notice: Notification) -> str:
    return notification_kind(notice.kind).describe(notice.params)
