"""The plan's indicator table (domain.report_appendix.IndicatorTable) in the appendix
files: its own sheet "Chỉ tiêu" in the XLSX file, a second table in the DOCX file, its
result column filled. Cells are written as notifiers/appendix_files.py writes them (a
string stays a string, whatever it starts with)."""
from __future__ import annotations

HEADING = "Kết quả thực hiện các chỉ tiêu"
XLSX_WIDTHS = (6, 50, 18, 28, 30, 14, 14)


def xlsx_sheet(wb, table, title: str, put) -> None:
    """A sheet "Chỉ tiêu" in workbook ``wb``; ``put`` is appendix_files._put."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet("Chỉ tiêu")
    put(ws, 1, 1, f"{HEADING} — {title}").font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table.headers))
    for c, h in enumerate(table.headers, 1):
        cell = put(ws, 3, c, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, 4):
        for c, value in enumerate(row, 1):
            put(ws, r, c, value).alignment = wrap
    for c, width in enumerate(XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "C4"


def docx_table(doc, table) -> None:
    """The table under a heading, after the task table."""
    doc.add_heading(HEADING, level=2)
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
