"""The installable app on a phone: Chromium finds nothing keeping it from being installed, a unit opened while
signed in reads with the network cut (with its image and the offline banner), a page never opened says it
needs a connection, and logging out leaves no cache and no database behind."""
from __future__ import annotations

import shutil
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from moocplatform import clock
from moocplatform.catalog.models import Course
from moocplatform.cohorts.plan import add_external_item, add_live_session
from moocplatform.cohorts.services import add_learner_by_email
from moocplatform.extensions import db
from moocplatform.learning.services import record_unit_visit
from tests.browser.conftest import CHROMIUM_ARGS, NOT_LOCAL
from tests.conftest import START
from tests.factories import enrol, make_cohort, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
COURSE = "/courses/learning-to-learn"
UNIT_WITH_IMAGE = f"{COURSE}/units/l2l-m3-self-regulation-cycle"
UNIT_NOT_OPENED = f"{COURSE}/units/l2l-m1-why-learn"

WORKER_IN_CONTROL = "() => navigator.serviceWorker.controller !== null"
KEPT_URLS = """async () => {
  const names = (await caches.keys()).filter((name) => name.startsWith("moocplatform-units-"));
  if (!names.length) return [];
  const cache = await caches.open(names[0]);
  return (await cache.keys()).map((request) => new URL(request.url).pathname);
}"""


def phone_context(new_context, as_user: str) -> BrowserContext:
    return new_context(as_user=as_user, viewport=PHONE, service_workers="allow")


def open_with_worker(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_function(WORKER_IN_CONTROL)


def eventually(page: Page, script: str, arg=None) -> None:
    """Wait until an async script comes back true (wait_for_function takes a promise for a true value)."""
    for _ in range(150):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after 15 s: {script}")


def wait_until_kept(page: Page, path: str) -> None:
    eventually(page, f"async (path) => (await ({KEPT_URLS})()).includes(path)", path)


def test_the_app_is_installable(playwright, live_server, tmp_path):
    # A profile on disk: Chromium offers no installing in the throwaway (incognito) contexts of new_context.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        args=CHROMIUM_ARGS, base_url=live_server.url, viewport=PHONE, service_workers="allow")
    try:
        context.route(NOT_LOCAL, lambda route: route.abort())
        context.add_cookies([live_server.session_cookie("learner")])
        page = context.pages[0] if context.pages else context.new_page()
        open_with_worker(page, "/home")
        devtools = context.new_cdp_session(page)
        assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = devtools.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
    finally:
        context.close()


def test_an_opened_unit_reads_offline_and_log_out_clears_the_device(new_context):
    context = phone_context(new_context, "learner")
    page = context.new_page()
    open_with_worker(page, "/home")
    page.goto(UNIT_WITH_IMAGE)
    title = page.get_by_role("heading", level=1).inner_text()
    wait_until_kept(page, UNIT_WITH_IMAGE)
    image = page.get_by_role("main").locator("img").first
    image_path = page.evaluate("(img) => new URL(img.src).pathname", image.element_handle())
    wait_until_kept(page, image_path)
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_empty()

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(banner).to_contain_text("You are offline")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0",
                         page.get_by_role("main").locator("img").first.element_handle())
    page.goto(UNIT_NOT_OPENED)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(banner).to_contain_text("You are offline")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    context.set_offline(False)
    page.goto("/home")
    expect(banner).to_be_empty()
    # What the notes kept on the device look like: the database the log-out must remove.
    # (notes.js keeps them in the store "notes" by course/unit key; the unit page above may have made it)
    page.evaluate("""() => new Promise((resolve, reject) => {
      const request = indexedDB.open("moocplatform");
      request.onupgradeneeded = () => request.result.createObjectStore("notes");
      request.onsuccess = () => {
        const database = request.result;
        try {
          const put = database.transaction("notes", "readwrite").objectStore("notes").put({ text: "mine" }, "c/u");
          put.onsuccess = () => { database.close(); resolve(); };
          put.onerror = () => reject(put.error);
        } catch (error) { database.close(); reject(error); }
      };
      request.onerror = () => reject(request.error);
    })""")
    assert page.evaluate("async () => (await caches.keys()).length") > 0
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    assert page.evaluate("async () => await caches.keys()") == []
    assert page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)") == []
    assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0


