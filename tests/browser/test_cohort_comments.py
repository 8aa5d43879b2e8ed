"""A cohort-only comment in the browser: a cohort learner comments under a unit for their cohort only (the
form's default), a cohort-mate sees it marked as the cohort's and can filter the unit's comments to the
cohort, and a learner of the course outside the cohort sees neither the comment nor the choice. Every page
passes axe."""
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
from tests.factories import enrol, make_cohort, make_user

pytestmark = pytest.mark.browser

UNIT = "/courses/learning-to-learn/units/l2l-m1-goals-plans"


def test_a_cohort_only_comment_is_seen_by_a_cohort_mate_and_not_by_an_outsider(new_context, live_server):
    with live_server.app.app_context(), clock.frozen_at(START):
        course, _version = course_with_live_version(COURSE)
        cohort = make_cohort(course, make_user("admin", email="cohort-admin@example.org"), name="Harbour group")
        for key, email, name in (("ana", "ana@example.org", "Ana Author"), ("mo", "mo@example.org", "Mo Mate")):
            user = make_user(email=email, display_name=name)
            join_cohort(user, cohort, course)
            live_server.user_ids[key] = user.id
        outsider = make_user(email="otto@example.org", display_name="Otto Outside")
        enrol(outsider, course)
        live_server.user_ids["otto"] = outsider.id
        db.session.commit()
        db.session.remove()

    ana = new_context(as_user="ana").new_page()
    ana.goto(UNIT)
    panel = ana.get_by_role("region", name="Discuss this step")
    expect(panel.get_by_label("My cohort only: Harbour group")).to_be_checked()
    panel.get_by_label("Your comment").fill("Harbour plan: we meet on the quay at nine.")
    panel.get_by_role("button", name="Post").click()
    expect(ana.get_by_text("Your comment is posted.")).to_be_visible()
    assert_accessible(ana)

    mo = new_context(as_user="mo").new_page()
    mo.goto(UNIT)
    panel = mo.get_by_role("region", name="Discuss this step")
    expect(panel.get_by_text("we meet on the quay at nine")).to_be_visible()
    expect(panel.get_by_text("Cohort only: Harbour group", exact=True)).to_be_visible()
    panel.get_by_role("link", name="My cohort's only").click()
    expect(mo.get_by_role("region", name="Discuss this step").get_by_text("we meet on the quay")).to_be_visible()
    assert_accessible(mo)
    mo.get_by_role("link", name="Reply to the comments of Harbour group").click()
    expect(mo.get_by_text("we meet on the quay at nine")).to_be_visible()
    assert_accessible(mo)

    otto = new_context(as_user="otto").new_page()
    otto.goto(UNIT)
    panel = otto.get_by_role("region", name="Discuss this step")
    expect(panel.get_by_label("Your comment")).to_be_visible()
    expect(otto.get_by_text("we meet on the quay")).to_have_count(0)
    expect(otto.get_by_text("Harbour group")).to_have_count(0)
    assert_accessible(otto)
    otto.goto("/courses/learning-to-learn/discussion/search?q=quay")
    expect(otto.get_by_text("we meet on the quay")).to_have_count(0)
