"""Write the pilot courses' downloadable templates from templates.yaml: each one as an OpenDocument text (.odt)
to fill in on screen and as a PDF to print, into the pack's assets/templates/.

    python courses/tools/build_templates.py          # write every template
    python courses/tools/build_templates.py --check  # exit 1 when a committed file differs from a fresh build

Authoring only: it needs odfpy (the `test` extra) besides fpdf2. The output is reproducible (fixed dates and zip
timestamps), so that a rebuild shows up in version control only when the content changed.
"""
from __future__ import annotations

import argparse
import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF, FontFace, TextStyle, ViewerPreferences
from odf import dc, meta
from odf.opendocument import OpenDocumentText
from odf.style import (
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TableProperties,
    TableRowProperties,
    TextProperties,
)
from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import H, P

TOOLS = Path(__file__).resolve().parent
COURSES = TOOLS.parent
FONTS = COURSES.parent / "moocplatform" / "certificates" / "data" / "fonts"
BUILT = datetime(2026, 12, 1, tzinfo=UTC)  # the date written into every file, so that rebuilds are identical
AUTHOR = "moocplatform course team"
LICENCE = "CC BY-SA 4.0"
LINE_MM = 6.5  # the height of one line of handwriting in the PDF
LINE_CM = 0.6  # and of one typed line in the ODT


@dataclass
class Template:
    pack: str
    name: str
    title: str
    course: str
    intro: list[str]
    blocks: list[dict[str, Any]]
    language: str
    landscape: bool = False
    credit: str = ""

    @property
    def folder(self) -> Path:
        return COURSES / self.pack / "assets" / "templates"

    @property
    def footer(self) -> str:
        return f"{self.course} · {self.title} · {AUTHOR} · {LICENCE}"


def load_templates() -> list[Template]:
    found = []
    for item in yaml.safe_load((TOOLS / "templates.yaml").read_text(encoding="utf-8")):
        manifest = yaml.safe_load((COURSES / item["pack"] / "course.yaml").read_text(encoding="utf-8"))
        found.append(Template(course=manifest["title"], language=manifest["language"], **item))
    return found


def table_rows(spec: dict[str, Any]) -> list[list[str]]:
    """The body rows of a table block: an optional example row, then one row per label (or `rows` empty rows)."""
    width = len(spec["columns"])
    rows = [list(spec["example"])] if spec.get("example") else []
    labels = spec.get("labels") or [""] * spec.get("rows", 1)
    return rows + [[label] + [""] * (width - 1) for label in labels]


# OpenDocument ------------------------------------------------------------------------------------------------