def test_another_learner_on_the_same_device_never_reads_the_first_ones_copies(new_context, live_server):
    context = phone_context(new_context, "colearner")
    page = context.new_page()
    open_with_worker(page, "/home")
    page.goto(UNIT_WITH_IMAGE)
    wait_until_kept(page, UNIT_WITH_IMAGE)
    # The session ends without a log-out, and someone else signs in on the same browser.
    context.clear_cookies()
    context.add_cookies([live_server.session_cookie("keyboard")])
    page.goto("/home")
    eventually(page, f"async (path) => !(await ({KEPT_URLS})()).includes(path)", UNIT_WITH_IMAGE)
    context.set_offline(True)
    page.goto(UNIT_WITH_IMAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")


def seed_cohort_learner(live_server) -> str:
    """A learner of their own with a cohort whose plan has a live session and a due item (for the home page)."""
    key = "home-learner"
    if key in live_server.user_ids:
        return key
    with live_server.app.app_context(), clock.frozen_at(START):
        course = db.session.query(Course).filter_by(slug="learning-to-learn").one()
        learner = make_user(email="home@example.org", display_name="Hana Home")
        enrollment = enrol(learner, course)
        record_unit_visit(learner, enrollment, "l2l-m1-goals-plans", frozenset())
        facilitator = make_user("facilitator", course=course, email="homefacilitator@example.org")
        cohort = make_cohort(course, facilitator, name="Evening group", is_open=False)
        add_learner_by_email(facilitator, cohort, course, learner.email)
        berlin = ZoneInfo("Europe/Berlin")
        soon = (START + timedelta(days=2)).astimezone(berlin).replace(tzinfo=None, hour=18, minute=0)
        add_live_session(facilitator, cohort, title="Week 1 call", starts_local=soon, minutes=60)
        add_external_item(facilitator, cohort, title="Read the learning-plan guide", url="https://example.org/guide",
                          due_local=soon + timedelta(days=3))
        live_server.user_ids[key] = learner.id
        db.session.commit()
        db.session.remove()
    return key


@pytest.mark.parametrize("width", [360, 1280])
def test_the_home_page_has_the_quick_links(new_context, live_server, width):
    from axe_playwright_python.sync_playwright import Axe
    key = seed_cohort_learner(live_server)
    page = new_context(as_user=key, viewport={"width": width, "height": 800}).new_page()
    page.goto("/home")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Learning to learn Continue:")).to_have_attribute(
        "href", f"{COURSE}/units/l2l-m1-goals-plans")
    expect(main).to_contain_text("Evening group")
    expect(main).to_contain_text("Week 1 call")
    expect(main).to_contain_text("Read the learning-plan guide")
    expect(main.get_by_role("link", name="0 unread notifications")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert violations == []


def test_the_worker_shows_a_push_message(new_context, live_server):
    context = phone_context(new_context, "learner")
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    registrations: list[dict] = []
    devtools = context.new_cdp_session(page)
    devtools.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    devtools.send("ServiceWorker.enable")
    open_with_worker(page, "/home")
    for _ in range(50):
        if any(not r["isDeleted"] for r in registrations):
            break
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if not r["isDeleted"])
    # What the push service hands the browser once decrypted (tests/test_push.py checks the encryption).
    message = '{"title": "moocplatform", "body": "Sam replied in Week 1", "link": "/my-learning", "tag": "n-1"}'
    devtools.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                       "registrationId": registration["registrationId"],
                                                       "data": message})
    shown = """() => navigator.serviceWorker.ready.then((r) => r.getNotifications())
      .then((all) => all.map((n) => [n.title, n.body, n.data.link]))"""
    eventually(page, f"async () => (await ({shown})()).length > 0")
    assert page.evaluate(shown) == [["moocplatform", "Sam replied in Week 1", "/my-learning"]]
