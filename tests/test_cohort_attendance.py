"""Attendance at a cohort's live sessions: its facilitator ticks who was there once a session has begun; saving
again replaces it; the dashboard and its CSV show each learner's sessions attended of those held."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.audit import AuditEntry
from moocplatform.cohorts import plan
from moocplatform.cohorts.models import Attendance
from moocplatform.cohorts.services import join_cohort
from moocplatform.errors import InvalidInput
from moocplatform.extensions import db
from moocplatform.personal_data import export_user_data
from tests.conftest import START, log_in
from tests.factories import enrol, make_cohort, make_course, make_user

LOCAL = START.replace(tzinfo=None) + timedelta(hours=1)  # Europe/Berlin, UTC+1 in March


@pytest.fixture()
def w():
    course = make_course("alpha", modules=1, units_per_module=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    ada, bo = make_user(display_name="Ada"), make_user(display_name="Bo")
    for learner in (ada, bo):
        enrol(learner, course)
        join_cohort(learner, cohort, course)
    session = plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=LOCAL + timedelta(hours=2),
                                    minutes=60)
    return type("W", (), dict(course=course, facilitator=facilitator, cohort=cohort, ada=ada, bo=bo,
                              session=session, outsider=make_user()))


def test_the_facilitator_records_who_attended_once_the_session_has_begun(client, w):
    path = f"/cohorts/{w.cohort.id}/plan/items/{w.session.id}/attendance"
    log_in(client, w.facilitator)
    assert "has not begun" in client.get(path).get_data(as_text=True)
    with pytest.raises(InvalidInput):
        plan.record_attendance(w.facilitator, w.cohort, w.session.id, {w.ada.id})
    assert "Record who attended" not in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)

    clock.advance(timedelta(hours=3))
    log_in(client, w.facilitator)  # a new session: the last one idled out meanwhile
    assert "Record who attended" in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert f'name="attendance-{w.ada.id}" value="present"' in page and "Ada" in page and "Bo" in page
    response = client.post(path, data={"present": [str(w.ada.id)]})
    assert response.status_code == 302
    assert "Attendance saved: 1 of 2 learners." in client.get(response.location).get_data(as_text=True)
    assert "1 learner recorded present" in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)
    board = client.get(f"/cohorts/{w.cohort.id}/dashboard").get_data(as_text=True)
    assert "Live sessions attended" in board
    ada_row = board.split(f'data-learner="{w.ada.id}"><th')[1].split("</tr>")[0]
    bo_row = board.split(f'data-learner="{w.bo.id}"><th')[1].split("</tr>")[0]
    assert "1 of 1" in ada_row and "0 of 1" in bo_row
    rows = list(csv.reader(io.StringIO(client.get(f"/cohorts/{w.cohort.id}/dashboard.csv").get_data(as_text=True))))
    assert [(r[0], r[-3], r[-2], r[-1]) for r in rows[1:]] == [("Ada", "1", "1", "0"), ("Bo", "0", "1", "0")]

    # Saving again replaces the list; someone outside the cohort is refused and nothing changes.
    client.post(path, data={"present": [str(w.bo.id)]})
    present = set(db.session.scalars(sa.select(Attendance.user_id).where(Attendance.item_id == w.session.id)))
    assert present == {w.bo.id}
    page = client.post(path, data={"present": [str(w.bo.id), str(w.outsider.id)]}, follow_redirects=True)
    assert "Only the cohort's learners" in page.get_data(as_text=True).replace("&#39;", "'")
    assert set(db.session.scalars(sa.select(Attendance.user_id).where(Attendance.item_id == w.session.id))) == present
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "cohort.record_attendance")) == 2
    assert export_user_data(w.bo)["cohort_session_attendance"][0]["item_id"] == w.session.id


def test_learners_and_other_staff_cannot_record_attendance(client, w):
    clock.advance(timedelta(hours=3))
    path = f"/cohorts/{w.cohort.id}/plan/items/{w.session.id}/attendance"
    for viewer in (w.ada, make_user("course_team", course=w.course)):
        log_in(client, viewer)
        assert client.get(path).status_code == 403
        assert client.post(path, data={"present": [str(viewer.id)]}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    log_in(client, w.facilitator)
    external = plan.add_external_item(w.facilitator, w.cohort, title="Read", url="https://example.org/r")
    assert client.get(f"/cohorts/{w.cohort.id}/plan/items/{external.id}/attendance").status_code == 404
