"""Open an uploaded pack: a folder as it is, or a .zip treated as hostile input.

Every entry of a zip is checked against the limits and naming rules before a single byte is written, and the
real sizes are counted again while extracting, because a zip's headers can lie.
"""
from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .model import PackError, Problem

MB = 1024 * 1024  # the limits' "MB" are mebibytes
MAX_COMPRESSED_BYTES = 100 * MB  # the .zip file itself
MAX_UNCOMPRESSED_BYTES = 500 * MB  # all entries together, extracted
MAX_FILES = 2000  # entries, folders included
MAX_RATIO = 100  # uncompressed : compressed, for the whole archive and for each entry
MAX_FILE_BYTES = 20 * MB  # one entry, extracted
MAX_NAME_BYTES = 1024

_UTF8_NAMES = 0x800  # general purpose flag bit 11: the entry's name is UTF-8
_ENCRYPTED = 0x1
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_CHUNK = 64 * 1024


class ArchiveError(PackError):
    """An archive refused before (or while) extracting it; nothing of it is left in the target folder."""


def _is_ignored(name: str) -> bool:
    """Folders and files that macOS adds to the zips it makes; checked like any entry, never extracted."""
    parts = name.rstrip("/").split("/")
    return parts[0] == "__MACOSX" or parts[-1] == ".DS_Store"


