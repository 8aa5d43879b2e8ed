from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.admin.services import grant_role
from moocplatform.catalog.services import import_pack
from moocplatform.errors import PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning import services
from moocplatform.learning.models import Enrollment, Invitation, UnitProgress
from moocplatform.learning.queries import dashboard
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack


def test_enrol_twice_makes_one_enrolment(client):
    course = make_course("alpha")
    learner = make_user()
    log_in(client, learner)
    first = client.post("/courses/alpha/enrol")
    second = client.post("/courses/alpha/enrol")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith("/courses/alpha/units/m1-u1")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.user_id == learner.id, Enrollment.course_id == course.id))
    assert count == 1


def test_enrol_requires_login_and_verified_email(client):
    make_course("alpha")
    response = client.post("/courses/alpha/enrol")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    unverified = make_user(verified=False)
    log_in(client, unverified)
    assert client.post("/courses/alpha/enrol").status_code == 403
    assert "Confirm your e-mail address" in client.get("/courses/alpha").get_data(as_text=True)


def test_leave_and_return_keeps_progress(client):
    course = make_course("alpha")
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "1"})
    assert client.post("/courses/alpha/leave").status_code == 302
    page = client.get("/my-learning").get_data(as_text=True)
    assert "Courses you left" in page
    # A learner who left sees units like a visitor: the preview unit only.
    assert client.get("/courses/alpha/units/m1-u2").status_code == 302
    client.post("/courses/alpha/enrol")
    entry, = dashboard(learner.id)
    assert entry.enrollment.is_active and entry.completed == 1


def test_mark_complete_and_undo(client):
    course = make_course("alpha", modules=1, units_per_module=4)
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    response = client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "1"})
    assert response.headers["Location"].endswith("/courses/alpha/units/m1-u2")  # goes on to the next unit
    client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "1"})  # a double click
    rows = db.session.scalars(sa.select(UnitProgress).where(UnitProgress.user_id == learner.id)).all()
    assert [(r.unit_key, r.completed_at is not None) for r in rows] == [("m1-u1", True)]
    page = client.get("/courses/alpha/units/m1-u1").get_data(as_text=True)
    assert "You completed this unit." in page and "25% complete" in page
    client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "0"})
    assert "0% complete" in client.get("/courses/alpha/units/m1-u1").get_data(as_text=True)


def test_completion_needs_enrolment_and_valid_input(client):
    make_course("alpha")
    learner = make_user()
    log_in(client, learner)
    assert client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "1"}).status_code == 403
    assert client.post("/courses/alpha/units/nope/complete", data={"complete": "1"}).status_code == 404
    client.post("/courses/alpha/enrol")
    assert client.post("/courses/alpha/units/m1-u1/complete", data={"complete": "maybe"}).status_code == 400


def test_visitors_see_preview_units_only(client):
    make_course("alpha")
    assert client.get("/courses/alpha/units/m1-u1").status_code == 200
    response = client.get("/courses/alpha/units/m1-u2")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/alpha")
    assert client.get("/courses/alpha/units/missing").status_code == 404


def test_course_team_reads_every_unit_without_enrolling(client):
    course = make_course("alpha")
    log_in(client, make_user("course_team", course=course))
    assert client.get("/courses/alpha/units/m2-u3").status_code == 200


