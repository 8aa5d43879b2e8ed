"""iCalendar feeds of cohort plans: valid RFC 5545 that a calendar library reads back, sessions at their local
time with the zone's definition, private token URLs that a revocation or leaving the cohort silences."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from moocplatform.catalog.queries import get_course_by_id
from moocplatform.cohorts import calendar, plan, services
from moocplatform.errors import PermissionDenied
from moocplatform.tokens.services import revoke_token, tokens_for_owner
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_user


@pytest.fixture()
def world():
    course = make_course("alpha")
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, name="Evening group", starts_on=date(2026, 3, 16),
                         ends_on=date(2026, 4, 30), time_zone="America/New_York")
    plan.add_live_session(facilitator, cohort, title="Kick-off", starts_local=datetime(2026, 3, 17, 19, 0),
                          minutes=45, video_url="https://meet.example.org/kick")
    plan.add_external_item(facilitator, cohort, title="Read the article", url="https://example.org/article",
                           instructions="Note one idea.", due_local=datetime(2026, 3, 20, 17, 0))
    learner = make_user()
    services.join_cohort(learner, cohort, course)
    return course, facilitator, cohort, learner


def feed_path(issued) -> str:
    return f"/calendar/{issued.secret}.ics"


def test_the_cohort_feed_parses_back_with_the_session_at_its_local_time(client, world):
    _course, _facilitator, cohort, learner = world
    response = client.get(feed_path(calendar.issue_cohort_feed(learner, cohort)))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    parsed = Calendar.from_ical(response.data)
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"]
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    session = events["Kick-off (Evening group)"]
    starts = session.decoded("DTSTART")
    assert starts == datetime(2026, 3, 17, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    assert str(starts.tzinfo) == "America/New_York"
    assert session.decoded("DTEND") - starts == timedelta(minutes=45)
    assert str(session["URL"]) == "https://meet.example.org/kick"
    due = events["Due: Read the article (Evening group)"]
    assert due.decoded("DTSTART") == datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("America/New_York"))
    assert all(e["UID"] and e["DTSTAMP"] for e in events.values())
    assert b"\r\n" in response.data  # RFC 5545 lines end in CRLF


def test_a_learners_feed_holds_every_cohort_they_are_in(client, world):
    course, _facilitator, cohort, learner = world
    other = make_cohort(make_course("beta"), name="Second group")
    services.join_cohort(learner, other, get_course_by_id(other.course_id))
    plan.add_live_session(make_user("admin"), other, title="Meet-up", starts_local=datetime(2026, 3, 18, 12, 0),
                          minutes=30)
    parsed = Calendar.from_ical(client.get(feed_path(calendar.issue_learner_feed(learner))).data)
    assert {str(e["SUMMARY"]) for e in parsed.walk("VEVENT")} >= {"Kick-off (Evening group)",
                                                                  "Meet-up (Second group)"}


def test_a_revoked_feed_or_a_wrong_secret_gets_nothing(client, world):
    _course, _facilitator, cohort, learner = world
    issued = calendar.issue_cohort_feed(learner, cohort)
    revoke_token(learner, issued.token.id)
    assert client.get(feed_path(issued)).status_code == 404
    assert client.get("/calendar/mpcal_not-a-secret.ics").status_code == 404
    assert client.get("/calendar/mpat_abc.ics").status_code == 404


def test_leaving_the_cohort_empties_its_feed(client, world):
    _course, _facilitator, cohort, learner = world
    issued = calendar.issue_cohort_feed(learner, cohort)
    services.leave_cohort(learner, cohort)
    assert Calendar.from_ical(client.get(feed_path(issued)).data).walk("VEVENT") == []


def test_only_its_learners_and_facilitators_follow_a_cohort(world):
    course, facilitator, cohort, _learner = world
    calendar.issue_cohort_feed(facilitator, cohort)
    for outsider in (make_user(), make_user("facilitator", course=course)):
        with pytest.raises(PermissionDenied):
            calendar.issue_cohort_feed(outsider, cohort)


def test_feeds_are_issued_listed_and_revoked_on_the_pages(client, world):
    _course, _facilitator, cohort, learner = world
    log_in(client, learner)
    issued = client.post(f"/cohorts/{cohort.id}/calendar")
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    page = issued.get_data(as_text=True)
    url = page.split('readonly value="', 1)[1].split('"', 1)[0]
    assert "/calendar/mpcal_" in url
    assert client.get(url.replace("http://localhost", "")).status_code == 200
    [feed] = tokens_for_owner(learner, learner, calendar.PURPOSE)
    client.post(f"/my-cohorts/calendars/{feed.id}/revoke")
    assert client.get(url.replace("http://localhost", "")).status_code == 404
    assert "revoked" in client.get("/my-cohorts/calendars").get_data(as_text=True)
