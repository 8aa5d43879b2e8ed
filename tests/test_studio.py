"""Course teams: drafts, preview, publish, history, export and browser uploads."""
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from moocplatform.catalog.models import Course, CourseVersion, PackFile
from moocplatform.catalog.packfiles import export_zip
from moocplatform.catalog.services import import_pack
from moocplatform.content.archive import open_pack
from moocplatform.errors import Conflict
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)),
            db.session.scalar(sa.select(sa.func.count()).select_from(PackFile)))


def test_draft_is_previewed_then_published_keeping_progress(client, tmp_path):
    course = make_course("alpha", modules=1, units_per_module=3)
    learner = make_user()
    enrol(learner, course)
    set_unit_completion(learner, course, "m1-u1", complete=True)
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=3,
                        unit_keys=["m1-u1", "m1-u2", "fresh"])
    first = folder / "units/m1/01-m1-u1.md"
    first.write_text(first.read_text() + "\nGo on to [the last unit](03-fresh.md#part).\n")
    result = import_pack(None, folder, publish=False)
    assert result.outcome == "draft"
    changes = result.changes
    assert (changes.changed, changes.added, changes.retired) == (["m1-u1", "m1-u2"], ["fresh"], ["m1-u3"])
    draft = result.version
    # Learners still see 1.0.0; the team previews 1.1.0.
    log_in(client, learner)
    assert "version 1.0.0" in client.get("/courses/alpha/units/m1-u1").get_data(as_text=True)
    assert client.get(f"/studio/courses/alpha/versions/{draft.id}/units/fresh").status_code == 403
    team = make_user("course_team", course=course)
    log_in(client, team)
    page = client.get(f"/studio/courses/alpha/versions/{draft.id}/units/fresh").get_data(as_text=True)
    assert "Preview of version 1.1.0" in page and "version 1.1.0" in page
    # Links between units lead through the draft's preview, not to the live course.
    page = client.get(f"/studio/courses/alpha/versions/{draft.id}/units/m1-u1").get_data(as_text=True)
    assert f'href="/studio/courses/alpha/versions/{draft.id}/units/fresh#part">the last unit</a>' in page
    assert 'href="/courses/alpha/units/' not in page
    assert client.get(f"/studio/courses/alpha/versions/{draft.id}").status_code == 200
    history = client.get("/studio/courses/alpha/versions").get_data(as_text=True)
    assert "2 units changed; 1 added; 1 retired" in history
    client.post(f"/studio/courses/alpha/versions/{draft.id}/publish")
    log_in(client, learner)
    page = client.get("/courses/alpha/units/m1-u1").get_data(as_text=True)
    assert "version 1.1.0" in page and "You completed this unit." in page


def test_version_rules(tmp_path):
    make_course("alpha")
    same = write_pack(tmp_path / "a", "alpha", version="1.0.0", modules=2, units_per_module=3)
    assert import_pack(None, same).outcome == "unchanged"
    other_content = write_pack(tmp_path / "b", "alpha", version="1.0.0", modules=1)
    with pytest.raises(Conflict):
        import_pack(None, other_content)
    import_pack(None, write_pack(tmp_path / "c", "alpha", version="2.0.0"))
    lower = write_pack(tmp_path / "d", "alpha", version="1.5.0")
    with pytest.raises(Conflict):
        import_pack(None, lower)
    assert import_pack(None, lower, force=True).outcome == "new_version"


