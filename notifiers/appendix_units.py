"""The appendix's table by unit (domain.report_appendix.Appendix.units, store/report_family.py):
the four classes government trackers count in -- hoàn thành đúng hạn, hoàn thành quá hạn,
chưa hoàn thành trong hạn, chưa hoàn thành quá hạn -- one row per unit, each unit's own
tasks (a group's task under each member unit). Its own sheet "Theo đơn vị" in the XLSX
file, a table after the others in the DOCX file."""
from __future__ import annotations

from notifiers.appendix_tables import docx_table_under, set_widths, xlsx_sheet_with_header

HEADING = "Kết quả thực hiện theo đơn vị"
XLSX_WIDTHS = (45, 16, 16, 18, 18, 10)


def xlsx_sheet(wb, table, title: str, put) -> None:
    ws = xlsx_sheet_with_header(wb, "Theo đơn vị", f"{HEADING} — {title}", table.headers, put)
    for r, row in enumerate(table.rows, 4):
        for c, value in enumerate(row, 1):
            put(ws, r, c, int(value) if c > 1 and value.isdigit() else value)
    set_widths(ws, XLSX_WIDTHS)
    ws.freeze_panes = "B4"


def docx_table(doc, table) -> None:
    docx_table_under(doc, HEADING, table)
