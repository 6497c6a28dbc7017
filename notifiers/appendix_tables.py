"""What the appendix's extra tables (indicators, by unit) share: an XLSX sheet with its
title row and styled header row, and a DOCX table under a heading with a bold header
row. The rows are each table's own (notifiers/appendix_indicators.py, appendix_units.py)."""
from __future__ import annotations


def xlsx_sheet_with_header(wb, sheet: str, title: str, headers, put):
    """A new sheet ``sheet`` with ``title`` on row 1 (merged across) and ``headers`` on
    row 3; ``put`` is appendix_files._put. Returns the sheet; rows start at 4."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(sheet)
    put(ws, 1, 1, title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for c, h in enumerate(headers, 1):
        cell = put(ws, 3, c, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    return ws


def set_widths(ws, widths) -> None:
    from openpyxl.utils import get_column_letter

    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width


def docx_table_under(doc, heading: str, table) -> None:
    """``table`` (headers, rows of text) under a level-2 heading."""
    doc.add_heading(heading, level=2)
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    for c, h in enumerate(table.headers):
        cell = grid.rows[0].cells[c]
        cell.text = ""
        cell.paragraphs[0].add_run(h).bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for c, value in enumerate(row):
            cells[c].text = value or ""