def test_unit_page_shows_outline_neighbours_and_rendered_markdown(client):
    course = make_course("alpha", modules=2, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    page = client.get("/courses/alpha/units/m1-u2").get_data(as_text=True)
    assert "Previous:" in page and "Unit 1.1" in page and "Next:" in page and "Unit 2.1" in page
    assert 'alt="A square"' in page and "/assets/" in page
    assert "Week 2" in page  # the module outline


def test_dashboard_continue_where_you_left_off(client):
    course = make_course("alpha", title="Alpha")
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    client.get("/courses/alpha/units/m2-u1")
    page = client.get("/my-learning").get_data(as_text=True)
    assert "Continue where you left off" in page and "/courses/alpha/units/m2-u1" in page
    course_page = client.get("/courses/alpha").get_data(as_text=True)
    assert "Continue where you left off" in course_page


def test_window_enrolment(client):
    opens = clock.now() + timedelta(days=1)
    make_course("windowed", enrolment={"mode": "window", "opens": opens.isoformat(),
                                       "closes": (opens + timedelta(days=7)).isoformat()})
    log_in(client, make_user())
    assert client.post("/courses/windowed/enrol").status_code == 403
    assert "Enrolment has not opened yet." in client.get("/courses/windowed").get_data(as_text=True)
    clock.advance(timedelta(days=2))
    assert client.post("/courses/windowed/enrol").status_code == 302
    clock.advance(timedelta(days=30))
    other = make_user()
    log_in(client, other)
    assert client.post("/courses/windowed/enrol").status_code == 403


def test_invitation_only_enrolment(client, outbox):
    course = make_course("invited", enrolment={"mode": "invitation"})
    team = make_user("course_team", course=course)
    guest = make_user(email="guest@example.org")
    stranger = make_user()
    log_in(client, stranger)
    assert client.post("/courses/invited/enrol").status_code == 403
    log_in(client, team)
    response = client.post("/courses/invited/invitations", data={"emails": "Guest@example.org, bad-address"})
    assert response.status_code == 422 and "bad-address" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    client.post("/courses/invited/invitations", data={"emails": "Guest@example.org\nguest@example.org"})
    assert [m["To"] for m in outbox.messages] == ["guest@example.org"]
    log_in(client, guest)
    assert client.post("/courses/invited/enrol").status_code == 302
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.accepted_at is not None


def test_new_version_keeps_progress_by_stable_id(client, tmp_path):
    course = make_course("alpha", modules=1, units_per_module=3)
    learner = make_user()
    enrol(learner, course)
    services.set_unit_completion(learner, course, "m1-u1", complete=True)
    services.set_unit_completion(learner, course, "m1-u3", complete=True)
    # Version 2 keeps m1-u1, drops m1-u2 and m1-u3, adds two new units.
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=3,
                        unit_keys=["m1-u1", "new-a", "new-b"])
    result = import_pack(None, folder)
    assert result.outcome == "new_version"
    entry, = dashboard(learner.id)
    assert (entry.completed, entry.unit_count) == (1, 3)  # only units of the live version count
    log_in(client, learner)
    page = client.get("/courses/alpha/units/m1-u1").get_data(as_text=True)
    assert "version 1.1.0" in page and "You completed this unit." in page
    assert client.get("/courses/alpha/units/m1-u3").status_code == 404  # retired
    # The learner's data for the retired unit is kept.
    assert db.session.scalar(sa.select(UnitProgress).where(UnitProgress.unit_key == "m1-u3")) is not None


def test_enrol_service_refuses_archived_course():
    from moocplatform.catalog.services import archive_course

    course = make_course("alpha")
    archive_course(None, course)
    with pytest.raises(PermissionDenied):
        services.enrol_learner(make_user(), course)


def test_pilot_courses_import(app):
    from moocplatform.catalog.services import pack_folders

    folders = pack_folders(Path(app.config["COURSES_DIR"]))
    assert {f.name for f in folders} == {"learning-to-learn", "sense-of-initiative", "innovation-and-creativity"}
    for folder in folders:
        result = import_pack(None, folder)
        assert result.version.unit_count >= 16
        assert import_pack(None, folder).outcome == "unchanged"


def test_quiz_units_are_completed_by_the_quiz_not_by_hand(client):
    course = make_course("alpha", quiz=True)
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    assert client.post("/courses/alpha/units/quiz-unit/complete", data={"complete": "1"}).status_code == 409
    assert db.session.scalar(sa.select(UnitProgress).where(UnitProgress.unit_key == "quiz-unit",
                                                           UnitProgress.completed_at.is_not(None))) is None


def test_my_learning_lists_the_courses_i_teach_with_my_tools(client):
    taught = make_course("taught-course", title="Taught course")
    facilitated = make_course("facilitated-course", title="Facilitated course")
    staff = make_user("course_team", course=taught)
    grant_role(None, staff, "facilitator", facilitated)
    log_in(client, staff)
    page = client.get("/my-learning").get_data(as_text=True)
    teaching = page[page.index("Courses I teach"):page.index("Courses I take")]
    assert "Taught course" in teaching and "Facilitated course" in teaching
    assert "Your role: Course team" in teaching and "Your role: Facilitator" in teaching
    assert "/studio/courses/taught-course/versions" in teaching
    assert "/studio/courses/facilitated-course/versions" not in teaching  # a facilitator does not publish

    learner = make_user()
    log_in(client, learner)
    assert "Courses I teach" not in client.get("/my-learning").get_data(as_text=True)
