"""A report as a print-ready PDF: A4 landscape, the report's header on the first page,
each breakdown as a table whose header row repeats on every page, totals shaded, page
numbers in the footer.

One embedded CJK font (the voucher's, web.voucher_pdf.cjk_font), so Chinese prints on
any reader. The font has no bold face: headings and totals are shaded instead.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from fpdf import FPDF

from dashboards.reports.excel import filters_line
from dashboards.reports.labels import text
from dashboards.reports.model import WAN, Column, Report, Table
from web.voucher_pdf import cjk_font

MARGIN = 10.0
HEADING_FILL = (221, 228, 238)
TOTAL_FILL = (235, 235, 235)
PAD_X, PAD_Y = 1.0, 0.5
# Column widths (mm) come from the text they hold: the rows sampled and the header's longest
# word (headers wrap between words); text columns wider than WIDE give way when space is short.
SAMPLE_ROWS = 500
MIN_WIDTH, WIDE = 6.0, 24.0


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font("cjk", size=7)
        self.set_text_color(110)
        self.cell(0, 5, self.footer_text.replace("{page}", str(self.page_no())), align="C")
        self.set_text_color(0)


def pdf_bytes(report: Report) -> bytes:
    pdf = _Pdf(orientation="L", unit="mm", format="A4")
    pdf.set_title(report.title)
    pdf.set_creator("CRM analytics")
    pdf.add_font("cjk", "", str(cjk_font()))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    # rows are placed by _Grid, which breaks pages between rows itself
    pdf.set_auto_page_break(auto=False, margin=12)
    page = text("dash.report.page", report.lang, page="{page}", pages="{nb}")
    pdf.footer_text = f"{report.title} · {report.data_line.split('；')[0].split(';')[0]} · {page}"
    pdf.add_page()

    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for line in (filters_line(report), report.data_line, report.unit_line):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    for table in report.tables:
        pdf.ln(4)
        _table(pdf, report, table)
    return bytes(pdf.output())


def _table(pdf: FPDF, report: Report, table: Table) -> None:
    if pdf.get_y() + 30 > pdf.page_break_trigger:  # a title is never left alone at the foot
        pdf.add_page()
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    for note in table.notes:
        pdf.multi_cell(0, 4.5, note, new_x="LMARGIN", new_y="NEXT")
    if not table.rows:
        pdf.cell(0, 6, text("dash.report.empty", report.lang), new_x="LMARGIN", new_y="NEXT")
        return
    lang = report.lang
    body = [
        [cell_text(v, c, lang) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    totals = None
    if table.totals is not None:
        totals = [text("dash.report.total", lang)] + [
            cell_text(v, c, lang) for v, c in zip(table.totals[1:], table.columns[1:], strict=True)
        ]
    pdf.set_font("cjk", size=7.5 if len(table.columns) > 10 else 8.5)
    grid = _Grid(pdf, table.columns, body[:SAMPLE_ROWS] + ([totals] if totals else []))
    grid.heading()
    for cells in body:
        grid.row(cells)
    if totals is not None:
        grid.row(totals, fill=TOTAL_FILL)
    pdf.set_y(pdf.get_y() + 2)


class _Grid:
    """Rows drawn cell by cell (fpdf2's own table lays out every cell as a paragraph,
    a hundred times slower for a report of thousands of rows): a cell that fits is one
    line, a longer name wraps and the row grows to hold it; a row never splits across
    pages, and every page that a table runs onto starts with its header row."""

    def __init__(self, pdf: FPDF, columns: list[Column], sample: list[list[str]]) -> None:
        self.pdf = pdf
        self.columns = columns
        self.aligns = ["L" if c.kind == "text" else "R" for c in columns]
        self.line = pdf.font_size * 1.45
        self._char_widths: dict[str, float] = {}
        self.widths = self._fit(sample)

    def _fit(self, sample: list[list[str]]) -> list[float]:
        """Column widths filling the page: each as wide as its widest cell and its header's
        longest word, and when that is too wide, the long text columns (names) give way."""
        room = self.pdf.epw
        natural = []
        for position, column in enumerate(self.columns):
            widest = max((self._width(row[position]) for row in sample), default=0.0)
            label = max((self._width(word) for word in column.label.split()), default=0.0)
            natural.append(max(widest, label, MIN_WIDTH) + 2 * PAD_X)
        if sum(natural) <= room:
            return [w * room / sum(natural) for w in natural]
        wide = [i for i, c in enumerate(self.columns) if c.kind == "text" and natural[i] > WIDE]
        fixed = sum(w for i, w in enumerate(natural) if i not in wide)
        if not wide or fixed + WIDE * len(wide) > room:
            return [w * room / sum(natural) for w in natural]  # everything gives way
        share = (room - fixed) / sum(natural[i] for i in wide)
        return [w * share if i in wide else w for i, w in enumerate(natural)]

    def heading(self) -> None:
        self.row([c.label for c in self.columns], fill=HEADING_FILL, center=True)

    def row(
        self, cells: list[str], fill: tuple[int, int, int] | None = None, center: bool = False
    ) -> None:
        pdf = self.pdf
        lines = [
            self._wrap(value, w - 2 * PAD_X) for value, w in zip(cells, self.widths, strict=True)
        ]
        height = max(len(cell) for cell in lines) * self.line + 2 * PAD_Y
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if fill is not HEADING_FILL:
                self.heading()
        x, y = pdf.l_margin, pdf.get_y()
        if fill is not None:
            pdf.set_fill_color(*fill)
        # the baseline of a line's text, below its top
        baseline = (self.line + pdf.font_size * 0.7) / 2
        for cell, width, align in zip(lines, self.widths, self.aligns, strict=True):
            pdf.rect(x, y, width, height, style="DF" if fill is not None else "D")
            for number, (part, part_width) in enumerate(cell):
                if center:
                    left = x + (width - part_width) / 2
                elif align == "R":
                    left = x + width - PAD_X - part_width
                else:
                    left = x + PAD_X
                pdf.text(left, y + PAD_Y + number * self.line + baseline, part)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    def _width(self, value: str) -> float:
        widths = self._char_widths
        total = 0.0
        for ch in value:
            if ch not in widths:
                widths[ch] = self.pdf.get_string_width(ch)
            total += widths[ch]
        return total

    def _wrap(self, value: str, room: float) -> list[tuple[str, float]]:
        """The lines of `value` in a column `room` wide, each with its width: broken at a
        space where there is one (English), else between any two characters (Chinese)."""
        whole = self._width(value)
        if whole <= room or not value:
            return [(value, whole)]
        lines: list[str] = []
        line = ""
        for ch in value:
            if line and self._width(line + ch) > room:
                cut = line.rfind(" ")
                if cut > 0:
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                else:
                    lines.append(line)
                    line = ""
            line += ch
        lines.append(line)
        return [(part, self._width(part)) for part in lines]


def cell_text(value: Any, column: Column, lang: str) -> str:
    """A value as the PDF prints it: money in 万元 with two decimals, rates in percent,
    grouped and pointed as the language writes numbers (Babel's symbols)."""
    if value is None:
        return ""
    if column.kind == "money":
        return _localised(f"{Decimal(str(value)) / WAN:,.2f}", lang)
    if column.kind == "count":
        return _localised(f"{int(value):,}", lang)
    if column.kind == "rate":
        return _localised(f"{Decimal(str(value)) * 100:,.1f}", lang) + _symbols(lang)[2]
    if column.kind == "month" and isinstance(value, dt.date):
        return value.isoformat()[:7]
    if column.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.cache
def _symbols(lang: str) -> tuple[str, str, str]:
    locale = "en" if lang == "en" else "zh_CN"
    return (
        get_group_symbol(locale=locale),
        get_decimal_symbol(locale=locale),
        Locale.parse(locale).number_symbols["latn"]["percentSign"],
    )


def _localised(number: str, lang: str) -> str:
    """Python's `1,234.5` with the language's group and decimal symbols (formatting each
    of tens of thousands of cells through Babel took seconds)."""
    group, point, _ = _symbols(lang)
    if (group, point) == (",", "."):
        return number
    return number.replace(",", "\0").replace(".", point).replace("\0", group)
