"""Every main page fits a 360 px screen, and buttons look like what they do.

A page wider than the screen scrolls sideways: on a phone half of a quiz question or a table's button is then
out of sight. Each audience walks its pages at 360 px (the narrowest common phone) and every page that
overflows is reported at once, with the elements that stick out.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
COURSE = "/courses/learning-to-learn"
QUIZ_UNIT = f"{COURSE}/units/l2l-m1-quiz"

PAGES = {
    None: ["/", "/courses", COURSE, f"{COURSE}/units/l2l-m1-why-learn", "/register", "/login", "/forgot-password",
           "/terms", "/privacy"],
    "learner": [COURSE, f"{COURSE}/units/l2l-m1-goals-plans", QUIZ_UNIT, "/my-learning", "/home", "/account",
                "/account/password", "/account/data"],
    "course_team": ["/my-learning", f"{COURSE}/invitations", "/studio/courses/learning-to-learn/upload",
                    "/studio/courses/learning-to-learn/versions", f"{COURSE}/quizzes/l2l-q1/statistics"],
    "admin": ["/admin/", "/admin/users", "/admin/users/{learner}", "/admin/courses", "/admin/audit",
              "/admin/outbox"],
}

# The elements whose right edge passes the screen's, deepest first, to say what overflows.
WIDE_ELEMENTS = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > limit + 1 && !e.closest('[hidden]'))
    .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > limit + 1))
    .slice(0, 5)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def overflow(page: Page) -> str | None:
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if width <= 0:
        return None
    return f"{page.url} is {width}px too wide: {', '.join(page.evaluate(WIDE_ELEMENTS))}"


@pytest.mark.parametrize("as_user", list(PAGES), ids=lambda key: key or "visitor")
def test_every_main_page_fits_a_360px_screen(new_context, live_server, as_user):
    page = new_context(as_user=as_user, viewport=PHONE).new_page()
    problems = []
    for path in PAGES[as_user]:
        response = page.goto(path.format(**live_server.user_ids))
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        problems.append(overflow(page))
    problems = [p for p in problems if p]
    if problems:
        pytest.fail("\n".join(problems))


def test_a_quiz_attempt_with_a_matching_question_fits_a_360px_screen(new_context):
    page = new_context(as_user="keyboard", viewport=PHONE).new_page()
    page.goto(QUIZ_UNIT)
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("form.quiz-form")).to_be_visible()
    assert overflow(page) is None


def _background(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("(e) => getComputedStyle(e).backgroundColor")


def test_secondary_and_danger_buttons_do_not_look_like_the_primary_one(new_context):
    page = new_context(as_user="colearner").new_page()
    page.goto("/account")
    assert _background(page, "main button.button:not(.button-secondary):not(.button-danger)") == "rgb(11, 92, 173)"
    page.goto("/account/data")
    expect(page.get_by_role("button", name="Delete my account")).to_be_visible()
    assert _background(page, "button.button-danger") == "rgb(179, 38, 30)"  # --error, not --brand
    page.goto(COURSE)
    expect(page.get_by_role("button", name="Leave the course")).to_be_visible()
    assert _background(page, "button.button-secondary") == "rgb(255, 255, 255)"  # --paper


def test_the_upload_progress_shows_only_once_an_upload_is_under_way(new_context):
    page = new_context(as_user="course_team").new_page()
    page.goto("/studio/courses/learning-to-learn/upload")
    expect(page.locator("form input[type=file]")).to_be_visible()
    expect(page.locator("form .busy")).to_be_hidden()
