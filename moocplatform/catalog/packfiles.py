"""The files of a stored version: kept in the content-addressed store, and exported as a reproducible zip."""
from __future__ import annotations

import difflib
import hashlib
import io
import mimetypes
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..content.pack import ASSET_TYPES
from ..extensions import db
from . import assets
from .models import CourseVersion, PackFile, Unit

# A fixed timestamp and mode make the archive depend on the files alone: export → import → export is
# byte-identical.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644 << 16


@dataclass(frozen=True)
class StoredFile:
    path: str
    sha256: str
    size: int
    content_type: str
    source: Path


def pack_file_list(root: Path) -> list[StoredFile]:
    """Every regular file of a pack folder (the loader has refused symlinks), in path order."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        content_type = (ASSET_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(rel)[0]
                        or "application/octet-stream")
        if path.suffix.lower() in (".yaml", ".yml"):
            content_type = "application/yaml"
        found.append(StoredFile(rel, hashlib.sha256(data).hexdigest(), len(data), content_type, path))
    return found


def store_pack_files(version: CourseVersion, files: list[StoredFile],
                     progress: Callable[[int, int], None] | None = None) -> None:
    """Copy the files into the store; progress(done, total) is called after each (for progress bars)."""
    for done, item in enumerate(files, start=1):
        assets.put_file(item.source, item.sha256, item.content_type)
        if progress is not None:
            progress(done, len(files))
        db.session.add(PackFile(version_id=version.id, path=item.path, sha256=item.sha256,
                                content_type=item.content_type, size=item.size))


def file_digests(version_id: int) -> dict[str, str]:
    rows = db.session.execute(sa.select(PackFile.path, PackFile.sha256).where(PackFile.version_id == version_id))
    return {path: sha for path, sha in rows}


def export_zip(course_slug: str, version_id: int) -> bytes:
    """The version's pack as a zip with one top folder named after the course."""
    rows = db.session.execute(
        sa.select(PackFile.path, PackFile.sha256).where(PackFile.version_id == version_id).order_by(PackFile.path)
    ).all()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path, sha in rows:
            info = zipfile.ZipInfo(f"{course_slug}/{path}", date_time=ZIP_TIMESTAMP)
            info.external_attr = ZIP_FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.flag_bits |= 0x800  # names are UTF-8
            archive.writestr(info, assets.read_bytes(sha), compresslevel=9)
    return buffer.getvalue()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add" | "remove" | "context" | "hunk"
    text: str


def _unit_sources(version_id: int, keys: list[str]) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(Unit.key, PackFile.sha256).join(PackFile, sa.and_(PackFile.version_id == Unit.version_id,
                                                                    PackFile.path == Unit.source_path))
        .where(Unit.version_id == version_id, Unit.key.in_(keys)))
    return {key: assets.read_bytes(sha).decode("utf-8", "replace") for key, sha in rows}


def unit_source_diffs(old_version_id: int, new_version_id: int, keys: list[str]) -> dict[str, list[DiffLine]]:
    """For each changed unit, a line diff of its source file (Markdown) between two versions, for a course
    team to read what a draft changes before it publishes."""
    if not keys:
        return {}
    old, new = _unit_sources(old_version_id, keys), _unit_sources(new_version_id, keys)
    kinds = {"+": "add", "-": "remove", " ": "context", "@": "hunk"}
    diffs = {}
    for key in keys:
        lines = difflib.unified_diff(old.get(key, "").splitlines(), new.get(key, "").splitlines(), lineterm="", n=2)
        diffs[key] = [DiffLine(kinds.get(line[:1], "context"), line) for line in list(lines)[2:]]  # no file names
    return diffs
