"""The facilitator's journey on the injectable clock (the live server reads the test's clock): a facilitator
creates a cohort of the course and fills its plan from the pack, adds a live session and an external item; a
learner joins with the code; the cohort's calendar feed parses with `icalendar` and holds the session at its
local time; a week later the learner, quiet since joining, is on the dashboard's at-risk list with the reason,
works again and leaves it. Every page passes axe."""
from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from moocplatform import clock
from moocplatform.catalog.queries import course_with_live_version
from moocplatform.extensions import db
from tests.browser.conftest import COURSE, shoot
from tests.browser.test_discussion import assert_accessible
from tests.conftest import START
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_a_facilitator_runs_a_cohort_and_sees_a_quiet_learner_at_risk_until_they_work_again(new_context,
                                                                                            live_server):
    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        live_server.user_ids["fay"] = make_user("facilitator", course=course, email="fay-journey@example.org",
                                                display_name="Fay Journey").id
        live_server.user_ids["leo"] = make_user(email="leo-journey@example.org", display_name="Leo Journey").id
        db.session.commit()
        db.session.remove()

    fay = new_context(as_user="fay").new_page()
    fay.goto(f"/courses/{COURSE}")
    fay.get_by_role("link", name="Create a cohort").click()
    fay.get_by_label("Name").fill("Spring journey group")
    fay.get_by_label("Starts on").fill("2026-03-02")
    fay.get_by_label("Ends on").fill("2026-05-29")
    fay.get_by_label("Time zone").select_option("Europe/Vienna")
    fay.get_by_role("button", name="Create the cohort").click()
    expect(fay.get_by_text("Cohort created.")).to_be_visible()
    code = fay.get_by_text("Code:").inner_text().split("Code:")[1].split()[0]
    cohort_url = fay.url
    assert_accessible(fay)

    fay.get_by_role("link", name="The plan").first.click()
    fay.get_by_role("button", name="Fill the plan from the course").click()
    weeks = fay.locator("li.plan-week")
    expect(weeks.first).to_be_visible()
    assert weeks.count() >= 2  # a week per module of the pack
    fay.get_by_label("Title").first.fill("Week 1 call")
    fay.get_by_label("Starts at (the cohort's time zone)").first.fill("2026-03-05T18:30")
    fay.get_by_label("Minutes").fill("45")
    fay.get_by_role("button", name="Add the session").click()
    expect(fay.get_by_role("heading", name="Live session: Week 1 call")).to_be_visible()
    fay.get_by_label("Title").last.fill("Read: why testing yourself works")
    fay.get_by_label("Web address").fill("https://example.org/testing-effect")
    fay.get_by_label("Due (the cohort's time zone)").fill("2026-03-08T20:00")
    fay.get_by_role("button", name="Add the item").click()
    expect(fay.get_by_role("link", name="Read: why testing yourself works")).to_be_visible()
    assert_accessible(fay)
    shoot(fay, "journey-plan")

    leo = new_context(as_user="leo").new_page()
    leo.goto(f"/courses/{COURSE}")
    leo.get_by_label("Have a cohort code?").fill(code.lower())
    leo.get_by_role("button", name="Join", exact=True).click()
    leo.get_by_role("button", name="Join the cohort").click()
    expect(leo.get_by_text("Welcome to Spring journey group.")).to_be_visible()
    assert_accessible(leo)

    # The cohort's calendar feed: a private address, read as a calendar program would, at the session's local time.
    fay.goto(cohort_url)
    fay.get_by_role("button", name="Calendar feed").click()
    feed_url = fay.get_by_label("Feed address").input_value()
    with urllib.request.urlopen(feed_url, timeout=10) as response:
        feed = Calendar.from_ical(response.read())
    session = next(e for e in feed.walk("VEVENT") if "Week 1 call" in str(e.get("SUMMARY")))
    assert session.decoded("DTSTART") == datetime(2026, 3, 5, 18, 30, tzinfo=ZoneInfo("Europe/Vienna"))
    assert session.decoded("DTEND") - session.decoded("DTSTART") == timedelta(minutes=45)

    fay.goto(cohort_url)
    fay.get_by_role("link", name="Dashboard").first.click()
    expect(fay.get_by_role("row", name="Leo Journey")).to_be_visible()
    expect(fay.locator("ul.at-risk li", has_text="Leo Journey")).to_have_count(0)  # just joined: not at risk

    # Eight days on, Leo has done nothing since joining: at risk, and the dashboard says why.
    clock.advance(timedelta(days=8))
    fay = new_context(as_user="fay").new_page()  # a log-in of the new day
    fay.goto(cohort_url)
    fay.get_by_role("link", name="Dashboard").first.click()
    at_risk = fay.locator("ul.at-risk")
    expect(at_risk).to_contain_text("Leo Journey")
    expect(at_risk.locator("li", has_text="Leo Journey")).to_contain_text("No activity for 7 days")
    dashboard_url = fay.url
    assert_accessible(fay)
    shoot(fay, "journey-dashboard")

    # The matrix narrowed by keyboard to those at risk, quiet the longest first, and a module opened into its units.
    fay.get_by_label("Order", exact=True).select_option(label="Quiet the longest first")
    fay.get_by_label("At risk only").check()
    fay.get_by_label("At risk only").press("Enter")
    expect(fay.get_by_role("status")).to_contain_text("Showing the learners at risk only.")
    expect(fay.get_by_role("row", name="Leo Journey")).to_be_visible()
    fay.locator("table.matrix thead a").first.click()
    expect(fay.get_by_role("status")).to_contain_text("are shown one by one")
    assert "sort=quiet" in fay.url and "show=at-risk" in fay.url
    assert_accessible(fay)
    shoot(fay, "journey-dashboard-module-units")

    # Leo works again (opens the course's first unit), and leaves the list.
    leo = new_context(as_user="leo").new_page()
    leo.goto(f"/courses/{COURSE}")
    leo.get_by_role("link", name="Start the course").or_(leo.get_by_role("link", name="Continue")).first.click()
    expect(leo.locator("main h1")).to_be_visible()
    fay.goto(dashboard_url)
    expect(fay.get_by_role("row", name="Leo Journey")).to_be_visible()
    expect(fay.locator("ul.at-risk li", has_text="Leo Journey")).to_have_count(0)

    # The cohort's figures: each chart an image with a name, and the table of its numbers beside it.
    fay.get_by_role("link", name="Figures and charts").click()
    expect(fay.get_by_role("heading", name="Figures of the cohort")).to_be_visible()
    expect(fay.get_by_role("img", name="Learners by share of the course's units completed")).to_be_visible()
    expect(fay.get_by_role("img", name="Learners active each week")).to_be_visible()
    expect(fay.locator("table", has_text="Units completed")).to_be_visible()
    assert_accessible(fay)
    shoot(fay, "journey-figures")

    # Drilling into one learner from their row: their summary and the unit they just opened on the timeline.
    fay.goto(dashboard_url)
    fay.get_by_role("row", name="Leo Journey").get_by_role("link", name="Leo Journey", exact=True).click()
    expect(fay.get_by_role("heading", level=1)).to_have_text("Leo Journey")
    expect(fay.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(fay.get_by_text("Not at risk.")).to_be_visible()
    assert_accessible(fay)
    shoot(fay, "journey-learner")

    # "My learning": the facilitator's cohorts with who is at risk; the learner's cohort with what comes next.
    fay.goto("/my-learning")
    led = fay.locator("li[data-cohort]", has_text="Spring journey group")
    expect(led).to_contain_text("Nobody at risk")
    assert_accessible(fay)
    shoot(fay, "journey-my-learning-facilitator")
    leo.goto("/my-learning")
    expect(leo.get_by_role("heading", name="My cohorts")).to_be_visible()
    expect(leo.locator(".quick-title", has_text="Spring journey group")).to_be_visible()
    assert_accessible(leo)
    shoot(leo, "journey-my-learning-learner")
