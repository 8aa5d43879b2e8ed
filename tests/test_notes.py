"""Notes and bookmarks: versions and conflicts, the pages, the search and the exports, the API, who reaches
whose notes (nobody but their owner), and the personal-data export and erasure."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from moocplatform import personal_data
from moocplatform.catalog import queries as catalog_queries
from moocplatform.errors import InvalidInput, NotFound
from moocplatform.extensions import db
from moocplatform.notes import queries, services
from moocplatform.notes.models import Bookmark, Note
from moocplatform.tokens.services import issue_token
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user

API_SCOPES = ("read:notes", "write:notes")


def unit(course, key):
    return catalog_queries.outline_for(catalog_queries.live_version_of(course)).by_key[key]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def bearer(user, scopes=API_SCOPES) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, user, 'personal_access', scopes=scopes).secret}"}


@pytest.fixture()
def w():
    course = make_course("notes-course", modules=2, units_per_module=3)
    learner, other = make_user(), make_user()
    enrol(learner, course)
    enrol(other, course)
    return course, learner, other


# Services ---------------------------------------------------------------------------------------------------

def test_a_note_is_versioned_and_rendered_safely(w):
    course, learner, _ = w
    note = services.save_note(learner, course, unit(course, "m1-u2"), "*Idea*\r\n<script>x</script>",
                              base_version=0)
    assert (note.version, note.body) == (1, "*Idea*\n<script>x</script>")
    assert "<em>Idea</em>" in note.body_html and "<script>" not in note.body_html
    again = services.save_note(learner, course, unit(course, "m1-u2"), "Second", base_version=1)
    assert again.id == note.id and again.version == 2 and again.body_html.strip() == "<p>Second</p>"


def test_an_edit_based_on_an_old_version_is_a_conflict_and_writes_nothing(w):
    course, learner, _ = w
    target = unit(course, "m1-u2")
    services.save_note(learner, course, target, "First", base_version=0)
    services.save_note(learner, course, target, "From the phone", base_version=1)
    with pytest.raises(services.NoteConflict) as conflict:
        services.save_note(learner, course, target, "From the laptop", base_version=1)
    assert (conflict.value.current.body, conflict.value.current.version) == ("From the phone", 2)
    with pytest.raises(services.NoteConflict):  # a "new" note where one exists
        services.save_note(learner, course, target, "Another first", base_version=0)
    stored = db.session.scalar(sa.select(Note).where(Note.user_id == learner.id))
    assert (stored.body, stored.version) == ("From the phone", 2)


def test_a_retried_save_of_the_same_text_is_no_conflict(w):
    course, learner, _ = w
    target = unit(course, "m1-u2")
    services.save_note(learner, course, target, "Same", base_version=0)
    assert services.save_note(learner, course, target, "Same", base_version=0).version == 1
    services.save_note(learner, course, target, "Later", base_version=1)
    assert services.save_note(learner, course, target, "Later", base_version=1).version == 2


def test_a_deleted_note_conflicts_with_an_edit_of_it(w):
    course, learner, _ = w
    target = unit(course, "m1-u2")
    note = services.save_note(learner, course, target, "Soon gone", base_version=0)
    services.delete_note(learner, note)
    with pytest.raises(services.NoteConflict) as conflict:
        services.save_note(learner, course, target, "Edited offline", base_version=1)
    assert conflict.value.current is None



def test_a_note_written_again_after_deletion_goes_on_counting_so_old_offline_edits_still_conflict(w):
    course, learner, _ = w
    target = unit(course, "m1-u2")
    services.save_note(learner, course, target, "One", base_version=0)
    services.save_note(learner, course, target, "Two", base_version=1)
    services.delete_note(learner, queries.note_of(learner.id, course.id, "m1-u2"))
    again = services.save_note(learner, course, target, "Written anew", base_version=0)
    assert again.version == 3
    for stale in (1, 2):  # a device that still holds the deleted note's versions
        with pytest.raises(services.NoteConflict) as conflict:
            services.save_note(learner, course, target, f"Edited offline at {stale}", base_version=stale)
        assert (conflict.value.current.body, conflict.value.current.version) == ("Written anew", 3)
    assert services.save_note(learner, course, target, "Edited here", base_version=3).version == 4
    services.delete_note(learner, queries.note_of(learner.id, course.id, "m1-u2"))  # a second deletion
    assert services.save_note(learner, course, target, "Third life", base_version=0).version == 5

def test_reading_the_unit_is_what_noting_it_needs(w):
    course, _, _ = w
    outsider = make_user()
    with pytest.raises(NotFound):
        services.save_note(outsider, course, unit(course, "m1-u2"), "x", base_version=0)
    with pytest.raises(NotFound):
        services.bookmark_unit(outsider, course, unit(course, "m1-u2"))
    # the preview unit is open to every signed-in reader
    assert services.save_note(outsider, course, unit(course, "m1-u1"), "Before enrolling", base_version=0).version == 1
    facilitator = make_user("facilitator", course=course)
    assert services.save_note(facilitator, course, unit(course, "m1-u2"), "Staff's own", base_version=0)


def test_bookmarks_are_made_once(w):
    course, learner, _ = w
    first = services.bookmark_unit(learner, course, unit(course, "m1-u2"))
    assert services.bookmark_unit(learner, course, unit(course, "m1-u2")).id == first.id
    link = services.bookmark_link(learner, " https://example.org/read ", "To read", "for week 2")
    assert (link.url, link.title, link.note) == ("https://example.org/read", "To read", "for week 2")
    assert services.bookmark_link(learner, "https://example.org/read", "Again").id == link.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 2


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "mailto:a@b.c", "//example.org",
                                 "example.org", "http://", "https://a b.org", "https://example.org/\x00",
                                 "https://[::1", "https://example.org:0/"])
def test_only_http_and_https_addresses_are_bookmarked(w, url):
    _, learner, _ = w
    with pytest.raises(InvalidInput) as refused:
        services.bookmark_link(learner, url, "A page")
    assert refused.value.field == "url"


# Pages ------------------------------------------------------------------------------------------------------

def test_the_unit_page_has_the_panel_with_my_note_only(client, w):
    course, learner, other = w
    services.save_note(other, course, unit(course, "m1-u2"), "OTHER-PRIVATE", base_version=0)
    services.save_note(learner, course, unit(course, "m1-u2"), "MY-NOTE", base_version=0)
    log_in(client, learner)
    page = text(client.get("/courses/notes-course/units/m1-u2"))
    assert "MY-NOTE" in page and "OTHER-PRIVATE" not in page
    assert 'data-note-version="1"' in page and 'data-note-key="notes-course/m1-u2"' in page
    assert '<meta name="csrf-token"' in page
    assert "js/notes.js" in page


def test_anonymous_readers_get_no_panel_and_no_csrf_meta(client, w):
    page = text(client.get("/courses/notes-course/units/m1-u1"))
    assert "notes-panel" not in page and "csrf-token" not in page


def test_the_form_saves_without_javascript_and_shows_a_conflict(client, w, csrf_enabled):
    course, learner, _ = w
    log_in(client, learner)
    unit_page = client.get("/courses/notes-course/units/m1-u2").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', unit_page).group(1)
    response = client.post("/courses/notes-course/units/m1-u2/note",
                           data={"csrf_token": token, "body": "Typed", "version": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/units/m1-u2#notes")
    assert client.post("/courses/notes-course/units/m1-u2/note",
                       data={"body": "No token", "version": "1"}).status_code == 400
    services.save_note(learner, course, unit(course, "m1-u2"), "Elsewhere", base_version=1)
    db.session.flush()
    conflict = client.post("/courses/notes-course/units/m1-u2/note",
                           data={"csrf_token": token, "body": "Stale edit", "version": "1"})
    assert conflict.status_code == 409
    page = text(conflict)
    assert "Stale edit" in page and "Elsewhere" in page and 'name="version" value="2"' in page


def test_my_notes_lists_in_course_order_searches_and_escapes_wildcards(client, w):
    course, learner, other = w
    for key, body in [("m2-u1", "Later unit: 100% sure"), ("m1-u2", "First unit, an IDEA"), ("m1-u3", "")]:
        services.save_note(learner, course, unit(course, key), body, base_version=0)
    services.save_note(other, course, unit(course, "m1-u2"), "Not mine: idea", base_version=0)
    log_in(client, learner)
    page = text(client.get("/courses/notes-course/notes"))
    assert page.index("First unit") < page.index("Later unit")
    assert "Not mine" not in page and "/courses/notes-course/units/m1-u2#notes" in page
    assert "Unit 1.3" not in page  # an empty note is not listed
    found = text(client.get("/courses/notes-course/notes?q=idea"))
    assert "First unit" in found and "Later unit" not in found
    assert "Later unit" in text(client.get("/notes?q=100%25"))
    assert "No note contains" in text(client.get("/notes?q=1_0"))  # _ is no wildcard
    assert "No note contains" in text(client.get("/notes?q=%25%25"))


def test_exports_as_markdown_and_pdf_with_unicode(client, w):
    course, learner, _ = w
    services.save_note(learner, course, unit(course, "m1-u2"), "Ελληνικά, кириллица, 🙂 and *stars*",
                       base_version=0)
    log_in(client, learner)
    md = client.get("/courses/notes-course/notes.md")
    assert md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"] == 'attachment; filename="notes-notes-course.md"'
    body = md.get_data(as_text=True)
    assert "## Notes Course" in body and "### Unit 1.2 (m1-u2)" in body and "кириллица, 🙂" in body
    pdf = client.get("/courses/notes-course/notes.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    everything = client.get("/notes/notes.pdf")
    assert everything.data.startswith(b"%PDF") and everything.headers["Content-Disposition"].endswith('my-notes.pdf"')
    assert "Notes Course" in client.get("/notes/notes.md").get_data(as_text=True)


def test_a_note_on_a_unit_a_new_version_drops_keeps_its_title(client, w, tmp_path):
    from moocplatform.catalog.services import import_pack
    from tests.factories import write_pack

    course, learner, _ = w
    services.save_note(learner, course, unit(course, "m2-u3"), "On a unit about to go", base_version=0)
    import_pack(None, write_pack(tmp_path, "notes-course", version="2.0.0", modules=2, units_per_module=2))
    log_in(client, learner)
    page = text(client.get("/courses/notes-course/notes"))
    assert "Unit 2.3 (m2-u3)" in page and "no longer in the course" in page


def test_the_bookmark_button_toggles(client, w):
    _, learner, _ = w
    log_in(client, learner)
    client.post("/courses/notes-course/units/m1-u2/bookmark", data={"bookmarked": "1"})
    client.post("/courses/notes-course/units/m1-u2/bookmark", data={"bookmarked": "1"})  # a double submit
    assert 'aria-pressed="true"' in text(client.get("/courses/notes-course/units/m1-u2"))
    assert "Unit 1.2 (m1-u2)" in text(client.get("/bookmarks"))
    client.post("/courses/notes-course/units/m1-u2/bookmark", data={"bookmarked": "0"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0


def test_the_bookmarks_page_adds_checks_and_removes_links(client, w):
    _, learner, _ = w
    log_in(client, learner)
    refused = client.post("/bookmarks", data={"url": "javascript:alert(1)", "title": "Bad"})
    assert refused.status_code == 422 and "begins with http://" in text(refused)
    added = client.post("/bookmarks", data={"url": "https://example.org/a", "title": "Worth reading",
                                            "note": "for week 2"})
    assert added.status_code == 302
    page = text(client.get("/bookmarks"))
    assert "Worth reading" in page and 'rel="nofollow noopener noreferrer"' in page
    bookmark_id = db.session.scalar(sa.select(Bookmark.id))
    assert client.post(f"/bookmarks/{bookmark_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Bookmark, bookmark_id) is None


# Nobody but the owner: another learner, a facilitator, the course team and an administrator ---------------

@pytest.fixture()
def strangers(w):
    course, _, other = w
    return {"another learner": other, "facilitator": make_user("facilitator", course=course),
            "course team": make_user("course_team", course=course), "admin": make_user("admin")}


@pytest.mark.parametrize("who", ["another learner", "facilitator", "course team", "admin"])
def test_nobody_else_reaches_my_note_or_bookmark_through_pages(client, w, strangers, who):
    course, learner, _ = w
    note = services.save_note(learner, course, unit(course, "m1-u2"), "SECRET-NOTE", base_version=0)
    bookmark = services.bookmark_link(learner, "https://example.org/secret", "SECRET-LINK")
    log_in(client, strangers[who])
    assert client.post(f"/notes/{note.id}/delete").status_code == 404
    assert client.post(f"/bookmarks/{bookmark.id}/delete").status_code == 404
    for page in ("/notes", "/courses/notes-course/notes", "/bookmarks", "/notes/notes.md",
                 "/courses/notes-course/notes.md", "/courses/notes-course/units/m1-u2"):
        assert "SECRET" not in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Note, note.id) is not None and db.session.get(Bookmark, bookmark.id) is not None


@pytest.mark.parametrize("who", ["another learner", "facilitator", "course team", "admin"])
def test_nobody_else_reaches_my_note_or_bookmark_through_the_api(client, w, strangers, who):
    course, learner, _ = w
    services.save_note(learner, course, unit(course, "m1-u2"), "SECRET-NOTE", base_version=0)
    bookmark = services.bookmark_link(learner, "https://example.org/secret", "SECRET-LINK")
    headers = bearer(strangers[who])
    assert client.get("/api/v1/notes/units/notes-course/m1-u2", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/notes/bookmarks/{bookmark.id}", headers=headers).status_code == 404
    for path in ("/api/v1/notes", "/api/v1/notes/bookmarks", "/api/v1/notes?course=notes-course"):
        assert "SECRET" not in client.get(path, headers=headers).get_data(as_text=True)
    # Their own note on the unit is theirs: writing it leaves mine as it is.
    client.put("/api/v1/notes/units/notes-course/m1-u2", json={"body": "Theirs", "version": 0}, headers=headers)
    assert db.session.scalar(sa.select(Note.body).where(Note.user_id == learner.id)) == "SECRET-NOTE"


# The API ----------------------------------------------------------------------------------------------------

def test_the_api_writes_reads_and_pages_notes(client, w):
    course, learner, _ = w
    headers = bearer(learner)
    url = "/api/v1/notes/units/notes-course/m1-u2"
    assert client.get(url, headers=headers).status_code == 404
    created = client.put(url, json={"body": "Hello **API**", "version": 0}, headers=headers)
    assert created.status_code == 200 and created.headers["ETag"] == '"1"'
    note = created.get_json()
    assert note["version"] == 1 and "<strong>API</strong>" in note["body_html"] and note["in_course"]
    # If-Match carries the version when the body does not
    updated = client.put(url, json={"body": "Second"}, headers={**headers, "If-Match": '"1"'})
    assert updated.get_json()["version"] == 2
    missing = client.put(url, json={"body": "No version"}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["pointer"] == "#/version"
    for key in ("m1-u3", "m2-u1"):
        client.put(f"/api/v1/notes/units/notes-course/{key}", json={"body": key, "version": 0}, headers=headers)
    first = client.get("/api/v1/notes?limit=2", headers=headers).get_json()
    assert [n["unit"] for n in first["items"]] == ["m1-u2", "m1-u3"]
    rest = client.get(first["next"].replace("http://localhost", ""), headers=headers).get_json()
    assert [n["unit"] for n in rest["items"]] == ["m2-u1"] and rest["next"] is None
    assert client.get("/api/v1/notes?course=unknown", headers=headers).get_json()["items"] == []
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_a_stale_put_is_a_409_with_the_current_note(client, w):
    course, learner, _ = w
    headers = bearer(learner)
    url = "/api/v1/notes/units/notes-course/m1-u2"
    client.put(url, json={"body": "Online", "version": 0}, headers=headers)
    client.put(url, json={"body": "Online, edited", "version": 1}, headers=headers)
    response = client.put(url, json={"body": "Offline edit", "version": 1}, headers=headers)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/edit-conflict")
    assert (body["current"]["body"], body["current"]["version"]) == ("Online, edited", 2)
    client.delete(url, headers=headers)
    gone = client.put(url, json={"body": "Edited offline", "version": 2}, headers=headers)
    assert gone.status_code == 409 and gone.get_json()["current"] is None


@pytest.mark.parametrize("payload, status", [
    ("not json", 400), ([1, 2], 400), ({"body": 5, "version": 0}, 422), ({"body": "x", "version": -1}, 422),
    ({"body": "x" * 20_001, "version": 0}, 422), ({"body": "x", "version": True}, 422)])
def test_bad_note_bodies_are_problems(client, w, payload, status):
    _, learner, _ = w
    headers = bearer(learner)
    if isinstance(payload, str):
        response = client.put("/api/v1/notes/units/notes-course/m1-u2", data=payload, headers=headers,
                              content_type="application/json")
    else:
        response = client.put("/api/v1/notes/units/notes-course/m1-u2", json=payload, headers=headers)
    assert response.status_code == status


def test_the_api_bookmarks_units_and_links(client, w):
    _, learner, _ = w
    headers = bearer(learner)
    made = client.post("/api/v1/notes/bookmarks", json={"kind": "unit", "course": "notes-course", "unit": "m1-u2"},
                       headers=headers)
    assert made.status_code == 201 and made.get_json()["url"].endswith("/courses/notes-course/units/m1-u2")
    link = client.post("/api/v1/notes/bookmarks", json={"kind": "external", "url": "https://example.org/x",
                                                        "title": "X", "note": "why"}, headers=headers)
    assert link.status_code == 201 and link.get_json()["course"] is None
    bad = client.post("/api/v1/notes/bookmarks", json={"kind": "external", "url": "javascript:x", "title": "X"},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["pointer"] == "#/url"
    assert client.post("/api/v1/notes/bookmarks", json={"kind": "other"}, headers=headers).status_code == 422
    assert client.post("/api/v1/notes/bookmarks", json={"kind": "unit", "course": "notes-course", "unit": "nope"},
                       headers=headers).status_code == 404
    items = client.get("/api/v1/notes/bookmarks?limit=1", headers=headers).get_json()
    assert len(items["items"]) == 1 and items["next"]
    assert client.delete(f"/api/v1/notes/bookmarks/{link.get_json()['id']}", headers=headers).status_code == 204


# Personal data ----------------------------------------------------------------------------------------------

def test_notes_and_bookmarks_are_exported_and_erased_with_the_account(w):
    course, learner, other = w
    services.save_note(learner, course, unit(course, "m1-u2"), "Mine to take", base_version=0)
    services.bookmark_link(learner, "https://example.org/mine", "Mine")
    services.save_note(other, course, unit(course, "m1-u2"), "Theirs", base_version=0)
    data = personal_data.export_user_data(learner)
    assert [n["body"] for n in data["notes"]] == ["Mine to take"]
    assert [b["url"] for b in data["bookmarks"]] == ["https://example.org/mine"]
    personal_data.erase_user(learner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Note).where(Note.user_id == learner.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    assert db.session.scalar(sa.select(Note.body).where(Note.user_id == other.id)) == "Theirs"


def test_the_pdf_marks_characters_its_fonts_cannot_draw():
    from fpdf import FPDF

    from moocplatform.notes.export import _font_dir, _Printer

    pdf = FPDF()
    pdf.add_font("Serif", "", f"{_font_dir()}/DejaVuSerif.ttf")
    printable = _Printer(pdf)
    assert printable("Ελληνικά кириллица é\n") == "Ελληνικά кириллица é\n"
    assert printable("ok 🙂\x07") == "ok \N{REPLACEMENT CHARACTER} "
    for font in pdf.fonts.values():
        font.ttfont.close()
