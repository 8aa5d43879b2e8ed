"""Operations: the health check, and backup/restore of the database rows and instance/ files."""
from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from moocplatform import ops
from moocplatform.accounts.models import Consent, User
from moocplatform.accounts.services import Registration, register_user
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import Course
from moocplatform.catalog.services import archive_course
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment, UnitProgress
from moocplatform.learning.services import set_unit_completion
from tests.factories import PASSWORD, enrol, make_course, make_user


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "worker": {
        "status": "missing", "outbox": {"pending": 0, "failed": 0, "dead": 0}}}


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


# Backup and restore -----------------------------------------------------------------------------------------

def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    db.session.flush()
    db.session.expire_all()
    return {
        table.name: [tuple(row) for row in db.session.execute(
            sa.select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


@pytest.fixture()
def instance_files(app):
    """Files in the (session-wide) instance folder for this test; removed afterwards."""
    instance = Path(app.instance_path)
    created = {
        "notes.txt": b"operator notes\n",
        "uploads/photo.bin": bytes(range(256)) * 4,
    }
    for rel, content in created.items():
        (instance / rel).parent.mkdir(parents=True, exist_ok=True)
        (instance / rel).write_bytes(content)
    (instance / "outbox").mkdir(exist_ok=True)
    (instance / "outbox" / "mail.eml").write_text("transient")
    yield created
    for child in ("notes.txt", "uploads", "outbox", "extra.txt"):
        path = instance / child
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


@pytest.fixture()
def platform_data(outbox):
    """Users (one registered with consents), two courses, enrolments, progress and audit entries."""
    admin = make_user("admin", email="admin@example.org", full_name="Ádmin Ünicode")
    course = make_course("backup-course", title="Backup course", modules=2, units_per_module=2)
    make_course("second-course", title="Second course", enrolment={"mode": "invitation"})
    learner = register_user(Registration("learner@example.org", PASSWORD, "Lea", True, True, True,
                                         timezone="Europe/Vienna"))
    learner.email_verified_at = admin.created_at
    enrol(learner, course)
    set_unit_completion(learner, course, "m1-u1", complete=True)
    set_unit_completion(learner, course, "m1-u2", complete=False)
    other = make_user(email="other@example.org")
    enrol(other, course)
    db.session.flush()
    return {"admin": admin, "course": course, "learner": learner, "other": other}


def _counts(data: dict[str, list[tuple]]) -> dict[str, int]:
    return {name: len(rows) for name, rows in data.items()}


def test_backup_restore_round_trip(app, tmp_path, platform_data, instance_files):
    before = snapshot()
    assert before["users"] and before["enrollments"] and before["unit_progress"] and before["consents"]
    assert before["courses"] and before["course_versions"] and before["units"] and before["audit_entries"]

    target = tmp_path / "backups" / "backup.tar.gz"
    counts = ops.create_backup(target)
    assert counts == _counts(before)

    with tarfile.open(target, "r:gz") as archive:
        names = set(archive.getnames())
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert {"instance/notes.txt", "instance/uploads/photo.bin"} <= names
    assert not any(name.startswith("instance/outbox") for name in names)
    assert {f"database/{table.name}.jsonl" for table in db.metadata.sorted_tables} <= names
    assert manifest["tables"] == counts
    assert manifest["revision"] == db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    # Change, delete and add data and files.
    learner, course, other = platform_data["learner"], platform_data["course"], platform_data["other"]
    learner.display_name = "Changed"
    archive_course(None, course)
    db.session.execute(sa.delete(UnitProgress))
    db.session.execute(sa.delete(Enrollment).where(Enrollment.user_id == other.id))
    db.session.delete(db.session.get(User, other.id))
    make_user(email="newcomer@example.org")
    make_course("third-course")
    db.session.flush()
    instance = Path(app.instance_path)
    (instance / "notes.txt").write_text("overwritten")
    (instance / "uploads" / "photo.bin").unlink()
    assert snapshot() != before

    restored = ops.restore_backup(target)
    assert restored == counts
    after = snapshot()
    assert after == before
    # A few values by name, too.
    assert db.session.scalar(sa.select(User.display_name).where(User.email == "learner@example.org")) == "Lea"
    assert db.session.scalar(sa.select(User.full_name).where(User.email == "admin@example.org")) == "Ádmin Ünicode"
    assert db.session.scalar(sa.select(Course.status).where(Course.slug == "backup-course")) == "active"
    assert db.session.scalar(sa.select(User).where(User.email == "newcomer@example.org")) is None
    assert db.session.scalar(sa.select(Course).where(Course.slug == "third-course")) is None
    progress = db.session.execute(sa.select(UnitProgress.unit_key, UnitProgress.completed_at)
                                  .order_by(UnitProgress.unit_key)).all()
    assert [(key, done is not None) for key, done in progress] == [("m1-u1", True), ("m1-u2", False)]
    restored_course = db.session.scalar(sa.select(Course).where(Course.slug == "backup-course"))
    assert restored_course.live_version_id is not None  # the forward (use_alter) key is filled in again
    assert restored_course.created_at.tzinfo is not None

    for rel, content in instance_files.items():
        assert (instance / rel).read_bytes() == content

    # New rows get fresh ids after the restore.
    newcomer = make_user(email="after-restore@example.org")
    assert newcomer.id > max(row[0] for row in before["users"])
    make_course("after-restore-course")
    db.session.add(AuditEntry(created_at=restored_course.created_at, action="test", target_type="system",
                              target_id="", details={}))
    db.session.flush()


def test_restore_into_an_emptied_database_resets_id_sequences(app, tmp_path, platform_data):
    """As when restoring into a freshly migrated database: on PostgreSQL every id sequence starts at 1 there, so
    the restore must move them past the restored ids or the next insert collides."""
    before = snapshot()
    target = tmp_path / "backup.tar.gz"
    ops.create_backup(target)
    connection = db.session.connection()
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())
    if connection.dialect.name == "postgresql":
        for table in (t for t in db.metadata.sorted_tables if "id" in t.c):
            connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))
    assert all(not rows for rows in snapshot().values())

    ops.restore_backup(target)
    assert snapshot() == before
    user = make_user(email="after-restore@example.org")
    assert user.id > max(row[0] for row in before["users"])
    db.session.add(Consent(user_id=user.id, kind="terms", version="x", given_at=user.created_at))
    make_course("after-restore-course")
    enrol(user, db.session.scalar(sa.select(Course).where(Course.slug == "backup-course")))
    db.session.flush()


