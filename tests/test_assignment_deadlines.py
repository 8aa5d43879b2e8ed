"""Late hand-ins: work handed in after the date the learner's cohort set for the unit's week is marked late,
in the staff queue too; self-paced learners have no due dates, so their work is never late."""
from datetime import timedelta

import pytest

from moocplatform import clock
from moocplatform.assignments import services
from moocplatform.cohorts import plan
from moocplatform.cohorts.services import join_cohort
from moocplatform.learning.deadlines import due_date_for
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture()
def course():
    return make_course("plans", assignment=True, modules=1, units_per_module=1)


@pytest.fixture()
def cohort(course):
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)  # from Monday 2 March 2026, Europe/Berlin
    plan.fill_plan_from_pack(facilitator, cohort)
    return cohort


def _learner(course, cohort=None):
    user = make_user()
    enrol(user, course)
    if cohort is not None:
        join_cohort(user, cohort, course)
    return user


def _hand_in(learner, course):
    services.save_draft(learner, course, "task", text="My plan")
    services.submit(learner, course, "task")
    return services.queries.submission_of(learner.id, course.id, "task")


def test_the_cohorts_week_sets_the_due_date_of_its_units(course, cohort):
    member, self_paced = _learner(course, cohort), _learner(course)
    due = due_date_for(member.id, course.id, "task")
    assert due is not None and due.isoformat() == "2026-03-08T22:59:00+00:00"  # Sunday 23:59 in Berlin
    assert due_date_for(self_paced.id, course.id, "task") is None
    assert due_date_for(member.id, course.id, "no-such-unit") is None


def test_work_after_the_due_date_is_marked_late_and_self_paced_work_never(client, course, cohort):
    on_time = _learner(course, cohort)
    assert _hand_in(on_time, course).late is False
    clock.advance(timedelta(days=7))  # Monday 9 March: the week is over
    late, self_paced = _learner(course, cohort), _learner(course)
    assert _hand_in(late, course).late is True
    assert _hand_in(self_paced, course).late is False
    facilitator = make_user("facilitator", course=course)
    log_in(client, facilitator)
    queue = client.get("/courses/plans/submissions").get_data(as_text=True)
    assert queue.count("<strong>late</strong>") == 1