def open_pack(
    path: str | Path,
    into: Path,
    *,
    max_compressed_bytes: int = MAX_COMPRESSED_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_files: int = MAX_FILES,
    max_ratio: float = MAX_RATIO,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Path:
    """The folder of the pack at `path`: the folder itself, or for a .zip the pack extracted into `into` (an
    empty or new folder). A zip may hold the pack at its top or inside one top folder.
    Raises ArchiveError naming every refused entry."""
    path = Path(path)
    if path.is_dir():
        return path
    label = path.name
    if not path.is_file() or path.suffix.lower() != ".zip":
        raise ArchiveError([Problem(str(path), "is neither a pack folder nor a .zip archive")])
    size = path.stat().st_size
    if size > max_compressed_bytes:
        raise ArchiveError([Problem(label, f"is {size:,} bytes; an archive may have at most "
                                           f"{max_compressed_bytes:,} bytes")])
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    if any(into.iterdir()):
        raise ValueError(f"{into} must be an empty folder")
    try:
        archive = zipfile.ZipFile(path)
    except UnicodeDecodeError as error:
        name = error.object.decode("utf-8", "backslashreplace") if isinstance(error.object, bytes) else "?"
        raise ArchiveError([Problem(label, f"entry '{name}': its name is marked UTF-8 but is not")]) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ArchiveError([Problem(label, f"is not a zip archive, or it is truncated or damaged ({error})")]) \
            from None
    with archive:
        infos = archive.infolist()
        messages = _check_entries(infos, size, max_uncompressed_bytes=max_uncompressed_bytes, max_files=max_files,
                                  max_ratio=max_ratio, max_file_bytes=max_file_bytes)
        top = None if messages else _pack_folder(infos)
        if top is None and not messages:
            messages.append("course.yaml is neither at the top of the archive nor inside its one top folder")
        if messages:
            raise ArchiveError([Problem(label, m) for m in messages])
        try:
            _extract(archive, infos, into, max_uncompressed_bytes=max_uncompressed_bytes,
                     max_file_bytes=max_file_bytes)
        except ArchiveError as error:
            _empty(into)
            raise ArchiveError([Problem(label, p.message) for p in error.problems]) from None
    return into / top if top else into


def _check_entries(infos: list[zipfile.ZipInfo], archive_bytes: int, *, max_uncompressed_bytes: int,
                   max_files: int, max_ratio: float, max_file_bytes: int) -> list[str]:
    """Every reason to refuse the archive, from its central directory alone."""
    messages: list[str] = []
    if len(infos) > max_files:
        messages.append(f"has {len(infos):,} entries; at most {max_files:,} files and folders are allowed")
    names: dict[str, str] = {}
    files: set[str] = set()
    total = 0
    for info in infos:
        name = info.orig_filename
        problem = _name_problem(info) or _type_problem(info)
        if problem:
            messages.append(f"entry {name!r}: {problem}")
            continue
        key = unicodedata.normalize("NFC", name.rstrip("/")).casefold()
        if key in names:
            same = "the same name as" if names[key] == name else "a name that differs only in case from"
            messages.append(f"entry {name!r}: has {same} {names[key]!r}")
            continue
        names[key] = name
        if info.is_dir():
            continue
        files.add(key)
        if info.file_size > max_file_bytes:
            messages.append(f"entry {name!r}: is {info.file_size:,} bytes; a file may have at most "
                            f"{max_file_bytes:,} bytes")
        if info.file_size > 0 and info.file_size > max_ratio * info.compress_size:
            ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
            messages.append(f"entry {name!r}: compresses {ratio:,.0f}:1; at most {max_ratio:g}:1 is allowed "
                            "(a zip bomb?)")
        total += info.file_size
    for key in files:  # a path that is a file cannot also be a folder of other entries
        for parent in PurePosixPath(key).parents:
            if str(parent) in files:
                messages.append(f"entry {names[key]!r}: lies inside {names[str(parent)]!r}, which is a file")
    if total > max_uncompressed_bytes:
        messages.append(f"extracts to {total:,} bytes; at most {max_uncompressed_bytes:,} are allowed")
    if total > max_ratio * archive_bytes:
        messages.append(f"the whole archive compresses {total / archive_bytes:,.0f}:1; at most {max_ratio:g}:1 is "
                        "allowed (a zip bomb?)")
    return messages


def _name_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.orig_filename
    if not info.flag_bits & _UTF8_NAMES and not name.isascii():
        return "its name is not UTF-8 (the zip does not mark it so); zip the pack with a tool that writes UTF-8 names"
    if "\\" in name:
        return "its name contains a backslash; paths in a pack use '/'"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "its path is absolute"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "its name contains control characters"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "its path leaves the pack (..)"
    if "" in parts or "." in parts:
        return "its path has an empty or '.' part"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES or any(len(p.encode("utf-8")) > 255 for p in parts):
        return "its name is too long"
    return None


def _type_problem(info: zipfile.ZipInfo) -> str | None:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "is a symbolic link; links are not allowed in a pack"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is not a regular file or folder"
    if info.flag_bits & _ENCRYPTED:
        return "is encrypted"
    if info.compress_type not in _METHODS:
        return f"uses compression method {info.compress_type}, which is not supported"
    return None


def _pack_folder(infos: list[zipfile.ZipInfo]) -> str | None:
    """'' when course.yaml is at the top, the top folder's name when it is inside one, None otherwise."""
    names = [i.filename for i in infos if not _is_ignored(i.filename)]
    if "course.yaml" in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1:
        (top,) = tops
        if f"{top}/course.yaml" in names:
            return top
    return None


def _extract(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], into: Path, *, max_uncompressed_bytes: int,
             max_file_bytes: int) -> None:
    root = into.resolve()
    total = 0
    for info in infos:
        if _is_ignored(info.filename):
            continue
        target = root.joinpath(*info.filename.rstrip("/").split("/"))
        if root not in target.resolve().parents:  # already refused by the name checks; never trust one check
            raise ArchiveError([Problem("", f"entry {info.filename!r}: its path leaves the pack")])
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        try:
            with archive.open(info) as source, open(target, "xb") as sink:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > info.file_size:
                        raise _refuse(info, "holds more bytes than its header says")
                    if written > max_file_bytes:
                        raise _refuse(info, f"is larger than {max_file_bytes:,} bytes")
                    if total > max_uncompressed_bytes:
                        raise _refuse(info, f"takes the archive past {max_uncompressed_bytes:,} bytes")
                    sink.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
            raise _refuse(info, f"is damaged ({error})") from None
        if written != info.file_size:
            raise _refuse(info, "holds fewer bytes than its header says")


def _refuse(info: zipfile.ZipInfo, message: str) -> ArchiveError:
    return ArchiveError([Problem("", f"entry {info.filename!r}: {message}")])


def _empty(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
