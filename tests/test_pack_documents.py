"""Document assets of a pack (PDF, ODT, DOCX) are opened by the validator: files that open pass, damaged or
hostile ones are problems of the file that names them, and nothing unbounded is read."""
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF

from moocplatform.content import PackError, load_pack, validate_pack
from moocplatform.content.documents import MAX_DOCUMENT_MEMBERS, ODT_MIMETYPE, document_problems

EXAMPLE = Path(__file__).resolve().parent / "packs" / "valid-example"
HOSTS = ("www.youtube-nocookie.com",)
CONTENT = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
           b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><office:body/></office:document-content>')


def odt(members: list[tuple[str, bytes]] | None = None, *, mimetype: bytes = ODT_MIMETYPE,
        mimetype_method: int = zipfile.ZIP_STORED) -> bytes:
    """An ODT archive: `mimetype` first (unless members say otherwise), then content.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if members is None:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=mimetype_method)
            archive.writestr("content.xml", CONTENT, compress_type=zipfile.ZIP_DEFLATED)
        else:
            for name, data in members:
                method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                archive.writestr(name, data, compress_type=method)
    return out.getvalue()


def pdf_bytes(*, pages: int = 1, password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_title("A worksheet")
    pdf.set_font("helvetica", size=12)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    for _ in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, "Write here.")
    return bytes(pdf.output())


# PDF ---------------------------------------------------------------------------------------------------------

def test_a_real_pdf_passes():
    assert document_problems(".pdf", pdf_bytes()) == []
    assert document_problems(".PDF", (EXAMPLE / "assets" / "worksheet.pdf").read_bytes()) == []


@pytest.mark.parametrize(("data", "expected"), [
    (b"<html>not a pdf</html>", "does not start with %PDF-"),
    (pdf_bytes()[:-200], "no %%EOF marker"),
    (b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n", "cannot be read as a PDF"),
    (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
     b"trailer<</Root 1 0 R>>\n%%EOF\n", "cannot be read as a PDF"),
    (pdf_bytes(password="secret"), "encrypted PDF"),
])
def test_a_broken_pdf_is_refused(data, expected):
    found = document_problems(".pdf", data)
    assert len(found) == 1 and expected in found[0], found


# ODT ---------------------------------------------------------------------------------------------------------

def test_an_odt_with_stored_mimetype_and_xml_content_passes():
    assert document_problems(".odt", odt()) == []
    assert document_problems(".odt", (EXAMPLE / "assets" / "worksheet.odt").read_bytes()) == []


def bomb() -> bytes:
    return odt([("mimetype", ODT_MIMETYPE), ("content.xml", b" " * (21 * 1024 * 1024))])


@pytest.mark.parametrize(("data", "expected"), [
    (b"PK\x03\x04 truncated", "not a zip archive"),
    (b"plain text", "not a zip archive"),
    (odt([("content.xml", CONTENT), ("mimetype", ODT_MIMETYPE)]), "its first member is 'content.xml'"),
    (odt(mimetype_method=zipfile.ZIP_DEFLATED), "stored uncompressed"),
    (odt(mimetype=b"application/vnd.oasis.opendocument.spreadsheet"), "not 'application/vnd.oasis"),
    (odt([("mimetype", ODT_MIMETYPE), ("styles.xml", CONTENT)]), "has no content.xml"),
    (odt([("mimetype", ODT_MIMETYPE), ("content.xml", b"<office:document-content>")]), "not well-formed XML"),
    (odt([("mimetype", ODT_MIMETYPE), ("content.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]>'
                                                     b"<a>&b;</a>")]), "declares a DTD or entities"),
    (odt([("mimetype", ODT_MIMETYPE), ("content.xml", CONTENT), ("../../evil.sh", b"x")]), "leaves the document"),
    (odt([("mimetype", ODT_MIMETYPE), ("content.xml", CONTENT), ("/etc/passwd", b"x")]), "absolute"),
    (bomb(), "bytes extracted; at most"),
    (odt([("mimetype", ODT_MIMETYPE), ("content.xml", b" " * (2 * 1024 * 1024))]), "expands"),
    (odt([("mimetype", ODT_MIMETYPE)] + [(f"p/{i}.xml", b"") for i in range(MAX_DOCUMENT_MEMBERS)]),
     "members; a document may have at most"),
])
def test_a_broken_or_hostile_odt_is_refused(data, expected):
    found = document_problems(".odt", data)
    assert found and expected in found[0], found


def test_a_hostile_member_is_refused_without_reading_it():
    # The compressed bomb would take 21 MiB to inflate; the header check refuses it first.
    data = bomb()
    assert len(data) < 100_000
    assert "content.xml" in document_problems(".odt", data)[0]


# DOCX --------------------------------------------------------------------------------------------------------

def docx(*, document: bytes | None = b"<w:document xmlns:w='urn:w'/>") -> bytes:
    members = [("[Content_Types].xml", b"<Types xmlns='urn:t'/>")]
    if document is not None:
        members.append(("word/document.xml", document))
    return odt(members)


def test_a_docx_needs_its_content_types_and_document_xml():
    assert document_problems(".docx", docx()) == []
    assert document_problems(".docx", docx(document=None)) == ["has no word/document.xml"]
    assert "not well-formed XML" in document_problems(".docx", docx(document=b"<w:document"))[0]


def test_other_suffixes_are_not_opened():
    assert document_problems(".svg", b"not checked here") == []


# in a pack ---------------------------------------------------------------------------------------------------

@pytest.fixture()
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example"))


def test_the_validator_names_each_broken_document(example):
    (example / "assets" / "worksheet.odt").write_bytes(odt(mimetype_method=zipfile.ZIP_DEFLATED))
    (example / "assets" / "worksheet.pdf").write_bytes(b"%PDF-1.7\ntruncated")
    with pytest.raises(PackError) as caught:
        load_pack(example, video_hosts=HOSTS)
    found = [str(p) for p in caught.value.problems]
    assert found == [
        "assets/worksheet.odt: is not an OpenDocument text: its 'mimetype' member must be stored uncompressed",
        "assets/worksheet.pdf: is not a complete PDF: there is no %%EOF marker at its end (the file may be "
        "truncated)",
    ]


def test_documents_are_checked_inside_an_uploaded_zip(example, tmp_path):
    (example / "assets" / "worksheet.odt").write_bytes(b"not a document")
    archive = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(example.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(example).as_posix())
    report = validate_pack(archive, video_hosts=HOSTS)
    assert [p.file for p in report.problems] == ["assets/worksheet.odt"]


def test_a_docx_asset_is_allowed(example):
    (example / "assets" / "worksheet.docx").write_bytes(docx())
    pack = load_pack(example, video_hosts=HOSTS)
    asset = pack.assets["assets/worksheet.docx"]
    assert asset.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert any("worksheet.docx" in str(w) and "never used" in str(w) for w in pack.warnings)
    assert pack.assets["assets/worksheet.odt"].content_type == "application/vnd.oasis.opendocument.text"
