""""My learning" through the panels other areas register: a learner's cohorts with what comes next, and, under
"Courses I teach", the cohorts a facilitator leads with their number of learners at risk (by each cohort's own
thresholds, as its dashboard counts them), in a number of queries that does not grow with the cohorts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from moocplatform import clock
from moocplatform.cohorts import plan, services
from moocplatform.cohorts.dashboard_queries import (
    _module_columns_of,
    cohort_dashboard,
    led_cohorts_at_risk,
    module_columns,
)
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_programme, make_programme_cohort, make_user
from tests.test_query_counts import queries_for


def led_cohort(course, lead, admin, name, learners):
    """A cohort of the course begun four weeks ago, its plan from the pack, led by `lead` only (a grant on the
    cohort), with `learners` quiet learners seated."""
    cohort = make_cohort(course, admin, name=name, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30))
    plan.fill_plan_from_pack(admin, cohort)
    services.add_facilitator(admin, cohort, lead.email)
    for n in range(learners):
        services.join_cohort(make_user(display_name=f"{name} learner {n}"), cohort, course)
    db.session.flush()
    return cohort


def test_a_learner_finds_their_cohorts_with_what_comes_next(client):
    course = make_course("alpha", modules=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, name="Evening group", time_zone="Europe/Vienna")
    plan.add_live_session(facilitator, cohort, title="Kick-off call", starts_local=datetime(2026, 3, 4, 18, 30),
                          minutes=45)
    learner = make_user()
    log_in(client, learner)
    assert "My cohorts" not in client.get("/my-learning").text
    services.join_cohort(learner, cohort, course)
    db.session.flush()
    page = client.get("/my-learning").text
    assert "My cohorts" in page and "Evening group" in page
    assert "Kick-off call, 2026-03-04 18:30" in page and "Europe/Vienna" in page
    assert "Courses I teach" not in page


def test_a_cohort_only_facilitator_sees_the_cohorts_they_lead_with_who_is_at_risk(client):
    course = make_course("alpha", quiz=True, modules=2)
    admin = make_user("admin")
    lead = make_user(display_name="Lead")
    quiet = led_cohort(course, lead, admin, "Quiet group", learners=3)
    lively = led_cohort(course, lead, admin, "Lively group", learners=0)
    programme_cohort = make_programme_cohort(make_programme(), admin, name="Circle")
    services.add_facilitator(admin, programme_cohort, lead.email)
    db.session.flush()
    now = clock.now() + timedelta(days=8)  # every seated learner quiet past the 7 days
    counted = {led.cohort.id: led.at_risk for led in led_cohorts_at_risk(lead, now)}
    assert counted == {quiet.id: cohort_dashboard(quiet, course.live_version_id, now, at_risk_only=True).total,
                       lively.id: 0, programme_cohort.id: None}
    assert counted[quiet.id] == 3
    clock.advance(timedelta(days=8))
    log_in(client, lead)
    page = client.get("/my-learning").text
    assert "Courses I teach" in page and "Cohorts I lead" in page
    assert "3 learners at risk" in page and f"/cohorts/{quiet.id}/dashboard?show=at-risk" in page
    assert "Nobody at risk" in page and "Circle" in page
    learner = make_user()
    log_in(client, learner)
    assert "Cohorts I lead" not in client.get("/my-learning").text


def test_the_modules_of_several_cohorts_are_those_of_each_in_one_query(count_queries):
    alpha, beta = make_course("alpha", modules=2), make_course("beta", modules=3)
    admin = make_user("admin")
    cohorts = [(make_cohort(alpha, admin), alpha.live_version_id),
               (make_cohort(beta, admin, name="Beta group"), beta.live_version_id)]
    for cohort, _version in cohorts:
        plan.fill_plan_from_pack(admin, cohort)
    db.session.flush()
    with count_queries() as statements:
        together = _module_columns_of(cohorts)
    assert len(statements) == 1
    assert together == {cohort.id: module_columns(cohort, version) for cohort, version in cohorts}


def test_my_learning_costs_the_same_for_one_led_cohort_or_four(client, count_queries):
    course = make_course("alpha", quiz=True, modules=2)
    admin = make_user("admin")
    lead = make_user(display_name="Lead")
    led_cohort(course, lead, admin, "First group", learners=2)
    log_in(client, lead)
    one = queries_for(client, count_queries, "/my-learning")
    other = make_course("beta", modules=3)
    for n in range(3):
        led_cohort(other if n else course, lead, admin, f"Group {n}", learners=3)
    db.session.expire_all()
    assert queries_for(client, count_queries, "/my-learning") == one
