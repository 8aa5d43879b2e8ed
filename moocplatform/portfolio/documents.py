"""The portfolio as files: the public page as a PDF (A4 portrait, the DejaVu fonts the certificates area
ships), and the whole portfolio as a zip of portfolio.json and the uploaded files. No Flask requests here."""
from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from html.parser import HTMLParser
from importlib import resources
from typing import Any

from fpdf import FPDF

from ..storage import Storage, StoredFileMissing
from .models import PortfolioEntry, PortfolioPage
from .queries import PublicPortfolio

NAVY = (23, 43, 77)
GREY = (90, 90, 90)
# The zip is built in memory: the files' quota bounds it, and this bounds it again whatever the quota becomes.
MAX_EXPORT_BYTES = 120 * 1024 * 1024


class ExportTooLarge(Exception):
    pass


class _Text(HTMLParser):
    """Sanitised HTML as paragraphs of plain text (links keep their address in brackets)."""

    BLOCKS = {"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            self.parts.append(f" ({self.href})")
            self.href = None
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(20, 20, 20)
    fonts = resources.files("moocplatform.certificates").joinpath("data/fonts")
    pdf.add_font("Serif", "", str(fonts / "DejaVuSerif.ttf"))
    pdf.add_font("Serif", "B", str(fonts / "DejaVuSerif-Bold.ttf"))
    pdf.add_font("Serif", "I", str(fonts / "DejaVuSerif-Italic.ttf"))
    return pdf


def _close_fonts(pdf: FPDF) -> None:
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def public_pdf(portfolio: PublicPortfolio, *, url: str, labels: dict[str, str]) -> bytes:
    """The public page as a PDF: what the page shows, nothing more. `labels` are the page's words in the
    reader's language (file, source, date)."""
    pdf = _document()
    try:
        title = portfolio.headline or portfolio.display_name
        pdf.set_title(title)
        pdf.set_author(portfolio.display_name)
        pdf.set_creator("moocplatform")
        pdf.add_page()
        pdf.set_text_color(*NAVY)
        pdf.set_font("Serif", "B", 20)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        if portfolio.headline:
            pdf.set_text_color(*GREY)
            pdf.set_font("Serif", "I", 12)
            pdf.multi_cell(0, 7, portfolio.display_name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        intro = html_to_text(portfolio.intro_html)
        if intro:
            pdf.ln(3)
            pdf.set_font("Serif", "", 11)
            pdf.multi_cell(0, 6, intro, new_x="LMARGIN", new_y="NEXT")
        for entry in portfolio.entries:
            pdf.ln(6)
            pdf.set_text_color(*NAVY)
            pdf.set_font("Serif", "B", 14)
            pdf.multi_cell(0, 7, entry.title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(*GREY)
            pdf.set_font("Serif", "I", 10)
            facts = [f"{labels['date']}: {_date(entry.evidence_date)}" if entry.evidence_date else "",
                     f"{labels['file']}: {entry.file_name}" if entry.file_name else "",
                     f"{labels['source']}: {entry.evidence_url}" if entry.evidence_url else ""]
            for fact in filter(None, facts):
                pdf.multi_cell(0, 5, fact, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("Serif", "", 11)
            for html in (entry.evidence_html, entry.body_html):
                text = html_to_text(html)
                if text:
                    pdf.ln(1)
                    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_text_color(*GREY)
        pdf.set_font("Serif", "I", 9)
        pdf.multi_cell(0, 5, url, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    finally:
        _close_fonts(pdf)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def entry_as_json(entry: PortfolioEntry, file_path: str | None) -> dict[str, Any]:
    return {
        "id": entry.id, "kind": entry.kind.value, "title": entry.title, "position": entry.position,
        "public": entry.is_public, "text": entry.body_source, "html": entry.body_html,
        "created_at": _iso(entry.created_at), "updated_at": _iso(entry.updated_at),
        "file": None if entry.file_name is None else {
            "name": entry.file_name, "content_type": entry.content_type, "size": entry.file_size,
            "sha256": entry.sha256, "path": file_path},
        "evidence": None if entry.evidence_source is None else {
            "source": entry.evidence_source, "ref": entry.evidence_ref, "html": entry.evidence_html,
            "url": entry.evidence_url, "date": _iso(entry.evidence_date)},
    }


def portfolio_zip(owner_name: str, page: PortfolioPage | None, entries: Iterable[PortfolioEntry],
                  store: Storage, *, exported_at: datetime) -> bytes:
    """portfolio.json and files/<entry id>-<name>: the owner's entries only (the caller passes them)."""
    buffer = io.BytesIO()
    total = 0
    items = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            path = None
            if entry.storage_key and entry.file_name:
                try:
                    data = store.get(entry.storage_key)
                except StoredFileMissing:
                    data = None
                if data is not None:
                    total += len(data)
                    if total > MAX_EXPORT_BYTES:
                        raise ExportTooLarge()
                    path = f"files/{entry.id}-{_safe_name(entry.file_name)}"
                    archive.writestr(path, data)
            items.append(entry_as_json(entry, path))
        document = {
            "format": "moocplatform-portfolio/1", "exported_at": exported_at.isoformat(), "owner": owner_name,
            "page": None if page is None else {"headline": page.headline, "intro": page.intro_source,
                                               "intro_html": page.intro_html},
            "entries": items,
        }
        archive.writestr("portfolio.json", json.dumps(document, ensure_ascii=False, indent=2))
    return buffer.getvalue()
