"""A note beside a unit in the browser: it saves as the learner types; with the network cut it is kept on the
device and says so; back online it reaches the server; an edit made elsewhere meanwhile brings up the conflict
box with both texts, and nothing is lost."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from moocplatform.catalog import queries as catalog_queries
from moocplatform.extensions import db
from moocplatform.notes import services as notes
from moocplatform.notes.models import Note
from tests.browser.test_discussion import assert_accessible

# True once the device keeps a pending (not yet sent) copy of a note with this text (notes.js's store).
KEPT_ON_DEVICE = """(body) => new Promise((resolve) => {
  const request = indexedDB.open("moocplatform");
  request.onsuccess = () => {
    const database = request.result;
    if (!database.objectStoreNames.contains("notes")) { database.close(); resolve(false); return; }
    const all = database.transaction("notes", "readonly").objectStore("notes").getAll();
    all.onsuccess = () => { database.close(); resolve(all.result.some((r) => r.pending && r.body === body)); };
    all.onerror = () => { database.close(); resolve(false); };
  };
  request.onerror = () => resolve(false);
})"""

pytestmark = pytest.mark.browser

COURSE = "learning-to-learn"
UNIT_KEY = "l2l-m1-goal-clinic"
UNIT = f"/courses/{COURSE}/units/{UNIT_KEY}"


def server_note(live_server, user_key: str) -> Note | None:
    with live_server.app.app_context():
        note = db.session.scalar(sa.select(Note).where(Note.user_id == live_server.user_ids[user_key],
                                                       Note.unit_key == UNIT_KEY))
        db.session.remove()
    return note


def edit_elsewhere(live_server, user_key: str, body: str) -> None:
    """Another device saves the note (through the same service the API uses)."""
    from moocplatform.accounts.models import User

    with live_server.app.app_context():
        user = db.session.get(User, live_server.user_ids[user_key])
        course, version = catalog_queries.course_with_live_version(COURSE)
        unit = catalog_queries.outline_for(version).by_key[UNIT_KEY]
        current = notes.save_note(user, course, unit, body, base_version=server_note_version(user.id))
        assert current.body == body
        db.session.commit()
        db.session.remove()


def server_note_version(user_id: int) -> int:
    return db.session.scalar(sa.select(Note.version).where(Note.user_id == user_id, Note.unit_key == UNIT_KEY)) or 0


def test_a_note_autosaves_survives_going_offline_and_shows_a_conflict(new_context, live_server):
    context = new_context(as_user="colearner")
    page = context.new_page()
    page.goto(UNIT)
    panel = page.get_by_role("region", name="My note")
    box = panel.get_by_label("My note on this unit")
    status = panel.locator(".note-status")

    box.fill("Online: my goal is to read one chapter a day.")
    expect(status).to_have_text("Saved.")
    assert server_note(live_server, "colearner").body == "Online: my goal is to read one chapter a day."
    assert_accessible(page)

    context.set_offline(True)
    box.fill("Offline: one chapter a day, at 7 in the morning.")
    expect(status).to_have_text("Saved on this device; will sync when you are online.")
    assert server_note(live_server, "colearner").version == 1
    # Reloading is not possible offline without the service worker; the device's copy is what counts.
    stored = page.evaluate("""(key) => new Promise((resolve) => {
        const request = indexedDB.open("moocplatform");
        request.onsuccess = () => {
            const get = request.result.transaction("notes").objectStore("notes").get(key);
            get.onsuccess = () => resolve(get.result);
        };
    })""", f"{COURSE}/{UNIT_KEY}")
    assert stored["pending"] is True and stored["base"] == 1 and stored["body"].startswith("Offline:")

    context.set_offline(False)
    expect(status).to_have_text("Saved.")
    note = server_note(live_server, "colearner")
    assert (note.body, note.version) == ("Offline: one chapter a day, at 7 in the morning.", 2)

    # Another device changes the note; this page's next edit is based on version 2 and is refused.
    edit_elsewhere(live_server, "colearner", "From my phone: two chapters on Sundays.")
    box.fill("From the laptop: one chapter, and a summary.")
    conflict = panel.locator(".note-conflict")
    expect(conflict).to_be_visible()
    expect(status).to_have_text("Not saved: this note was changed elsewhere. Choose which text to keep.")
    mine, theirs = "From the laptop: one chapter, and a summary.", "From my phone: two chapters on Sundays."
    expect(conflict.get_by_label("Your text (on this device)")).to_have_value(mine)
    expect(conflict.get_by_label("The text saved elsewhere")).to_have_value(theirs)
    assert_accessible(page)
    assert server_note(live_server, "colearner").body == "From my phone: two chapters on Sundays."

    conflict.get_by_role("button", name="Merge by hand").click()
    expect(conflict).to_be_hidden()
    expect(box).to_have_value(f"{mine}\n\n----\n\n{theirs}")
    box.press("End")
    box.type(" Both.")
    expect(status).to_have_text("Saved.")
    note = server_note(live_server, "colearner")
    assert note.body.endswith("two chapters on Sundays. Both.") and note.body.startswith("From the laptop")
    assert note.version == 4

    # A new page shows the server's note; the list of notes has it, linked to its unit.
    page.goto(f"/courses/{COURSE}/notes")
    expect(page.get_by_role("link", name="Activity: goal clinic")).to_be_visible()
    assert_accessible(page)


def test_an_edit_whose_request_fails_is_kept_shown_on_reload_and_sent_later(new_context, live_server):
    context = new_context(as_user="keyboard")
    page = context.new_page()
    page.goto(UNIT)
    box = page.get_by_label("My note on this unit")
    status = page.locator(".note-status")
    box.fill("Saved while the network works.")
    expect(status).to_have_text("Saved.")

    # The browser believes it is online, but the request never arrives (a captive portal, a dropped link).
    page.route("**/api/v1/notes/**", lambda route: route.abort())
    box.fill("Written while the request fails.")
    expect(status).to_have_text("Saved on this device; will sync when you are online.")
    page.wait_for_function(KEPT_ON_DEVICE, arg="Written while the request fails.")
    page.reload()
    expect(box).to_have_value("Written while the request fails.")  # the device's copy, not the server's older one
    assert server_note(live_server, "keyboard").body == "Saved while the network works."

    page.unroute("**/api/v1/notes/**")
    page.reload()
    expect(box).to_have_value("Written while the request fails.")
    # Sent by this load, or already by a retry of the page before it: either way the server has it.
    expect(status).to_have_text(re.compile(r"^(Saved\.|Last saved)"))
    deadline = time.monotonic() + 15
    written = "Written while the request fails."
    while server_note(live_server, "keyboard").body != written and time.monotonic() < deadline:
        time.sleep(0.2)
    note = server_note(live_server, "keyboard")
    assert (note.body, note.version) == ("Written while the request fails.", 2)


def test_an_edit_kept_on_the_device_is_sent_from_the_next_page_that_opens(new_context, live_server):
    """Not only a unit page: any signed-in page sends the device's pending edits."""
    unit_key = "l2l-m2-retrieval"
    context = new_context(as_user="colearner")
    page = context.new_page()
    page.route("**/api/v1/notes/**", lambda route: route.abort())
    page.goto(f"/courses/{COURSE}/units/{unit_key}")
    written = "Kept on the device, sent from the dashboard."
    page.get_by_label("My note on this unit").fill(written)
    expect(page.locator(".note-status")).to_have_text("Saved on this device; will sync when you are online.")
    page.wait_for_function(KEPT_ON_DEVICE, arg=written)
    page.unroute("**/api/v1/notes/**")

    def stored() -> str | None:
        with live_server.app.app_context():
            body = db.session.scalar(sa.select(Note.body).where(
                Note.user_id == live_server.user_ids["colearner"], Note.unit_key == unit_key))
            db.session.remove()
        return body

    assert stored() is None
    page.goto("/my-learning")
    deadline = time.monotonic() + 15
    while stored() != written and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stored() == written
    # ... and the device's copy is no longer pending.
    page.wait_for_function(f"async (body) => !(await ({KEPT_ON_DEVICE})(body))", arg=written)
