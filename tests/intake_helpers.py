"""Shared by the intake tests: the directory the seed names, and writers that put
the seed's tables into .xlsx, .docx and .csv files the way offices keep them.

The writers take the seed's *logical* rows (page-break fragments already joined,
by a deliberately simple rule written here, not by the importer) so that each
format carries the same table in its own idiom: Excel with title rows above the
header, a merged title and a second sheet; Word with a table split in two and a
vertically merged STT; CSV with quoted multi-line cells.
"""
from __future__ import annotations

import csv
from pathlib import Path

from domain.directory import Directory, Official, Unit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The city notice's title and appendices as tab-separated text (the document's tables).
SEED_003 = FIXTURES / "city_notice_003.txt"
# The opening lines of each appendix of a plan whose tables were taken out of a PDF as text.
SEED_001 = FIXTURES / "pdf_text_appendices_001.txt"

PLAN_003 = ("Thông báo về việc điều chỉnh, bổ sung chỉ tiêu, nhiệm vụ về phát triển khoa học, "
            "công nghệ, đổi mới sáng tạo và chuyển đổi số năm 2026")


def seed_directory() -> Directory:
    """Units and officials seed 003 names, some deliberately missing: "Các xã, phường,
    đặc khu", "Các trường đại học", "Sở Ngoại vụ", the official Nguyễn Quang Phúc and
    the Bí thư Thành ủy."""
    units = (
        Unit("vptu", "Văn phòng Thành ủy", lead_official="chanh-vp"),
        Unit("btctu", "Ban Tổ chức Thành ủy"),
        Unit("mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố", aliases=("MTTQ thành phố",)),
        Unit("ubkttu", "Ủy ban Kiểm tra Thành ủy"),
        Unit("skhcn", "Sở Khoa học và Công nghệ", aliases=("Sở KHCN",)),
        Unit("stc", "Sở Tài chính"),
        Unit("snv", "Sở Nội vụ"),
        Unit("ca", "Công an thành phố"),
        Unit("tk", "Thống kê thành phố"),
        Unit("all", "Các cơ quan, đơn vị, địa phương", aliases=("Cơ quan, đơn vị, địa phương",)),
        Unit("sbn", "Các sở, ban, ngành thành phố", aliases=("Các Sở, ban, ngành",)),
        Unit("ubnd-xa", "Ủy ban nhân dân cấp xã"),
    )
    officials = (
        Official("cuong", "Hoàng Minh Cường", "Phó Chủ tịch Ủy ban nhân dân thành phố"),
        Official("vu", "Lê Trí Vũ", "Trưởng Ban Tổ chức Thành ủy"),
        Official("lap", "Phạm Văn Lập", "Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"),
        Official("tuan", "Nguyễn Anh Tuấn", "Chủ nhiệm Ủy ban Kiểm tra Thành ủy"),
        Official("chanh-vp", "Trần Thị Hà", "Chánh Văn phòng Thành ủy"),
        Official("gd-khcn", "Đỗ Văn Khoa", "Giám đốc Sở Khoa học và Công nghệ"),
    )
    return Directory(units=units, officials=officials, standing_office="vptu")


# -- the seed as logical tables ------------------------------------------------------