def _write_tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _valid_backup_members(tmp_path: Path) -> dict[str, bytes]:
    source = tmp_path / "valid.tar.gz"
    ops.create_backup(source)
    with tarfile.open(source, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def _broken_backups(tmp_path: Path) -> dict[str, Path]:
    members = _valid_backup_members(tmp_path)
    manifest = json.loads(members["manifest.json"])
    other_revision = {**members, "manifest.json": json.dumps({**manifest, "revision": "0000abc"}).encode()}
    other_format = {**members, "manifest.json": json.dumps({**manifest, "format": 99}).encode()}
    unknown_table = {**members, "manifest.json": json.dumps(
        {**manifest, "tables": {**manifest["tables"], "mystery": 1}}).encode(), "database/mystery.jsonl": b"{}\n"}
    missing_table = {k: v for k, v in members.items() if k != "database/users.jsonl"}
    bad_rows = {**members, "database/users.jsonl": b"{not json\n"}
    escape = {**members, "instance/../escaped.txt": b"outside"}
    (tmp_path / "plain.txt").write_text("just some text, not an archive")
    (tmp_path / "empty.tar.gz").write_bytes(b"")
    truncated = (tmp_path / "valid.tar.gz").read_bytes()
    (tmp_path / "truncated.tar.gz").write_bytes(truncated[: len(truncated) // 2])
    return {
        "plain text": tmp_path / "plain.txt",
        "empty file": tmp_path / "empty.tar.gz",
        "truncated archive": tmp_path / "truncated.tar.gz",
        "no manifest": _write_tar(tmp_path / "no-manifest.tar.gz", {"hello.txt": b"hi"}),
        "manifest not json": _write_tar(tmp_path / "bad-manifest.tar.gz", {"manifest.json": b"<xml/>"}),
        "other revision": _write_tar(tmp_path / "other-revision.tar.gz", other_revision),
        "other format": _write_tar(tmp_path / "other-format.tar.gz", other_format),
        "unknown table": _write_tar(tmp_path / "unknown-table.tar.gz", unknown_table),
        "missing table file": _write_tar(tmp_path / "missing-table.tar.gz", missing_table),
        "bad rows": _write_tar(tmp_path / "bad-rows.tar.gz", bad_rows),
        "path outside instance": _write_tar(tmp_path / "escape.tar.gz", escape),
    }


BROKEN = ["plain text", "empty file", "truncated archive", "no manifest", "manifest not json", "other revision",
          "other format", "unknown table", "missing table file", "bad rows", "path outside instance"]


@pytest.mark.parametrize("kind", BROKEN)
def test_restoring_something_that_is_not_a_usable_backup_changes_nothing(app, tmp_path, platform_data,
                                                                         instance_files, kind):
    source = _broken_backups(tmp_path)[kind]
    instance = Path(app.instance_path)
    (instance / "notes.txt").write_text("current notes")
    before = snapshot()
    with pytest.raises(ops.BackupError):
        ops.restore_backup(source)
    assert snapshot() == before
    assert (instance / "notes.txt").read_text() == "current notes"
    assert not (instance.parent / "escaped.txt").exists()


def test_backup_error_messages_say_what_is_wrong(tmp_path, platform_data):
    broken = _broken_backups(tmp_path)
    with pytest.raises(ops.BackupError, match="manifest.json is missing"):
        ops.restore_backup(broken["no manifest"])
    with pytest.raises(ops.BackupError, match="revision 0000abc"):
        ops.restore_backup(broken["other revision"])
    with pytest.raises(ops.BackupError, match="mystery"):
        ops.restore_backup(broken["unknown table"])
    with pytest.raises(ops.BackupError, match="outside instance"):
        ops.restore_backup(broken["path outside instance"])
    with pytest.raises(ops.BackupError, match="not a moocplatform backup"):
        ops.restore_backup(broken["plain text"])


# Through the command line -----------------------------------------------------------------------------------

@pytest.fixture()
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        db.session.commit()  # a real command starts from committed data (here: the test's savepoint)
        return runner.invoke(args=list(args), input=input)

    return invoke


def test_cli_backup_and_restore(app, tmp_path, cli, platform_data, instance_files):
    before = snapshot()
    target = tmp_path / "cli-backup.tar.gz"
    result = cli("backup", str(target))
    assert result.exit_code == 0, result.output
    rows = sum(len(r) for r in before.values())
    assert f"Backup written to {target} ({rows} rows in {len(before)} tables)." in result.output
    assert target.exists()

    platform_data["learner"].display_name = "Changed"
    make_user(email="newcomer@example.org")
    (Path(app.instance_path) / "notes.txt").write_text("overwritten")
    db.session.flush()

    # Without --yes it asks, and "no" changes nothing.
    declined = cli("restore", str(target), input="n\n")
    assert declined.exit_code == 1
    assert "Aborted" in declined.output
    assert db.session.scalar(sa.select(User).where(User.email == "newcomer@example.org")) is not None

    result = cli("restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Restored {rows} rows in {len(before)} tables from {target}." in result.output
    assert snapshot() == before
    assert (Path(app.instance_path) / "notes.txt").read_bytes() == instance_files["notes.txt"]
    assert make_user(email="after-restore@example.org").id > max(row[0] for row in before["users"])


def test_cli_restore_of_a_file_that_is_not_a_backup_fails_cleanly(tmp_path, cli, platform_data):
    before = snapshot()
    junk = tmp_path / "junk.tar.gz"
    junk.write_text("not an archive")
    result = cli("restore", str(junk), "--yes")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "not a moocplatform backup" in result.output
    assert snapshot() == before


def test_cli_backup_default_path_is_in_instance_backups(app, cli, platform_data):
    result = cli("backup")
    assert result.exit_code == 0, result.output
    folder = Path(app.instance_path) / "backups"
    try:
        [written] = folder.glob("moocplatform-*.tar.gz")
        assert written.name == "moocplatform-20260302T090000Z.tar.gz"
        # A later backup leaves the earlier ones out.
        with tarfile.open(written, "r:gz") as archive:
            assert not any(name.startswith("instance/backups") for name in archive.getnames())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
