"""An employer and a learner in the browser: the employer posts an opportunity, the learner applies, the employer
shortlists the application and the learner sees its new status; every page passes axe."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from moocplatform import clock
from moocplatform.extensions import db
from tests.browser.test_discussion import assert_accessible
from tests.conftest import START
from tests.factories import make_user
from tests.opportunities_helpers import make_member, make_organisation

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def employer(live_server) -> str:
    """An approved employer with one member (user key "employer") and a learner of its own ("applicant")."""
    with live_server.app.app_context(), clock.frozen_at(START):
        organisation = make_organisation(slug="brightworks", name="Brightworks")
        live_server.user_ids["employer"] = make_member(
            organisation, email="hiring@brightworks.example", display_name="Hana Hiring").id
        live_server.user_ids["applicant"] = make_user(email="applicant@example.org", display_name="Ari Applicant").id
        db.session.commit()
        db.session.remove()
    return "brightworks"


def test_an_employer_posts_a_learner_applies_and_sees_the_shortlisting(new_context, employer):
    hiring = new_context(as_user="employer").new_page()
    hiring.goto(f"/organisations/{employer}")
    hiring.get_by_role("link", name="Postings and applications").click()
    hiring.get_by_role("link", name="Post an opportunity").click()
    assert_accessible(hiring)
    hiring.get_by_label("Title").fill("Learning designer intern")
    hiring.get_by_label("Kind").select_option("internship")
    hiring.get_by_label("Description").fill("Help us build **courses**.")
    hiring.get_by_label("Remote work is possible").check()
    hiring.get_by_label("Closing date").fill("2026-04-15")
    hiring.get_by_label("Other competences asked").fill("Managing learning, Teamwork")
    hiring.get_by_label("Publish now").check()
    hiring.get_by_role("button", name="Save").click()
    expect(hiring.get_by_text("Opportunity published.")).to_be_visible()
    expect(hiring.locator("strong", has_text="courses")).to_be_visible()
    assert_accessible(hiring)

    learner = new_context(as_user="applicant").new_page()
    learner.goto("/opportunities?remote=yes")
    assert_accessible(learner)
    learner.get_by_role("link", name="Learning designer intern").click()
    assert_accessible(learner)
    learner.get_by_label("Your message to the employer").fill("I have designed two courses.")
    learner.get_by_label("A link to share").fill("https://example.org/my-work")
    learner.get_by_role("button", name="Send my application").click()
    expect(learner.get_by_text("Your application is sent.")).to_be_visible()
    expect(learner.get_by_role("row", name="Learning designer intern")).to_contain_text("Received")
    assert_accessible(learner)

    hiring.get_by_role("link", name="Applications").click()
    expect(hiring.get_by_text("I have designed two courses.")).to_be_visible()
    assert_accessible(hiring)
    hiring.get_by_label("Status").select_option("shortlisted")
    hiring.get_by_role("button", name="Save the status").click()
    expect(hiring.get_by_text("Status saved; the applicant is told.")).to_be_visible()

    learner.reload()
    expect(learner.get_by_role("row", name="Learning designer intern")).to_contain_text("Shortlisted")
    learner.get_by_role("link", name="Notifications").click()
    expect(learner.get_by_text("Your application to “Learning designer intern”: Shortlisted")).to_be_visible()
