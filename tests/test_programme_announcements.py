"""Announcements to a programme's cohort (which has no course): its facilitators and the programme's editors
announce to the cohort or to one of its teams, the worker tells its seated members (or the team's) once each,
and the cohort page and the announcement's own page show it to them and nobody else."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from moocplatform.announcements import services as announcements
from moocplatform.announcements.models import Announcement
from moocplatform.audit import AuditEntry
from moocplatform.cohorts import services as cohorts
from moocplatform.cohorts import teams
from moocplatform.errors import InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.notifications.models import Notification
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_programme, make_programme_cohort, make_user


@pytest.fixture()
def group():
    host = make_course("programme-host")
    owner = make_user("facilitator", course=host, display_name="Owner")
    programme = make_programme(owner, title="Digital skills circle")
    lead = make_user("facilitator", course=host, display_name="Lead")
    cohort = make_programme_cohort(programme, lead, name="Evening group")
    other = make_programme_cohort(programme, make_user("facilitator", course=host), name="Morning group")
    learners = [make_user(display_name=f"Learner {n}") for n in range(3)]
    for learner in learners:
        cohorts.join_cohort(learner, cohort, None)
    elsewhere = make_user(display_name="Elsewhere")
    cohorts.join_cohort(elsewhere, other, None)
    red = teams.create_team(lead, cohort, "Red")
    teams.move_to_team(lead, cohort, learners[0].id, red.id)
    db.session.flush()
    return {"programme": programme, "owner": owner, "cohort": cohort, "other": other, "lead": lead,
            "learners": learners, "elsewhere": elsewhere, "red": red, "outsider": make_user(display_name="Outsider")}


def told(user_id: int) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id,
                                                                 Notification.kind == "announcements.posted")))


def test_a_facilitator_announces_to_the_programme_cohort_and_its_members_are_told(group, run_outbox):
    cohort, lead = group["cohort"], group["lead"]
    item = announcements.post_announcement(lead, None, "Week 2", "We *meet* on Tuesday.", cohort_id=cohort.id)
    assert (item.course_id, item.cohort_id, item.team_id) == (None, cohort.id, None)
    assert all(told(learner.id) == [] for learner in group["learners"])  # nothing before the worker runs
    run_outbox()
    for learner in group["learners"]:
        rows = told(learner.id)
        assert len(rows) == 1 and rows[0].link.endswith(f"/cohorts/{cohort.id}/announcements/{item.id}")
        assert rows[0].params["programme"] == "Digital skills circle" and rows[0].params["title"] == "Week 2"
    assert all(told(group[who].id) == [] for who in ("lead", "elsewhere", "outsider", "owner"))
    db.session.refresh(item)
    assert item.told == 3 and item.delivered_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "announcements.posted"))
    assert entry is not None and entry.details["programme"] == group["programme"].id
    assert entry.details["cohort"] == cohort.id
    run_outbox()  # nobody is told twice
    assert [len(told(learner.id)) for learner in group["learners"]] == [1, 1, 1]


def test_the_notification_names_the_programme(group, run_outbox):
    announcements.post_announcement(group["lead"], None, "Week 2", "Hello", cohort_id=group["cohort"].id)
    run_outbox()
    kind = announcements.ANNOUNCEMENT
    assert kind.describe(told(group["learners"][1].id)[0].params) == \
        "Announcement in Digital skills circle: Week 2"


def test_an_announcement_to_a_team_reaches_its_members_only(group, run_outbox):
    item = announcements.post_announcement(group["lead"], None, "Red only", "Our task", team_id=group["red"].id)
    assert (item.course_id, item.cohort_id, item.team_id) == (None, group["cohort"].id, group["red"].id)
    run_outbox()
    assert len(told(group["learners"][0].id)) == 1
    assert told(group["learners"][1].id) == [] and told(group["learners"][2].id) == []


def test_the_programmes_editor_announces_and_others_cannot(group):
    cohort = group["cohort"]
    assert announcements.post_announcement(group["owner"], None, "From the owner", "Hi", cohort_id=cohort.id)
    for who in ("outsider", "elsewhere"):
        with pytest.raises(PermissionDenied):
            announcements.post_announcement(group[who], None, "No", "No", cohort_id=cohort.id)
    with pytest.raises(PermissionDenied):
        announcements.post_announcement(group["learners"][0], None, "No", "No", team_id=group["red"].id)
    with pytest.raises(PermissionDenied):  # another cohort's facilitator: not theirs
        announcements.post_announcement(group["lead"], None, "No", "No", cohort_id=group["other"].id)
    course_cohort = make_cohort(make_course("elsewhere"))
    with pytest.raises(InvalidInput) as wrong:  # a course's cohort goes through its course
        announcements.post_announcement(group["lead"], None, "No", "No", cohort_id=course_cohort.id)
    assert wrong.value.field == "audience"
    with pytest.raises(InvalidInput):  # no course and no cohort: nobody to tell
        announcements.post_announcement(group["lead"], None, "No", "No")


def test_the_form_sent_twice_makes_one_announcement(group, client):
    cohort = group["cohort"]
    log_in(client, group["lead"])
    form = {"audience": str(cohort.id), "title": "Once", "body": "Body", "request_key": "same-key"}
    first = client.post(f"/cohorts/{cohort.id}/announcements", data=form)
    again = client.post(f"/cohorts/{cohort.id}/announcements", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 1


def test_the_form_posts_to_a_team_and_shows_errors(group, client):
    cohort = group["cohort"]
    log_in(client, group["lead"])
    page = client.get(f"/cohorts/{cohort.id}").text
    assert "Make an announcement" in page and "The team Red of the cohort Evening group" in page
    refused = client.post(f"/cohorts/{cohort.id}/announcements", data={
        "audience": str(cohort.id), "title": "", "body": "x", "request_key": "a"})
    assert refused.status_code == 422 and "This field is required" in refused.text
    made = client.post(f"/cohorts/{cohort.id}/announcements", data={
        "audience": f"team:{group['red'].id}", "title": "For Red", "body": "Hello", "request_key": "b"})
    assert made.status_code == 302
    assert db.session.scalar(sa.select(Announcement.team_id)) == group["red"].id


def test_who_may_post_by_the_form(group, client):
    cohort = group["cohort"]
    form = {"audience": str(cohort.id), "title": "Hi", "body": "All", "request_key": "k"}
    for who, status in (("outsider", 404), ("elsewhere", 404), ("learners", 403)):
        person = group[who][0] if who == "learners" else group[who]
        log_in(client, person)
        assert client.post(f"/cohorts/{cohort.id}/announcements", data=form).status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_the_pages_list_it_to_those_it_was_sent_to(group, client):
    cohort, lead = group["cohort"], group["lead"]
    older = announcements.post_announcement(lead, None, "Older news", "First", cohort_id=cohort.id)
    newer = announcements.post_announcement(lead, None, "Newer news", "Second", cohort_id=cohort.id)
    red = announcements.post_announcement(lead, None, "Red news", "Team", team_id=group["red"].id)
    log_in(client, group["learners"][1])  # in the cohort, not in Red
    page = client.get(f"/cohorts/{cohort.id}").text
    assert page.index("Newer news") < page.index("Older news") and "Red news" not in page
    assert "Make an announcement" not in page
    assert client.get(f"/cohorts/{cohort.id}/announcements").status_code == 200
    assert client.get(f"/cohorts/{cohort.id}/announcements/{older.id}").status_code == 200
    assert client.get(f"/cohorts/{cohort.id}/announcements/{red.id}").status_code == 404
    log_in(client, group["learners"][0])  # in Red
    assert "Red news" in client.get(f"/cohorts/{cohort.id}/announcements/{red.id}").text
    for who in ("lead", "owner"):  # the cohort's staff read them all
        log_in(client, group[who])
        assert "Red news" in client.get(f"/cohorts/{cohort.id}/announcements").text
    for who in ("outsider", "elsewhere"):
        log_in(client, group[who])
        assert client.get(f"/cohorts/{cohort.id}/announcements").status_code == 404
        assert client.get(f"/cohorts/{cohort.id}/announcements/{newer.id}").status_code == 404
        assert client.get(f"/cohorts/{group['other'].id}/announcements/{newer.id}").status_code == 404


def test_a_learner_who_left_reads_them_no_more(group, client):
    cohort, learner = group["cohort"], group["learners"][2]
    item = announcements.post_announcement(group["lead"], None, "News", "Hello", cohort_id=cohort.id)
    cohorts.leave_cohort(learner, cohort)
    log_in(client, learner)
    assert client.get(f"/cohorts/{cohort.id}/announcements/{item.id}").status_code == 404


def test_a_course_cohorts_address_is_not_a_programme_cohorts(group, client):
    course = make_course("news")
    course_cohort = make_cohort(course)
    log_in(client, make_user("admin"))
    assert client.get(f"/cohorts/{course_cohort.id}/announcements").status_code == 404


def test_the_pages_cost_the_same_whatever_the_number_of_announcements(group, client, count_queries):
    cohort, lead = group["cohort"], group["lead"]

    def counted(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    paths = [f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}/announcements"]
    announcements.post_announcement(lead, None, "One", "Body", cohort_id=cohort.id)
    for who in ("learners", "lead"):
        log_in(client, group[who][0] if who == "learners" else group[who])
        small = [counted(path) for path in paths]
        for n in range(8):
            announcements.post_announcement(lead, None, f"More {n} for {who}", "Body", cohort_id=cohort.id)
            announcements.post_announcement(lead, None, f"Red {n} for {who}", "Body", team_id=group["red"].id)
        assert [counted(path) for path in paths] == small


def test_the_mail_names_the_programme_and_links_to_the_announcement(group, outbox):
    item = announcements.post_announcement(group["lead"], None, "Week 3", "Bring a laptop",
                                           cohort_id=group["cohort"].id)
    mails = [m for m in outbox.messages if "Week 3" in m["Subject"]]  # not the team placement notice
    assert {m["To"] for m in mails} == {learner.email for learner in group["learners"]}
    mail = mails[0]
    assert mail["Subject"].startswith("Announcement in Digital skills circle")
    assert f"/cohorts/{group['cohort'].id}/announcements/{item.id}" in mail.get_body().get_content()
