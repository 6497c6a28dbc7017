"""The appendix's table by unit (domain.report_appendix.Appendix.units, store/report_family.py):
the four classes government trackers count in -- hoàn thành đúng hạn, hoàn thành quá hạn,
chưa hoàn thành trong hạn, chưa hoàn thành quá hạn -- one row per unit, each unit's own
tasks (a group's task under each member unit). Its own sheet "Theo đơn vị" in the XLSX
file, a table after the others in the DOCX file."""
from __future__ import annotations

HEADING = "Kết quả thực hiện theo đơn vị"
XLSX_WIDTHS = (45, 16, 16, 18, 18, 10)


def xlsx_sheet(wb, table, title: str, put) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet("Theo đơn vị")
    put(ws, 1, 1, f"{HEADING} — {title}").font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table.headers))
    for c, h in enumerate(table.headers, 1):
        cell = put(ws, 3, c, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    for r, row in enumerate(table.rows, 4):
        for c, value in enumerate(row, 1):
            put(ws, r, c, int(value) if c > 1 and value.isdigit() else value)
    for c, width in enumerate(XLSX_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "B4"


def docx_table(doc, table) -> None:
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