class OdtWriter:
    def __init__(self, template: Template):
        self.template = template
        self.doc = doc = OpenDocumentText()
        doc.meta.addElement(dc.Title(text=template.title))
        doc.meta.addElement(dc.Subject(text=template.course))
        doc.meta.addElement(dc.Language(text=template.language))
        doc.meta.addElement(dc.Creator(text=AUTHOR))
        doc.meta.addElement(meta.InitialCreator(text=AUTHOR))
        doc.meta.addElement(meta.CreationDate(text=BUILT.strftime("%Y-%m-%dT%H:%M:%S")))
        doc.meta.addElement(dc.Date(text=BUILT.strftime("%Y-%m-%dT%H:%M:%S")))
        self._styles()
        self.tables = 0

    def _styles(self) -> None:
        doc, t = self.doc, self.template
        width, height = ("29.7cm", "21cm") if t.landscape else ("21cm", "29.7cm")
        layout = PageLayout(name="TemplatePage")
        layout.addElement(PageLayoutProperties(pagewidth=width, pageheight=height, margin="1.5cm",
                                               printorientation="landscape" if t.landscape else "portrait"))
        doc.automaticstyles.addElement(layout)
        doc.masterstyles.addElement(MasterPage(name="Standard", pagelayoutname=layout))
        default = Style(name="Standard", family="paragraph")
        default.addElement(TextProperties(fontsize="10.5pt", fontfamily="DejaVu Serif", language=t.language,
                                          country="none"))
        default.addElement(ParagraphProperties(marginbottom="0.15cm"))
        doc.styles.addElement(default)

        def paragraph(name: str, display: str, *, level: int | None = None, **text: str) -> Style:
            style = Style(name=name, displayname=display, family="paragraph", parentstylename="Standard")
            if level:
                style.setAttribute("defaultoutlinelevel", str(level))
            style.addElement(TextProperties(**text))
            style.addElement(ParagraphProperties(margintop="0.3cm" if level else "0cm", marginbottom="0.15cm",
                                                 keepwithnext="always" if level else "auto"))
            doc.styles.addElement(style)
            return style

        self.title_style = paragraph("Title", "Title", level=None, fontsize="20pt", fontweight="bold")
        self.heading_style = paragraph("Heading_20_1", "Heading 1", level=1, fontsize="14pt", fontweight="bold")
        self.label_style = paragraph("Box_20_label", "Box label", fontweight="bold")
        self.hint_style = paragraph("Box_20_hint", "Box hint", fontsize="9pt", fontstyle="italic", color="#444444")
        self.small_style = paragraph("Credit", "Credit", fontsize="8.5pt", color="#444444")
        self.break_style = Style(name="PageBreak", family="paragraph", parentstylename="Standard")
        self.break_style.addElement(ParagraphProperties(breakbefore="page"))
        doc.automaticstyles.addElement(self.break_style)
        self.cell_style = Style(name="Box", family="table-cell")
        self.cell_style.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.12cm",
                                                       verticalalign="top"))
        doc.automaticstyles.addElement(self.cell_style)
        self.head_style = Style(name="HeadBox", family="table-cell")
        self.head_style.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.12cm",
                                                       backgroundcolor="#e8edf4", verticalalign="top"))
        doc.automaticstyles.addElement(self.head_style)
        self.row_styles: dict[int, Style] = {}

    def _row_style(self, lines: int) -> Style:
        if lines not in self.row_styles:
            style = Style(name=f"Lines{lines}", family="table-row")
            style.addElement(TableRowProperties(minrowheight=f"{lines * LINE_CM:.2f}cm", keeptogether="always"))
            self.doc.automaticstyles.addElement(style)
            self.row_styles[lines] = style
        return self.row_styles[lines]

    def _table(self, widths: list[float]) -> Table:
        self.tables += 1
        name = f"Table{self.tables}"
        usable = 26.7 if self.template.landscape else 18.0
        style = Style(name=name, family="table")
        style.addElement(TableProperties(width=f"{usable}cm", align="margins", margintop="0.1cm",
                                         marginbottom="0.3cm"))
        self.doc.automaticstyles.addElement(style)
        table = Table(name=name, stylename=style)
        for i, share in enumerate(widths):
            column = Style(name=f"{name}.C{i}", family="table-column")
            column.addElement(TableColumnProperties(columnwidth=f"{usable * share / sum(widths):.2f}cm"))
            self.doc.automaticstyles.addElement(column)
            table.addElement(TableColumn(stylename=column))
        return table

    def _cell(self, label: str = "", hint: str = "", *, head: bool = False, **span: int) -> TableCell:
        cell = TableCell(stylename=self.head_style if head else self.cell_style, valuetype="string", **span)
        if label:
            cell.addElement(P(stylename=self.label_style, text=label))
        if hint:
            cell.addElement(P(stylename=self.hint_style, text=hint))
        if not label or not head:
            cell.addElement(P(text=""))  # where the learner starts typing
        return cell

    def build(self) -> bytes:
        t, text = self.template, self.doc.text
        text.addElement(P(stylename=self.title_style, text=t.title))
        text.addElement(P(stylename=self.small_style, text=t.course))
        for paragraph in t.intro:
            text.addElement(P(text=paragraph))
        if t.credit:
            text.addElement(P(stylename=self.small_style, text=f"Source: {t.credit}"))
        page_break = False
        for block in t.blocks:
            if block.get("page_break"):
                page_break = True
                continue
            element = self._block(block)
            if page_break:
                text.addElement(P(stylename=self.break_style, text=""))
                page_break = False
            text.addElement(element)
        text.addElement(P(stylename=self.small_style, text=t.footer))
        buffer = io.BytesIO()
        self.doc.write(buffer)
        return reproducible_zip(buffer.getvalue())

    def _block(self, block: dict[str, Any]) -> Any:
        if "heading" in block:
            return H(outlinelevel=1, stylename=self.heading_style, text=block["heading"])
        if "text" in block:
            return P(text=block["text"])
        if "boxes" in block:
            table = self._table([1])
            for box in block["boxes"]:
                row = TableRow(stylename=self._row_style(box["lines"] + 1))
                row.addElement(self._cell(box["label"], box.get("hint", "")))
                table.addElement(row)
            return table
        if "table" in block:
            spec = block["table"]
            table = self._table(spec["widths"])
            header = TableHeaderRows()
            head = TableRow()
            for column in spec["columns"]:
                head.addElement(self._cell(column, head=True))
            header.addElement(head)
            table.addElement(header)
            for i, values in enumerate(table_rows(spec)):
                row = TableRow(stylename=self._row_style(spec["lines"]))
                example = i == 0 and bool(spec.get("example"))
                for j, value in enumerate(values):
                    hint = f"Example: {value}" if example and j == 0 else value if example else ""
                    row.addElement(self._cell(value if not example and j == 0 else "", hint))
                table.addElement(row)
            return table
        if "grid" in block:
            return self._grid(block["grid"])
        raise ValueError(f"unknown block {block!r}")

    def _grid(self, spec: dict[str, Any]) -> Table:
        table = self._table([1] * spec["columns"])
        starts = {tuple(c["at"]): c for c in spec["cells"]}
        covered = {(c["at"][0] + dx, c["at"][1] + dy) for c in spec["cells"]
                   for dx in range(c["span"][0]) for dy in range(c["span"][1])} - set(starts)
        for y, lines in enumerate(spec["rows"]):
            row = TableRow(stylename=self._row_style(lines))
            for x in range(spec["columns"]):
                if (x, y) in starts:
                    cell = starts[(x, y)]
                    row.addElement(self._cell(cell["label"], cell.get("hint", ""),
                                              numbercolumnsspanned=cell["span"][0],
                                              numberrowsspanned=cell["span"][1]))
                elif (x, y) in covered:
                    row.addElement(CoveredTableCell())
                else:
                    raise ValueError(f"grid cell {(x, y)} is neither a cell nor covered by one")
            table.addElement(row)
        return table


