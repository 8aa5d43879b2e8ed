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
from moocplatform.cohorts import plan, services
from moocplatform.cohorts.models import Attendance
from moocplatform.cohorts.services import join_cohort
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.completion import has_completed
from moocplatform.learning.models import UnitProgress
from moocplatform.learning.services import set_unit_completion
from moocplatform.personal_data import export_user_data
from tests.conftest import START, log_in
from tests.factories import enrol, make_cohort, make_course, make_programme, make_programme_cohort, make_user
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


def has_completed_unit(learner, course, unit_key: str) -> bool:
    return db.session.scalar(sa.select(UnitProgress.completed_at).where(
        UnitProgress.user_id == learner.id, UnitProgress.course_id == course.id,
        UnitProgress.unit_key == unit_key)) is not None


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


# Units marked complete by hand ---------------------------------------------------------------------------------

def by_hand_entries():
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "cohort.unit_completed_by_hand")
                              .order_by(AuditEntry.id)).all()


def test_the_facilitator_marks_a_unit_complete_by_hand_and_back(client, w):
    services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, "m1-u1", True, "Did the exercise on paper.")
    assert has_completed_unit(w.ada, w.course, "m1-u1")
    entry = by_hand_entries()[0]
    assert entry.actor_id == w.facilitator.id
    assert entry.details == {"user_id": w.ada.id, "unit_key": "m1-u1", "complete": True,
                             "reason": "Did the exercise on paper."}
    log_in(client, w.facilitator)
    rows = list(csv.reader(io.StringIO(client.get(f"/cohorts/{w.cohort.id}/dashboard.csv").get_data(as_text=True))))
    assert [(r[0], r[1]) for r in rows[1:]] == [("Ada", "1"), ("Bo", "0"), ("Cy", "0")]
    board = client.get(f"/cohorts/{w.cohort.id}/dashboard").get_data(as_text=True)
    ada_row = board.split(f'data-learner="{w.ada.id}"><th')[1].split("</tr>")[0]
    assert "1 / 2" in ada_row
    assert f'href="/cohorts/{w.cohort.id}/learners/{w.ada.id}"' in ada_row  # the learner's page, which links here
    learner_page = client.get(f"/cohorts/{w.cohort.id}/learners/{w.ada.id}").get_data(as_text=True)
    assert f"/cohorts/{w.cohort.id}/learners/{w.ada.id}/units" in learner_page
    with pytest.raises(Conflict):  # complete already
        services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, "m1-u1", True, "Again")
    services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, "m1-u1", False, "Marked the wrong learner.")
    assert not has_completed_unit(w.ada, w.course, "m1-u1")
    assert [e.details["complete"] for e in by_hand_entries()] == [True, False]
    # Only a completion by hand is taken back here: the learner's own is theirs.
    set_unit_completion(w.bo, w.course, "m1-u1", complete=True)
    with pytest.raises(Conflict):
        services.complete_unit_for(w.facilitator, w.cohort, w.bo.id, "m1-u1", False, "No")
    assert export_user_data(w.ada)["cohort_hand_completions"] == []


def test_completing_the_last_unit_by_hand_completes_the_course(w):
    set_unit_completion(w.ada, w.course, "m1-u1", complete=True)
    assert not has_completed(w.ada.id, w.course.id)
    services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, "m1-u2", True, "Presented it in the session.")
    assert has_completed(w.ada.id, w.course.id)
    assert export_user_data(w.ada)["cohort_hand_completions"][0]["reason"] == "Presented it in the session."


def test_who_may_mark_a_unit_complete_by_hand(w):
    other_lead = make_user("facilitator", course=w.course)
    make_cohort(w.course, other_lead, name="Autumn group")
    for actor in (w.ada, w.bo, other_lead, make_user("course_team", course=w.course)):
        with pytest.raises(PermissionDenied):
            services.complete_unit_for(actor, w.cohort, w.ada.id, "m1-u1", True, "Offline work")
    services.complete_unit_for(make_user("admin"), w.cohort, w.ada.id, "m1-u1", True, "Offline work")
    assert len(by_hand_entries()) == 1


def test_only_seated_learners_known_units_and_a_reason(w):
    for learner_id in (w.dee.id, w.outsider.id):  # waiting; not in the cohort
        with pytest.raises(NotFound):
            services.complete_unit_for(w.facilitator, w.cohort, learner_id, "m1-u1", True, "Offline work")
    for key in ("m9-u9", "not a key", ""):
        with pytest.raises(InvalidInput):
            services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, key, True, "Offline work")
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(InvalidInput):
            services.complete_unit_for(w.facilitator, w.cohort, w.ada.id, "m1-u1", True, reason)
    programme = make_programme(slug="circle")
    group = make_programme_cohort(programme, w.facilitator)
    with pytest.raises(Conflict):  # a programme's cohort has no units
        services.complete_unit_for(w.facilitator, group, w.ada.id, "m1-u1", True, "Offline work")
    assert by_hand_entries() == [] and not has_completed_unit(w.ada, w.course, "m1-u1")


def test_the_learner_page_marks_units_by_hand(client, w):
    path = f"/cohorts/{w.cohort.id}/learners/{w.ada.id}/units"
    log_in(client, w.facilitator)
    page = client.get(path).get_data(as_text=True)
    assert page.count(">Mark complete</button>") == 2 and 'name="csrf_token"' in page
    assert '<label for="reason-m1-u1">' in page
    response = client.post(path, data={"unit_key": "m1-u1", "complete": "1", "reason": "Did it offline."})
    assert response.status_code == 302 and response.location.endswith(path)
    page = client.get(path).get_data(as_text=True)
    assert "Unit marked complete." in page and "Marked complete by hand: Did it offline." in page
    assert page.count(">Mark complete</button>") == 1 and page.count(">Mark not complete</button>") == 1
    client.post(path, data={"unit_key": "m1-u1", "complete": "1", "reason": ""})
    assert "Say why" in client.get(path).get_data(as_text=True)
    client.post(path, data={"unit_key": "m1-u1", "complete": "0", "reason": "Wrong learner."})
    assert "Unit marked not complete." in client.get(path).get_data(as_text=True)
    assert not has_completed_unit(w.ada, w.course, "m1-u1")
    assert client.get(f"/cohorts/{w.cohort.id}/learners/{w.dee.id}/units").status_code == 404
    log_in(client, w.ada)
    assert client.get(path).status_code == 403
    assert client.post(path, data={"unit_key": "m1-u2", "complete": "1", "reason": "Me"}).status_code == 403
    assert not has_completed_unit(w.ada, w.course, "m1-u2")
