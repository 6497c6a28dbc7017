"""The plan's appendix (store.report_loading.appendix_data: rows and totals) written
as an XLSX or DOCX file: the headers of domain.report.APPENDIX_HEADERS, section
headings across the table, the totals by class under it.

Titles, evidence and notes are users' text: in the XLSX file a string is always a
string. One starting with "=", "+", "-", "@", a tab or a carriage return would be
taken for a formula by openpyxl (which writes "=..." as <f>) or by a spreadsheet
when the cell is edited; `_put` writes it as text (an inline string, with Excel's
"quote prefix" so editing the cell keeps it text) and the visible text unchanged.
"""
from __future__ import annotations

from pathlib import Path

from domain.report import APPENDIX_HEADERS, RESULT_COLUMN

TOTALS_HEADING = "Tổng hợp theo kết quả thực tế"
XLSX_WIDTHS = (6, 50, 22, 24, 24, 28, 18, 22, 14, 18, 12, 36, 18)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_appendix(rows: list[list[str] | str], fmt: str, path: str | Path, title: str,
                   totals: list[tuple[str, str, int]] = (), indicators=None, units=None) -> Path:
    """The appendix as an XLSX or DOCX file: the rows, then (when given) the totals
    rows of `appendix_data` under the table: each its class's label and count, the
    count in the result column; and (when given) the plan's indicator table with its
    result column filled (`appendix_data(...).indicators`, notifiers/appendix_indicators.py); and
    (when given) the four classes by unit (`appendix_data(...).units`, notifiers/appendix_units.py)."""
    path = Path(path)
    if fmt == "xlsx":
        _write_xlsx(rows, path, title, totals, indicators, units)
    elif fmt == "docx":
        _write_docx(rows, path, title, totals, indicators, units)
    else:
        raise ValueError(f"định dạng không hỗ trợ {fmt!r}: dùng xlsx hoặc docx")
    return path


# -- XLSX ------------------------------------------------------------------------

def _write_xlsx(rows, path: Path, title: str, totals=(), indicators=None, units=None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    _put(ws, 1, 1, title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(APPENDIX_HEADERS))
    _xlsx_headers(ws, 3)
    r = _xlsx_rows(ws, 4, rows)
    _xlsx_totals(ws, r, totals)
    for c, w in enumerate(XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "C4"
    if indicators is not None:
        from notifiers.appendix_indicators import xlsx_sheet

        xlsx_sheet(wb, indicators, title, _put)
    if units is not None:
        from notifiers.appendix_units import xlsx_sheet as units_sheet

        units_sheet(wb, units, title, _put)
    wb.save(path)


def _xlsx_headers(ws, r: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for c, h in enumerate(APPENDIX_HEADERS, 1):
        cell = _put(ws, r, c, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")


def _xlsx_rows(ws, r: int, rows) -> int:
    """The table from row `r`: a section heading bold across the table, a task's cells
    wrapped. Returns the first row after it."""
    from openpyxl.styles import Alignment, Font

    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        if isinstance(row, str):
            _put(ws, r, 1, row).font = Font(bold=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(APPENDIX_HEADERS))
        else:
            for c, v in enumerate(row, 1):
                _put(ws, r, c, v).alignment = wrap
        r += 1
    return r


def _xlsx_totals(ws, r: int, totals) -> None:
    """The totals under the table: label over the columns before the result column,
    the count (a number) in the result column."""
    from openpyxl.styles import Alignment, Font

    if not totals:
        return
    _put(ws, r, 1, TOTALS_HEADING).font = Font(bold=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(APPENDIX_HEADERS))
    for i, (key, label, count) in enumerate(totals, r + 1):
        bold = Font(bold=key == "total")
        _put(ws, i, 1, label).font = bold
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="right")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=RESULT_COLUMN)
        _put(ws, i, RESULT_COLUMN + 1, count).font = bold


def _put(ws, row: int, column: int, value):
    """The cell at (row, column) holding `value`; a string stays a string, whatever
    it starts with (see the module's docstring)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


# -- DOCX ------------------------------------------------------------------------

def _write_docx(rows, path: Path, title: str, totals=(), indicators=None, units=None) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    table.style = "Table Grid"
    for c, h in enumerate(APPENDIX_HEADERS):
        cell = table.rows[0].cells[c]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        if isinstance(row, str):
            _docx_merged(cells[0].merge(cells[-1]), row, bold=True)
        else:
            for c, v in enumerate(row):
                cells[c].text = v or ""
    _docx_totals(table, totals)
    if indicators is not None:
        from notifiers.appendix_indicators import docx_table

        docx_table(doc, indicators)
    if units is not None:
        from notifiers.appendix_units import docx_table as units_table

        units_table(doc, units)
    doc.save(str(path))


def _docx_merged(cell, text: str, bold: bool) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = bold


def _docx_totals(table, totals) -> None:
    """The totals as the table's last rows, laid out as in the XLSX file."""
    if not totals:
        return
    cells = table.add_row().cells
    _docx_merged(cells[0].merge(cells[-1]), TOTALS_HEADING, bold=True)
    for key, label, count in totals:
        cells = table.add_row().cells
        _docx_merged(cells[0].merge(cells[RESULT_COLUMN - 1]), label, bold=key == "total")
        _docx_merged(cells[RESULT_COLUMN], str(count), bold=key == "total")
