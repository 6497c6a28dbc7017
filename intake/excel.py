"""An Excel workbook (.xlsx) as raw tables: one per visible sheet.

The workbook is opened by openpyxl in read-only mode, which reads a sheet's rows as
a stream instead of building every cell: a 5 KB file with one cell at XFD1048576
declares seventeen billion of them. What read-only mode does not give, the merged
ranges and how far the cells really reach, comes from one pass over the sheet's XML
(intake/sheetxml.py); only the first MAX_ROWS rows and MAX_COLUMNS columns are
read, and a value past them is reported. Merges are applied as Excel shows them:
a vertical merge repeats its value in the rows below, a horizontal one keeps it once.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

from intake.archive import check_archive
from intake.limits import MAX_COLUMNS, MAX_ROWS, CellBudget, column_name, count
from intake.readers import RawDocument, RawRow, RawTable
from intake.records import IntakeError
from intake.sheetxml import SheetScan, scan_sheet

__all__ = ["read_xlsx"]


def read_xlsx(data: bytes) -> RawDocument:
    import openpyxl  # imported here: only Excel imports pay for it

    check_archive(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise IntakeError(f"Không mở được tệp Excel: {exc}.") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read_book(book, archive)
    finally:
        book.close()


def _read_book(book, archive: zipfile.ZipFile) -> RawDocument:
    doc = RawDocument("xlsx", [], [])
    budget = CellBudget()
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        label = f"trang tính «{sheet.title}»"
        scan = _scan(archive, sheet, label)
        height, width = min(max(scan.rows, 1), MAX_ROWS), min(max(scan.columns, 1), MAX_COLUMNS)
        if not budget.take(height * width):
            doc.notes.append(f"Bỏ qua {label}: tệp đã vượt giới hạn {count(budget.total)} ô được đọc.")
            continue
        doc.notes.extend(_cut_notes(scan, label))
        rows = _sheet_rows(sheet, scan, height, width, label, doc.notes)
        for row in rows:
            filled = [c for c in row.cells if c.strip()]
            if len(filled) == 1:
                doc.text_lines.append(filled[0])
        doc.tables.append(RawTable(label=label, rows=rows, row_word="dòng"))
    return doc


def _scan(archive: zipfile.ZipFile, sheet, label: str) -> SheetScan:
    path = getattr(sheet, "_worksheet_path", None)   # set by openpyxl's read-only reader
    if not path:
        raise IntakeError(f"Không tìm thấy nội dung của {label} trong tệp Excel.")
    try:
        with archive.open(path.lstrip("/")) as source:
            return scan_sheet(source, label)
    except KeyError:
        raise IntakeError(f"Không tìm thấy nội dung của {label} trong tệp Excel.") from None


def _cut_notes(scan: SheetScan, label: str) -> list[str]:
    notes = []
    if scan.value_rows > MAX_ROWS:
        notes.append(f"{_upper_first(label)} có dữ liệu đến dòng {count(scan.value_rows)}; "
                     f"chỉ đọc {count(MAX_ROWS)} dòng đầu, phần sau bị bỏ qua.")
    if scan.value_columns > MAX_COLUMNS:
        notes.append(f"{_upper_first(label)} có dữ liệu đến cột {column_name(scan.value_columns)}; "
                     f"chỉ đọc {MAX_COLUMNS} cột đầu (A–{column_name(MAX_COLUMNS)}), các cột sau bị bỏ qua.")
    return notes


def _sheet_rows(sheet, scan: SheetScan, height: int, width: int, label: str,
                notes: list[str]) -> list[RawRow]:
    try:
        grid = [[_cell_text(c) for c in row]
                for row in sheet.iter_rows(min_row=1, max_row=height, max_col=width)]
    except MemoryError:
        raise
    except Exception as exc:  # a damaged cell: a bad reference, a bad number
        raise IntakeError(f"Không đọc được {label}: {exc}.") from None
    grid = grid[:height] + [[""] * width for _ in range(height - len(grid))]
    above, left, overlapping = _apply_merges(grid, scan.merges)
    if overlapping or scan.merges_dropped:
        notes.append(f"{_upper_first(label)} có các vùng gộp ô chồng lên nhau hoặc quá nhiều; "
                     "một số vùng gộp bị bỏ qua.")
    return [RawRow(i, cells, frozenset(above.get(i, ())), frozenset(left.get(i, ())))
            for i, cells in enumerate(grid, start=1)]


def _apply_merges(grid: list[list[str]], merges) -> tuple[dict, dict, bool]:
    """Each merge's value spread as Excel shows it; (merged_above, merged_left, whether
    merges overlapped). Ranges are cut to the grid; ranges that do not overlap cover at
    most the grid once, so more than that means overlapping ones, which are dropped."""
    height, width = len(grid), len(grid[0]) if grid else 0
    merged_above: dict[int, set[int]] = {}
    merged_left: dict[int, set[int]] = {}
    room = height * width
    for min_col, min_row, max_col, max_row in merges:
        if min_row > height or min_col > width or min_row < 1 or min_col < 1:
            continue
        max_row, max_col = min(max_row, height), min(max_col, width)
        room -= (max_row - min_row + 1) * (max_col - min_col + 1)
        if room < 0:
            return merged_above, merged_left, True
        top = grid[min_row - 1][min_col - 1]
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if c == min_col and r > min_row:
                    grid[r - 1][c - 1] = top       # same column, lower row: the row above's value too
                    merged_above.setdefault(r, set()).add(c - 1)
                elif (r, c) != (min_row, min_col):
                    grid[r - 1][c - 1] = ""        # horizontal span: one value, once
                if c > min_col:
                    merged_left.setdefault(r, set()).add(c - 1)
    return merged_above, merged_left, False


def _upper_first(label: str) -> str:
    return label[:1].upper() + label[1:]


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
