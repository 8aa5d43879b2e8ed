"""Who is at risk, one rule in two forms: the dashboard's filter picks the learners in SQL
(dashboard_queries.at_risk_clause), each row's reasons are explained in Python (dashboard_queries.risk_reasons).
On a variety of learners, thresholds and moments both name the same learners, the filtered page shows the
reasons the whole matrix gives them, and the quiet-spell reminders follow the same rule."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.cohorts import due_extensions, plan, queries, services
from moocplatform.cohorts.dashboard_queries import (
    at_risk_clause,
    cohort_dashboard,
    is_quiet,
    matrix_rows,
    module_columns,
)
from moocplatform.cohorts.models import CohortMembership, MembershipStatus, PlanItemKind
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment, UnitProgress
from moocplatform.learning.services import set_unit_completion
from moocplatform.quizzes.services import start_attempt, submit_attempt
from tests.factories import make_cohort, make_course, make_user

M1 = ["m1-u1", "m1-u2", "m1-u3"]
M2 = ["m2-u1", "m2-u2", "m2-u3"]


def join(course, cohort, name):
    learner = make_user(display_name=name)
    services.join_cohort(learner, cohort, course)
    return learner


def fail_quiz(learner, course, times):
    for _ in range(times):
        submit_attempt(learner, start_attempt(learner, course, "check"), {})


def enrolment(learner, course) -> Enrollment:
    return db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == learner.id,
                                                          Enrollment.course_id == course.id)).one()


@pytest.fixture()
def world():
    """A cohort of alpha (weeks m1 and m2, the quiz in m2) that began four weeks before the clock's now, with
    learners who are at risk for each reason, or nearly, and others the filter must leave out."""
    course = make_course("alpha", quiz=True, modules=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30), capacity=10,
                         requires_sign_off=True)
    other = make_cohort(course, facilitator, name="Other group", starts_on=date(2026, 2, 2),
                        ends_on=date(2026, 4, 30))
    plan.fill_plan_from_pack(facilitator, cohort)
    plan.fill_plan_from_pack(facilitator, other)
    joined = clock.now()
    silent = join(course, cohort, "Silent")  # nothing since joining
    keen = join(course, cohort, "Keen")
    stuck = join(course, cohort, "Stuck")
    viewer = join(course, cohort, "Viewer")  # views units, completes none
    visitor = join(course, cohort, "Visitor")  # only visits
    half = join(course, cohort, "Half")  # m1 done, m2 not
    failer = join(course, cohort, "Failer")
    signed = join(course, cohort, "Signed")  # quiet, and signed off
    edge = join(course, cohort, "Edge")  # last active exactly three days after joining
    extended = join(course, cohort, "Extended")  # m1 begun, its week extended for them for 20 days more
    waiting = join(course, cohort, "Waiting")  # the cohort is full: on the waiting list, quiet, failing
    outsider = join(course, other, "Outsider")  # the other cohort's, quiet and failing
    assert services.membership_of(cohort, waiting.id).status == MembershipStatus.WAITING
    clock.advance(timedelta(days=2))
    for key in M1 + M2:
        set_unit_completion(keen, course, key, complete=True)
    for key in M1:
        set_unit_completion(half, course, key, complete=True)
    set_unit_completion(stuck, course, "m1-u1", complete=True)
    fail_quiz(stuck, course, 2)
    fail_quiz(failer, course, 3)
    fail_quiz(waiting, course, 3)
    fail_quiz(outsider, course, 3)
    db.session.add(UnitProgress(user_id=viewer.id, course_id=course.id, unit_key="m1-u2", first_viewed_at=clock.now()))
    enrolment(visitor, course).last_visited_at = clock.now() + timedelta(hours=5)
    enrolment(edge, course).last_visited_at = joined + timedelta(days=3)
    services.sign_off_learner(facilitator, cohort, signed.id)
    set_unit_completion(extended, course, "m1-u1", complete=True)
    week_1 = next(i for i in queries.plan_items(cohort.id) if i.kind == PlanItemKind.WEEK and i.module_key == "m1")
    later = (clock.now() + timedelta(days=20)).astimezone(ZoneInfo(cohort.time_zone)).replace(tzinfo=None)
    due_extensions.extend_due_date(facilitator, cohort, week_1.id, extended.id, later, "Off sick for two weeks.")
    db.session.flush()
    return course, cohort, joined, {u.display_name: u.id for u in (silent, keen, stuck, viewer, visitor, half,
                                                                    failer, signed, edge, extended, waiting,
                                                                    outsider)}


def reasons_in_python(cohort, version_id, now) -> dict[int, list[str]]:
    """The reasons of every seated learner at risk, from the whole matrix filled in Python."""
    return {row.user_id: row.reasons for _modules, rows in matrix_rows(cohort, version_id, now) for row in rows
            if row.at_risk}


def picked_in_sql(cohort, version_id, now) -> set[int]:
    clause = at_risk_clause(cohort, version_id, module_columns(cohort, version_id), now)
    return set(db.session.scalars(sa.select(CohortMembership.user_id).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.status == MembershipStatus.MEMBER, clause)))


def assert_same(cohort, version_id, now) -> dict[int, list[str]]:
    expected = reasons_in_python(cohort, version_id, now)
    assert picked_in_sql(cohort, version_id, now) == set(expected)
    board = cohort_dashboard(cohort, version_id, now, at_risk_only=True)
    assert board.total == len(expected) and board.pages == 1
    assert {row.user_id: row.reasons for row in board.rows} == expected
    return expected


THRESHOLDS = [(7, 1, 2), (1, 0, 1), (3, 0, 3), (30, 2, 3), (2, 1, 4)]  # days quiet, modules behind, failed attempts
LATER = [timedelta(0), timedelta(days=2, hours=5), timedelta(days=6), timedelta(days=9), timedelta(days=40)]


@pytest.mark.parametrize("days,behind,failed", THRESHOLDS)
def test_the_filter_and_the_reasons_name_the_same_learners(world, days, behind, failed):
    course, cohort, _joined, _ids = world
    cohort.risk_inactive_days, cohort.risk_modules_behind, cohort.risk_failed_attempts = days, behind, failed
    db.session.flush()
    start = clock.now()
    for later in LATER:
        assert_same(cohort, course.live_version_id, start + later)


def test_each_reason_is_found_and_the_waiting_and_other_cohorts_are_not(world):
    course, cohort, _joined, ids = world
    names = {v: k for k, v in ids.items()}
    found = assert_same(cohort, course.live_version_id, clock.now() + timedelta(days=6))
    assert {names[i]: r for i, r in found.items()} == {
        "Silent": ["No activity for 7 days", "Behind the plan by 2 modules"],
        "Stuck": ["Behind the plan by 2 modules", "2 failed attempts at the quiz check"],
        "Viewer": ["Behind the plan by 2 modules"],
        "Visitor": ["Behind the plan by 2 modules"],
        "Failer": ["Behind the plan by 2 modules", "3 failed attempts at the quiz check"],
        "Signed": ["No activity for 7 days", "Behind the plan by 2 modules"],
        "Edge": ["Behind the plan by 2 modules"],
    }  # Extended is behind by m2 only: m1's week is theirs until later


def test_an_extension_that_has_run_out_counts_again(world):
    course, cohort, _joined, ids = world
    found = assert_same(cohort, course.live_version_id, clock.now() + timedelta(days=21))
    assert "Behind the plan by 2 modules" in found[ids["Extended"]]


def test_a_quiet_spell_begins_at_the_last_activity_to_the_second(world):
    """Edge was last active three days after joining: quiet for 7 days exactly ten days after joining."""
    course, cohort, joined, ids = world
    cohort.risk_modules_behind = 5  # only quiet spells and failed attempts count
    db.session.flush()
    ten_days = joined + timedelta(days=10)
    assert ids["Edge"] not in assert_same(cohort, course.live_version_id, ten_days - timedelta(seconds=1))
    assert assert_same(cohort, course.live_version_id, ten_days)[ids["Edge"]] == ["No activity for 7 days"]
    # Silent, who did nothing since joining, counts from joining: quiet exactly seven days after.
    seven_days = joined + timedelta(days=7)
    assert ids["Silent"] not in assert_same(cohort, course.live_version_id, seven_days - timedelta(seconds=1))
    assert ids["Silent"] in assert_same(cohort, course.live_version_id, seven_days)


def test_the_filtered_dashboard_pages_the_learners_at_risk_only(world):
    course, cohort, _joined, ids = world
    cohort.risk_inactive_days = 1  # everybody seated has gone quiet by then
    db.session.flush()
    now = clock.now() + timedelta(days=40)
    expected = assert_same(cohort, course.live_version_id, now)
    assert set(expected) == {i for name, i in ids.items() if name not in ("Waiting", "Outsider")}


def test_the_quiet_reminder_follows_the_dashboards_rule(world):
    course, cohort, _joined, _ids = world
    for later in LATER:
        now = clock.now() + later
        for _modules, rows in matrix_rows(cohort, course.live_version_id, now):
            for row in rows:
                quiet = is_quiet(cohort, row, now)
                assert quiet == (f"No activity for {cohort.risk_inactive_days} days" in row.reasons)


def test_pages_of_the_learners_at_risk_in_name_order_and_a_page_past_the_last_shows_the_last(world):
    course, cohort, _joined, _ids = world
    cohort.capacity = None
    for n in range(55):
        join(course, cohort, f"Learner {n:02d}")
    now = clock.now() + timedelta(days=9)
    in_order = [row.user_id for _modules, rows in matrix_rows(cohort, course.live_version_id, now) for row in rows
                if row.at_risk]
    assert len(in_order) > 50
    first, second, past = (cohort_dashboard(cohort, course.live_version_id, now, page, at_risk_only=True)
                           for page in (1, 2, 7))
    assert [r.user_id for r in first.rows] + [r.user_id for r in second.rows] == in_order
    assert (first.total, first.page, first.pages, second.page) == (len(in_order), 1, 2, 2)
    assert (past.page, [r.user_id for r in past.rows]) == (2, [r.user_id for r in second.rows])
    assert cohort_dashboard(cohort, course.live_version_id, now, 0, at_risk_only=True).page == 1


def test_posts_and_hand_ins_are_activity_as_much_as_units_and_quizzes():
    """Each area's kind of activity (learning.activity): a comment under a unit, a post in the cohort's own space
    and a hand-in end a quiet spell, in the filter and in the reasons alike."""
    from moocplatform.assignments import services as assignments
    from moocplatform.cohorts.spaces import space_key
    from moocplatform.discussion import services as discussion

    course = make_course("beta", assignment=True)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30))
    silent, commenter, group_poster, submitter = (join(course, cohort, name) for name in
                                                  ("Silent", "Commenter", "Group poster", "Submitter"))
    clock.advance(timedelta(days=10))
    discussion.comment_on_unit(commenter, course, "m1-u1", "Spacing my reviews helped.")
    discussion.comment_on_unit(group_poster, course, "m1-u1", "Shall we meet on Friday?",
                               audience=space_key(cohort.id))
    assignments.save_draft(submitter, course, "task", text="My plan for the week.")
    assignments.submit(submitter, course, "task")
    db.session.flush()
    now = clock.now() + timedelta(days=1)
    quiet = "No activity for 7 days"
    found = assert_same(cohort, course.live_version_id, now)
    assert {learner.display_name for learner in (silent, commenter, group_poster, submitter)
            if quiet in found.get(learner.id, [])} == {"Silent"}
    last = {row.user_id: row.last_activity for _m, rows in matrix_rows(cohort, course.live_version_id, now)
            for row in rows}
    assert last[silent.id] is None
    assert {last[u.id] for u in (commenter, group_poster, submitter)} == {clock.now()}
