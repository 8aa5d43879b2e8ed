"""Operations: the health check, and backup/restore of the database and instance/ files in one archive.

The archive holds every table as JSON lines (so a backup taken on SQLite restores into PostgreSQL and back),
the Alembic revision it was taken at, and the instance/ files (asset store, secret key, config).
"""
from __future__ import annotations

import base64
import io
import json
import tarfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from . import clock, dialect
from .accounts.signin_versions import mark_changed
from .extensions import db
from .outbox.health import worker_health

bp = Blueprint("ops", __name__)

FORMAT_VERSION = 1
# Files under instance/ that a backup leaves out: the SQLite database is saved as tables, the rest is
# regenerated or transient.
SKIPPED_INSTANCE_FILES = {"moocplatform.sqlite3", "moocplatform.sqlite3-journal", "moocplatform.sqlite3-wal",
                          "moocplatform.sqlite3-shm", "moocplatform.sqlite3.writers"}
SKIPPED_INSTANCE_DIRS = {"outbox", "backups", "tmp"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error("health check failed: %s", error)
        return jsonify(status="error", database="unreachable"), 503
    # A stale or missing worker is reported but does not fail the check: the web server still serves.
    return jsonify(status="ok", database="ok", worker=worker_health())


class BackupError(Exception):
    pass


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "$dt":
            return datetime.fromisoformat(inner)
        if key == "$d":
            return date.fromisoformat(inner)
        if key == "$b":
            return base64.b64decode(inner)
    return value


def _current_revision() -> str | None:
    if not sa.inspect(db.session.connection()).has_table("alembic_version"):  # a database never migrated
        return None
    return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(target: Path) -> dict[str, int]:
    """Write the database tables and instance/ files to a .tar.gz; returns rows per table."""
    metadata = db.metadata
    counts: dict[str, int] = {}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        for table in metadata.sorted_tables:
            lines = []
            for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings():
                lines.append(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
            counts[table.name] = len(lines)
            _add_bytes(archive, f"database/{table.name}.jsonl", ("\n".join(lines) + "\n").encode() if lines else b"")
        manifest = {
            "format": FORMAT_VERSION, "created_at": clock.now().isoformat(), "revision": _current_revision(),
            "tables": counts, "dialect": db.engine.dialect.name,
        }
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        instance = Path(current_app.instance_path)
        if instance.exists():
            for path in sorted(instance.rglob("*")):
                rel = path.relative_to(instance)
                if not path.is_file() or path.is_symlink() or rel.parts[0] in SKIPPED_INSTANCE_DIRS \
                        or rel.name in SKIPPED_INSTANCE_FILES or path.resolve() == target.resolve():
                    continue
                archive.add(path, arcname=f"instance/{rel.as_posix()}", recursive=False)
    return counts


def restore_backup(source: Path) -> dict[str, int]:
    """Replace every table's rows and the instance files with those in a backup, in one transaction.

    The database must already be at the backup's Alembic revision (run `moocplatform db upgrade` first).
    Everything is read and checked before the first row changes; a file that is not a readable backup raises
    BackupError.
    """
    try:
        manifest, data, instance_files = _read_backup(source)
    except (tarfile.TarError, EOFError, OSError, KeyError, ValueError) as error:
        # Not a gzipped tar, a truncated one, a missing member, JSON or text that does not parse.
        raise BackupError(f"not a moocplatform backup, or a damaged one: {error}") from error
    tables = {t.name: t for t in db.metadata.sorted_tables}
    targets = _instance_targets(instance_files)
    counts = _replace_rows(tables, data)
    # The rows went in through the connection, past the ORM's change tracking: every worker's copies of
    # signed-in users must go once this commits.
    mark_changed(db.session(), None)
    _write_instance_files(targets)
    return counts


def _read_backup(source: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], dict[str, bytes]]:
    with tarfile.open(source, "r:gz") as archive:
        members = {m.name: m for m in archive.getmembers()}
        if "manifest.json" not in members:
            raise BackupError("not a moocplatform backup: manifest.json is missing")
        manifest = json.loads(_member_bytes(archive, members["manifest.json"]))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
            raise BackupError("not a moocplatform backup: manifest.json is not a backup manifest")
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"backup format {manifest.get('format')} is not supported")
        revision = _current_revision()
        if manifest.get("revision") != revision:
            raise BackupError(f"the backup is at database revision {manifest.get('revision')}, the database at "
                              f"{revision}; upgrade the database to the backup's revision first")
        unknown = set(manifest["tables"]) - {t.name for t in db.metadata.sorted_tables}
        if unknown:
            raise BackupError(f"the backup has tables this version does not know: {', '.join(sorted(unknown))}")
        data: dict[str, list[dict[str, Any]]] = {}
        for name in manifest["tables"]:
            raw = _member_bytes(archive, members[f"database/{name}.jsonl"]).decode()
            rows = [json.loads(line) for line in raw.splitlines() if line]
            if not all(isinstance(row, dict) for row in rows):
                raise BackupError(f"database/{name}.jsonl: every line must be one row (a JSON object)")
            data[name] = [{k: _decode(v) for k, v in row.items()} for row in rows]
        instance_files = {
            name[len("instance/"):]: _member_bytes(archive, member)
            for name, member in members.items() if name.startswith("instance/") and member.isfile()
        }
    return manifest, data, instance_files


def _member_bytes(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"{member.name} is not a file")
    return handle.read()


def _replace_rows(tables: dict[str, sa.Table], data: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    ordered = db.metadata.sorted_tables
    connection = db.session.connection()
    deferred: list[tuple[sa.Table, str, list[dict[str, Any]]]] = []
    for table in reversed(ordered):
        connection.execute(table.delete())
    for table in ordered:
        rows = data.get(table.name, [])
        # Foreign keys that point "forward" (use_alter) are filled in after every table is loaded.
        cyclic = [fk.parent.name for fk in table.foreign_keys
                  if fk.use_alter or (fk.constraint is not None and fk.constraint.use_alter)]
        if rows:
            first_pass = [{**row, **{c: None for c in cyclic}} for row in rows]
            connection.execute(table.insert(), first_pass)
            for column_name in cyclic:
                deferred.append((table, column_name, rows))
    for table, column_name, rows in deferred:
        key = list(table.primary_key.columns)[0]
        for row in rows:
            if row.get(column_name) is not None:
                connection.execute(table.update().where(key == row[key.name])
                                   .values({column_name: row[column_name]}))
    dialect.continue_sequences(connection, ordered)
    db.session.flush()
    return {name: len(rows) for name, rows in data.items()}


def _instance_targets(files: dict[str, bytes]) -> dict[Path, bytes]:
    instance = Path(current_app.instance_path).resolve()
    targets = {}
    for rel, content in files.items():
        target = (instance / rel).resolve()
        if instance not in target.parents:
            raise BackupError(f"refusing to write {rel} outside instance/")
        targets[target] = content
    return targets


def _write_instance_files(targets: dict[Path, bytes]) -> None:
    for target, content in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def default_backup_path() -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.instance_path) / "backups" / f"moocplatform-{stamp}.tar.gz"
