"""Cohorts in the JSON API: the cohorts I am in (seated or waiting) or lead, a cohort's plan and live sessions
to those its plan page shows them to, marking an external item done through the page's service (twice is
once), and the reminders of programmes' cohorts."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.cohorts import plan, teams
from moocplatform.cohorts.models import PlanItemDone
from moocplatform.cohorts.services import join_cohort
from moocplatform.extensions import db
from tests.conftest import START, log_in
from tests.factories import enrol, make_cohort, make_course, make_programme, make_programme_cohort, make_user
from tests.test_api import ALL_SCOPES, bearer

LOCAL = START.replace(tzinfo=None)  # the plan takes the cohort's local time (Europe/Berlin: UTC+1 in March)
CALL = "https://meet.example.org/spring"


@pytest.fixture()
def w():
    course = make_course("alpha")
    ada, bo, cy = (make_user(display_name=name) for name in ("Ada", "Bo", "Cy"))
    for learner in (ada, bo, cy):
        enrol(learner, course)
    lead = make_user("facilitator", course=course, display_name="Lead")
    cohort = make_cohort(course, lead, capacity=1)
    join_cohort(ada, cohort, course)
    join_cohort(bo, cohort, course)  # the cohort is full: Bo waits
    weeks = plan.fill_plan_from_pack(lead, cohort)
    session = plan.add_live_session(lead, cohort, title="Kick-off", starts_local=LOCAL + timedelta(days=2),
                                    minutes=90, video_url=CALL)
    item = plan.add_external_item(lead, cohort, title="Read the article", url="https://example.org/a",
                                  instructions="Note two questions.", due_local=LOCAL + timedelta(hours=5))
    other_lead = make_user("facilitator", course=course, display_name="Other lead")
    other = make_cohort(course, other_lead, name="Autumn group")
    programme = make_programme(slug="circle")
    group = make_programme_cohort(programme, make_user("facilitator", course=make_course("host")))
    return type("W", (), dict(course=course, ada=ada, bo=bo, cy=cy, lead=lead, cohort=cohort, weeks=weeks,
                              session=session, item=item, other_lead=other_lead, other=other, programme=programme,
                              group=group, admin=make_user("admin")))


def test_my_cohorts_say_how_i_am_in_each_with_my_team_and_what_comes_next(client, w):
    team = teams.create_team(w.lead, w.cohort, "Blue")
    teams.move_to_team(w.lead, w.cohort, w.ada.id, team.id)
    join_cohort(w.ada, w.group, None)
    body = client.get("/api/v1/me/cohorts", headers=bearer(w.ada)).get_json()
    assert body["next"] is None
    spring, evening = body["items"]
    assert (spring["id"], spring["name"], spring["course"], spring["programme"]) == (
        w.cohort.id, "Spring group", "alpha", None)
    assert (spring["role"], spring["membership"], spring["team"]) == ("learner", "seated", {"id": team.id,
                                                                                          "name": "Blue"})
    assert (spring["starts_on"], spring["ends_on"], spring["time_zone"]) == ("2026-03-02", "2026-05-01",
                                                                              "Europe/Berlin")
    assert spring["next_session"]["id"] == w.session.id and spring["next_session"]["video_url"] == CALL
    assert datetime.fromisoformat(spring["next_session"]["starts_at"]) == START + timedelta(days=2, hours=-1)
    assert (spring["next_due"]["id"], spring["next_due"]["kind"]) == (w.item.id, "external")
    assert spring["url"].endswith(f"/cohorts/{w.cohort.id}")
    assert (evening["course"], evening["programme"], evening["team"]) == (None, "circle", None)
    # Marked done, the item is no longer next: the week due first is.
    plan.mark_item_done(w.ada, w.cohort, w.item.id)
    spring = client.get("/api/v1/me/cohorts", headers=bearer(w.ada)).get_json()["items"][0]
    assert spring["next_due"]["kind"] == "week"


def test_a_waiting_learner_and_a_facilitator_see_their_place(client, w):
    waiting = client.get("/api/v1/me/cohorts", headers=bearer(w.bo)).get_json()["items"]
    assert [(c["id"], c["role"], c["membership"]) for c in waiting] == [(w.cohort.id, "learner", "waiting")]
    assert waiting[0]["next_session"]["video_url"] is None  # no seat, no call
    led = client.get("/api/v1/me/cohorts", headers=bearer(w.lead)).get_json()["items"]
    assert [(c["id"], c["role"], c["membership"]) for c in led] == [(w.cohort.id, "facilitator", None)]
    assert led[0]["next_session"]["video_url"] == CALL
    for nobody in (w.cy, w.admin):  # administrators manage every cohort, but none is theirs
        assert client.get("/api/v1/me/cohorts", headers=bearer(nobody)).get_json() == {"items": [], "next": None}


def test_my_cohorts_come_page_by_page(client, w):
    for n in range(3):
        join_cohort(w.ada, make_cohort(w.course, w.lead, name=f"Group {n}"), w.course)
    seen, url = [], "/api/v1/me/cohorts?limit=2"
    while url:
        body = client.get(url, headers=bearer(w.ada)).get_json()
        assert len(body["items"]) <= 2
        seen += [c["name"] for c in body["items"]]
        url = body["next"]
    assert seen == ["Spring group", "Group 0", "Group 1", "Group 2"]
    forged = client.get("/api/v1/me/cohorts?cursor=abc", headers=bearer(w.ada))
    assert forged.status_code == 400


def test_my_cohorts_cost_the_same_queries_however_many_cohorts(client, count_queries, w):
    headers = bearer(w.ada)
    client.get("/api/v1/me", headers=headers)  # the token's last use is written now, not below

    def statements() -> int:
        with count_queries() as counted:
            assert client.get("/api/v1/me/cohorts?limit=100", headers=headers).status_code == 200
        return len(counted)

    one = statements()
    assert one == 1 + 2  # the token with its owner; the cohorts with team and slugs, and their coming items
    for n in range(4):
        cohort = make_cohort(w.course, w.lead, name=f"Group {n}")
        join_cohort(w.ada, cohort, w.course)
        plan.add_live_session(w.lead, cohort, title=f"Session {n}", starts_local=LOCAL + timedelta(days=n + 1),
                              minutes=60)
        teams.move_to_team(w.lead, cohort, w.ada.id, teams.create_team(w.lead, cohort, f"Team {n}").id)
    join_cohort(w.ada, w.group, None)
    assert statements() == one


def test_the_plan_is_the_plan_pages_to_the_same_readers(client, w):
    plan.mark_item_done(w.ada, w.cohort, w.item.id)
    path = f"/api/v1/cohorts/{w.cohort.id}/plan"
    body = client.get(path, headers=bearer(w.ada)).get_json()
    assert body["cohort"] == {"id": w.cohort.id, "name": "Spring group", "course": "alpha", "programme": None,
                              "time_zone": "Europe/Berlin", "url": body["cohort"]["url"]}
    assert body["cohort"]["url"].endswith(f"/cohorts/{w.cohort.id}/plan")
    kinds = [i["kind"] for i in body["items"]]
    assert kinds == ["week"] * len(w.weeks) + ["live_session", "external"]
    week = body["items"][0]
    assert week["releases_at"] and week["due_at"] and week["module"] and week["done"] is None
    assert (week["url"], week["video_url"], week["agenda"]) == (None, None, [])
    session, item = body["items"][-2:]
    assert (session["minutes"], session["video_url"], session["done"]) == (90, CALL, None)
    assert (item["url"], item["instructions"], item["done"]) == ("https://example.org/a", "Note two questions.", True)
    facilitator = client.get(path, headers=bearer(w.lead)).get_json()
    assert facilitator["items"][-1]["done"] is None  # a facilitator marks nothing done
    waiting = client.get(path, headers=bearer(w.bo)).get_json()
    assert waiting["items"][-1]["done"] is False and waiting["items"][-2]["video_url"] is None
    assert client.get(path, headers=bearer(w.admin)).status_code == 200
    # Whoever the plan page refuses, the API refuses as the other endpoints do: no such cohort.
    for outsider in (w.cy, w.other_lead):
        refused = client.get(path, headers=bearer(outsider))
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
        log_in(client, outsider)
        assert client.get(f"/cohorts/{w.cohort.id}/plan").status_code == 404
    assert client.get("/api/v1/cohorts/999999/plan", headers=bearer(w.ada)).status_code == 404
    without = [s for s in ALL_SCOPES if s != "read:cohorts"]
    assert client.get(path, headers=bearer(w.ada, scopes=without)).status_code == 403


def test_the_video_call_link_is_for_seated_learners_and_facilitators_on_the_page_too(client, w):
    log_in(client, w.bo)
    assert CALL not in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)
    log_in(client, w.ada)
    assert CALL in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)


def test_a_programme_cohorts_plan_and_sessions(client, w):
    lead = make_user("facilitator", course=make_course("beta"))
    group = make_programme_cohort(w.programme, lead, time_zone="America/New_York")
    join_cohort(w.ada, group, None)
    plan.add_external_item(lead, group, title="Open lesson", url="https://example.org/lesson")
    plan.add_live_session(lead, group, title="Meet-up", starts_local=LOCAL + timedelta(days=1), minutes=45)
    body = client.get(f"/api/v1/cohorts/{group.id}/plan", headers=bearer(w.ada)).get_json()
    assert (body["cohort"]["course"], body["cohort"]["programme"]) == (None, "circle")
    assert [i["kind"] for i in body["items"]] == ["external", "live_session"]
    sessions = client.get(f"/api/v1/cohorts/{group.id}/sessions", headers=bearer(w.ada)).get_json()["items"]
    assert sessions[0]["starts_at_local"] == "2026-03-03T09:00:00-05:00"
    assert datetime.fromisoformat(sessions[0]["starts_at"]) == START + timedelta(days=1, hours=5)
    assert client.get(f"/api/v1/cohorts/{group.id}/plan", headers=bearer(w.lead)).status_code == 404


def test_sessions_carry_both_times_the_agenda_and_my_attendance(client, w):
    path = f"/api/v1/cohorts/{w.cohort.id}/sessions"
    before = client.get(path, headers=bearer(w.ada)).get_json()["items"]
    assert [s["id"] for s in before] == [w.session.id]
    session = before[0]
    assert session["starts_at_local"] == "2026-03-04T09:00:00+01:00"
    assert datetime.fromisoformat(session["starts_at"]) == START + timedelta(days=2, hours=-1)
    assert (session["minutes"], session["agenda"], session["video_url"], session["attended"]) == (
        90, [], CALL, None)
    clock.advance(timedelta(days=3))
    plan.record_attendance(w.lead, w.cohort, w.session.id, {w.ada.id})
    assert client.get(path, headers=bearer(w.ada)).get_json()["items"][0]["attended"] is True
    waiting = client.get(path, headers=bearer(w.bo)).get_json()["items"][0]
    assert (waiting["video_url"], waiting["attended"]) == (None, None)
    assert client.get(path, headers=bearer(w.lead)).get_json()["items"][0]["attended"] is None
    plan.record_attendance(w.lead, w.cohort, w.session.id, set())
    assert client.get(path, headers=bearer(w.ada)).get_json()["items"][0]["attended"] is None
    for outsider in (w.cy, w.other_lead):
        assert client.get(path, headers=bearer(outsider)).status_code == 404


def done_rows(item_id: int, user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PlanItemDone).where(
        PlanItemDone.item_id == item_id, PlanItemDone.user_id == user_id)) or 0


def test_marking_an_item_done_twice_records_it_once_and_delete_undoes_it(client, w):
    path = f"/api/v1/cohorts/{w.cohort.id}/items/{w.item.id}/done"
    for _ in range(2):
        response = client.post(path, headers=bearer(w.ada))
        assert response.status_code == 200 and response.get_json() == {"item": w.item.id, "done": True}
    assert done_rows(w.item.id, w.ada.id) == 1
    log_in(client, w.ada)  # the plan page shows what the API marked
    assert "Done: mark as not done" in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)
    for _ in range(2):
        response = client.delete(path, headers=bearer(w.ada))
        assert response.status_code == 200 and response.get_json() == {"item": w.item.id, "done": False}
    assert done_rows(w.item.id, w.ada.id) == 0


def test_only_seated_learners_mark_items_done(client, w):
    path = f"/api/v1/cohorts/{w.cohort.id}/items/{w.item.id}/done"
    assert client.post(path, headers=bearer(w.bo)).status_code == 403  # waiting
    assert client.post(path, headers=bearer(w.lead)).status_code == 403
    for outsider in (w.cy, w.other_lead):
        assert client.post(path, headers=bearer(outsider)).status_code == 404
    week = f"/api/v1/cohorts/{w.cohort.id}/items/{w.weeks[0].id}/done"
    assert client.post(week, headers=bearer(w.ada)).status_code == 400  # weeks are done by doing their units
    elsewhere = plan.add_external_item(w.other_lead, w.other, title="Theirs", url="https://example.org/t")
    assert client.post(f"/api/v1/cohorts/{w.cohort.id}/items/{elsewhere.id}/done",
                       headers=bearer(w.ada)).status_code == 404
    without = [s for s in ALL_SCOPES if s != "write:cohorts"]
    assert client.post(path, headers=bearer(w.ada, scopes=without)).status_code == 403
    assert done_rows(w.item.id, w.ada.id) == 0


def test_reminders_include_programme_cohorts(client, w):
    lead = make_user("facilitator", course=make_course("beta"))
    group = make_programme_cohort(w.programme, lead, name="Circle")
    join_cohort(w.ada, group, None)
    plan.add_live_session(lead, group, title="Circle meets", starts_local=LOCAL + timedelta(days=1), minutes=30,
                          video_url="https://meet.example.org/circle")
    plan.add_external_item(lead, group, title="Circle reading", url="https://example.org/c",
                           due_local=LOCAL + timedelta(days=3))
    body = client.get("/api/v1/me/reminders", headers=bearer(w.ada)).get_json()
    found = {r["title"]: r for r in body["items"]}
    assert (found["Circle meets"]["course"], found["Circle meets"]["programme"]) == (None, "circle")
    assert found["Circle meets"]["video_url"] == "https://meet.example.org/circle"
    assert found["Circle reading"]["kind"] == "due" and found["Circle reading"]["cohort_name"] == "Circle"
    assert (found["Kick-off"]["course"], found["Kick-off"]["programme"]) == ("alpha", None)
