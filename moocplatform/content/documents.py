"""Open the document assets of a pack (PDF, OpenDocument text, Word) and say what is wrong with each.

A learner downloads these files, so a file that no reader can open, or a zip-based document built to exhaust the
server that checks it, is a problem of the pack. Everything here is bounded: the number of zip members, each
member's size and compression ratio, and the XML that is parsed (no DTDs, no entities).
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml_safely
from pypdf import PdfReader

MB = 1024 * 1024
MAX_DOCUMENT_MEMBERS = 1000
MAX_MEMBER_BYTES = 20 * MB  # one member, extracted
MAX_DOCUMENT_BYTES = 60 * MB  # all members, extracted
MAX_MEMBER_RATIO = 100  # uncompressed : compressed
MAX_PDF_PAGES = 2000
PDF_EOF_WINDOW = 1024  # readers look for %%EOF in the last kilobyte

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_CHUNK = 64 * 1024


def document_problems(suffix: str, data: bytes) -> list[str]:
    """What is wrong with a document asset of this suffix (".pdf", ".odt", ".docx"); [] when it opens, and for
    suffixes that are not documents."""
    check = _CHECKS.get(suffix.lower())
    return check(data) if check else []


def pdf_problems(data: bytes) -> list[str]:
    if not data.startswith(b"%PDF-"):
        return ["is not a PDF: it does not start with %PDF-"]
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        return ["is not a complete PDF: there is no %%EOF marker at its end (the file may be truncated)"]
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return ["is an encrypted PDF: learners could not open it without the password"]
        pages = len(reader.pages)
    except Exception as error:  # pypdf raises many kinds of error on malformed input, not only PyPdfError
        return [f"cannot be read as a PDF ({type(error).__name__}: {error})"]
    if pages == 0:
        return ["is a PDF without pages"]
    if pages > MAX_PDF_PAGES:
        return [f"has {pages} pages; a PDF asset may have at most {MAX_PDF_PAGES}"]
    return []


def odt_problems(data: bytes) -> list[str]:
    """An OpenDocument text: its first member is `mimetype`, stored uncompressed, holding exactly the ODT media
    type (how office suites recognise the file), and its content.xml is well-formed XML."""
    def check(archive: zipfile.ZipFile) -> list[str]:
        first = archive.infolist()[0]
        if first.filename != "mimetype":
            return [f"is not an OpenDocument text: its first member is {first.filename!r}, not 'mimetype'"]
        if first.compress_type != zipfile.ZIP_STORED:
            return ["is not an OpenDocument text: its 'mimetype' member must be stored uncompressed"]
        mimetype = _read(archive, first)
        if mimetype != ODT_MIMETYPE:
            shown = mimetype[:80].decode("utf-8", "replace")
            return [f"is not an OpenDocument text: its mimetype is {shown!r}, not {ODT_MIMETYPE.decode()!r}"]
        return _xml_problems(archive, "content.xml")

    return _zip_document(data, "an OpenDocument text (.odt)", check)


def docx_problems(data: bytes) -> list[str]:
    """A Word document: a zip with [Content_Types].xml and word/document.xml, both well-formed XML."""
    def check(archive: zipfile.ZipFile) -> list[str]:
        return _xml_problems(archive, "[Content_Types].xml") + _xml_problems(archive, "word/document.xml")

    return _zip_document(data, "a Word document (.docx)", check)


def _zip_document(data: bytes, kind: str, check: Callable[[zipfile.ZipFile], list[str]]) -> list[str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, UnicodeDecodeError) as error:
        return [f"is not {kind}: it is not a zip archive, or it is damaged ({error})"]
    with archive:
        infos = archive.infolist()
        if not infos:
            return [f"is not {kind}: the archive is empty"]
        problems = _member_problems(infos)
        if problems:
            return problems
        try:
            return check(archive)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as error:
            return [f"is not {kind}: a member cannot be read ({error})"]
        except _TooLarge as error:
            return [str(error)]


def _member_problems(infos: list[zipfile.ZipInfo]) -> list[str]:
    if len(infos) > MAX_DOCUMENT_MEMBERS:
        return [f"has {len(infos)} members; a document may have at most {MAX_DOCUMENT_MEMBERS}"]
    problems: list[str] = []
    total = 0
    for info in infos:
        name = info.filename
        normal = posixpath.normpath(name) if name else ""
        if (not name or name.startswith("/") or "\\" in name or normal == ".." or normal.startswith("../")
                or (len(name) > 1 and name[1] == ":")):
            problems.append(f"member {name!r}: a path that is absolute or leaves the document is refused")
        elif info.flag_bits & 0x1:
            problems.append(f"member {name!r} is encrypted")
        elif info.file_size > MAX_MEMBER_BYTES:
            problems.append(f"member {name!r} is {info.file_size:,} bytes extracted; at most {MAX_MEMBER_BYTES:,}")
        elif info.file_size > MAX_MEMBER_RATIO * max(info.compress_size, 1) and info.file_size > MB:
            problems.append(f"member {name!r} expands {info.file_size // max(info.compress_size, 1)} times; at most "
                            f"{MAX_MEMBER_RATIO} : 1")
        total += info.file_size
    if total > MAX_DOCUMENT_BYTES:
        problems.append(f"its members add up to {total:,} bytes extracted; at most {MAX_DOCUMENT_BYTES:,}")
    return problems


class _TooLarge(Exception):
    pass


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, counted while reading: the sizes in a zip's headers can lie."""
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > min(MAX_MEMBER_BYTES, max(info.file_size, 0) + _CHUNK):
                raise _TooLarge(f"member {info.filename!r} is larger than its header says, or than "
                                f"{MAX_MEMBER_BYTES:,} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _xml_problems(archive: zipfile.ZipFile, name: str) -> list[str]:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return [f"has no {name}"]
    try:
        parse_xml_safely(_read(archive, info), forbid_dtd=True)
    except DefusedXmlException:
        return [f"{name} declares a DTD or entities, which are refused"]
    except SyntaxError as error:  # ElementTree's ParseError
        return [f"{name} is not well-formed XML ({error})"]
    return []


_CHECKS: dict[str, Callable[[bytes], list[str]]] = {
    ".pdf": pdf_problems, ".odt": odt_problems, ".docx": docx_problems,
}
