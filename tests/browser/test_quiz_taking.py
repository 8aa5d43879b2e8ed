"""Taking a timed quiz in the browser: the countdown runs, and submitting with open questions warns first."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from moocplatform import clock
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from tests.conftest import START
from tests.factories import enrol, make_user, sample_quiz, write_pack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def timed_quiz(live_server) -> str:
    """A course of its own with a two-minute quiz, and a learner enrolled in it (user key "timed")."""
    with live_server.app.app_context(), clock.frozen_at(START):
        folder = write_pack(Path(tempfile.mkdtemp(prefix="timed-")), "timed-course", modules=1, units_per_module=1,
                            quiz=sample_quiz(time_limit_minutes=2))
        course = import_pack(None, folder).course
        learner = make_user(email="timed@example.org", display_name="Tam Timed")
        enrol(learner, course)
        live_server.user_ids["timed"] = learner.id
        db.session.commit()
        db.session.remove()
    return "/courses/timed-course/units/quiz-unit"


def test_the_time_left_counts_down_live_and_open_questions_are_named_before_submitting(new_context, timed_quiz):
    page = new_context(as_user="timed").new_page()
    page.goto(timed_quiz)
    page.get_by_role("button", name="Start the quiz").click()
    countdown = page.locator("[data-quiz-clock]")
    expect(countdown).to_have_text("2:00")
    expect(countdown).to_have_text("1:59", timeout=3000)  # it ticks without a reload
    expect(page.locator("[data-quiz-static]")).to_be_hidden()

    attempt_url = page.url
    page.get_by_label("Recall without notes").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    warning = page.locator(".quiz-unanswered")
    expect(warning).to_be_visible()
    expect(warning).to_be_focused()
    expect(warning.get_by_role("listitem")).to_have_count(7)  # every question but the first
    expect(warning.get_by_role("link", name="Question 2")).to_have_attribute("href", "#q-q2")
    assert page.url == attempt_url  # nothing was sent

    page.get_by_role("button", name="Submit", exact=True).click()  # the second time it is the learner's choice
    expect(page).to_have_url(f"{attempt_url}/results")
