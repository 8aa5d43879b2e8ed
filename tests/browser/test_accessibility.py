"""axe-core on every main page, as the kind of user who sees it: no serious or critical violations.

One test per audience (a fresh browser context each) walks that audience's pages and reports every problem
found on every page at once, so that one run shows all there is to fix.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING_IMPACTS = ("serious", "critical")
MOBILE = {"width": 390, "height": 844}
COURSE = "/courses/learning-to-learn"
PREVIEW_UNIT = f"{COURSE}/units/l2l-m1-why-learn"  # a preview unit: open to visitors
VIDEO_PREVIEW_UNIT = f"{COURSE}/units/l2l-m2-retrieval"  # a preview unit with a video and its transcript
ENROLLED_UNIT = f"{COURSE}/units/l2l-m1-goals-plans"  # for enrolled learners only


def submit_empty_form(page: Page) -> None:
    page.get_by_role("main").locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_focused()


@dataclass(frozen=True)
class Screen:
    name: str
    path: str  # may name seeded users' ids: {learner}, {colearner}, ...
    status: int = 200
    then: Callable[[Page], None] | None = None  # brings the page into the state to check


@dataclass(frozen=True)
class Audience:
    as_user: str | None
    screens: tuple[Screen, ...]
    viewport: dict | None = None


AUDIENCES = {
    "visitor": Audience(None, (
        Screen("catalogue", "/courses"),
        Screen("course page", COURSE),
        Screen("unit page (preview)", PREVIEW_UNIT),
        Screen("unit page (preview, video)", VIDEO_PREVIEW_UNIT),
        Screen("register", "/register"),
        Screen("register, errors shown", "/register", then=submit_empty_form),
        Screen("log in", "/login"),
        Screen("log in, errors shown", "/login", then=submit_empty_form),
        Screen("forgot password", "/forgot-password"),
        Screen("terms", "/terms"),
        Screen("privacy", "/privacy"),
        Screen("offline page", "/offline"),
        Screen("404 page", "/no-such-page", status=404),
    )),
    "learner": Audience("learner", (
        Screen("course page (enrolled)", COURSE),
        Screen("unit page (enrolled)", ENROLLED_UNIT),
        Screen("my learning", "/my-learning"),
        Screen("course discussion", f"{COURSE}/discussion"),
        Screen("discussion search", f"{COURSE}/discussion/search?q=learning"),
        Screen("home", "/home"),
        Screen("profile", "/account"),
        Screen("password change", "/account/password"),
        Screen("your data", "/account/data"),
        Screen("person page", "/people/{colearner}"),
        Screen("my notes", "/notes"),
        Screen("my notes in a course", f"{COURSE}/notes"),
        Screen("bookmarks", "/bookmarks"),
        Screen("announcements", f"{COURSE}/announcements"),
        Screen("notification preferences", "/notifications/preferences"),
    )),
    "admin": Audience("admin", (
        Screen("admin overview", "/admin/"),
        Screen("admin users", "/admin/users"),
        Screen("admin user detail", "/admin/users/{learner}"),
        Screen("admin courses", "/admin/courses"),
        Screen("admin audit log", "/admin/audit"),
        Screen("admin confirmation (archive a course)", "/admin/courses/1/archive"),
    )),
    "course-team": Audience("course_team", (
        Screen("invitations", f"{COURSE}/invitations"),
        Screen("my learning (courses I teach)", "/my-learning"),
        Screen("versions", "/studio/courses/learning-to-learn/versions"),
        Screen("quiz statistics (the score bands' chart and table)", f"{COURSE}/quizzes/l2l-q1/statistics"),
        Screen("announcements (with the form)", f"{COURSE}/announcements"),
        Screen("announcements, errors shown", f"{COURSE}/announcements", then=submit_empty_form),
    )),
    "mobile-visitor": Audience(None, (
        Screen("catalogue", "/courses"),
        Screen("unit page (preview)", PREVIEW_UNIT),
    ), viewport=MOBILE),
    "mobile-learner": Audience("learner", (
        Screen("unit page (enrolled)", ENROLLED_UNIT),
        Screen("home", "/home"),
    ), viewport=MOBILE),
}


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  - {violation['id']} [{violation['impact']}] {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"      target: {' '.join(map(str, node['target']))}")
            lines.append(f"        html: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n              ")
            lines.append(f"        why:  {summary}")
    return "\n".join(lines)


def check_screen(page: Page, screen: Screen, path: str, viewport: dict | None) -> str | None:
    """What is wrong with one page, or None."""
    response = page.goto(path)
    status = response.status if response else None
    if status != screen.status or not page.url.endswith(path):
        return f"{screen.name}: expected {path} to answer {screen.status}, got {status} at {page.url}"
    if screen.then:
        screen.then(page)
    problems = []
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        problems.append(f"axe found serious or critical violations:\n{describe(blocking)}")
    if viewport:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"the page is {overflow}px wider than the {viewport['width']}px screen")
    return f"{screen.name} ({page.url}): " + "\n".join(problems) if problems else None


def show_profile(live_server, key: str) -> None:
    from moocplatform import clock
    from moocplatform.accounts.services import require_user
    from moocplatform.extensions import db
    from moocplatform.people.services import update_settings
    from tests.conftest import START

    with live_server.app.app_context(), clock.frozen_at(START):
        person = require_user(live_server.user_ids[key])
        update_settings(person, person, visibility="course_mates", allow_messages=True,
                        links=["https://example.org/portfolio"])
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("audience", AUDIENCES)
def test_pages_have_no_serious_accessibility_violations(new_context, live_server, audience: str):
    who = AUDIENCES[audience]
    if any("{colearner}" in screen.path for screen in who.screens):
        show_profile(live_server, "colearner")  # profiles are hidden until their owner shows them
    page = new_context(as_user=who.as_user, **({"viewport": who.viewport} if who.viewport else {})).new_page()
    problems = [check_screen(page, screen, screen.path.format(**live_server.user_ids), who.viewport)
                for screen in who.screens]
    problems = [p for p in problems if p]
    if problems:  # pytest.fail, not assert: the report must not be truncated
        pytest.fail(f"{len(problems)} of {len(who.screens)} pages have problems:\n\n" + "\n\n".join(problems))
