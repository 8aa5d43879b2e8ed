"""Extending a due date: a cohort's facilitator gives one seated learner a later due date for a week or an
external item, with a reason, changed or withdrawn later, each audited; the learner's own date is what their
unit pages, their plan page, the API, the due reminders and the dashboard's behind and at-risk rule go by."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.audit import AuditEntry
from moocplatform.cohorts import plan, services
from moocplatform.cohorts.dashboard_queries import at_risk_clause, cohort_dashboard, module_columns
from moocplatform.cohorts.due_extensions import extend_due_date, extension_of, withdraw_extension
from moocplatform.cohorts.models import CohortMembership, DueExtension, MembershipStatus, PlanItemKind
from moocplatform.cohorts.queries import units_due_at
from moocplatform.cohorts.reminders import send_reminders
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.deadlines import due_date_for
from moocplatform.notifications.models import Notification
from tests.conftest import START, log_in
from tests.factories import make_cohort, make_course, make_programme, make_programme_cohort, make_user
from tests.test_api import bearer

LOCAL = START.replace(tzinfo=None) + timedelta(hours=1)  # the cohort's clock (Europe/Berlin: UTC+1 in March)


@pytest.fixture()
def w():
    course = make_course("alpha")
    lead = make_user("facilitator", course=course, display_name="Lead")
    cohort = make_cohort(course, lead, capacity=2)
    ada, bo, cy = (make_user(display_name=name) for name in ("Ada", "Bo", "Cy"))
    for learner in (ada, bo, cy):
        services.join_cohort(learner, cohort, course)  # full at two: Cy waits
    weeks = plan.fill_plan_from_pack(lead, cohort)
    week_1 = next(i for i in weeks if i.kind == PlanItemKind.WEEK and i.module_key == "m1")
    reading = plan.add_external_item(lead, cohort, title="Read the article", url="https://example.org/a",
                                     due_local=LOCAL + timedelta(hours=5))
    session = plan.add_live_session(lead, cohort, title="Kick-off", starts_local=LOCAL + timedelta(days=2),
                                    minutes=60)
    other_lead = make_user("facilitator", course=course, display_name="Other lead")
    make_cohort(course, other_lead, name="Autumn group")
    db.session.flush()
    return type("W", (), dict(course=course, lead=lead, cohort=cohort, ada=ada, bo=bo, cy=cy, week_1=week_1,
                              reading=reading, session=session, other_lead=other_lead))


def test_only_the_cohorts_facilitators_extend_and_only_for_its_seated_learners(w):
    assert services.membership_of(w.cohort, w.cy.id).status == MembershipStatus.WAITING
    for outsider in (w.ada, w.other_lead):
        with pytest.raises(PermissionDenied):
            extend_due_date(outsider, w.cohort, w.reading.id, w.bo.id, LOCAL + timedelta(days=3), "Ill")
    with pytest.raises(NotFound):
        extend_due_date(w.lead, w.cohort, w.reading.id, w.cy.id, LOCAL + timedelta(days=3), "Ill")
    extend_due_date(w.lead, w.cohort, w.reading.id, w.ada.id, LOCAL + timedelta(days=3), "Ill")
    with pytest.raises(PermissionDenied):
        withdraw_extension(w.other_lead, w.cohort, w.reading.id, w.ada.id)


@pytest.mark.parametrize("what,field", [("session", "item_id"), ("earlier", "due_at"), ("same", "due_at"),
                                        ("none", "due_at"), ("no reason", "reason"), ("long reason", "reason")])
def test_bad_input_names_its_field(w, what, field):
    item = w.session if what == "session" else w.reading
    due = {"earlier": LOCAL + timedelta(hours=4), "same": LOCAL + timedelta(hours=5),
           "none": None}.get(what, LOCAL + timedelta(days=3))
    reason = {"no reason": "  ", "long reason": "x" * 501}.get(what, "Ill")
    with pytest.raises(InvalidInput) as error:
        extend_due_date(w.lead, w.cohort, item.id, w.ada.id, due, reason)
    assert error.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(DueExtension.id))) == 0


def test_an_extension_is_given_changed_and_withdrawn_each_audited(w):
    first = extend_due_date(w.lead, w.cohort, w.reading.id, w.ada.id, LOCAL + timedelta(days=3), "Ill")
    assert first.due_at == START + timedelta(days=3) and first.granted_by_id == w.lead.id
    again = extend_due_date(w.lead, w.cohort, w.reading.id, w.ada.id, LOCAL + timedelta(days=4), "Still ill")
    assert again.id == first.id and again.due_at == START + timedelta(days=4) and again.reason == "Still ill"
    withdraw_extension(w.lead, w.cohort, w.reading.id, w.ada.id)
    assert extension_of(w.reading.id, w.ada.id) is None
    with pytest.raises(NotFound):
        withdraw_extension(w.lead, w.cohort, w.reading.id, w.ada.id)
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("cohort.due_date%"))
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["cohort.due_date_extended", "cohort.due_date_extended",
                                           "cohort.due_date_extension_withdrawn"]
    assert entries[1].details == {"item_id": w.reading.id, "user_id": w.ada.id,
                                  "due_at": (START + timedelta(days=4)).isoformat(), "reason": "Still ill"}
    assert entries[2].details == {"item_id": w.reading.id, "user_id": w.ada.id}
    assert all(e.actor_id == w.lead.id for e in entries)


def test_the_learners_unit_due_dates_are_theirs(w):
    cohort_due = w.week_1.due_at
    extend_due_date(w.lead, w.cohort, w.week_1.id, w.ada.id, LOCAL + timedelta(days=20), "Ill")
    assert due_date_for(w.ada.id, w.course.id, "m1-u1") == START + timedelta(days=20)
    assert due_date_for(w.bo.id, w.course.id, "m1-u1") == cohort_due
    assert units_due_at(w.ada.id, [(w.course.id, "m1-u1"), (w.course.id, "m2-u1")]) == {
        (w.course.id, "m1-u1"): START + timedelta(days=20),
        (w.course.id, "m2-u1"): due_date_for(w.bo.id, w.course.id, "m2-u1")}


def test_a_week_extended_past_now_is_not_behind_in_either_form_of_the_rule(w):
    extend_due_date(w.lead, w.cohort, w.week_1.id, w.ada.id, LOCAL + timedelta(days=30), "Ill")
    w.cohort.risk_modules_behind = 1
    db.session.flush()
    now = START + timedelta(days=20)  # both weeks are past their cohort's dates
    version = w.course.live_version_id
    rows = {r.user_id: r for r in cohort_dashboard(w.cohort, version, now).rows}
    assert (rows[w.ada.id].modules_behind, rows[w.bo.id].modules_behind) == (1, 2)
    assert "Behind the plan by 2 modules" in rows[w.bo.id].reasons
    assert not any("Behind" in reason for reason in rows[w.ada.id].reasons)
    clause = at_risk_clause(w.cohort, version, module_columns(w.cohort, version), now)
    picked = set(db.session.scalars(sa.select(CohortMembership.user_id).where(
        CohortMembership.cohort_id == w.cohort.id, CohortMembership.status == MembershipStatus.MEMBER, clause)))
    assert picked == {r.user_id for r in rows.values() if r.at_risk}
    later = START + timedelta(days=31)  # the extension has run out
    assert {r.user_id: r.modules_behind for r in cohort_dashboard(w.cohort, version, later).rows}[w.ada.id] == 2


def due_reminders(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.params["when"].as_string()).where(
        Notification.user_id == user.id, Notification.kind == "cohorts.due_reminder").order_by(Notification.id)))


def test_the_due_reminder_comes_at_the_learners_own_date(w):
    extend_due_date(w.lead, w.cohort, w.reading.id, w.ada.id, LOCAL + timedelta(days=3), "Ill")
    send_reminders()
    assert due_reminders(w.ada) == [] and len(due_reminders(w.bo)) == 1
    clock.advance(timedelta(days=2, hours=6))
    send_reminders()
    assert due_reminders(w.ada) == [f"{LOCAL + timedelta(days=3):%Y-%m-%d %H:%M} (Europe/Berlin)"]
    send_reminders()
    assert len(due_reminders(w.ada)) == 1 and len(due_reminders(w.bo)) == 1  # never twice


def test_the_api_and_the_plan_page_give_the_learners_own_date(client, w):
    extend_due_date(w.lead, w.cohort, w.reading.id, w.ada.id, LOCAL + timedelta(hours=6), "Ill")
    [mine] = client.get("/api/v1/me/cohorts", headers=bearer(w.ada)).get_json()["items"]
    assert mine["next_due"]["id"] == w.reading.id
    assert mine["next_due"]["due_at"] == (START + timedelta(hours=6)).isoformat()
    [bos] = client.get("/api/v1/me/cohorts", headers=bearer(w.bo)).get_json()["items"]
    assert (bos["next_due"]["id"], bos["next_due"]["due_at"]) == (w.reading.id,
                                                                  (START + timedelta(hours=5)).isoformat())
    reminders = client.get("/api/v1/me/reminders?days=1", headers=bearer(w.ada)).get_json()["items"]
    assert [r["at"] for r in reminders if r["title"] == "Read the article"] == [
        (START + timedelta(hours=6)).isoformat()]
    log_in(client, w.ada)
    page = client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)
    assert f"Due {LOCAL + timedelta(hours=6):%Y-%m-%d %H:%M} (extended for you)" in page


def test_the_learners_page_extends_and_withdraws(client, w):
    log_in(client, w.lead)
    board = client.get(f"/cohorts/{w.cohort.id}/dashboard").get_data(as_text=True)
    url = f"/cohorts/{w.cohort.id}/learners/{w.ada.id}/due-dates"
    assert url in board
    page = client.get(url)
    assert page.status_code == 200 and "Due dates of Ada" in page.get_data(as_text=True)
    bad = client.post(url, data={"item_id": w.reading.id, "due_at": "2026-03-02T09:00", "reason": "Ill"})
    assert bad.status_code == 422 and "later than the item" in bad.get_data(as_text=True)
    missing = client.post(url, data={"item_id": w.reading.id, "due_at": "not a date", "reason": ""})
    assert missing.status_code == 422
    session = client.post(url, data={"item_id": w.session.id, "due_at": "2026-03-09T09:00", "reason": "Ill"})
    assert session.status_code == 422  # a live session is no choice
    done = client.post(url, data={"item_id": w.reading.id, "due_at": "2026-03-05T18:00", "reason": "Ill"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Due date extended for Ada." in done.get_data(as_text=True)
    assert "2026-03-05 18:00" in done.get_data(as_text=True)
    assert extension_of(w.reading.id, w.ada.id).due_at == START + timedelta(days=3, hours=8)
    gone = client.post(f"{url}/{w.reading.id}/withdraw", follow_redirects=True)
    assert gone.status_code == 200 and "The extension is withdrawn" in gone.get_data(as_text=True)
    assert extension_of(w.reading.id, w.ada.id) is None
    assert client.get(f"/cohorts/{w.cohort.id}/learners/{w.cy.id}/due-dates").status_code == 404  # waiting


@pytest.fixture()
def circle():
    """A programme's cohort with Ada and Bo seated: (its facilitator, the cohort, Ada, Bo)."""
    course = make_course("host")
    lead = make_user("facilitator", course=course)
    cohort = make_programme_cohort(make_programme(lead, "circle"), lead)
    ada, bo = make_user(display_name="Ada"), make_user(display_name="Bo")
    for learner in (ada, bo):
        services.join_cohort(learner, cohort, None)
    return lead, cohort, ada, bo


