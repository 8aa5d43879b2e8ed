"""A learner's notes as one Markdown file or one PDF: grouped by course, in the order of each course's units.
The PDF is set in DejaVu Serif, the fonts the certificates area ships (Latin, Greek and Cyrillic on any
machine); the notes' Markdown is printed as written, line by line."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from itertools import groupby

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .queries import NoteRow


def _grouped(rows: Sequence[NoteRow]):
    return groupby(rows, key=lambda row: (row.course_id, row.course_title))


def notes_markdown(rows: Sequence[NoteRow], *, heading: str, exported_at: datetime) -> str:
    lines = [f"# {heading}", "", f"Exported {exported_at:%Y-%m-%d %H:%M} UTC.", ""]
    for (_course_id, course_title), notes in _grouped(rows):
        lines += [f"## {course_title}", ""]
        for row in notes:
            title = row.unit_title if row.in_course else f"{row.unit_title} (no longer in the course)"
            lines += [f"### {title}", "", f"_Last changed {row.note.updated_at:%Y-%m-%d %H:%M} UTC_", "",
                      row.note.body.rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _font_dir() -> str:
    return str(resources.files("moocplatform.certificates").joinpath("data/fonts"))


class _Printer:
    """Text the document's fonts can show: a character none of its glyphs draws (an emoji, a script the font
    lacks) becomes U+FFFD, so the reader sees that something stood there."""

    def __init__(self, pdf: FPDF):
        self.known = {code for font in pdf.fonts.values() for code in getattr(font, "cmap", {})}

    def __call__(self, text: str) -> str:
        return "".join(c if c == "\n" or ord(c) in self.known else " " if ord(c) < 32 else "\N{REPLACEMENT CHARACTER}"
                       for c in text)


def notes_pdf(rows: Sequence[NoteRow], *, heading: str, exported_at: datetime) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    fonts = _font_dir()
    pdf.add_font("Serif", "", f"{fonts}/DejaVuSerif.ttf")
    pdf.add_font("Serif", "B", f"{fonts}/DejaVuSerif-Bold.ttf")
    pdf.add_font("Serif", "I", f"{fonts}/DejaVuSerif-Italic.ttf")
    _printable = _Printer(pdf)
    try:
        pdf.set_title(heading)
        pdf.set_creator("moocplatform")
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_margins(20, 18, 20)
        pdf.add_page()
        width = pdf.epw
        pdf.set_font("Serif", "B", 18)
        pdf.multi_cell(width, 9, _printable(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Serif", "I", 9)
        pdf.multi_cell(width, 5, f"Exported {exported_at:%Y-%m-%d %H:%M} UTC", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not rows:
            pdf.ln(6)
            pdf.set_font("Serif", "", 11)
            pdf.multi_cell(width, 6, "No notes yet.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for (_course_id, course_title), notes in _grouped(rows):
            pdf.ln(6)
            pdf.set_font("Serif", "B", 14)
            pdf.multi_cell(width, 7, _printable(course_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for row in notes:
                pdf.ln(3)
                pdf.set_font("Serif", "B", 11.5)
                title = row.unit_title if row.in_course else f"{row.unit_title} (no longer in the course)"
                pdf.multi_cell(width, 6, _printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_font("Serif", "I", 8.5)
                pdf.multi_cell(width, 4.5, f"Last changed {row.note.updated_at:%Y-%m-%d %H:%M} UTC",
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_font("Serif", "", 10.5)
                pdf.multi_cell(width, 5.2, _printable(row.note.body.rstrip()) or " ",
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(pdf.output())
    finally:
        for font in pdf.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()
