"""The certificate as a PDF: A4 landscape, DejaVu Serif (shipped in data/fonts with its licence, so Latin,
Cyrillic and Greek names render on any machine), and a QR code to the verification page drawn as vectors.
The first page is the certificate, with the partner organisations' logos; the second, its supplement, states
the learning behind it (details.py: the elements of an EU micro-credential and the competences)."""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import segno
from fpdf import FPDF
from PIL import Image

from ..content.credential_checks import country_name
from .details import Element, details_of, elements
from .models import Certificate, CertificateKind, CertificateStatus

NAVY = (23, 43, 77)
GOLD = (176, 141, 62)
GREY = (90, 90, 90)
RED = (170, 30, 30)
PAGE_W, PAGE_H = 297.0, 210.0
TEXT_W = 230.0  # the width names and titles must fit in
PARTNERS_ON_FACE = 4  # logos on the certificate itself; the supplement names every partner
LOGO_BOX = (46.0, 13.0)  # millimetres: the largest a partner's logo is drawn


@dataclass(frozen=True)
class Partner:
    name: str
    country: str  # an English country name, or ""
    logo: bytes | None  # PNG or JPEG, checked when the pack was imported


def _font_dir() -> str:
    return str(resources.files(__package__).joinpath("data/fonts"))


def _fit(pdf: FPDF, text: str, style: str, largest: float, smallest: float, width: float) -> float:
    """The largest size between `largest` and `smallest` at which `text` fits on one line of `width`."""
    size = largest
    while size > smallest:
        pdf.set_font("Serif", style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    pdf.set_font("Serif", style, size)
    return size


def _block(pdf: FPDF, text: str, style: str, *, top: float, height: float, largest: float, smallest: float) -> None:
    """`text` centred in the band from `top`, on one line if it fits at two thirds of `largest` or more,
    else on two lines at the largest size that fits the band (long names and titles stay legible)."""
    size = _fit(pdf, text, style, largest, largest * 2 / 3, TEXT_W)
    lines = [text]
    if pdf.get_string_width(text) > TEXT_W:
        size = largest * 0.8
        while True:
            pdf.set_font("Serif", style, size)
            wrapped = pdf.multi_cell(TEXT_W, 1, text, dry_run=True, output="LINES")
            lines = wrapped if isinstance(wrapped, list) else [text]
            if (len(lines) <= 2 and len(lines) * size * 0.45 <= height) or size <= smallest:
                break
            size -= 0.5
    line_height = size * 0.45  # millimetres per line: the size in points, with some leading
    y = top + (height - line_height * len(lines)) / 2
    for line in lines:
        _centred(pdf, y, line, line_height)
        y += line_height


def _centred(pdf: FPDF, y: float, text: str, height: float) -> None:
    pdf.set_xy((PAGE_W - TEXT_W) / 2, y)
    pdf.cell(TEXT_W, height, text, align="C")


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    code = segno.make(url, error="m")
    matrix = [list(row) for row in code.matrix]
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")


def new_document() -> FPDF:
    """An A4 landscape document with the shipped fonts; `close_fonts` it when done."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    fonts = _font_dir()
    pdf.add_font("Serif", "", f"{fonts}/DejaVuSerif.ttf")
    pdf.add_font("Serif", "B", f"{fonts}/DejaVuSerif-Bold.ttf")
    pdf.add_font("Serif", "I", f"{fonts}/DejaVuSerif-Italic.ttf")
    return pdf


def close_fonts(pdf: FPDF) -> None:
    # fontTools reads the font files lazily and keeps them open until told otherwise.
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def certificate_pdf(certificate: Certificate, *, issuer: str, verification_url: str, country: str = "",
                    logos: Mapping[str, bytes] | None = None) -> bytes:
    """Both pages. `country` is the issuer's ISO code; `logos` the partners' logo files by their sha256."""
    logos = logos or {}
    partners = [Partner(p.get("name", ""), country_name(p["country"]) if p.get("country") else "",
                        logos.get(p.get("logo_sha256") or ""))
                for p in details_of(certificate).get("partners") or []]
    pdf = new_document()
    try:
        _draw(pdf, certificate, issuer=issuer, verification_url=verification_url, partners=partners)
        _draw_supplement(pdf, certificate, elements(certificate, issuer=issuer, country=country),
                         verification_url=verification_url)
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


def _frame(pdf: FPDF) -> None:
    """A heavy navy rule and a fine gold one inside it."""
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(14, 14, PAGE_W - 28, PAGE_H - 28)


def _draw(pdf: FPDF, certificate: Certificate, *, issuer: str, verification_url: str,
          partners: Sequence[Partner]) -> None:
    participation = certificate.kind == CertificateKind.PARTICIPATION
    heading = "Statement of Participation" if participation else "Certificate of Achievement"
    pdf.set_title(f"{heading}: {certificate.course_title}")
    pdf.set_author(issuer)
    pdf.set_creator("moocplatform")
    pdf.add_page()
    _frame(pdf)

    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "", 11)
    pdf.set_char_spacing(1.5)
    _centred(pdf, 26, issuer.upper(), 6)
    pdf.set_char_spacing(0)

    pdf.set_text_color(*NAVY)
    pdf.set_font("Serif", "B", 34)
    _centred(pdf, 40, heading, 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.line(PAGE_W / 2 - 40, 61, PAGE_W / 2 + 40, 61)

    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "I", 14)
    _centred(pdf, 68, "This is to certify that", 8)

    pdf.set_text_color(0, 0, 0)
    _block(pdf, certificate.holder_name, "B", top=77, height=21, largest=30, smallest=12)

    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "I", 14)
    _centred(pdf, 100, "has taken part in the course" if participation else "has successfully completed the course", 8)

    pdf.set_text_color(*NAVY)
    _block(pdf, certificate.course_title, "B", top=109, height=16, largest=22, smallest=10)

    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "", 12)
    completed = f"{certificate.completed_at:%d %B %Y}".lstrip("0")
    line = (f"Enrolled and active on {completed}  ·  no assessment" if participation
            else f"Completed on {completed}  ·  course version {certificate.course_version}")
    _centred(pdf, 127, line, 7)
    if partners:
        _partner_strip(pdf, partners[:PARTNERS_ON_FACE])

    # Signature block (left) and verification block (right).
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.4)
    pdf.line(40, 168, 120, 168)
    pdf.set_text_color(0, 0, 0)
    _fit(pdf, issuer, "B", 12, 8, 100)
    pdf.set_xy(30, 170)
    pdf.cell(100, 6, issuer, align="C")
    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "I", 10)
    pdf.set_xy(30, 176)
    pdf.cell(100, 5, f"Issuer  ·  issued {certificate.issued_at:%Y-%m-%d}", align="C")

    _qr(pdf, verification_url, 236, 142, 34)
    pdf.set_font("Serif", "", 7.5)
    pdf.set_xy(150, 160)
    pdf.cell(82, 4, "Verify this certificate at", align="R")
    _fit(pdf, verification_url, "", 7.5, 4, 82)
    pdf.set_xy(150, 164)
    pdf.cell(82, 4, verification_url, align="R", link=verification_url)
    pdf.set_font("Serif", "", 7.5)
    pdf.set_xy(150, 168)
    pdf.cell(82, 4, f"Certificate {certificate.public_id}", align="R")

    if certificate.status != CertificateStatus.VALID:
        pdf.set_text_color(*RED)
        pdf.set_font("Serif", "B", 16)
        word = "REVOKED" if certificate.status == CertificateStatus.REVOKED else "SUPERSEDED BY A RE-ISSUE"
        _centred(pdf, 140, f"{word}: see the verification page", 9)

    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "I", 8)
    _centred(pdf, 186, "The supplement overleaf describes the learning this certificate attests.", 4)


def _partner_strip(pdf: FPDF, partners: Sequence[Partner]) -> None:
    """The partner organisations under the course: each logo (or, without one, the name set large) in a slot
    of its own, the name and country beneath, all kept clear of the QR code on the right."""
    left, right = 58.0, 232.0
    slot = min(58.0, (right - left) / len(partners))
    x0 = PAGE_W / 2 - slot * len(partners) / 2
    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "", 7)
    pdf.set_char_spacing(1.2)
    _centred(pdf, 135, "IN PARTNERSHIP WITH", 4)
    pdf.set_char_spacing(0)
    box_w, box_h = min(LOGO_BOX[0], slot - 6), LOGO_BOX[1]
    for i, partner in enumerate(partners):
        x = x0 + i * slot
        drawn = partner.logo is not None and _logo(pdf, partner.logo, x + (slot - box_w) / 2, 140, box_w, box_h)
        pdf.set_text_color(*NAVY)
        if not drawn:
            _fit(pdf, partner.name, "B", 10, 6, slot - 4)
            pdf.set_xy(x, 144)
            pdf.cell(slot, 5, partner.name, align="C")
        label = partner.name if drawn else partner.country
        if drawn and partner.country:
            label += f" · {partner.country}"
        if label:
            pdf.set_text_color(*GREY)
            _fit(pdf, label, "", 6.5, 4.5, slot - 2)
            pdf.set_xy(x, 154)
            pdf.cell(slot, 3.5, label, align="C")


def _logo(pdf: FPDF, data: bytes, x: float, y: float, w: float, h: float) -> bool:
    """The logo fitted into the box, centred, its aspect ratio kept; False when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
            width, height = image.size
        scale = min(w / width, h / height)
        pdf.image(io.BytesIO(data), x + (w - width * scale) / 2, y + (h - height * scale) / 2,
                  w=width * scale, h=height * scale)
    except (OSError, ValueError, SyntaxError):
        return False
    return True


# The supplement --------------------------------------------------------------------------------------------

SUPPLEMENT_TOP, SUPPLEMENT_BOTTOM = 47.0, 184.0
HEADING_W, VALUE_W = 62.0, 181.0
SUPPLEMENT_X = (PAGE_W - HEADING_W - VALUE_W) / 2


def _value_text(element: Element) -> str:
    if element.style == "bullets":
        return "\n".join(f"\u2022 {line}" for line in element.lines)
    if element.style == "inline":
        return ";  ".join(element.lines)
    return "\n".join(element.lines)


def _row_height(pdf: FPDF, heading: str, value: str, size: float) -> float:
    line = size * 0.42
    pdf.set_font("Serif", "B", size)
    high = float(pdf.multi_cell(HEADING_W - 3, line, heading, dry_run=True, output="HEIGHT"))  # type: ignore[arg-type]
    pdf.set_font("Serif", "", size)
    value_high = float(pdf.multi_cell(VALUE_W, line, value, dry_run=True, output="HEIGHT"))  # type: ignore[arg-type]
    return max(high, value_high, line)


def _table_height(pdf: FPDF, rows: Sequence[tuple[str, str]], size: float) -> float:
    return sum(_row_height(pdf, heading, value, size) + size * 0.42 * 0.7 for heading, value in rows)


def supplement_size(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> float:
    """The largest type size (9 pt down to 6) at which the rows fit between the supplement's top and bottom."""
    size = 9.0
    while size > 6.0 and _table_height(pdf, rows, size) > SUPPLEMENT_BOTTOM - SUPPLEMENT_TOP:
        size -= 0.25
    return size


def _draw_supplement(pdf: FPDF, certificate: Certificate, found: Sequence[Element], *,
                     verification_url: str) -> None:
    pdf.add_page()
    _frame(pdf)
    pdf.set_text_color(*NAVY)
    pdf.set_font("Serif", "B", 18)
    _centred(pdf, 21, "Certificate Supplement", 9)
    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "I", 9)
    _centred(pdf, 31, "A description of the learning achievement, with the elements of a European micro-credential "
             "(Council Recommendation 2022/C 243/02)", 5)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.line(PAGE_W / 2 - 40, 40, PAGE_W / 2 + 40, 40)

    rows = [(f"{n}.  {element.heading}", _value_text(element)) for n, element in enumerate(found, start=1)]
    size = supplement_size(pdf, rows)
    line = size * 0.42
    y, page = SUPPLEMENT_TOP, 2
    for heading, value in rows:
        height = _row_height(pdf, heading, value, size)
        if y + height > SUPPLEMENT_BOTTOM and y > SUPPLEMENT_TOP:  # even 6 pt did not fit: go on overleaf
            _supplement_footer(pdf, certificate, verification_url, page)
            pdf.add_page()
            _frame(pdf)
            y, page = 24.0, page + 1
        pdf.set_text_color(*NAVY)
        pdf.set_font("Serif", "B", size)
        pdf.set_xy(SUPPLEMENT_X, y)
        pdf.multi_cell(HEADING_W - 3, line, heading, align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Serif", "", size)
        pdf.set_xy(SUPPLEMENT_X + HEADING_W, y)
        pdf.multi_cell(VALUE_W, line, value, align="L")
        y += height + line * 0.35
        pdf.set_draw_color(215, 208, 190)
        pdf.set_line_width(0.2)
        pdf.line(SUPPLEMENT_X, y, SUPPLEMENT_X + HEADING_W + VALUE_W, y)
        y += line * 0.35
    _supplement_footer(pdf, certificate, verification_url, page)


def _supplement_footer(pdf: FPDF, certificate: Certificate, verification_url: str, page: int) -> None:
    pdf.set_text_color(*GREY)
    pdf.set_font("Serif", "", 7)
    pdf.set_xy(SUPPLEMENT_X, 188)
    pdf.cell(HEADING_W + VALUE_W, 4, f"Certificate {certificate.public_id}  ·  verify at {verification_url}"
             f"  ·  page {page}", align="C")
