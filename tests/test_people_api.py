"""People and reminders in the JSON API: the same people the pages show, to the same readers, page by page
through the cursor; a profile with only the fields its owner shows the caller; and the coming sessions and due
items of the caller's own cohorts, soonest first."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moocplatform.cohorts import plan
from moocplatform.cohorts.services import add_facilitator, join_cohort
from moocplatform.extensions import db
from moocplatform.people import services
from tests.conftest import START
from tests.factories import enrol, make_cohort, make_course, make_user
from tests.test_api import bearer


def show(user):
    services.update_settings(user, user, visibility="course_mates", allow_messages=False, links=[])


@pytest.fixture()
def w():
    course = make_course("alpha")
    ada, bo, cy = (make_user(display_name=name, full_name=f"{name} Fullname") for name in ("Ada", "Bo", "Cy"))
    for learner in (ada, bo, cy):
        enrol(learner, course)
    creator = make_user("facilitator", course=course)
    cohort = make_cohort(course, creator)
    fay = make_user(display_name="Fay")
    add_facilitator(creator, cohort, fay.email)
    db.session.refresh(fay)
    join_cohort(ada, cohort, course)
    join_cohort(bo, cohort, course)
    return type("W", (), dict(course=course, ada=ada, bo=bo, cy=cy, fay=fay, creator=creator, cohort=cohort,
                              outsider=make_user(display_name="Out"), admin=make_user("admin")))


def names(body) -> list[str]:
    return [person["name"] for person in body["items"]]


def test_the_people_lists_are_the_pages_lists_page_by_page(client, w):
    for user in (w.ada, w.cy):
        show(user)
    for n in range(5):
        person = make_user(display_name=f"Person {n}")
        enrol(person, w.course)
        show(person)
    services.block(w.cy, w.bo.id)
    seen, url = [], "/api/v1/courses/alpha/people?limit=2"
    while url:
        body = client.get(url, headers=bearer(w.bo)).get_json()
        assert len(body["items"]) <= 2
        seen += names(body)
        url = body["next"]
    assert seen == ["Ada", "Person 0", "Person 1", "Person 2", "Person 3", "Person 4"]  # Cy blocked Bo
    first = client.get("/api/v1/courses/alpha/people", headers=bearer(w.bo)).get_json()["items"][0]
    assert first["url"].endswith(f"/people/{w.ada.id}") and set(first) == {"id", "name", "bio", "url"}
    cohort = client.get(f"/api/v1/cohorts/{w.cohort.id}/people", headers=bearer(w.bo)).get_json()
    assert names(cohort) == ["Ada"]  # Cy is not in the cohort, Bo does not show a profile
    assert [f["name"] for f in cohort["facilitators"]] == sorted([w.creator.display_name, "Fay"])
    assert client.get(f"/api/v1/cohorts/{w.cohort.id}/people", headers=bearer(w.cy)).status_code == 404
    assert client.get("/api/v1/courses/alpha/people", headers=bearer(w.outsider)).status_code == 404


def test_a_profile_shows_what_its_owner_shows_the_caller(client, w):
    path = f"/api/v1/people/{w.ada.id}"
    assert client.get(path, headers=bearer(w.bo)).status_code == 404  # hidden from course-mates
    assert client.get(path, headers=bearer(w.fay)).status_code == 200  # not from her facilitator
    show(w.ada)
    mate = client.get(path, headers=bearer(w.bo)).get_json()
    assert (mate["name"], mate["me"], mate["handle"]) == ("Ada", False, w.ada.handle)
    assert "full_name" not in mate and "email" not in mate
    facilitator = client.get(path, headers=bearer(w.fay)).get_json()
    assert facilitator["full_name"] == "Ada Fullname" and "email" not in facilitator
    own = client.get(path, headers=bearer(w.ada)).get_json()
    assert own["me"] is True and own["email"] == w.ada.email and own["may_message"] is False
    assert client.get(f"/api/v1/people/{w.ada.id}", headers=bearer(w.outsider)).status_code == 404
    services.block(w.ada, w.bo.id)
    assert client.get(path, headers=bearer(w.bo)).status_code == 404


def test_reminders_are_my_cohorts_coming_sessions_and_due_items_soonest_first(client, w):
    local = START.replace(tzinfo=None)  # the plan takes the cohort's local time (Europe/Berlin: UTC+1 in March)
    plan.add_live_session(w.creator, w.cohort, title="Session two", starts_local=local + timedelta(days=3),
                          minutes=90, video_url="https://meet.example.org/spring")
    plan.add_live_session(w.creator, w.cohort, title="Session one", starts_local=local - timedelta(days=2),
                          minutes=60)
    due = plan.add_external_item(w.creator, w.cohort, title="Read the article", url="https://example.org/a",
                                 due_local=local + timedelta(days=1))
    done = plan.add_external_item(w.creator, w.cohort, title="Watch the talk", url="https://example.org/t",
                                  due_local=local + timedelta(days=2))
    plan.add_external_item(w.creator, w.cohort, title="Far away", url="https://example.org/f",
                           due_local=local + timedelta(days=30))
    plan.mark_item_done(w.ada, w.cohort, done.id)
    other = make_cohort(w.course, w.creator, name="Autumn group")
    plan.add_external_item(w.creator, other, title="Not Ada's", url="https://example.org/n",
                           due_local=local + timedelta(days=1))
    body = client.get("/api/v1/me/reminders", headers=bearer(w.ada)).get_json()
    assert [(r["kind"], r["title"]) for r in body["items"]] == [("due", "Read the article"),
                                                                ("live_session", "Session two")]
    first, second = body["items"]
    stored = due.due_at if due.due_at.tzinfo else due.due_at.replace(tzinfo=UTC)  # SQLite forgets the zone
    assert datetime.fromisoformat(first["at"]) == stored == START + timedelta(days=1, hours=-1)
    assert (first["minutes"], first["video_url"], first["cohort_name"], first["course"]) == (
        None, None, "Spring group", "alpha")
    assert (second["minutes"], second["video_url"]) == (90, "https://meet.example.org/spring")
    assert first["url"].endswith(f"/cohorts/{w.cohort.id}/plan")
    later = client.get("/api/v1/me/reminders?days=40", headers=bearer(w.ada)).get_json()
    assert [r["title"] for r in later["items"]] == ["Read the article", "Session two", "Far away"]
    # Done items are left out for Ada only; a learner outside every cohort has nothing to be reminded of.
    assert "Watch the talk" in [r["title"] for r in client.get("/api/v1/me/reminders",
                                                               headers=bearer(w.bo)).get_json()["items"]]
    assert client.get("/api/v1/me/reminders", headers=bearer(w.cy)).get_json() == {"items": []}
    assert client.get("/api/v1/me/reminders?days=91", headers=bearer(w.ada)).status_code == 400
