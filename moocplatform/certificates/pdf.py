"""The certificate as a PDF: A4 landscape, DejaVu Serif (shipped in data/fonts with its licence, so Latin,
Cyrillic and Greek names render on any machine), and a QR code to the verification page drawn as vectors."""
from __future__ import annotations

from importlib import resources

import segno
from fpdf import FPDF

from .models import Certificate, CertificateKind, CertificateStatus

NAVY = (23, 43, 77)
GOLD = (176, 141, 62)
GREY = (90, 90, 90)
RED = (170, 30, 30)
PAGE_W, PAGE_H = 297.0, 210.0
TEXT_W = 230.0  # the width names and titles must fit in


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


def certificate_pdf(certificate: Certificate, *, issuer: str, verification_url: str) -> bytes:
    pdf = new_document()
    try:
        return _draw(pdf, certificate, issuer=issuer, verification_url=verification_url)
    finally:
        close_fonts(pdf)


def _draw(pdf: FPDF, certificate: Certificate, *, issuer: str, verification_url: str) -> bytes:
    participation = certificate.kind == CertificateKind.PARTICIPATION
    heading = "Statement of Participation" if participation else "Certificate of Achievement"
    pdf.set_title(f"{heading}: {certificate.course_title}")
    pdf.set_author(issuer)
    pdf.set_creator("moocplatform")
    pdf.add_page()

    # Frame: a heavy navy rule and a fine gold one inside it.
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(14, 14, PAGE_W - 28, PAGE_H - 28)

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
    return bytes(pdf.output())
