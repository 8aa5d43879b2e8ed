"""The portfolio: private entries, files checked by their content, evidence snapshots, the public page behind
a revocable link, the zip and PDF exports, personal data and query counts."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from moocplatform import personal_data
from moocplatform.audit import AuditEntry
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.portfolio import queries, services
from moocplatform.portfolio.evidence import evidence_source
from moocplatform.portfolio.models import STORAGE_NAMESPACE, PortfolioEntry
from moocplatform.storage import storage_for
from tests.assignment_helpers import PDF, PNG, docx, odt, zip_bomb
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user
from tests.portfolio_helpers import published, uploaded, written

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _get(client, path):
    """The status and body, the response closed (file responses hold the file open until closed)."""
    response = client.get(path)
    data = response.data
    response.close()
    return response.status_code, data


def _stored_keys() -> set[str]:
    return set(db.session.scalars(sa.select(PortfolioEntry.storage_key).where(
        PortfolioEntry.storage_key.is_not(None))))


# Entries ---------------------------------------------------------------------------------------------------

def test_a_written_entry_is_private_and_sanitised(client):
    owner = make_user()
    entry = written(owner, body="Hello <script>alert(1)</script> **world**")
    assert not entry.is_public
    assert "<script" not in entry.body_html and "<strong>world</strong>" in entry.body_html
    log_in(client, owner)
    page = client.get(f"/portfolio/entries/{entry.id}").get_data(as_text=True)
    assert "<strong>world</strong>" in page and "Private" in page


def test_the_same_form_sent_twice_makes_one_entry(client):
    owner = make_user()
    log_in(client, owner)
    form = {"title": "Twice", "body": "once", "request_key": "k" * 32}
    first = client.post("/portfolio/entries", data=form)
    second = client.post("/portfolio/entries", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(queries.entries_of(owner.id)) == 1


def test_an_empty_title_is_a_field_error_not_a_record(client):
    owner = make_user()
    log_in(client, owner)
    response = client.post("/portfolio/entries", data={"title": "", "body": "x", "request_key": "a"})
    assert response.status_code == 422 and 'class="field-error"' in response.get_data(as_text=True)
    assert queries.entries_of(owner.id) == []


def test_edit_reorder_and_delete():
    owner = make_user()
    a, b, c = (written(owner, title=t) for t in ("A", "B", "C"))
    services.move_entry(owner, c, "up")
    assert [e.title for e in queries.entries_of(owner.id)] == ["A", "C", "B"]
    services.move_entry(owner, a, "up")  # the first stays first
    assert [e.title for e in queries.entries_of(owner.id)] == ["A", "C", "B"]
    services.update_entry(owner, b, title="B, revised", body="*new*")
    assert b.body_html == "<p><em>new</em></p>\n" or "<em>new</em>" in b.body_html
    services.delete_entry(owner, a)
    assert [e.title for e in queries.entries_of(owner.id)] == ["C", "B, revised"]


@pytest.mark.parametrize("actor_role", ["learner", "facilitator", "course_team", "admin"])
def test_nobody_but_the_owner_changes_an_entry(actor_role):
    course = make_course()
    owner = make_user()
    enrol(owner, course)
    other = make_user(actor_role if actor_role != "learner" else None, course=course)
    entry = written(owner)
    with pytest.raises(NotFound):
        services.update_entry(other, entry, title="mine", body="")
    with pytest.raises(NotFound):
        services.delete_entry(other, entry)
    with pytest.raises(PermissionDenied):
        services.write_entry(other, owner, title="x", body="")
    with pytest.raises(PermissionDenied):
        services.publish_link(other, owner)


# Files -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("plan.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png"),
    ("notes.txt", "Plain words, café.\n".encode(), "text/plain; charset=utf-8"),
    ("report.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("report.odt", odt(), "application/vnd.oasis.opendocument.text"),
])
def test_accepted_files_are_stored_with_the_type_their_content_shows(name, data, content_type):
    owner = make_user()
    entry = uploaded(owner, name=name, data=data)
    assert entry.content_type == content_type and entry.file_size == len(data)
    assert storage_for(STORAGE_NAMESPACE).get(entry.storage_key) == data


@pytest.mark.parametrize(("name", "data", "message"), [
    ("invoice.pdf", EXE, "not a kind of file we accept"),  # a renamed program
    ("photo.pdf", PNG, "a PNG image"),  # content and name disagree
    ("page.txt", b"<html><script>alert(1)</script></html>", "not a kind of file we accept"),
    ("bomb.docx", zip_bomb(), "refused"),
    ("../../etc/passwd.txt", b"root", "not a plain file name"),
    ("empty.txt", b"", "empty"),
])
def test_refused_files_are_a_field_error_and_store_nothing(client, name, data, message):
    owner = make_user()
    with pytest.raises(InvalidInput, match=message) as refused:
        uploaded(owner, name=name, data=data)
    assert refused.value.field == "file"
    assert queries.entries_of(owner.id) == []
    log_in(client, owner)
    response = client.post("/portfolio/files", data={"file": (io.BytesIO(data), name), "request_key": "r1"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'class="field-error"' in response.get_data(as_text=True)
    assert queries.entries_of(owner.id) == [] and _stored_keys() == set()


def test_the_learners_quota_is_kept(monkeypatch):
    owner = make_user()
    monkeypatch.setattr(services, "MAX_BYTES_PER_LEARNER", len(PDF) + 10)
    uploaded(owner)
    with pytest.raises(InvalidInput, match="more than"):
        uploaded(owner, name="again.pdf")


def test_only_the_owner_downloads_a_private_file(client):
    owner, other = make_user(), make_user("admin")
    entry = uploaded(owner)
    log_in(client, owner)
    response = client.get(f"/portfolio/entries/{entry.id}/file")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()
    log_in(client, other)
    assert client.get(f"/portfolio/entries/{entry.id}/file").status_code == 404


def test_deleting_a_file_entry_deletes_the_file_after_commit(app):
    owner = make_user()
    entry = uploaded(owner)
    key = entry.storage_key
    from moocplatform import transaction
    with transaction.unit_of_work("delete"):
        services.delete_entry(owner, entry)
    assert not storage_for(STORAGE_NAMESPACE).exists(key)


# Evidence --------------------------------------------------------------------------------------------------

def _reflecting_learner():
    from moocplatform.quizzes import services as quizzes
    course = make_course("quizzed", quiz=True)
    learner = make_user()
    enrol(learner, course)
    quizzes.submit_attempt(learner, quizzes.start_attempt(learner, course, "check"),
                           {"q8": "I will *practise* every day."})
    return learner, course


def test_a_reflection_is_copied_and_later_changes_do_not_alter_it():
    learner, _course = _reflecting_learner()
    candidates = evidence_source("reflection").list_candidates(learner)
    assert len(candidates) == 1 and "practise" in candidates[0].summary
    entry = services.add_evidence(learner, learner, "reflection", candidates[0].ref)
    assert "<em>practise</em>" in entry.evidence_html and "What will you change?" in entry.evidence_html
    assert "/courses/quizzed/units/" in entry.evidence_url
    again = services.add_evidence(learner, learner, "reflection", candidates[0].ref)
    assert again.id == entry.id and len(queries.entries_of(learner.id)) == 1
    other = make_user()
    with pytest.raises(InvalidInput) as refused:
        services.add_evidence(other, other, "reflection", candidates[0].ref)  # not theirs
    assert refused.value.field == "ref"


def test_certificates_and_accepted_submissions_are_evidence():
    from moocplatform.assignments import services as assignments
    from tests.certificate_helpers import completed_with_certificate
    from tests.factories import sample_assignment  # noqa: F401  (the pack's assignment)
    course = make_course("certified")
    learner = make_user()
    enrol(learner, course)
    certificate = completed_with_certificate(learner, course)
    ref = evidence_source("certificate").list_candidates(learner)[0].ref
    entry = services.add_evidence(learner, learner, "certificate", ref)
    assert entry.evidence_url.endswith(f"/certificates/{certificate.public_id}")
    assert "Ada Lovelace Byron" in entry.evidence_html

    tasks = make_course("tasks", assignment=True, modules=1, units_per_module=1)
    enrol(learner, tasks)
    assignments.save_draft(learner, tasks, "task", text="My **plan**")
    assignments.add_file(learner, tasks, "task", "plan.pdf", PDF)
    submission = assignments.submit(learner, tasks, "task").submission_id
    from moocplatform.assignments.queries import submission_of
    assignments.review(make_user("facilitator", course=tasks), tasks, submission_of(learner.id, tasks.id, "task"),
                       {"goal": 3, "evidence": 2}, "", "accepted")
    candidate, = evidence_source("submission").list_candidates(learner)
    assert candidate.ref == str(submission)
    entry = services.add_evidence(learner, learner, "submission", candidate.ref)
    assert "<strong>plan</strong>" in entry.evidence_html and "plan.pdf" in entry.evidence_html


def test_unknown_sources_and_items_are_field_errors():
    owner = make_user()
    with pytest.raises(InvalidInput) as refused:
        services.add_evidence(owner, owner, "diary", "1")
    assert refused.value.field == "source"
    with pytest.raises(InvalidInput) as refused:
        services.add_evidence(owner, owner, "certificate", "x" * 65)
    assert refused.value.field == "ref"


# The public page -------------------------------------------------------------------------------------------

def test_the_public_page_shows_only_chosen_entries_and_no_private_data(client):
    owner = make_user(display_name="Lea Learner")
    shown = written(owner, title="Shown entry", body="Visible text")
    hidden = written(owner, title="Hidden entry", body="Secret text")
    file_shown = uploaded(owner, name="cv.pdf", title="My CV")
    file_hidden = uploaded(owner, name="private.pdf", title="Private file")
    link = published(owner, shown, file_shown)
    response = client.get(f"/p/{link.secret}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Shown entry" in page and "Visible text" in page and "My CV" in page and "Lea Learner" in page
    assert "Hidden entry" not in page and "Secret text" not in page and "Private file" not in page
    assert owner.email not in page
    assert '<meta name="robots" content="noindex' in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"  # a withdrawn link leaves no copy behind
    assert _get(client, f"/p/{link.secret}/files/{file_shown.id}") == (200, PDF)
    assert client.get(f"/p/{link.secret}/files/{file_hidden.id}").status_code == 404
    assert client.get(f"/p/{link.secret}/files/{hidden.id}").status_code == 404
    stranger = written(make_user(), title="Another's")
    assert client.get(f"/p/{link.secret}/files/{stranger.id}").status_code == 404
    # unchosen again: gone from the page at once
    services.set_public_page(owner, owner, headline="", intro="", public_entry_ids=[shown.id])
    assert "My CV" not in client.get(f"/p/{link.secret}").get_data(as_text=True)
    assert client.get(f"/p/{link.secret}/files/{file_shown.id}").status_code == 404


def test_revoking_ends_the_page_at_once_and_reissuing_makes_a_new_address(client):
    owner = make_user()
    entry = uploaded(owner)
    first = published(owner, entry)
    assert client.get(f"/p/{first.secret}").status_code == 200
    second = services.publish_link(owner, owner)
    assert second.secret != first.secret
    assert client.get(f"/p/{first.secret}").status_code == 410
    assert client.get(f"/p/{second.secret}").status_code == 200
    assert services.revoke_link(owner, owner)
    for path in (f"/p/{second.secret}", f"/p/{second.secret}/portfolio.pdf",
                 f"/p/{second.secret}/files/{entry.id}"):
        assert client.get(path).status_code == 410
    assert queries.current_public_link(owner) is None
    assert client.get("/p/mppf_nosuchlinkatallnosuchlinkatall").status_code == 404
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == owner.id)))
    assert {"portfolio.link_issue", "portfolio.link_revoke", "portfolio.public_entries"} <= actions


def test_query_functions_for_other_areas():
    owner = make_user()
    entry = written(owner, title="For employers")
    hidden = written(owner, title="Not for them")
    link = published(owner, entry)
    assert queries.current_public_link(owner).secret == link.secret
    portfolio = queries.public_portfolio_for_token(link.secret)
    assert [e.title for e in portfolio.entries] == ["For employers"] and portfolio.entry(hidden.id) is None
    services.revoke_link(owner, owner)
    with pytest.raises(queries.LinkGone):
        queries.public_portfolio_for_token(link.secret)
    with pytest.raises(NotFound):
        queries.public_portfolio_for_token("mppf_unknown-secret-value")


def test_the_public_page_as_pdf(client):
    from pypdf import PdfReader
    owner = make_user(display_name="Pdf Person")
    written(owner, title="Left out of the PDF")
    link = published(owner, written(owner, title="Shown in the PDF"), uploaded(owner))
    response = client.get(f"/p/{link.secret}/portfolio.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Care assistant" in text and "Pdf Person" in text and "Shown in the PDF" in text and "plan.pdf" in text
    assert "Left out of the PDF" not in text and owner.email not in text


def test_a_suspended_owner_has_no_public_page(client):
    from moocplatform.admin.services import suspend_user
    owner = make_user()
    link = published(owner, written(owner))
    suspend_user(make_user("admin"), owner)
    assert client.get(f"/p/{link.secret}").status_code in (404, 410)


def test_choosing_entries_of_someone_else_is_a_field_error():
    owner, other = make_user(), make_user()
    theirs = written(other)
    with pytest.raises(InvalidInput) as refused:
        services.set_public_page(owner, owner, headline="", intro="", public_entry_ids=[theirs.id])
    assert refused.value.field == "entries"
    assert not theirs.is_public


# Exports and personal data ---------------------------------------------------------------------------------

def test_the_zip_holds_the_owners_portfolio_only(client):
    owner, other = make_user(), make_user()
    written(owner, title="Mine")
    mine = uploaded(owner, name="cv.pdf")
    written(other, title="Theirs")
    uploaded(other, name="theirs.png", data=PNG)
    log_in(client, owner)
    response = client.get("/portfolio/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(["portfolio.json", f"files/{mine.id}-cv.pdf"])
    document = json.loads(archive.read("portfolio.json"))
    assert [e["title"] for e in document["entries"]] == ["Mine", "cv.pdf"]
    assert archive.read(f"files/{mine.id}-cv.pdf") == PDF
    assert "Theirs" not in archive.read("portfolio.json").decode()
    assert "storage_key" not in archive.read("portfolio.json").decode()


def test_personal_data_export_and_erase_delete_the_stored_files(app):
    from moocplatform import transaction
    owner = make_user()
    entry = uploaded(owner)
    published(owner, entry)
    key = entry.storage_key
    exported = personal_data.export_user_data(owner)
    assert exported["portfolio_entries"][0]["file_name"] == "plan.pdf"
    assert "storage_key" not in exported["portfolio_entries"][0]
    assert "link_secret" not in exported["portfolio_page"][0]
    with transaction.unit_of_work("erase"):
        personal_data.erase_user(owner)
    assert queries.entries_of(owner.id) == [] and queries.page_of(owner.id) is None
    assert not storage_for(STORAGE_NAMESPACE).exists(key)


# Query counts ----------------------------------------------------------------------------------------------

def _count(client, count_queries, path):
    assert client.get(path).status_code == 200
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_query_counts_do_not_grow_with_entries(client, count_queries):
    owner = make_user()
    first = written(owner)
    link = published(owner, first)
    log_in(client, owner)
    small = {p: _count(client, count_queries, p) for p in ("/portfolio", f"/p/{link.secret}")}
    entries = [written(owner, title=f"Entry {n}") for n in range(8)] + [uploaded(owner, name=f"f{n}.pdf")
                                                                         for n in range(3)]
    services.set_public_page(owner, owner, headline="", intro="", public_entry_ids=[e.id for e in entries])
    big = {p: _count(client, count_queries, p) for p in ("/portfolio", f"/p/{link.secret}")}
    assert big == small
    assert small["/portfolio"] <= 12
    assert small[f"/p/{link.secret}"] <= 6


# The API ---------------------------------------------------------------------------------------------------

def _bearer(user, scopes=("read:portfolio", "write:portfolio")):
    from moocplatform.tokens.services import issue_token
    return {"Authorization": f"Bearer {issue_token(user, user, 'personal_access', scopes=scopes).secret}"}


def test_the_api_writes_pages_and_deletes_entries(client):
    owner = make_user()
    headers = _bearer(owner)
    body = {"title": "From my phone", "text": "A *note*", "request_key": "phone-1"}
    created = client.post("/api/v1/portfolio/entries", headers=headers, json=body)
    assert created.status_code == 201 and "<em>note</em>" in created.get_json()["html"]
    again = client.post("/api/v1/portfolio/entries", headers=headers, json=body)
    assert again.get_json()["id"] == created.get_json()["id"]  # sent twice, one entry
    for n in range(4):
        written(owner, title=f"Entry {n}")
    first = client.get("/api/v1/portfolio/entries?limit=3", headers=headers).get_json()
    second = client.get(first["next"], headers=headers).get_json()
    titles = [e["title"] for e in first["items"] + second["items"]]
    assert titles == ["From my phone", "Entry 0", "Entry 1", "Entry 2", "Entry 3"] and second["next"] is None
    entry_id = created.get_json()["id"]
    assert client.delete(f"/api/v1/portfolio/entries/{entry_id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/portfolio/entries/{entry_id}", headers=headers).status_code == 404


@pytest.mark.parametrize(("body", "status"), [
    ({"title": ""}, 422), ({"title": "x" * 201}, 422), ({"title": "t", "colour": "red"}, 422),
    ({"title": 5}, 422), (["not", "an", "object"], 400),
])
def test_the_api_refuses_a_bad_body_with_a_problem(client, body, status):
    owner = make_user()
    response = client.post("/api/v1/portfolio/entries", headers=_bearer(owner), json=body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert queries.entries_of(owner.id) == []


def test_the_api_reports_the_public_link(client):
    owner = make_user()
    link = published(owner, written(owner))
    state = client.get("/api/v1/portfolio/public-link", headers=_bearer(owner)).get_json()
    assert state == {"published": True, "url": link.url, "created_at": state["created_at"],
                     "expires_at": state["expires_at"], "public_entries": 1}
    services.revoke_link(owner, owner)
    assert client.get("/api/v1/portfolio/public-link", headers=_bearer(owner)).get_json()["published"] is False


def _files_in_storage() -> int:
    root = storage_for(STORAGE_NAMESPACE).root  # the local backend of the tests
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


def test_a_refused_upload_leaves_storage_as_it_was(client):
    owner = make_user()
    before = _files_in_storage()
    log_in(client, owner)
    response = client.post("/portfolio/files", data={"file": (io.BytesIO(EXE), "cv.pdf"), "request_key": "r2"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "not a kind of file we accept" in response.get_data(as_text=True)
    assert _files_in_storage() == before


def test_the_same_upload_sent_twice_stores_one_file(client):
    owner = make_user()
    before = _files_in_storage()
    log_in(client, owner)
    for _ in range(2):
        response = client.post("/portfolio/files", data={"file": (io.BytesIO(PDF), "cv.pdf"), "request_key": "up"},
                               content_type="multipart/form-data")
        assert response.status_code == 302
    assert len(queries.entries_of(owner.id)) == 1 and _files_in_storage() == before + 1


def test_evidence_is_added_from_the_page(client):
    learner, _course = _reflecting_learner()
    log_in(client, learner)
    page = client.get("/portfolio").get_data(as_text=True)
    assert "I will *practise* every day." in page
    ref = evidence_source("reflection").list_candidates(learner)[0].ref
    for _ in range(2):  # sent twice: one entry
        response = client.post("/portfolio/evidence", data={"source": "reflection", "ref": ref})
        assert response.status_code == 302 and "/portfolio/entries/" in response.headers["Location"]
    entry, = queries.entries_of(learner.id)
    assert entry.kind == "evidence"
    assert "Nothing more to add here." in client.get("/portfolio").get_data(as_text=True)
    response = client.post("/portfolio/evidence", data={"source": "reflection", "ref": "999:q8"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portfolio#evidence")
    assert len(queries.entries_of(learner.id)) == 1


def test_the_public_page_form_chooses_entries(client):
    owner = make_user()
    a, b = written(owner, title="Alpha"), written(owner, title="Beta")
    log_in(client, owner)
    response = client.post("/portfolio/public", data={"headline": "Hello", "intro": "*Hi*", "entries": [str(b.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert not a.is_public and b.is_public and queries.page_of(owner.id).intro_html == "<p><em>Hi</em></p>\n"
    response = client.post("/portfolio/public", data={"headline": "", "entries": ["999999"]})
    db.session.expire_all()
    assert response.status_code == 422 and b.is_public  # not a choice: nothing changes
    assert client.post("/portfolio/link").status_code == 302
    link = queries.current_public_link(owner)
    assert link is not None and link.url in client.get("/portfolio").get_data(as_text=True)
    assert client.post("/portfolio/link/revoke").status_code == 302
    assert queries.current_public_link(owner) is None


def test_deleting_from_the_page_asks_first(client):
    owner = make_user()
    entry = uploaded(owner, name="cv.pdf")
    log_in(client, owner)
    page = client.get(f"/portfolio/entries/{entry.id}").get_data(as_text=True)
    assert f'href="/portfolio/entries/{entry.id}/delete"' in page
    assert "its file cv.pdf are deleted" in client.get(f"/portfolio/entries/{entry.id}/delete").get_data(as_text=True)
    assert client.post(f"/portfolio/entries/{entry.id}/delete").status_code == 302
    assert queries.entries_of(owner.id) == []


def test_the_api_names_the_field_of_the_body(client):
    response = client.post("/api/v1/portfolio/entries", headers=_bearer(make_user()),
                           json={"title": "t", "text": "x" * 20_001})
    assert response.status_code == 422 and response.get_json()["errors"][0]["pointer"] == "#/text"


def test_an_export_beyond_its_bound_is_refused_with_a_message(client, monkeypatch):
    from moocplatform.portfolio import documents
    owner = make_user()
    uploaded(owner)
    monkeypatch.setattr(documents, "MAX_EXPORT_BYTES", len(PDF) - 1)
    log_in(client, owner)
    response = client.get("/portfolio/export.zip", follow_redirects=True)
    assert response.status_code == 200 and "too large to export at once" in response.get_data(as_text=True)


def test_every_portfolio_form_needs_its_csrf_token(app, client, csrf_enabled):
    owner = make_user()
    entry = written(owner)
    log_in(client, owner)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "portfolio" or "POST" not in rule.methods:
            continue
        path = rule.build({"entry_id": entry.id} if "entry_id" in rule.arguments else {})[1]
        response = client.post(path, data={"title": "no token", "body": "b", "direction": "up"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        checked += 1
    assert checked == 9
    assert [e.title for e in queries.entries_of(owner.id)] == [entry.title]
    assert queries.current_public_link(owner) is None


# Sharing with an application ------------------------------------------------------------------------------------

def test_a_learner_shares_their_public_portfolio_with_an_application(client):
    import html

    from moocplatform.opportunities import services as opportunities
    from tests.opportunities_helpers import make_member, make_opportunity, make_organisation

    learner = make_user()
    entry = written(learner, title="Care plan I wrote")
    organisation = make_organisation()
    member = make_member(organisation)
    posting = make_opportunity(organisation, member)
    log_in(client, learner)
    assert "My public portfolio" not in client.get(f"/opportunities/{posting.id}").get_data(as_text=True)
    link = published(learner, entry)
    page = html.unescape(client.get(f"/opportunities/{posting.id}").get_data(as_text=True))
    assert "My public portfolio" in page and link.url in page  # offered on the apply form
    opportunities.apply_to_opportunity(learner, posting, "Please see my portfolio.", link.url)
    log_in(client, member)
    listing = html.unescape(client.get(f"/opportunities/{posting.id}/applications").get_data(as_text=True))
    assert "Public portfolio:" in listing and link.url in listing
    assert "Care plan I wrote" in client.get(link.url.removeprefix("http://learn.test")).get_data(as_text=True)
    services.revoke_link(learner, learner)  # the employer loses it at once
    assert client.get(link.url.removeprefix("http://learn.test")).status_code == 410
