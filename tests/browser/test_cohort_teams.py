"""A cohort's teams in the browser: its facilitator forms teams of two by time zone, is asked to confirm before
forming them again, and a learner finds their team and its discussion. Every page passes axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from moocplatform import clock
from moocplatform.catalog.queries import course_with_live_version
from moocplatform.cohorts.services import join_cohort
from moocplatform.extensions import db
from tests.browser.conftest import COURSE
from tests.browser.test_discussion import assert_accessible
from tests.conftest import START
from tests.factories import make_cohort, make_user

pytestmark = pytest.mark.browser


def test_a_facilitator_forms_teams_and_a_learner_finds_theirs(new_context, live_server):
    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        lead = make_user("facilitator", course=course, email="team-lead@example.org", display_name="Tess Lead")
        cohort = make_cohort(course, lead, name="Tide group")
        live_server.user_ids["tess"] = lead.id
        for key, zone in (("kai", "Asia/Tokyo"), ("lia", "America/New_York"), ("ren", "Asia/Tokyo"),
                          ("sam", "America/New_York")):
            user = make_user(email=f"{key}-teams@example.org", display_name=f"{key.title()} Tide", timezone=zone)
            join_cohort(user, cohort, course)
            live_server.user_ids[key] = user.id
        cohort_id = cohort.id
        db.session.commit()
        db.session.remove()

    tess = new_context(as_user="tess").new_page()
    tess.goto(f"/cohorts/{cohort_id}")
    tess.get_by_role("link", name="Teams", exact=True).click()
    expect(tess.get_by_role("heading", name="Teams of Tide group")).to_be_visible()
    assert_accessible(tess)
    tess.get_by_label("Learners per team, at most").fill("2")
    tess.get_by_role("button", name="Form teams").click()
    expect(tess.get_by_text("2 teams formed.")).to_be_visible()
    first = tess.get_by_role("region", name="Team 1")
    expect(first.get_by_role("cell", name="Lia Tide", exact=True)).to_be_visible()
    expect(first.get_by_role("cell", name="Sam Tide", exact=True)).to_be_visible()
    assert_accessible(tess)
    tess.get_by_role("button", name="Form teams").click()
    expect(tess.get_by_text("confirm that they are to be replaced")).to_be_visible()
    tess.get_by_label("Learners per team, at most").fill("2")
    tess.get_by_label("Replace the current teams").check()
    tess.get_by_role("button", name="Form teams").click()
    expect(tess.get_by_text("2 teams formed.")).to_be_visible()

    kai = new_context(as_user="kai").new_page()
    kai.goto(f"/cohorts/{cohort_id}")
    kai.get_by_role("link", name="Your team").click()
    expect(kai.get_by_role("heading", name="Your team: Team 2")).to_be_visible()
    expect(kai.get_by_text("Ren Tide")).to_be_visible()
    expect(kai.get_by_text("ren-teams@example.org")).to_have_count(0)
    assert_accessible(kai)
    kai.get_by_role("link", name="The team's discussion").click()
    expect(kai.get_by_role("heading", name="Tide group: Team 2")).to_be_visible()
    assert_accessible(kai)