def test_a_programme_cohorts_due_reminder_comes_at_the_learners_own_date(circle):
    lead, cohort, ada, bo = circle
    reading = plan.add_external_item(lead, cohort, title="Read the article", url="https://example.org/a",
                                     due_local=LOCAL + timedelta(hours=5))
    extend_due_date(lead, cohort, reading.id, ada.id, LOCAL + timedelta(days=3), "Away")
    send_reminders()
    assert due_reminders(ada) == [] and len(due_reminders(bo)) == 1
    clock.advance(timedelta(days=2, hours=6))
    send_reminders()
    send_reminders()
    assert due_reminders(ada) == [f"{LOCAL + timedelta(days=3):%Y-%m-%d %H:%M} (Europe/Berlin)"]
    assert len(due_reminders(bo)) == 1


def test_a_programme_cohorts_learner_gets_an_extension_from_its_dashboard(client, circle):
    from moocplatform.cohorts.programme_queries import programme_dashboard

    lead, cohort, ada, _bo = circle
    reading = plan.add_external_item(lead, cohort, title="Read the article", url="https://example.org/a",
                                     due_local=LOCAL - timedelta(hours=1))
    db.session.commit()
    log_in(client, lead)
    url = f"/cohorts/{cohort.id}/learners/{ada.id}/due-dates"
    assert url in client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert client.get(url).status_code == 200
    done = client.post(url, data={"item_id": reading.id, "due_at": "2026-03-05T18:00", "reason": "Away"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Due date extended for Ada." in done.get_data(as_text=True)
    overdue = {row.display_name: row.overdue for row in programme_dashboard(cohort, clock.now(), 1).rows}
    assert overdue == {"Ada": 0, "Bo": 1}  # Ada's own date is days away; Bo's passed an hour ago
    later = START + timedelta(days=5)
    assert {row.display_name: row.overdue for row in programme_dashboard(cohort, later, 1).rows}["Ada"] == 1


def test_extensions_add_no_query_to_the_dashboard_or_a_learners_agenda(client, count_queries, w):
    from tests.test_query_counts import queries_for

    log_in(client, w.lead)
    pages = [f"/cohorts/{w.cohort.id}/dashboard", f"/cohorts/{w.cohort.id}/dashboard?show=at-risk"]
    before = [queries_for(client, count_queries, page) for page in pages]
    with count_queries() as api_before:
        assert client.get("/api/v1/me/cohorts", headers=bearer(w.ada)).status_code == 200
    for learner in (w.ada, w.bo):
        for item in (w.week_1, w.reading):
            extend_due_date(w.lead, w.cohort, item.id, learner.id, LOCAL + timedelta(days=9), "Ill")
    db.session.flush()
    assert [queries_for(client, count_queries, page) for page in pages] == before
    with count_queries() as api_after:
        assert client.get("/api/v1/me/cohorts", headers=bearer(w.ada)).status_code == 200
    assert len(api_after) == len(api_before)
