"""Hostile files at the import: each attack is tried and must be refused or cut down,
quickly and in little memory, with a Vietnamese reason (intake/archive.py,
intake/excel.py, intake/readers.py, intake/isolated.py).

Memory is measured with tracemalloc (Python allocations: openpyxl's cells, lists of
cells): before the fix a cell at T20000 made 135 MB of them, a Word cell with a
gridSpan of two billion asked for 16 GB."""
from __future__ import annotations

import io
import pickle
import struct
import time
import tracemalloc
import zipfile
from contextlib import contextmanager

import openpyxl
import pytest

from domain.directory import Directory
from intake import IntakeError, read_document, read_plan, read_plan_isolated
from intake.archive import _measure
from intake.isolated import FAILED, _Answer, run_isolated
from intake_helpers import seed_directory, seed_tables, write_xlsx

MIB = 1 << 20
HEADER = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"]
TASK = [1, "Xây dựng kế hoạch chuyển đổi số", "Phòng Văn hóa", "30/6/2026"]
SHEET = "Phụ lục 01"


@contextmanager
def measured(max_mib: float, max_seconds: float):
    """Fails when the block allocates more than `max_mib` (Python heap) or runs longer
    than `max_seconds`."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
        seconds = time.perf_counter() - start
    assert peak < max_mib, f"peak {peak:.0f} MiB"
    assert seconds < max_seconds, f"{seconds:.1f} s"


def plan_xlsx(**cells) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADER)
    sheet.append(TASK)
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, parts: dict[str, bytes | str]) -> bytes:
    """The same archive with parts replaced or added."""
    parts = dict(parts)
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = parts.pop(info.filename, None)
            z.writestr(info.filename, src.read(info.filename) if body is None else body)
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def plan_docx(body: str = "") -> bytes:
    """A Word file whose body starts with `body` (WordprocessingML)."""
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    xml = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("word/document.xml").decode()
    at = xml.index("<w:body>") + len("<w:body>")
    return rezip(out.getvalue(), {"word/document.xml": xml[:at] + body + xml[at:]})


def word_row(*cells: str, tr_pr: str = "", tc_pr: str = "") -> str:
    tcs = "".join(f"<w:tc>{tc_pr if i == 0 else ''}<w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>"
                  for i, c in enumerate(cells))
    return f"<w:tr>{tr_pr}{tcs}</w:tr>"


def messages(result) -> str:
    return "\n".join(p.message for p in result.problems)


# -- XLSX: cells far away -----------------------------------------------------------

def test_xlsx_cell_at_T20000_reads_only_the_first_rows():
    data = plan_xlsx(T20000="x")
    assert len(data) < 6000
    with measured(max_mib=40, max_seconds=5):
        result = read_plan(data, Directory(), filename="t.xlsx")
    assert [t.title for t in result.tasks] == [TASK[1]]
    assert f"Trang tính «{SHEET}» có dữ liệu đến dòng 20.000; chỉ đọc 5.000 dòng đầu" in messages(result)


def test_xlsx_cell_at_XFD1048576_reads_only_the_first_rows_and_columns():
    data = plan_xlsx(XFD1048576="x")
    with measured(max_mib=40, max_seconds=5):
        result = read_plan(data, Directory(), filename="t.xlsx")
    assert [t.title for t in result.tasks] == [TASK[1]]
    assert "có dữ liệu đến dòng 1.048.576" in messages(result)
    assert f"Trang tính «{SHEET}» có dữ liệu đến cột XFD; chỉ đọc 60 cột đầu (A–BH)" in messages(result)


def test_xlsx_lying_dimension_and_a_merge_over_the_whole_sheet():
    """A declared dimension of the whole sheet and a merge of 17 billion cells: a
    non-read-only openpyxl would create every merged cell while loading."""
    data = plan_xlsx()
    xml = sheet_xml(data)
    xml = xml.replace('<dimension ref="A1:D2"/>', '<dimension ref="A1:XFD1048576"/>')
    xml = xml.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="F1:XFD1048576"/></mergeCells>')
    with measured(max_mib=60, max_seconds=10):
        result = read_plan(rezip(data, {"xl/worksheets/sheet1.xml": xml}), Directory(), filename="t.xlsx")
    assert [t.title for t in result.tasks] == [TASK[1]]


def test_xlsx_thousands_of_overlapping_merges_are_dropped():
    data = plan_xlsx()
    merges = "".join('<mergeCell ref="F1:BH5000"/>' for _ in range(5000))
    xml = sheet_xml(data).replace("</sheetData>", f'</sheetData><mergeCells count="5000">{merges}</mergeCells>')
    with measured(max_mib=60, max_seconds=10):
        result = read_plan(rezip(data, {"xl/worksheets/sheet1.xml": xml}), Directory(), filename="t.xlsx")
    assert [t.title for t in result.tasks] == [TASK[1]]
    assert "các vùng gộp ô chồng lên nhau" in messages(result)


def test_xlsx_sheets_past_the_cell_budget_are_skipped():
    book = openpyxl.Workbook()
    for n in range(4):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = f"S{n + 1}"
        sheet["BH5000"] = "x"      # 5 000 × 60 = 300 000 cells each; the budget is 1 000 000
    out = io.BytesIO()
    book.save(out)
    doc = read_document(out.getvalue(), "t.xlsx")
    assert [t.label for t in doc.tables] == ["trang tính «S1»", "trang tính «S2»", "trang tính «S3»"]
    assert doc.notes == ["Bỏ qua trang tính «S4»: tệp đã vượt giới hạn 1.000.000 ô được đọc."]


# -- ZIP: parts too big, bombs, lies -----------------------------------------------------

def test_part_declared_over_50_MiB_is_refused_before_decompressing():
    bomb = plan_docx("<w:p/>" * (10 * MIB))
    assert len(bomb) < 200_000
    with measured(max_mib=5, max_seconds=5), pytest.raises(IntakeError, match="phần «word/document.xml» vượt 50 MB"):
        read_plan(bomb, Directory(), filename="t.docx")


def test_compression_bomb_is_refused_after_the_first_megabytes():
    bomb = plan_docx("<w:p/>" * (7 * MIB))          # 42 MiB: under 50, ~1000:1
    with measured(max_mib=10, max_seconds=5), pytest.raises(IntakeError, match="bom nén"):
        read_plan(bomb, Directory(), filename="t.docx")


def test_total_over_100_MiB_is_refused():
    filler = b"<a/>" * (10 * MIB)                          # 40 MiB each, three of them
    data = rezip(plan_xlsx(), {f"xl/media/f{n}.bin": filler for n in range(3)})
    with pytest.raises(IntakeError, match="tổng cộng vượt 100 MB"):
        read_plan(data, Directory(), filename="t.xlsx")


def test_declared_sizes_that_lie_are_refused():
    """The archive says 1 000 bytes; the part inflates to 60 MiB."""
    data = bytearray(plan_docx("<w:p/>" * (10 * MIB)))
    name = b"word/document.xml"
    local = data.index(b"PK\x03\x04")
    while data[local + 30:local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, 1000)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1000)
    with measured(max_mib=10, max_seconds=5), pytest.raises(IntakeError, match="hỏng"):
        read_plan(bytes(data), Directory(), filename="t.docx")


def test_the_counter_measures_what_comes_out_not_what_is_declared(monkeypatch):
    monkeypatch.setattr("intake.archive.MAX_PART", MIB)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/blob.bin", bytes(range(256)) * (8 * 1024))   # 2 MiB
    archive = zipfile.ZipFile(out)
    with pytest.raises(IntakeError, match="vượt 1 MB"):
        _measure(archive, archive.infolist()[0], room=100 * MIB)


def test_doctype_entity_bomb_is_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                        for i in range(9))
              + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c></row></sheetData></worksheet>')
    data = rezip(plan_xlsx(), {"xl/worksheets/sheet1.xml": laughs})
    with pytest.raises(IntakeError, match="DOCTYPE"):
        read_plan(data, Directory(), filename="t.xlsx")


def test_archive_with_too_many_parts_is_refused():
    data = rezip(plan_docx(), {f"word/media/x{n}.png": b"" for n in range(10_001)})
    with pytest.raises(IntakeError, match="quá nhiều cho một tệp Word/Excel"):
        read_plan(data, Directory(), filename="t.docx")


# -- DOCX: spans and rows -------------------------------------------------------------

def test_word_grid_span_of_two_billion_is_cut_to_60_columns():
    header = word_row("STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn")
    task = word_row("1", TASK[1], "Phòng Văn hóa", "30/6/2026")
    spanned = word_row("2", "x", tc_pr='<w:tcPr><w:gridSpan w:val="2000000000"/></w:tcPr>')
    shifted = word_row("3", "y", tr_pr='<w:trPr><w:gridBefore w:val="2000000000"/></w:trPr>')
    data = plan_docx(f"<w:tbl>{header}{task}{spanned}{shifted}</w:tbl>")
    with measured(max_mib=20, max_seconds=5):
        result = read_plan(data, Directory(), filename="t.docx")
    assert TASK[1] in [t.title for t in result.tasks]
    assert "Bảng 1 có dòng rộng hơn 60 cột; chỉ đọc 60 cột đầu" in messages(result)


def test_word_table_rows_past_5000_are_not_read():
    rows = "".join(word_row(str(n), f"Nhiệm vụ {n}", "Phòng Văn hóa", "30/6/2026") for n in range(1, 5011))
    data = plan_docx(f"<w:tbl>{word_row(*HEADER)}{rows}</w:tbl>")
    result = read_plan(data, Directory(), filename="t.docx")
    assert len(result.tasks) == 4999
    assert "Bảng 1 có hơn 5.000 dòng; chỉ đọc 5.000 dòng đầu" in messages(result)


# -- the child process ------------------------------------------------------------------

def test_isolated_reading_gives_the_same_result(tmp_path):
    path = write_xlsx(tmp_path / "phu-luc.xlsx", seed_tables())
    here = read_plan(path, seed_directory())
    there = read_plan_isolated(path, seed_directory())
    assert there.to_dict() == here.to_dict()
    assert there.problems == here.problems and there.tasks == here.tasks


def test_isolated_reading_passes_the_reason_on():
    bomb = plan_docx("<w:p/>" * (7 * MIB))
    with pytest.raises(IntakeError, match="bom nén"):
        read_plan_isolated(bomb, Directory(), filename="t.docx")
    with pytest.raises(IntakeError, match="Tệp rỗng"):
        read_plan_isolated(b"", Directory(), filename="t.txt")


def shared_strings_xlsx(n: int) -> bytes:
    """A workbook whose shared-string table (loaded whole by openpyxl) holds n strings:
    ~20 MB of XML, ~190 MB of Python strings for a million."""
    data = plan_xlsx()
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode().replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = zipfile.ZipFile(io.BytesIO(data)).read("xl/_rels/workbook.xml.rels").decode().replace(
        "</Relationships>", '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
                            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    table = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + "".join(f"<si><t>{i}</t></si>" for i in range(n)) + "</sst>")
    return rezip(data, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels,
                        "xl/sharedStrings.xml": table})


def test_child_out_of_memory_is_refused_and_the_caller_goes_on():
    memory = 96 * MIB           # a plan needs ~40 MiB; a million shared strings ~190
    with pytest.raises(IntakeError) as refused:
        run_isolated(shared_strings_xlsx(1_000_000), Directory(), None, "t.xlsx", memory=memory)
    assert str(refused.value) == FAILED
    assert FAILED.startswith("Tệp quá lớn hoặc hỏng; không đọc được")
    result = run_isolated(plan_xlsx(), Directory(), None, "t.xlsx", memory=memory)
    assert [t.title for t in result.tasks] == [TASK[1]]


def test_child_past_its_time_is_refused():
    with pytest.raises(IntakeError) as refused:
        run_isolated(plan_xlsx(), Directory(), None, "t.xlsx", timeout=0.01)
    assert str(refused.value) == FAILED


def test_the_childs_answer_cannot_run_code():
    class Evil:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError):
        _Answer(io.BytesIO(pickle.dumps(("result", Evil())))).load()
