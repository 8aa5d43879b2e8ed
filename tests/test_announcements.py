"""Announcements: who may announce to whom, delivery by the worker in batches through the notification system
(once per person, however often a batch runs), the e-mail with its one-click unsubscribe, sanitised text, and
the pages (the course page's latest, the list, one announcement) with their query counts."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.announcements import services as announcements
from moocplatform.announcements.models import Announcement
from moocplatform.catalog.services import archive_course
from moocplatform.cohorts import teams
from moocplatform.cohorts.services import add_facilitator, join_cohort
from moocplatform.errors import Conflict, InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.services import leave_course
from moocplatform.notifications import services as notifications
from moocplatform.notifications.models import Notification
from moocplatform.outbox import OutboxMessage
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture()
def world():
    course = make_course("news")
    learners = [make_user(display_name=f"Learner {n}") for n in range(3)]
    for learner in learners:
        enrol(learner, course)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    join_cohort(learners[0], cohort, course)
    return {"course": course, "learners": learners, "team": make_user("course_team", course=course),
            "facilitator": facilitator, "cohort": cohort, "outsider": make_user()}


def told(user_id: int) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id,
                                                                 Notification.kind == "announcements.posted")))


def test_the_course_team_announces_to_everyone_enrolled_once_each(world, run_outbox):
    left = make_user()
    enrol(left, world["course"])
    leave_course(left, world["course"])
    item = announcements.post_announcement(world["team"], world["course"], "Week 2", "It *starts* today.")
    assert item.body_html.strip() == "<p>It <em>starts</em> today.</p>"
    assert all(told(learner.id) == [] for learner in world["learners"])  # nothing before the worker runs
    run_outbox()
    for learner in world["learners"]:
        rows = told(learner.id)
        assert len(rows) == 1 and rows[0].params == {"course": world["course"].title, "title": "Week 2"}
        assert rows[0].link.endswith(f"/courses/news/announcements/{item.id}")
    assert told(left.id) == [] and told(world["team"].id) == []  # left the course; the author
    db.session.refresh(item)
    assert item.told == 3 and item.delivered_at is not None
    run_outbox()  # nothing left to run: nobody is told twice
    assert [len(told(learner.id)) for learner in world["learners"]] == [1, 1, 1]


def test_a_delivery_goes_in_batches_and_a_failed_batch_tells_nobody_twice(world, run_outbox, monkeypatch):
    monkeypatch.setattr(announcements, "BATCH", 2)
    real_notify, failures = announcements.notify, []

    def failing_once(recipient, *args, **kwargs):
        if recipient.id == world["learners"][1].id and not failures:
            failures.append(recipient.id)
            raise RuntimeError("mail server away")
        return real_notify(recipient, *args, **kwargs)

    monkeypatch.setattr(announcements, "notify", failing_once)
    item = announcements.post_announcement(world["team"], world["course"], "Batched", "Hello")
    statuses = run_outbox()
    assert "failed" in statuses.values()  # the first batch: rolled back whole, learner 0 included
    assert told(world["learners"][0].id) == []
    clock.advance(timedelta(hours=1))  # past the retry's back-off
    run_outbox()
    rows = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == announcements.DELIVER_KIND)
                                   .order_by(OutboxMessage.id)))
    assert [row.payload["after"] for row in rows] == [0, world["learners"][1].id]  # two batches of at most 2
    assert [len(told(learner.id)) for learner in world["learners"]] == [1, 1, 1]
    db.session.refresh(item)
    assert item.told == 3


def test_a_cohorts_facilitator_announces_to_their_cohort_only(world, run_outbox):
    course, cohort = world["course"], world["cohort"]
    with pytest.raises(PermissionDenied):
        announcements.post_announcement(world["facilitator"], course, "To all", "No")
    item = announcements.post_announcement(world["facilitator"], course, "Our call", "Thursday",
                                           cohort_id=cohort.id)
    run_outbox()
    assert len(told(world["learners"][0].id)) == 1
    assert told(world["learners"][1].id) == [] and told(world["learners"][2].id) == []
    assert item.cohort_id == cohort.id
    other = make_cohort(course, name="Autumn group")
    with pytest.raises(PermissionDenied):
        announcements.post_announcement(world["facilitator"], course, "Not mine", "No", cohort_id=other.id)
    elsewhere = make_cohort(make_course("elsewhere"))
    with pytest.raises(InvalidInput) as wrong:
        announcements.post_announcement(world["facilitator"], course, "Elsewhere", "No", cohort_id=elsewhere.id)
    assert wrong.value.field == "audience"


def test_learners_and_outsiders_cannot_announce_and_an_archived_course_takes_none(world):
    for person in (world["learners"][0], world["outsider"]):
        with pytest.raises(PermissionDenied):
            announcements.post_announcement(person, world["course"], "Hi", "All")
    archive_course(make_user("admin"), world["course"])
    with pytest.raises(Conflict):
        announcements.post_announcement(world["team"], world["course"], "Late", "News")


def test_the_form_sent_twice_makes_one_announcement(world):
    first = announcements.post_announcement(world["team"], world["course"], "Once", "Body", request_key="k")
    again = announcements.post_announcement(world["team"], world["course"], "Once", "Body", request_key="k")
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 1


def test_the_mail_goes_by_preference_with_its_unsubscribe_link(world, outbox, client):
    learner, quiet = world["learners"][1], world["learners"][2]
    notifications.set_preferences(quiet, quiet, {"announcements.posted": "in_app"})
    announcements.post_announcement(world["team"], world["course"], "Exam <b>dates</b>", "See [the plan](https://example.org/p)")
    mails = outbox.messages
    assert {m["To"] for m in mails} == {world["learners"][0].email, learner.email}
    mail = next(m for m in mails if m["To"] == learner.email)
    assert "Exam <b>dates</b>" in mail["Subject"]  # plain text: the mail is text/plain
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = mail["List-Unsubscribe"].strip("<>").replace("http://learn.test", "")
    assert client.post(stop).status_code == 200
    assert notifications.queries.preferences_of(learner.id)["announcements.posted"] == "in_app"


HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) '
           '<a href="data:text/html,x" target="_blank">x</a> <svg onload=alert(4)>')


class Executable(HTMLParser):
    """Collects what would run in a browser: scripts other than the platform's own files, embedded
    documents, event handlers, script and data URLs, new windows."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append("inline script")
        if tag in ("iframe", "object", "embed", "style", "base", "svg"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name in ("target", "style", "srcdoc"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(("javascript:", "data:")):
                self.found.append(f"{tag}[{name}={value}]")


def assert_nothing_executable(html: str) -> None:
    parser = Executable()
    parser.feed(html)
    assert parser.found == []


def test_the_pages_show_sanitised_text_and_the_course_page_the_latest(world, client, run_outbox):
    announcements.post_announcement(world["team"], world["course"], "Older", "First")
    newest = announcements.post_announcement(world["team"], world["course"], "Newest <script>", HOSTILE)
    announcements.post_announcement(world["facilitator"], world["course"], "Cohort only", "Ours",
                                    cohort_id=world["cohort"].id)
    # A learner outside the cohort: the course-wide ones.
    log_in(client, world["learners"][1])
    course_page = client.get("/courses/news").text
    assert "Newest &lt;script&gt;" in course_page and "Cohort only" not in course_page
    listing = client.get("/courses/news/announcements").text
    assert "Older" in listing and "Cohort only" not in listing and "Make an announcement" not in listing
    for page in (course_page, listing, client.get(f"/courses/news/announcements/{newest.id}").text):
        assert_nothing_executable(page.split('id="main"', 1)[-1])
    # The cohort's member sees theirs first on the course page.
    log_in(client, world["learners"][0])
    assert "Cohort only" in client.get("/courses/news").text


def test_the_list_page_form_posts_and_shows_errors(world, client):
    log_in(client, world["team"])
    page = client.get("/courses/news/announcements")
    assert "Make an announcement" in page.text and "Everyone enrolled in the course" in page.text
    refused = client.post("/courses/news/announcements", data={"audience": "course", "title": "",
                                                               "body": "x", "request_key": "a"})
    assert refused.status_code == 422 and "This field is required" in refused.text
    made = client.post("/courses/news/announcements", data={"audience": "course", "title": "Made",
                                                            "body": "From the form", "request_key": "b"})
    assert made.status_code == 302 and "/courses/news/announcements/" in made.headers["Location"]
    log_in(client, world["facilitator"])
    page = client.get("/courses/news/announcements")
    assert "Everyone enrolled" not in page.text and world["cohort"].name in page.text
    forged = client.post("/courses/news/announcements", data={"audience": "course", "title": "To all",
                                                              "body": "Hi", "request_key": "c"})
    assert forged.status_code == 422  # not a choice offered to them


def test_the_pages_cost_the_same_whatever_the_number_of_announcements(world, client, count_queries):
    log_in(client, world["learners"][0])

    def counted(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    paths = ["/courses/news", "/courses/news/announcements"]
    announcements.post_announcement(world["team"], world["course"], "One", "Body")
    small = [counted(path) for path in paths]
    for n in range(15):
        announcements.post_announcement(world["team"], world["course"], f"More {n}", "Body")
        announcements.post_announcement(world["facilitator"], world["course"], f"Ours {n}", "Body",
                                        cohort_id=world["cohort"].id)
    assert [counted(path) for path in paths] == small


# To one team of a cohort -------------------------------------------------------------------------------------

@pytest.fixture()
def squad(world):
    """world's cohort with two more seated learners and a team "Owls" of learners 0 and 3; another cohort of
    the course led by a facilitator of that cohort only."""
    course, cohort, facilitator = world["course"], world["cohort"], world["facilitator"]
    mates = [make_user(display_name=f"Mate {n}") for n in range(2)]
    for mate in mates:
        join_cohort(mate, cohort, course)
    owls = teams.create_team(facilitator, cohort, "Owls")
    teams.create_team(facilitator, cohort, "Larks")
    for learner in (world["learners"][0], mates[0]):
        teams.move_to_team(facilitator, cohort, learner.id, owls.id)
    other = make_cohort(course, make_user("admin"), name="Autumn group")
    other_lead = make_user(display_name="Other lead")
    add_facilitator(make_user("admin"), other, other_lead.email)
    db.session.flush()
    return {**world, "owls": owls, "in_team": [world["learners"][0], mates[0]], "not_in_team": mates[1],
            "other": other, "other_lead": other_lead}


def test_a_facilitator_announces_to_one_team_of_their_cohort(squad, run_outbox, client):
    course, owls = squad["course"], squad["owls"]
    item = announcements.post_announcement(squad["facilitator"], course, "Owls meet", "At eight",
                                           team_id=owls.id)
    assert (item.cohort_id, item.team_id) == (squad["cohort"].id, owls.id)
    run_outbox()
    assert [len(told(p.id)) for p in squad["in_team"]] == [1, 1]
    assert told(squad["not_in_team"].id) == [] and told(squad["learners"][1].id) == []
    db.session.refresh(item)
    assert item.told == 2
    for member in squad["in_team"]:
        log_in(client, member)
        assert "Owls meet" in client.get("/courses/news/announcements").text
        assert client.get(f"/courses/news/announcements/{item.id}").status_code == 200
    for outside in (squad["not_in_team"], squad["learners"][1]):  # of the cohort but not the team; not of it
        log_in(client, outside)
        assert "Owls meet" not in client.get("/courses/news/announcements").text
        assert "Owls meet" not in client.get("/courses/news").text
        assert client.get(f"/courses/news/announcements/{item.id}").status_code == 404
    log_in(client, squad["facilitator"])
    page = client.get(f"/courses/news/announcements/{item.id}")
    assert page.status_code == 200 and "to the team Owls of the cohort Spring group" in page.text


def test_who_may_address_a_team(squad):
    course, owls = squad["course"], squad["owls"]
    for person in (squad["other_lead"], squad["in_team"][0], squad["outsider"]):
        with pytest.raises(PermissionDenied):
            announcements.post_announcement(person, course, "Not yours", "No", team_id=owls.id)
    assert announcements.post_announcement(squad["team"], course, "Course team", "Yes", team_id=owls.id).team_id
    with pytest.raises(InvalidInput) as wrong_cohort:
        announcements.post_announcement(squad["facilitator"], course, "Mixed", "No", cohort_id=squad["other"].id,
                                        team_id=owls.id)
    assert wrong_cohort.value.field == "audience"
    away = make_course("away")
    away_team = teams.create_team(make_user("admin"), make_cohort(away), "Far")
    with pytest.raises(InvalidInput):
        announcements.post_announcement(squad["facilitator"], course, "Elsewhere", "No", team_id=away_team.id)
    with pytest.raises(InvalidInput):
        announcements.post_announcement(squad["facilitator"], course, "Nobody", "No", team_id=999_999)


def test_the_form_offers_the_teams_of_the_cohorts_one_announces_to(squad, client, run_outbox):
    owls = squad["owls"]
    log_in(client, squad["facilitator"])
    page = client.get("/courses/news/announcements").text
    assert f'value="team:{owls.id}"' in page and "The team Owls of the cohort Spring group" in page
    made = client.post("/courses/news/announcements", data={"audience": f"team:{owls.id}", "title": "Owls only",
                                                            "body": "Hello owls", "request_key": "t"})
    assert made.status_code == 302
    item = db.session.scalar(sa.select(Announcement).where(Announcement.title == "Owls only"))
    assert item is not None and item.team_id == owls.id
    log_in(client, squad["other_lead"])
    page = client.get("/courses/news/announcements").text
    assert f"team:{owls.id}" not in page and "Autumn group" in page
    forged = client.post("/courses/news/announcements", data={"audience": f"team:{owls.id}", "title": "Forged",
                                                              "body": "No", "request_key": "f"})
    assert forged.status_code == 422
    log_in(client, squad["in_team"][0])
    assert client.post("/courses/news/announcements", data={"audience": f"team:{owls.id}", "title": "Me",
                                                            "body": "No", "request_key": "l"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).where(Announcement.title.in_(["Forged", "Me"]))) == 0


def test_a_teams_announcements_go_with_the_team(squad):
    owls = squad["owls"]
    announcements.post_announcement(squad["facilitator"], squad["course"], "Owls meet", "At eight", team_id=owls.id)
    teams.delete_team(squad["facilitator"], squad["cohort"], owls.id)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Announcement.title == "Owls meet")) == 0


def test_team_announcements_cost_the_pages_no_more_queries(squad, client, count_queries):
    def counted(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    paths = ["/courses/news", "/courses/news/announcements"]
    announcements.post_announcement(squad["team"], squad["course"], "One", "Body")
    log_in(client, squad["in_team"][0])
    learner_small = [counted(path) for path in paths]
    log_in(client, squad["facilitator"])
    staff_small = [counted(path) for path in paths]
    for n in range(8):
        team = teams.create_team(squad["facilitator"], squad["cohort"], f"Team {n}")
        announcements.post_announcement(squad["facilitator"], squad["course"], f"To {n}", "Body", team_id=team.id)
        announcements.post_announcement(squad["facilitator"], squad["course"], f"Owls {n}", "Body",
                                        team_id=squad["owls"].id)
    assert [counted(path) for path in paths] == staff_small
    log_in(client, squad["in_team"][0])
    assert [counted(path) for path in paths] == learner_small
