"""The app shell: the manifest and its icons, the service worker at the site root, the offline page, the
headers that key offline copies per session, and the signed-in home page."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from moocplatform import clock
from moocplatform.cohorts.plan import add_external_item, add_live_session, mark_item_done
from moocplatform.cohorts.queries import learner_cohort_agenda
from moocplatform.cohorts.services import join_cohort
from moocplatform.learning.services import record_unit_visit
from moocplatform.notifications.services import notify
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user


def test_the_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == manifest["short_name"] == "moocplatform"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/home" and manifest["scope"] == "/"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        with Image.open(BytesIO(image.data)) as png:
            assert f"{png.width}x{png.height}" == icon["sizes"]
        image.close()


def test_every_page_links_the_manifest_and_the_offline_banner(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color"' in page
    assert 'role="status" data-offline-banner' in page
    assert 'name="offline-session"' not in page  # nobody is signed in: no worker is registered


def test_the_service_worker_is_served_for_the_whole_site(app, client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    settings = json.loads(script.split("\n", 1)[0].removeprefix("const SETTINGS = ").removesuffix(";"))
    assert settings["maxUnits"] == 50 and settings["maxBytes"] == 50 * 1024 * 1024
    assert "/offline" in settings["shell"] and "/static/css/app.css" in settings["shell"]
    # every script and style sheet a page may load offline, but not the worker itself
    static = Path(app.static_folder)
    assert {f"/static/{p.relative_to(static).as_posix()}" for p in [*static.glob("js/*.js"), *static.glob("css/*.css")]
            } - set(settings["shell"]) == {"/static/js/service-worker.js"}
    assert "self.addEventListener(\"fetch\"" in script
    for url in settings["shell"]:
        shell_file = client.get(url)
        assert shell_file.status_code == 200, url
        shell_file.close()


def test_the_offline_page_names_nobody(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "data-offline-page" in response.get_data(as_text=True)
    assert response.headers["X-Offline-Session"] == "none"


def test_unit_pages_are_marked_for_offline_copies_per_session(app, client):
    learner = make_user()
    course = make_course()
    enrol(learner, course)
    log_in(client, learner)
    unit = client.get(f"/courses/{course.slug}/units/m1-u1")
    assert unit.headers["X-Offline-Copy"] == "unit"
    key = unit.headers["X-Offline-Session"]
    assert len(key) == 32 and key != "none"
    assert f'<meta name="offline-session" content="{key}">' in unit.get_data(as_text=True)
    other_page = client.get("/my-learning")
    assert other_page.headers["X-Offline-Session"] == key and "X-Offline-Copy" not in other_page.headers
    # A second log-in (another session of the same learner, or another learner) has another key.
    with app.test_client() as second:
        log_in(second, learner)
        assert second.get(f"/courses/{course.slug}/units/m1-u1").headers["X-Offline-Session"] != key
    # JSON, files and form posts are never marked.
    assert "X-Offline-Session" not in client.get("/manifest.webmanifest").headers


def test_a_unit_page_for_a_visitor_is_not_kept(client):
    course = make_course()
    response = client.get(f"/courses/{course.slug}/units/m1-u1")
    assert response.headers["X-Offline-Session"] == "none"
    assert "X-Offline-Copy" not in response.headers


def test_the_home_page_needs_a_log_in(client):
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_home_page_gives_the_quick_links(client):
    learner = make_user()
    course = make_course(modules=2, units_per_module=2)
    enrollment = enrol(learner, course)
    record_unit_visit(learner, enrollment, "m2-u1", frozenset())
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    join_cohort(learner, cohort, course)
    now = clock.now()
    add_live_session(facilitator, cohort, title="Kick-off call", starts_local=local(now + timedelta(days=2)),
                     minutes=60)
    add_external_item(facilitator, cohort, title="Read the case", url="https://example.org/case",
                      due_local=local(now + timedelta(days=3)))
    notify(learner, "discussion.reply", {"thread": "Hello", "author": "Sam"}, link="/")
    log_in(client, learner)
    page = client.get("/home").get_data(as_text=True)
    assert f"/courses/{course.slug}/units/m2-u1" in page  # continue where the learner left off
    assert "Spring group" in page and "Kick-off call" in page and "Read the case" in page
    assert "1 unread notification" in page


def test_the_agenda_skips_what_is_past_or_done(app):
    learner = make_user()
    course = make_course()
    enrol(learner, course)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    join_cohort(learner, cohort, course)
    now = clock.now()
    add_live_session(facilitator, cohort, title="Past", starts_local=local(now - timedelta(hours=3)), minutes=60)
    running = add_live_session(facilitator, cohort, title="Running", starts_local=local(now - timedelta(minutes=10)),
                               minutes=60)
    add_live_session(facilitator, cohort, title="Later", starts_local=local(now + timedelta(days=1)), minutes=60)
    done = add_external_item(facilitator, cohort, title="Done already", url="https://example.org/a",
                             due_local=local(now + timedelta(days=1)))
    due = add_external_item(facilitator, cohort, title="Still to do", url="https://example.org/b",
                            due_local=local(now + timedelta(days=2)))
    mark_item_done(learner, cohort, done.id)
    agenda, = learner_cohort_agenda(learner.id, now)
    assert agenda.next_session is not None and agenda.next_session.id == running.id
    assert agenda.next_due is not None and agenda.next_due.id == due.id
    assert learner_cohort_agenda(make_user().id, now) == []


def local(moment: datetime) -> datetime:
    """A plan time as the cohort's form takes it: naive, on the cohort's clock (Europe/Berlin)."""
    return moment.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
