"""Exceptions a cohort's facilitators record (issue #13): an absence excused (present, excused or absent per
learner at a live session; an excused absence is not counted as attended, but shown as excused), and a unit
marked complete by hand for a seated learner, each audited."""
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
from moocplatform.errors import InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.personal_data import export_user_data
from tests.conftest import START, log_in
from tests.factories import enrol, make_cohort, make_course, make_user
from tests.test_api import bearer

LOCAL = START.replace(tzinfo=None) + timedelta(hours=1)  # Europe/Berlin, UTC+1 in March


@pytest.fixture()
def w():
    course = make_course("alpha", modules=1, units_per_module=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, capacity=3)
    ada, bo, cy, dee = (make_user(display_name=name) for name in ("Ada", "Bo", "Cy", "Dee"))
    for learner in (ada, bo, cy, dee):  # the cohort is full: Dee waits
        enrol(learner, course)
        join_cohort(learner, cohort, course)
    session = plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=LOCAL + timedelta(hours=2),
                                    minutes=60)
    clock.advance(timedelta(hours=3))
    return type("W", (), dict(course=course, facilitator=facilitator, cohort=cohort, ada=ada, bo=bo, cy=cy, dee=dee,
                              session=session, outsider=make_user()))


def states(w) -> dict[int, bool]:
    return dict(db.session.execute(sa.select(Attendance.user_id, Attendance.excused)
                                   .where(Attendance.item_id == w.session.id)).all())


def test_the_sheet_records_present_excused_and_absent(client, w):
    path = f"/cohorts/{w.cohort.id}/plan/items/{w.session.id}/attendance"
    log_in(client, w.facilitator)
    page = client.get(path).get_data(as_text=True)
    for learner in (w.ada, w.bo, w.cy):  # a labelled radio group per learner
        assert f"<legend>{learner.display_name}</legend>" in page
        for state in ("present", "excused", "absent"):
            assert f'<label for="attendance-{learner.id}-{state}">' in page
            assert f'id="attendance-{learner.id}-{state}" name="attendance-{learner.id}" value="{state}"' in page
    response = client.post(path, data={f"attendance-{w.ada.id}": "present", f"attendance-{w.bo.id}": "excused",
                                       f"attendance-{w.cy.id}": "absent"})
    assert response.status_code == 302
    assert states(w) == {w.ada.id: False, w.bo.id: True}
    page = client.get(path).get_data(as_text=True)
    assert 'value="excused" checked' in page.split("<legend>Bo</legend>")[1].split("</fieldset>")[0]
    assert "1 learner recorded present" in client.get(f"/cohorts/{w.cohort.id}/plan").get_data(as_text=True)

    board = client.get(f"/cohorts/{w.cohort.id}/dashboard").get_data(as_text=True)
    row = {name: board.split(f'data-learner="{learner.id}"><th')[1].split("</tr>")[0]
           for name, learner in (("ada", w.ada), ("bo", w.bo), ("cy", w.cy))}
    assert "1 of 1 attended" in row["ada"] and "excused" not in row["ada"]
    assert "0 of 1 attended, 1 excused" in row["bo"]
    assert "0 of 1 attended" in row["cy"] and "excused" not in row["cy"]
    rows = list(csv.reader(io.StringIO(client.get(f"/cohorts/{w.cohort.id}/dashboard.csv").get_data(as_text=True))))
    assert rows[0][-3:] == ["sessions_attended", "sessions_held", "sessions_excused"]
    assert [(r[0], r[-3], r[-2], r[-1]) for r in rows[1:]] == [
        ("Ada", "1", "1", "0"), ("Bo", "0", "1", "1"), ("Cy", "0", "1", "0")]
    assert export_user_data(w.bo)["cohort_session_attendance"][0]["excused"] is True

    # Saving again replaces every state: Bo is now present, Ada absent.
    client.post(path, data={f"attendance-{w.bo.id}": "present"})
    assert states(w) == {w.bo.id: False}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "cohort.record_attendance")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.details["present"], e.details["excused"], e.details["seated"]) for e in entries] == [
        (1, 1, 3), (1, 0, 3)]


def test_present_and_excused_are_disjoint_and_only_for_seated_learners(w):
    for present, excused in (({w.ada.id}, {w.ada.id}), (set(), {w.outsider.id}), ({w.outsider.id}, set()),
                             (set(), {w.dee.id}), ({w.dee.id}, set())):
        with pytest.raises(InvalidInput):
            plan.record_attendance(w.facilitator, w.cohort, w.session.id, present, excused)
    with pytest.raises(PermissionDenied):
        plan.record_attendance(w.ada, w.cohort, w.session.id, set(), {w.ada.id})
    assert states(w) == {}


def test_the_api_says_whether_my_absence_was_excused(client, w):
    path = f"/api/v1/cohorts/{w.cohort.id}/sessions"
    session = client.get(path, headers=bearer(w.bo)).get_json()["items"][0]
    assert (session["attended"], session["excused"]) == (None, False)
    plan.record_attendance(w.facilitator, w.cohort, w.session.id, {w.ada.id}, {w.bo.id})
    bo = client.get(path, headers=bearer(w.bo)).get_json()["items"][0]
    ada = client.get(path, headers=bearer(w.ada)).get_json()["items"][0]
    cy = client.get(path, headers=bearer(w.cy)).get_json()["items"][0]
    assert (bo["attended"], bo["excused"]) == (False, True)
    assert (ada["attended"], ada["excused"]) == (True, False)
    assert (cy["attended"], cy["excused"]) == (False, False)
