"""Each file format turned into raw tables: rows of cell strings, nothing cleaned.

Readers only undo what the container does (merged cells, several sheets, tables
split across pages in Word); recognising headers, sections and continuation rows
is the same for every format and lives in intake/tables.py.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from intake.records import IntakeError

__all__ = ["RawRow", "RawTable", "RawDocument", "read_tsv", "read_csv", "read_xlsx", "read_docx"]


@dataclass
class RawRow:
    number: int                         # 1-based line (text) or row (sheet, Word table)
    cells: list[str]
    merged_above: frozenset[int] = frozenset()   # columns whose cell is merged with the row above
    merged_left: frozenset[int] = frozenset()    # columns whose cell is merged with the cell to their left
    gap_before: bool = False            # blank line(s) before it: a page break in extracted text

    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


@dataclass
class RawTable:
    label: str                          # "bảng 2", "trang tính «Phụ lục 02»"; "" for text files
    rows: list[RawRow]
    context: list[str] = field(default_factory=list)   # text just above (appendix headings)
    row_word: str = "Dòng"              # how messages name a row: "Dòng 57", "Bảng 2, dòng 5"


@dataclass
class RawDocument:
    kind: str                           # "tsv", "csv", "xlsx", "docx", "text"
    text_lines: list[str]               # prose outside the tables (titles, numbers)
    tables: list[RawTable]


# -- text ---------------------------------------------------------------------

def read_tsv(text: str) -> RawDocument:
    """Tab-separated text as extracted from PDF/Word: tables are runs of lines with
    tabs; prose between them separates tables and gives their context."""
    tables: list[RawTable] = []
    prose: list[str] = []
    context: list[str] = []
    current: list[RawRow] | None = None
    gap = False
    for number, line in enumerate(text.splitlines(), start=1):
        if "\t" in line:
            if current is None:
                current = []
                tables.append(RawTable(label="", rows=current, context=context[-6:]))
            current.append(RawRow(number, line.split("\t"), gap_before=gap))
            gap = False
        elif not line.strip():
            gap = current is not None
        else:
            current, gap = None, False
            prose.append(line)
            context.append(line)
    return RawDocument("tsv", prose, tables)


def read_csv(text: str) -> RawDocument:
    delimiter = _csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    prose: list[str] = []
    start, gap = 1, False
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                gap = bool(rows)
            else:
                rows.append(RawRow(start, cells, gap_before=gap))
                gap = False
                if sum(1 for c in cells if c.strip()) == 1:
                    prose.append(next(c for c in cells if c.strip()))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise IntakeError(f"Tệp CSV hỏng ở dòng {reader.line_num}: {exc}.") from None
    return RawDocument("csv", prose, [RawTable(label="", rows=rows)])


def _csv_delimiter(text: str) -> str:
    sample = text[:20000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        return ";" if sample.count(";") > sample.count(",") else ","


# -- Excel --------------------------------------------------------------------

def read_xlsx(data: bytes) -> RawDocument:
    import openpyxl  # imported here: only Excel imports pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise IntakeError(f"Không mở được tệp Excel: {exc}.") from None
    tables, prose = [], []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible" or sheet.max_row < 1:
            continue
        rows = _sheet_rows(sheet)
        for row in rows:
            filled = [c for c in row.cells if c.strip()]
            if len(filled) == 1:
                prose.append(filled[0])
        tables.append(RawTable(label=f"trang tính «{sheet.title}»", rows=rows, row_word="dòng"))
    return RawDocument("xlsx", prose, tables)


def _sheet_rows(sheet) -> list[RawRow]:
    width = sheet.max_column
    grid = [[_cell_text(c) for c in row] for row in sheet.iter_rows(max_col=width)]
    merged_above: dict[int, set[int]] = {}
    merged_left: dict[int, set[int]] = {}
    for rng in sheet.merged_cells.ranges:
        top = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else ""
        for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) == (rng.min_row, rng.min_col):
                    continue
                if c == rng.min_col and r > rng.min_row:
                    # Same column, lower row: the value belongs to the row above too.
                    grid[r - 1][c - 1] = top
                    merged_above.setdefault(r, set()).add(c - 1)
                else:
                    grid[r - 1][c - 1] = ""   # horizontal span: one value, once
                if c > rng.min_col:
                    merged_left.setdefault(r, set()).add(c - 1)
    return [RawRow(i, cells, frozenset(merged_above.get(i, ())), frozenset(merged_left.get(i, ())))
            for i, cells in enumerate(grid, start=1)]


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            return _number(value * 100) + "%"
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.10g}".replace(".", ",")   # Vietnamese decimal comma


# -- Word ---------------------------------------------------------------------

def read_docx(data: bytes) -> RawDocument:
    import docx  # imported here: only Word imports pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise IntakeError(f"Không mở được tệp Word: {exc}.") from None
    tables, prose, context = [], [], []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text.strip()
            if text:
                prose.append(text)
                context.append(text)
        elif tag == "tbl":
            n = len(tables) + 1
            rows = _word_rows(Table(child, document))
            tables.append(RawTable(label=f"bảng {n}", rows=rows, context=context[-6:], row_word="dòng"))
            context = []
    return RawDocument("docx", prose, tables)


def _word_rows(table) -> list[RawRow]:
    rows: list[RawRow] = []
    above: dict[int, str] = {}           # grid column → text of the vertical span's root
    for number, row in enumerate(table.rows, start=1):
        cells: list[str] = [""] * row.grid_cols_before
        merged: set[int] = set()
        spanned: set[int] = set()
        for tc in row._tr.tc_lst:
            col = len(cells)
            if tc.vMerge == "continue":
                text = above.get(col, "")
                merged.add(col)
            else:
                text = _tc_text(tc)
                above[col] = text
            cells.append(text)
            cells.extend([""] * (tc.grid_span - 1))   # horizontal span: one value, once
            spanned.update(range(col + 1, col + tc.grid_span))
        rows.append(RawRow(number, cells, frozenset(merged), frozenset(spanned)))
    return rows


def _tc_text(tc) -> str:
    # One line per paragraph, so list items and paragraphs stay separate lines.
    from docx.text.paragraph import Paragraph

    return "\n".join(Paragraph(p, None).text for p in tc.p_lst)
