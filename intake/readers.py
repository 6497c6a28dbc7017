"""Each file format turned into raw tables: rows of cell strings, nothing cleaned.
Excel has its own module, intake/excel.py.

Readers only undo what the container does (merged cells, several sheets, tables
split across pages in Word); recognising headers, sections and continuation rows
is the same for every format and lives in intake/tables.py.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from intake.archive import check_archive
from intake.limits import MAX_COLUMNS, MAX_PARAGRAPHS, MAX_ROWS, CellBudget, count
from intake.records import IntakeError

__all__ = ["RawRow", "RawTable", "RawDocument", "read_tsv", "read_csv", "read_docx"]


@dataclass
class RawRow:
    number: int                         # 1-based line (text) or row (sheet, Word table)
    cells: list[str]
    merged_above: frozenset[int] = frozenset()   # columns whose cell is merged with the row above
    merged_left: frozenset[int] = frozenset()    # columns whose cell is merged with the cell to their left
    gap_before: bool = False            # blank line(s) before it: a page break in extracted text
    page: int | None = None             # the page it is printed on (PDF)

    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


@dataclass
class RawTable:
    label: str                          # "bảng 2", "trang tính «Phụ lục 02»", "trang 3"; "" for text files
    rows: list[RawRow]
    context: list[str] = field(default_factory=list)   # text just above (appendix headings)
    row_word: str = "Dòng"              # how messages name a row: "Dòng 57", "Bảng 2, dòng 5"


@dataclass
class RawDocument:
    kind: str                           # "tsv", "csv", "xlsx", "docx", "pdf", "text"
    text_lines: list[str]               # prose outside the tables (titles, numbers)
    tables: list[RawTable]
    notes: list[str] = field(default_factory=list)   # what was left unread (limits), in Vietnamese


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


# -- Word ---------------------------------------------------------------------

def read_docx(data: bytes) -> RawDocument:
    import docx  # imported here: only Word imports pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        raise IntakeError(f"Không mở được tệp Word: {exc}.") from None
    doc, context, budget = RawDocument("docx", [], []), [], CellBudget()
    paragraphs = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs += 1
            text = Paragraph(child, document).text.strip() if paragraphs <= MAX_PARAGRAPHS else ""
            if paragraphs == MAX_PARAGRAPHS + 1:
                doc.notes.append(f"Tệp có hơn {count(MAX_PARAGRAPHS)} đoạn văn ngoài bảng; các đoạn sau "
                                 "không được đọc (các bảng vẫn được đọc).")
            if text:
                doc.text_lines.append(text)
                context.append(text)
        elif tag == "tbl":
            label = f"bảng {len(doc.tables) + 1}"
            rows = _word_rows(Table(child, document), label, budget, doc.notes)
            doc.tables.append(RawTable(label=label, rows=rows, context=context[-6:], row_word="dòng"))
            context = []
    return doc


def _word_rows(table, label: str, budget: CellBudget, notes: list[str]) -> list[RawRow]:
    """The table's rows, at most MAX_ROWS of them and MAX_COLUMNS grid columns, and
    within what the document may still produce; what is left out is noted."""
    rows: list[RawRow] = []
    above: dict[int, str] = {}           # grid column → text of the vertical span's root
    cut = False
    for number, row in enumerate(table.rows, start=1):
        if number > MAX_ROWS:
            notes.append(f"{label.capitalize()} có hơn {count(MAX_ROWS)} dòng; chỉ đọc "
                         f"{count(MAX_ROWS)} dòng đầu, phần sau bị bỏ qua.")
            break
        cells, merged, spanned, row_cut = _word_cells(row, above)
        if not budget.take(len(cells)):
            notes.append(f"{label.capitalize()} chỉ được đọc đến dòng {number - 1}: tệp đã vượt "
                         f"giới hạn {count(budget.total)} ô được đọc.")
            break
        cut = cut or row_cut
        rows.append(RawRow(number, cells, frozenset(merged), frozenset(spanned)))
    if cut:
        notes.append(f"{label.capitalize()} có dòng rộng hơn {MAX_COLUMNS} cột; chỉ đọc "
                     f"{MAX_COLUMNS} cột đầu, các cột sau bị bỏ qua.")
    return rows


def _word_cells(row, above: dict[int, str]) -> tuple[list[str], set[int], set[int], bool]:
    """(cells, columns merged with the row above, columns merged with the cell to
    their left, whether columns past MAX_COLUMNS were left out). Spans are cut to
    MAX_COLUMNS: a gridSpan of a billion is a few bytes of XML."""
    before = row.grid_cols_before
    cells: list[str] = [""] * min(before, MAX_COLUMNS)
    merged: set[int] = set()
    spanned: set[int] = set()
    cut = before > MAX_COLUMNS
    for tc in row._tr.tc_lst:
        col = len(cells)
        if col >= MAX_COLUMNS:
            return cells, merged, spanned, True
        if tc.vMerge == "continue":
            text = above.get(col, "")
            merged.add(col)
        else:
            text = _tc_text(tc)
            above[col] = text
        span = min(tc.grid_span, MAX_COLUMNS - col)
        cut = cut or tc.grid_span > span
        cells.append(text)
        cells.extend([""] * (span - 1))   # horizontal span: one value, once
        spanned.update(range(col + 1, col + span))
    return cells, merged, spanned, cut


def _tc_text(tc) -> str:
    # One line per paragraph, so list items and paragraphs stay separate lines.
    from docx.text.paragraph import Paragraph

    return "\n".join(Paragraph(p, None).text for p in tc.p_lst)
