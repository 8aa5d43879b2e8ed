"""Programmes: a group led through any online content. A programme has no pack; its cohorts are joined by code
without enrolling in any course, their plans hold external items and live sessions, and the facilitator's
dashboard shows the items marked done and the sessions attended."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock, policy
from moocplatform.cohorts import calendar, plan, programmes, queries, services
from moocplatform.cohorts.models import Cohort, CohortMembership
from moocplatform.cohorts.programme_queries import programme_dashboard
from moocplatform.cohorts.reminders import send_reminders
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment
from moocplatform.notifications.models import Notification
from moocplatform.personal_data import export_user_data
from tests.conftest import START, log_in
from tests.factories import make_cohort, make_course, make_programme, make_programme_cohort, make_user
from tests.opportunities_helpers import make_member, make_organisation

LOCAL = START.replace(tzinfo=None) + timedelta(hours=1)  # Europe/Berlin in March


@pytest.fixture()
def group():
    course = make_course("host")
    facilitator = make_user("facilitator", course=course, display_name="Fay Facilitator")
    programme = make_programme(facilitator, "digital-circle", competences=["Spotting misinformation"])
    cohort = make_programme_cohort(programme, facilitator)
    ada, bo = make_user(display_name="Ada"), make_user(display_name="Bo")
    return course, facilitator, programme, cohort, ada, bo


def test_a_programme_cohort_has_no_course_and_joining_enrols_in_nothing(group):
    course, facilitator, programme, cohort, ada, _bo = group
    assert (cohort.course_id, cohort.programme_id) == (None, programme.id)
    assert policy.leads_cohort(facilitator, cohort)
    membership = services.join_cohort(ada, services.cohort_by_code(cohort.join_code), None)
    assert membership.status == "member"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.user_id == ada.id)) == 0
    # the course's pages know nothing of it
    from moocplatform.cohorts.queries import course_page_cohorts, courses_of_cohorts, members_of_cohorts
    assert course_page_cohorts(course.id, ada.id, [cohort.id], clock.now().date()).mine == []
    assert courses_of_cohorts({cohort.id}) == {cohort.id: set()}
    assert members_of_cohorts({cohort.id}, [ada.id]) == set()


def test_a_cohort_belongs_to_a_course_or_a_programme_never_both(group):
    course, _facilitator, programme, cohort, _ada, _bo = group
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id).values(course_id=course.id))
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id).values(programme_id=None))
    assert db.session.scalar(sa.select(Cohort.programme_id).where(Cohort.id == cohort.id)) == programme.id


def test_course_cohorts_are_unchanged(group):
    course, facilitator, _programme, _cohort, ada, _bo = group
    cohort = make_cohort(course, facilitator)
    services.join_cohort(ada, cohort, course)
    assert db.session.scalar(sa.select(Enrollment.id).where(Enrollment.user_id == ada.id,
                                                            Enrollment.course_id == course.id)) is not None


def test_competences_are_free_tags_or_framework_references(group):
    _course, facilitator, programme, _cohort, _ada, _bo = group
    assert programme.competences == [{"name": "Spotting misinformation", "framework": None, "code": None}]
    programmes.update_programme(facilitator, programme, programmes.ProgrammeFields(
        title="Digital circle", language="de", competences=["teamwork", "Teamwork", "Data literacy"]))
    assert [c["name"] for c in programme.competences] == ["teamwork", "Data literacy"]
    assert programme.language == "de"
    with pytest.raises(InvalidInput) as refused:
        programmes.update_programme(facilitator, programme, programmes.ProgrammeFields(
            title="Digital circle", language="en", competences=[f"tag {n}" for n in range(21)]))
    assert refused.value.field == "competences"


def test_who_creates_and_edits_programmes_and_their_cohorts(group):
    _course, facilitator, programme, _cohort, ada, _bo = group
    organisation = make_organisation(kind="university")
    org_admin = make_member(organisation, "org_admin")
    member = make_member(organisation)
    fields = programmes.ProgrammeFields(title="Open lessons", language="en", organisation_id=organisation.id)
    # a learner creates none; a plain member of the organisation none for it
    with pytest.raises(PermissionDenied):
        programmes.create_programme(ada, "by-ada", programmes.ProgrammeFields(title="Mine", language="en"))
    with pytest.raises(PermissionDenied):
        programmes.create_programme(member, "by-member", fields)
    # a facilitator creates one of their own, not one for an organisation they are not in
    with pytest.raises(PermissionDenied):
        programmes.create_programme(facilitator, "by-fay", fields)
    owned = programmes.create_programme(org_admin, "open-lessons", fields)
    assert owned.organisation_id == organisation.id and owned.created_by_id == org_admin.id
    assert policy.can_edit_programme(org_admin, programme=owned, organisation=organisation)
    assert not policy.can_edit_programme(facilitator, owned, organisation)
    assert not policy.can_edit_programme(org_admin, programme, None)  # not their organisation's
    # the organisation's programme takes cohorts from its admins and from facilitators who belong to it
    assert not policy.can_create_programme_cohort(facilitator, owned, organisation)
    assert not policy.can_create_programme_cohort(member, owned, organisation)
    assert policy.can_create_programme_cohort(facilitator, programme, None)
    admin_cohort = make_programme_cohort(owned, org_admin)
    assert policy.can_manage_cohort(org_admin, admin_cohort) and not policy.can_manage_cohort(member, admin_cohort)
    with pytest.raises(InvalidInput) as taken:
        programmes.create_programme(org_admin, "open-lessons", fields)
    assert taken.value.field == "slug"
    with pytest.raises(InvalidInput) as bad:
        programmes.create_programme(org_admin, "Not a slug!", fields)
    assert bad.value.field == "slug"
    with pytest.raises(InvalidInput) as unknown:
        programmes.create_programme(make_user("admin"), "nowhere", programmes.ProgrammeFields(
            title="Lost", language="en", organisation_id=999_999))
    assert unknown.value.field == "organisation_id"


def test_the_plan_is_external_items_and_sessions_and_the_dashboard_shows_them(group, count_queries):
    _course, facilitator, _programme, cohort, ada, bo = group
    with pytest.raises(NotFound):
        plan.fill_plan_from_pack(facilitator, cohort)  # no pack to fill from
    read = plan.add_external_item(facilitator, cohort, title="Read the article", url="https://example.org/a",
                                  due_local=LOCAL - timedelta(hours=1))
    watch = plan.add_external_item(facilitator, cohort, title="Watch the talk", url="https://example.org/v")
    call = plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=LOCAL - timedelta(hours=2),
                                 minutes=60)
    for learner in (ada, bo):
        services.join_cohort(learner, cohort, None)
    plan.mark_item_done(ada, cohort, read.id)
    plan.mark_item_done(ada, cohort, watch.id)
    plan.mark_item_done(bo, cohort, watch.id)
    plan.record_attendance(facilitator, cohort, call.id, {ada.id})
    db.session.flush()
    with count_queries() as statements:
        board = programme_dashboard(cohort, clock.now(), 1)
    # the learners' count and page, the plan with totals, marks done, attendance, extensions of items past due
    assert len(statements) == 6
    assert [(i.title, i.count) for i in board.items] == [("Read the article", 1), ("Watch the talk", 2),
                                                         ("Kick-off", 1)]
    rows = {row.display_name: row for row in board.rows}
    assert rows["Ada"].done == {read.id, watch.id} and rows["Ada"].attended == {call.id}
    assert rows["Ada"].overdue == 0 and rows["Bo"].overdue == 1  # Bo has not done the reading, due an hour ago
    assert rows["Bo"].last_done_at is not None
    plan.mark_item_done(ada, cohort, read.id, done=False)
    assert {r.display_name: r.overdue for r in programme_dashboard(cohort, clock.now(), 1).rows}["Ada"] == 1


def test_reminders_reach_programme_cohorts_once(group):
    _course, facilitator, programme, cohort, ada, bo = group
    for learner in (ada, bo):
        services.join_cohort(learner, cohort, None)
    read = plan.add_external_item(facilitator, cohort, title="Read the article", url="https://example.org/a",
                                  due_local=LOCAL + timedelta(hours=10))
    plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=LOCAL + timedelta(hours=20),
                          minutes=60)
    plan.mark_item_done(bo, cohort, read.id)
    run = send_reminders()
    assert (run.sessions, run.due) == (2, 1)
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert kinds == {(ada.id, "cohorts.session_reminder"), (bo.id, "cohorts.session_reminder"),
                     (ada.id, "cohorts.due_reminder")}
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == ada.id,
                                                           Notification.kind == "cohorts.due_reminder"))
    assert note.params["course"] == programme.title and note.link.endswith(f"/cohorts/{cohort.id}/plan")
    again = send_reminders()
    assert (again.sessions, again.due) == (0, 0)
    assert export_user_data(ada)["cohort_reminders_sent"]


def test_leaving_and_the_waiting_list_work_without_a_course(group):
    _course, facilitator, _programme, cohort, ada, bo = group
    services.update_cohort(facilitator, cohort, services.CohortFields(
        name=cohort.name, language="en", starts_on=cohort.starts_on, ends_on=cohort.ends_on,
        time_zone=cohort.time_zone, capacity=1, requires_sign_off=True))
    assert cohort.requires_sign_off is False  # no course to complete
    services.join_cohort(ada, cohort, None)
    assert services.join_cohort(bo, cohort, None).status == "waiting"
    services.leave_cohort(ada, cohort)
    assert services.membership_of(cohort, bo.id).status == "member"
    cohort.is_open = False
    with pytest.raises(Conflict):
        services.join_cohort(ada, cohort, None)
    services.add_learner_by_email(facilitator, cohort, None, ada.email)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMembership).where(
        CohortMembership.cohort_id == cohort.id)) == 2


def test_the_pages_of_a_programme_and_its_cohort(client, group):
    _course, facilitator, programme, cohort, ada, _bo = group
    page = client.get("/programmes/digital-circle")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Digital skills circle" in text and "Spotting misinformation" in text
    assert cohort.name in text and "Create a cohort" not in text
    assert "digital-circle" in client.get("/programmes").get_data(as_text=True)
    log_in(client, facilitator)
    response = client.post("/programmes/digital-circle/cohorts/new", data={
        "name": "Weekend group", "language": "en", "starts_on": "2026-04-01", "ends_on": "2026-03-01",
        "time_zone": "Europe/Berlin"})
    assert response.status_code == 422 and "cannot end before it starts" in response.get_data(as_text=True)
    response = client.post("/programmes/digital-circle/cohorts/new", data={
        "name": "Weekend group", "language": "en", "starts_on": "2026-03-01", "ends_on": "2026-04-01",
        "time_zone": "Europe/Berlin", "is_open": "y"})
    assert response.status_code == 302
    weekend = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Weekend group"))
    assert weekend.programme_id == programme.id
    assert client.get(f"/programmes/digital-circle/cohorts/{weekend.id}/edit").status_code == 200
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert cohort.join_code in page and "Digital skills circle" in page
    client.post(f"/cohorts/{cohort.id}/plan/items", data={
        "external-title": "Read the article", "external-url": "https://example.org/a"})
    assert "Fill the plan from the course" not in client.get(f"/cohorts/{cohort.id}/plan").get_data(as_text=True)
    for course_only in ("dashboard.csv", "people", "edit"):
        assert client.get(f"/cohorts/{cohort.id}/{course_only}").status_code == 404
    log_in(client, ada)
    assert "enrols you" not in client.get(f"/join/{cohort.join_code}").get_data(as_text=True)
    assert client.post(f"/join/{cohort.join_code}").status_code == 302
    [item] = queries.plan_items(cohort.id)
    assert client.post(f"/cohorts/{cohort.id}/plan/items/{item.id}/done", data={"done": "1"}).status_code == 302
    assert client.get(f"/cohorts/{cohort.id}/dashboard").status_code == 403
    response = client.post(f"/cohorts/{cohort.id}/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/programmes/digital-circle")
    log_in(client, facilitator)
    board = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Read the article: marked done by 0 of 0" in board  # Ada left


def test_a_programme_form_with_bad_input_answers_with_its_field(client, group):
    _course, facilitator, _programme, _cohort, _ada, _bo = group
    log_in(client, facilitator)
    response = client.post("/programmes/new", data={"title": "Open lessons", "slug": "Bad slug", "language": "en",
                                                    "organisation_id": "0"})
    assert response.status_code == 422 and "Lower-case letters" in response.get_data(as_text=True)
    data = {"title": "Open lessons", "slug": "open-lessons", "language": "en", "organisation_id": "0",
            "competences": "EntreComp 1.1, teamwork"}
    assert client.post("/programmes/new", data=data).status_code == 302
    assert client.post("/programmes/new", data=data).status_code == 422  # a double submit makes one
    response = client.post("/programmes/open-lessons/edit", data={"title": "Open lessons again", "language": "en",
                                                                 "competences": "teamwork"})
    assert response.status_code == 302
    assert "Open lessons again" in client.get("/programmes/open-lessons").get_data(as_text=True)



def test_the_learners_home_lists_their_programme_cohort_with_what_is_due(client, group):
    _course, facilitator, programme, cohort, ada, _bo = group
    services.join_cohort(ada, cohort, None)
    plan.add_external_item(facilitator, cohort, title="Watch the talk", url="https://example.org/v",
                           due_local=LOCAL + timedelta(days=2))
    [agenda] = queries.learner_cohort_agenda(ada.id, clock.now())
    assert (agenda.course_title, agenda.course_slug, agenda.next_due.title) == (programme.title, None,
                                                                                "Watch the talk")
    log_in(client, ada)
    page = client.get("/home").get_data(as_text=True)
    assert cohort.name in page and "Watch the talk" in page


def test_a_programme_cohort_has_a_calendar_feed(client, group):
    from icalendar import Calendar

    _course, facilitator, _programme, cohort, ada, _bo = group
    services.join_cohort(ada, cohort, None)
    plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=LOCAL + timedelta(days=1), minutes=45)
    log_in(client, ada)
    response = client.post(f"/cohorts/{cohort.id}/calendar")
    assert response.status_code == 200
    issued = calendar.issue_cohort_feed(ada, cohort)
    parsed = Calendar.from_ical(client.get(f"/calendar/{issued.secret}.ics").data)
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == [f"Kick-off ({cohort.name})"]
