"""A cohort's plan: filled from the pack's modules and live sessions, edited by its facilitators, with
external items learners mark done, which count towards completion."""
from datetime import UTC, date, datetime

import pytest

from moocplatform.cohorts import plan, queries, services
from moocplatform.cohorts.models import PlanItemKind
from moocplatform.errors import Conflict, InvalidInput, PermissionDenied
from moocplatform.learning.queries import learner_progress_by_rule
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_user
from tests.test_pack_format_2 import _import_example


@pytest.fixture()
def example(tmp_path):
    course = _import_example(tmp_path).course
    facilitator = make_user("facilitator", course=course)
    # Berlin is at UTC+1 in March, UTC+2 from 29 March 2026
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 3, 16), ends_on=date(2026, 4, 30),
                         time_zone="Europe/Berlin")
    return course, facilitator, cohort


def test_the_plan_is_filled_from_the_packs_modules_and_sessions(example):
    course, facilitator, cohort = example
    items = plan.fill_plan_from_pack(facilitator, cohort)
    weeks = [i for i in items if i.kind == PlanItemKind.WEEK]
    sessions = [i for i in items if i.kind == PlanItemKind.LIVE_SESSION]
    assert [w.module_key for w in weeks] == ["m1-basics", "m2-practice"]
    assert weeks[0].releases_at == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)  # Monday 00:00 in Berlin (UTC+1)
    assert weeks[0].due_at == datetime(2026, 3, 22, 22, 59, tzinfo=UTC)  # Sunday 23:59 in Berlin
    assert weeks[1].releases_at == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    activity = next(s for s in sessions if s.unit_key == "ex-activity")
    assert (activity.title, activity.minutes, activity.module_key) == ("Question swap", 25, "m1-basics")
    assert activity.agenda == [{"title": "Opening", "minutes": 5, "grouping": "whole_group"},
                               {"title": "Swap and answer", "minutes": 15, "grouping": "pairs"},
                               {"title": "Close", "minutes": 5, "grouping": "whole_group"}]
    assert activity.starts_at == datetime(2026, 3, 18, 17, 0, tzinfo=UTC)  # Wednesday 18:00 in Berlin
    # each session follows its week, in the pack's order
    assert [i.kind for i in items][:2] == [PlanItemKind.WEEK, PlanItemKind.LIVE_SESSION]
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    with pytest.raises(Conflict):
        plan.fill_plan_from_pack(facilitator, cohort)


def test_a_session_is_scheduled_in_the_cohorts_time_zone(example):
    _course, facilitator, cohort = example
    items = plan.fill_plan_from_pack(facilitator, cohort)
    session = next(i for i in items if i.kind == PlanItemKind.LIVE_SESSION)
    plan.schedule_live_session(facilitator, cohort, session.id, starts_local=datetime(2026, 4, 1, 19, 30),
                               video_url="https://meet.example.org/abc")
    assert session.starts_at == datetime(2026, 4, 1, 17, 30, tzinfo=UTC)  # summer time: UTC+2
    assert session.video_url == "https://meet.example.org/abc"
    with pytest.raises(InvalidInput) as refused:
        plan.schedule_live_session(facilitator, cohort, session.id, starts_local=datetime(2026, 4, 1, 19, 30),
                                   video_url="javascript:alert(1)")
    assert refused.value.field == "video_url"


def test_only_the_cohorts_facilitators_change_its_plan(example):
    course, _facilitator, cohort = example
    for outsider in (make_user("facilitator", course=course), make_user("course_team", course=course), make_user()):
        with pytest.raises(PermissionDenied):
            plan.fill_plan_from_pack(outsider, cohort)
        with pytest.raises(PermissionDenied):
            plan.add_external_item(outsider, cohort, title="Read", url="https://example.org/a")


def test_external_items_are_marked_done_by_seated_learners_and_count_towards_completion(example):
    course, facilitator, cohort = example
    learner, outsider = make_user(), make_user()
    services.join_cohort(learner, cohort, course)
    item = plan.add_external_item(facilitator, cohort, title="Another MOOC's lesson on spacing",
                                  url="https://other.example.org/spacing", instructions="Watch, then note one idea.",
                                  due_local=datetime(2026, 3, 20, 12, 0))
    assert item.due_at == datetime(2026, 3, 20, 11, 0, tzinfo=UTC)
    rule = next(r for r in learner_progress_by_rule(learner.id, course) if r.kind == "cohort_plan_items")
    assert not rule.met
    plan.mark_item_done(learner, cohort, item.id)
    assert queries.items_done_by(learner.id, cohort.id) == {item.id}
    rule = next(r for r in learner_progress_by_rule(learner.id, course) if r.kind == "cohort_plan_items")
    assert rule.met
    plan.mark_item_done(learner, cohort, item.id, done=False)
    assert queries.items_done_by(learner.id, cohort.id) == set()
    with pytest.raises(PermissionDenied):
        plan.mark_item_done(outsider, cohort, item.id)
    with pytest.raises(InvalidInput):
        plan.add_external_item(facilitator, cohort, title="Bad", url="ftp://example.org/file")


def test_the_rule_is_not_shown_while_no_cohort_has_external_items():
    course = make_course("plain")
    learner = make_user()
    services.join_cohort(learner, make_cohort(course), course)
    assert all(r.kind != "cohort_plan_items" for r in learner_progress_by_rule(learner.id, course))


def test_the_plan_page_shows_the_plan_to_the_cohort_in_its_time_zone(client, example):
    course, facilitator, cohort = example
    learner = make_user()
    services.join_cohort(learner, cohort, course)
    plan.fill_plan_from_pack(facilitator, cohort)
    plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=datetime(2026, 3, 16, 18, 0),
                          minutes=45, video_url="https://meet.example.org/kick")
    log_in(client, learner)
    page = client.get(f"/cohorts/{cohort.id}/plan").get_data(as_text=True)
    assert "Question swap" in page and "2026-03-16 18:00" in page and "Join the call" in page
    assert "Swap and answer" in page and "Fill the plan" not in page
    log_in(client, make_user())
    assert client.get(f"/cohorts/{cohort.id}/plan").status_code == 404


def test_a_facilitator_adds_an_external_item_on_the_plan_page(client, example):
    _course, facilitator, cohort = example
    log_in(client, facilitator)
    response = client.post(f"/cohorts/{cohort.id}/plan/items", data={
        "external-title": "Article on feedback", "external-url": "https://example.org/feedback",
        "external-instructions": "Read it before Thursday.", "external-due_at": "2026-03-19T18:00"})
    assert response.status_code == 302
    [item] = queries.plan_items(cohort.id)
    assert (item.kind, item.due_at) == (PlanItemKind.EXTERNAL, datetime(2026, 3, 19, 17, 0, tzinfo=UTC))