def test_dry_run_writes_nothing(app, tmp_path):
    make_course("alpha", modules=1, units_per_module=2)
    before = counts()
    runner = app.test_cli_runner()
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=2,
                        unit_keys=["m1-u1", "new-unit"])
    result = runner.invoke(args=["courses", "import", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would be imported: 1 unit changed; 1 added; 1 retired" in result.output
    assert counts() == before


def test_export_import_export_is_byte_identical(tmp_path):
    course = make_course("alpha")
    first = export_zip(course.slug, course.live_version_id)
    savepoint = db.session.begin_nested()
    db.session.execute(sa.delete(Course).where(Course.id == course.id))  # the database cascades
    db.session.expunge_all()
    (tmp_path / "export.zip").write_bytes(first)
    again = import_pack(None, open_pack(tmp_path / "export.zip", tmp_path / "unpacked"))
    second = export_zip(again.course.slug, again.version.id)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    savepoint.rollback()


def test_upload_creates_a_draft(client, tmp_path):
    course = make_course("alpha")
    log_in(client, make_user("course_team", course=course))
    data = zip_folder(write_pack(tmp_path, "alpha", version="1.2.0"))
    response = client.post("/studio/courses/alpha/upload", data={"pack": (io.BytesIO(data), "alpha.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(CourseVersion.status).where(CourseVersion.version == "1.2.0")) == "draft"


def test_invalid_upload_changes_nothing(app, client, tmp_path):
    course = make_course("alpha")
    log_in(client, make_user("course_team", course=course))
    folder = write_pack(tmp_path, "alpha", version="1.2.0")
    (folder / "units/m1/02-m1-u2.md").write_text("---\nid: m1-u2\ntitle: Broken\ntype: text\nminutes: 0\n---\nx\n")
    store = Path(app.config["ASSET_STORE_DIR"])
    files_before = sorted(store.rglob("*")) if store.exists() else []
    before = counts()
    response = client.post("/studio/courses/alpha/upload",
                           data={"pack": (io.BytesIO(zip_folder(folder)), "alpha.zip")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "units/m1/02-m1-u2.md" in body and "minutes" in body and "nothing was changed" in body
    assert counts() == before
    assert (sorted(store.rglob("*")) if store.exists() else []) == files_before


def test_upload_of_another_course_or_not_a_zip(client, tmp_path):
    course = make_course("alpha")
    log_in(client, make_user("course_team", course=course))
    other = zip_folder(write_pack(tmp_path, "beta"))
    response = client.post("/studio/courses/alpha/upload", data={"pack": (io.BytesIO(other), "beta.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "for the course beta" in response.get_data(as_text=True)
    response = client.post("/studio/courses/alpha/upload", data={"pack": (io.BytesIO(b"hello"), "notes.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Upload the pack as a .zip file." in response.get_data(as_text=True)


def test_new_courses_are_uploaded_by_admins(client, tmp_path):
    data = zip_folder(write_pack(tmp_path, "gamma"))
    log_in(client, make_user("course_team", course=make_course("alpha")))
    assert client.get("/studio/upload").status_code == 403
    log_in(client, make_user("admin"))
    response = client.post("/studio/upload", data={"pack": (io.BytesIO(data), "gamma.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/courses/gamma/versions")


def test_discard_draft(client, tmp_path):
    course = make_course("alpha")
    draft = import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0"), publish=False).version
    log_in(client, make_user("course_team", course=course))
    client.post(f"/studio/courses/alpha/versions/{draft.id}/discard")
    assert db.session.scalar(sa.select(CourseVersion.id).where(CourseVersion.id == draft.id)) is None
    live = course.live_version_id
    assert client.post(f"/studio/courses/alpha/versions/{live}/discard").status_code == 409


def test_a_drafts_change_set_shows_a_text_diff_per_changed_unit_and_a_preview_button(client, tmp_path):
    course = make_course("alpha")
    folder = write_pack(tmp_path, "alpha", version="1.2.0")
    unit_file = folder / "units/m1/01-m1-u1.md"
    unit_file.write_text(unit_file.read_text() + "\nA NEW PARAGRAPH about spacing.\n")
    draft = import_pack(None, folder, publish=False).version
    log_in(client, make_user("course_team", course=course))
    page = client.get("/studio/courses/alpha/versions").get_data(as_text=True)
    assert "What changed in m1-u1" in page
    assert re.search(r'<span class="diff-add"><span class="visually-hidden">added: </span>\+A NEW PARAGRAPH about '
                     r"spacing\.</span>", page)
    assert "-Body of unit m1-u1, version 1.0.0." in page and "+Body of unit m1-u1, version 1.2.0." in page
    assert f'href="/studio/courses/alpha/versions/{draft.id}">Preview' in page


def test_uploading_the_live_version_again_says_so_and_stores_nothing(app, client, tmp_path):
    course = make_course("alpha")
    log_in(client, make_user("course_team", course=course))
    same = zip_folder(write_pack(tmp_path / "same", "alpha", version="1.0.0"))
    store = Path(app.config["ASSET_STORE_DIR"])
    files_before, before = sorted(store.rglob("*")), counts()
    response = client.post("/studio/courses/alpha/upload", data={"pack": (io.BytesIO(same), "alpha.zip")},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "identical to version 1.0.0 as stored (live): nothing was stored" in page
    assert counts() == before and sorted(store.rglob("*")) == files_before
    # A draft uploaded twice is kept as it is, not stored again.
    draft = zip_folder(write_pack(tmp_path / "draft", "alpha", version="1.1.0"))
    for _ in range(2):
        page = client.post("/studio/courses/alpha/upload", data={"pack": (io.BytesIO(draft), "alpha.zip")},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "identical to version 1.1.0 as stored (draft): nothing was stored" in page
    drafts = db.session.scalars(sa.select(CourseVersion.id).where(CourseVersion.version == "1.1.0")).all()
    assert len(drafts) == 1


def test_a_unit_that_keeps_its_file_but_changes_its_id_is_warned_about(app, client, tmp_path):
    course = make_course("alpha", modules=1, units_per_module=2)
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=2)
    unit = folder / "units/m1/02-m1-u2.md"
    unit.write_text(unit.read_text().replace("id: m1-u2", "id: second-unit"))
    warning = ("The unit in units/m1/02-m1-u2.md kept its file but its id changed from m1-u2 to second-unit: "
               "learners' progress on m1-u2 will not carry over.")
    dry = app.test_cli_runner().invoke(args=["courses", "import", str(folder), "--dry-run"])
    assert dry.exit_code == 0 and warning in dry.output
    log_in(client, make_user("course_team", course=course))
    response = client.post("/studio/courses/alpha/upload",
                           data={"pack": (io.BytesIO(zip_folder(folder)), "alpha.zip")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert warning.replace("'", "&#39;") in response.get_data(as_text=True)
    history = client.get("/studio/courses/alpha/versions").get_data(as_text=True)
    assert warning.replace("'", "&#39;") in history
    result = import_pack(None, write_pack(tmp_path / "kept", "alpha", version="1.2.0", modules=1,
                                          units_per_module=2), publish=False)
    assert result.changes.renamed == [] and result.changes.warnings() == []