def seed_tables(path: Path = SEED_003) -> list[tuple[list[str], list[list[str]]]]:
    """(header, logical rows) for each table of a TSV seed. Rows with an empty STT
    right after a repeated header are page-break fragments, joined with a space;
    other empty-STT rows stay separate (a sub-row whose STT cell a writer merges)."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    header: list[str] | None = None
    after_header = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            if line.strip() and not line.startswith(("(", "#")) and header is not None \
                    and not line.startswith("---"):
                header = None
            continue
        cells = line.split("\t")
        plain = [c.replace("<b>", "").replace("</b>", "") for c in cells]
        if plain[0] in ("TT", "STT"):
            if header is None or plain != header:
                header = plain
                tables.append((header, []))
            after_header = True
            continue
        rows = tables[-1][1]
        if not cells[0].strip() and after_header and rows:
            rows[-1] = [f"{a} {b}".strip() if b.strip() else a for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
        after_header = False
    return tables


# -- writers ---------------------------------------------------------------------

def write_xlsx(path: Path, tables) -> Path:
    """Indicators on sheet 1, tasks on sheet 2; title rows above each header with a
    merged title cell; a sub-row with its STT merged vertically with the row above."""
    import openpyxl

    book = openpyxl.Workbook()
    for n, (header, rows) in enumerate(tables):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = f"Phụ lục {n + 1:02d}"
        sheet.append([f"PHỤ LỤC SỐ {n + 1:02d}"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append(["(Kèm theo Thông báo của Ban Chỉ đạo)"])
        sheet.append([])
        sheet.append(header)
        for row in rows:
            if not row[0].strip() and sheet.max_row > 4:
                # The sub-row shares its STT with the row above: a vertical merge.
                sheet.append(row)
                r = sheet.max_row
                sheet.merge_cells(start_row=r - 1, start_column=1, end_row=r, end_column=1)
            else:
                sheet.append([_excel_value(c) for c in row])
    book.save(path)
    return path


def _excel_value(cell: str):
    # STT as a number, as people type it in Excel ("1." becomes 1).
    stripped = cell.strip().rstrip(".")
    return int(stripped) if stripped.isdigit() else cell


def write_docx(path: Path, tables, title_lines=(), split_at: int = 20) -> Path:
    """Each table after a heading; the task table split in two Word tables (the
    second without a header, as when a table runs onto the next page), and a sub-row
    whose STT cell is merged with the row above."""
    import docx

    document = docx.Document()
    for line in title_lines:
        document.add_paragraph(line)
    for n, (header, rows) in enumerate(tables):
        document.add_paragraph(f"Phụ lục số {n + 1:02d}")
        parts = [rows] if len(rows) <= split_at else [rows[:split_at], rows[split_at:]]
        for p, part in enumerate(parts):
            table = document.add_table(rows=0, cols=len(header))
            if p == 0:
                for cell, text in zip(table.add_row().cells, header):
                    cell.text = text
            for row in part:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = text
                if not row[0].strip() and len(table.rows) > 1:
                    above = table.rows[len(table.rows) - 2].cells[0]
                    above.merge(cells[0])
                    # merge() joins the texts; the STT belongs to the top cell only.
                    above.text = table.rows[len(table.rows) - 2].cells[0].text.strip()
            if p == 0 and len(parts) > 1:
                document.add_paragraph("")
    document.save(path)
    return path


def write_csv(path: Path, tables, title_lines=()) -> Path:
    """Both tables in one CSV, a blank line between them, cells quoted as needed."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for line in title_lines:
            writer.writerow([line])
        for header, rows in tables:
            writer.writerow([])
            writer.writerow(header)
            writer.writerows(rows)
    return path


# -- small tables written in each format ------------------------------------------
# A row given as a string is a heading spanning the whole row; a list is a row of cells.

def write_rows_xlsx(path: Path, header: list[str], rows) -> Path:
    """One sheet, a title row above the header; a heading is one value in the first
    cell of a range merged across the row, as Excel keeps it."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH THỬ NGHIỆM"])
    sheet.append(header)
    for row in rows:
        if isinstance(row, str):
            sheet.append([row])
            r = sheet.max_row
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(header))
        else:
            sheet.append(list(row))
    book.save(path)
    return path


def write_rows_docx(path: Path, header: list[str], rows, heading_in_every_cell: bool = False) -> Path:
    """One Word table; a heading is the row's cells merged into one with python-docx.
    With heading_in_every_cell the text is typed in each cell before merging (Word
    then keeps it once per merged cell, one paragraph each)."""
    import docx

    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH THỬ NGHIỆM")
    table = document.add_table(rows=0, cols=len(header))
    for cell, text in zip(table.add_row().cells, header):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        if isinstance(row, str):
            for cell in (cells if heading_in_every_cell else cells[:1]):
                cell.text = row
            cells[0].merge(cells[-1])
        else:
            for cell, text in zip(cells, row):
                cell.text = text
    document.save(path)
    return path