def reproducible_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps, `mimetype` first and stored, as OpenDocument requires."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = ["mimetype"] + [n for n in source.namelist() if n != "mimetype"]
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


# PDF ---------------------------------------------------------------------------------------------------------

class PdfWriter:
    def __init__(self, template: Template):
        self.template = t = template
        self.pdf = pdf = FPDF(orientation="L" if t.landscape else "P", format="A4")
        pdf.set_margins(15, 14, 15)
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_font("Serif", "", str(FONTS / "DejaVuSerif.ttf"))
        pdf.add_font("Serif", "B", str(FONTS / "DejaVuSerif-Bold.ttf"))
        pdf.add_font("Serif", "I", str(FONTS / "DejaVuSerif-Italic.ttf"))
        pdf.set_title(t.title)
        pdf.set_subject(t.course)
        pdf.set_author(AUTHOR)
        pdf.set_creator(AUTHOR)
        pdf.set_keywords(f"{t.course}, template, {LICENCE}")
        pdf.set_lang(t.language)
        pdf.set_creation_date(BUILT)
        pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
        pdf.set_section_title_styles(TextStyle("Serif", "B", 13, t_margin=2, b_margin=2))
        footer = t.footer

        def draw_footer() -> None:
            pdf.set_y(-12)
            pdf.set_font("Serif", "", 7.5)
            pdf.set_text_color(80, 80, 80)
            pdf.cell(0, 5, f"{footer} · page {pdf.page_no()}", align="C")
            pdf.set_text_color(0, 0, 0)

        pdf.footer = draw_footer  # type: ignore[method-assign]

    def build(self) -> bytes:
        t, pdf = self.template, self.pdf
        pdf.add_page()
        pdf.set_font("Serif", "B", 19)
        pdf.cell(0, 10, t.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Serif", "", 9)
        pdf.set_text_color(80, 80, 80)
        pdf.cell(0, 5, t.course, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        for paragraph in t.intro:
            self._paragraph(paragraph)
        if t.credit:
            pdf.set_font("Serif", "I", 8.5)
            pdf.multi_cell(0, 4.2, f"Source: {t.credit}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        for block in t.blocks:
            self._block(block)
        return bytes(pdf.output())

    def _paragraph(self, text: str) -> None:
        self.pdf.set_font("Serif", "", 9.5)
        self.pdf.multi_cell(0, 4.8, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1.5)

    def _block(self, block: dict[str, Any]) -> None:
        pdf = self.pdf
        if block.get("page_break"):
            pdf.add_page()
        elif "heading" in block:
            pdf.ln(1)
            pdf.start_section(block["heading"])
            pdf.ln(1)
        elif "text" in block:
            self._paragraph(block["text"])
        elif "boxes" in block:
            pdf.set_font("Serif", "", 9)
            with pdf.table(col_widths=[1], first_row_as_headings=False, markdown=True, v_align="TOP",
                           text_align="LEFT", padding=1.5, line_height=4.4) as table:
                for box in block["boxes"]:
                    row = table.row(min_height=(box["lines"] + 1) * LINE_MM)
                    row.cell(self._label(box["label"], box.get("hint", "")))
            pdf.ln(3)
        elif "table" in block:
            spec = block["table"]
            pdf.set_font("Serif", "", 9)
            heading = FontFace("Serif", "B", fill_color=(232, 237, 244))
            with pdf.table(col_widths=spec["widths"], headings_style=heading, v_align="TOP", text_align="LEFT",
                           padding=1.5, line_height=4.4, repeat_headings=1) as table:
                table.row(spec["columns"])
                for i, values in enumerate(table_rows(spec)):
                    example = i == 0 and bool(spec.get("example"))
                    row = table.row(min_height=spec["lines"] * LINE_MM)
                    for j, value in enumerate(values):
                        shown = f"Example: {value}" if example and j == 0 else value
                        row.cell(shown, style=FontFace("Serif", "I", color=(70, 70, 70)) if example else None)
            pdf.ln(3)
        elif "grid" in block:
            self._grid(block["grid"])
        else:
            raise ValueError(f"unknown block {block!r}")

    @staticmethod
    def _label(label: str, hint: str) -> str:
        def plain(text: str) -> str:  # keep Markdown markers in the text from being read as emphasis
            return text.replace("*", "\\*").replace("_", "\\_").replace("--", "\\-\\-")

        return f"**{plain(label)}**" + (f"\n__{plain(hint)}__" if hint else "")

    def _grid(self, spec: dict[str, Any]) -> None:
        pdf = self.pdf
        pdf.set_font("Serif", "", 9)
        starts = {tuple(c["at"]): c for c in spec["cells"]}
        with pdf.table(col_widths=[1] * spec["columns"], first_row_as_headings=False, markdown=True,
                       v_align="TOP", text_align="LEFT", padding=1.5, line_height=4.4) as table:
            for y, lines in enumerate(spec["rows"]):
                row = table.row(min_height=lines * LINE_MM)
                for x in range(spec["columns"]):
                    cell = starts.get((x, y))
                    if cell:
                        row.cell(self._label(cell["label"], cell.get("hint", "")), colspan=cell["span"][0],
                                 rowspan=cell["span"][1])
        pdf.ln(3)


# -------------------------------------------------------------------------------------------------------------

def build(template: Template) -> dict[Path, bytes]:
    base = template.folder / template.name
    return {base.with_suffix(".odt"): OdtWriter(template).build(),
            base.with_suffix(".pdf"): PdfWriter(template).build()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for template in load_templates():
        for path, data in build(template).items():
            rel = path.relative_to(COURSES.parent)
            if args.check:
                if not path.is_file() or path.read_bytes() != data:
                    stale.append(str(rel))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {rel} ({len(data):,} bytes)")
    for rel in stale:
        print(f"out of date: {rel} (run python courses/tools/build_templates.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
