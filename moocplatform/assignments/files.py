"""What a handed-in file is, judged by its content, never by its name or the type the browser sent.

Accepted: PDF, PNG, JPEG, OOXML and ODF documents (zip archives, opened under the same limits as pack archives,
and read through to check that their headers tell the truth), and plain UTF-8 text. Anything else, other
archives included, is refused with a message the learner can act on. No Flask, no database.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from ..content.archive import MB, _check_entries

MAX_FILE_BYTES = 20 * MB
MAX_BYTES_PER_LEARNER = 50 * MB
MAX_NAME_CHARS = 200
# An office document is small next to a pack: tighter than the pack limits, the same checks.
MAX_DOCUMENT_ENTRIES = 1000
MAX_DOCUMENT_BYTES = 100 * MB
MAX_DOCUMENT_RATIO = 100


class FileRefused(ValueError):
    """A file that is not stored; the message says why."""


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileKind("application/pdf", (".pdf",), "a PDF document")
PNG = FileKind("image/png", (".png",), "a PNG image")
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"), "a JPEG image")
TEXT = FileKind("text/plain; charset=utf-8", (".txt", ".md", ".csv"), "a plain-text file")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",),
                "a Word document")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",),
                "an Excel workbook")
PPTX = FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",),
                "a PowerPoint presentation")
ODF = {
    "application/vnd.oasis.opendocument.text": FileKind("application/vnd.oasis.opendocument.text", (".odt",),
                                                        "an OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": FileKind(
        "application/vnd.oasis.opendocument.spreadsheet", (".ods",), "an OpenDocument spreadsheet"),
    "application/vnd.oasis.opendocument.presentation": FileKind(
        "application/vnd.oasis.opendocument.presentation", (".odp",), "an OpenDocument presentation"),
}
OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
ACCEPTED = "PDF, PNG, JPEG, Word, Excel, PowerPoint, OpenDocument or plain text"


def clean_name(name: str) -> str:
    """The name as the learner gave it, refused when it tries to be a path."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise FileRefused("The file has no name.")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise FileRefused(f"“{name[:80]}” is not a plain file name; rename the file and try again.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise FileRefused("The file name contains control characters; rename the file and try again.")
    if len(name) > MAX_NAME_CHARS:
        raise FileRefused(f"The file name is longer than {MAX_NAME_CHARS} characters.")
    return name


def identify(name: str, data: bytes) -> FileKind:
    """The kind of file `data` is, or FileRefused. The name's extension must agree with the content."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"“{name}” is larger than {MAX_FILE_BYTES // MB} MB.")
    if not data:
        raise FileRefused(f"“{name}” is empty.")
    kind = _sniff(name, data)
    if not name.lower().endswith(kind.extensions):
        raise FileRefused(f"“{name}” is {kind.label}, but its name does not end in "
                          f"{' or '.join(kind.extensions)}; rename it and try again.")
    return kind


def _sniff(name: str, data: bytes) -> FileKind:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_document(name, data)
    if _is_plain_text(data):
        return TEXT
    raise FileRefused(f"“{name}” is not a kind of file we accept ({ACCEPTED}).")


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return False
    # Markup (HTML, SVG, XML) would be a page or an image with script in a browser that ignores our headers.
    head = text.lstrip("\ufeff \t\r\n")[:1].lower()
    lowered = text.lower()
    return head != "<" and "<script" not in lowered and "<svg" not in lowered and "<html" not in lowered


def _office_document(name: str, data: bytes) -> FileKind:
    refused = FileRefused(f"“{name}” is an archive, not a document we accept ({ACCEPTED}); "
                          "other archives are not accepted.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, UnicodeDecodeError):
        raise FileRefused(f"“{name}” looks like a document but is damaged or truncated.") from None
    with archive:
        infos = archive.infolist()
        problems = _check_entries(infos, len(data), max_uncompressed_bytes=MAX_DOCUMENT_BYTES,
                                  max_files=MAX_DOCUMENT_ENTRIES, max_ratio=MAX_DOCUMENT_RATIO,
                                  max_file_bytes=MAX_FILE_BYTES)
        if problems:
            raise FileRefused(f"“{name}” was refused: {problems[0]}.")
        names = {info.filename for info in infos}
        kind = _odf_kind(archive, names) or _ooxml_kind(names)
        if kind is None:
            raise refused
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise FileRefused(f"“{name}” contains macros; save it as a document without macros.")
        _read_through(archive, infos, name)
    return kind


def _odf_kind(archive: zipfile.ZipFile, names: set[str]) -> FileKind | None:
    if "mimetype" not in names:
        return None
    with archive.open("mimetype") as entry:
        declared = entry.read(100).decode("ascii", "replace").strip()
    return ODF.get(declared)


def _ooxml_kind(names: set[str]) -> FileKind | None:
    if "[Content_Types].xml" not in names:
        return None
    found = [kind for part, kind in OOXML_PARTS.items() if part in names]
    return found[0] if len(found) == 1 else None


def _read_through(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """A zip's headers can lie: count the real bytes of every entry against the limits."""
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        written = 0
        try:
            with archive.open(info) as entry:
                while chunk := entry.read(64 * 1024):
                    written += len(chunk)
                    total += len(chunk)
                    if written > info.file_size or written > MAX_FILE_BYTES or total > MAX_DOCUMENT_BYTES:
                        raise FileRefused(f"“{name}” holds more than it declares (a zip bomb?).")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            raise FileRefused(f"“{name}” looks like a document but is damaged.") from None
        if written != info.file_size:
            raise FileRefused(f"“{name}” looks like a document but is damaged.")
