"""The plan's indicator table (domain.report_appendix.IndicatorTable) in the appendix
files: its own sheet "Chỉ tiêu" in the XLSX file, a second table in the DOCX file, its
result column filled. Cells are written as notifiers/appendix_files.py writes them (a
string stays a string, whatever it starts with)."""
from __future__ import annotations

from notifiers.appendix_tables import docx_table_under, set_widths, xlsx_sheet_with_header

HEADING = "Kết quả thực hiện các chỉ tiêu"
XLSX_WIDTHS = (6, 50, 18, 28, 30, 14, 14)


def xlsx_sheet(wb, table, title: str, put) -> None:
    """A sheet "Chỉ tiêu" in workbook ``wb``; ``put`` is appendix_files._put."""
    from openpyxl.styles import Alignment

    ws = xlsx_sheet_with_header(wb, "Chỉ tiêu", f"{HEADING} — {title}", table.headers, put)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, 4):
        for c, value in enumerate(row, 1):
            put(ws, r, c, value).alignment = wrap
    set_widths(ws, XLSX_WIDTHS)
    ws.freeze_panes = "C4"


def docx_table(doc, table) -> None:
    """The table under a heading, after the task table."""
    docx_table_under(doc, HEADING, table)
