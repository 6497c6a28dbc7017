"""Import of unit and official cells as offices write them: bodies whose name holds
"và" stay whole, officials written "Đồng chí NAME - TITLE: …" are found by name,
in text, Excel and Word alike."""
from __future__ import annotations

import pytest

from domain.directory import Directory, Official, Unit
from intake import read_plan
from intake_helpers import write_rows_docx, write_rows_xlsx
from pdf_helpers import write_rows_pdf

DIRECTORY = Directory(
    units=(
        Unit("vp", "Văn phòng HĐND và UBND đặc khu", lead_official="b"),
        Unit("skhcn", "Sở Khoa học và Công nghệ"),
        Unit("vhtt", "Phòng Văn hóa và Thông tin"),
        Unit("vhxh", "Phòng Văn hóa - Xã hội"),
        Unit("kt", "Phòng Kinh tế"),
        Unit("nv", "Phòng Nội vụ"),
    ),
    officials=(
        Official("tuyen", "Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu"),
        Official("a", "Nguyễn Văn An", "Trưởng phòng Nội vụ"),
        Official("b", "Trần Thị Bình", "Chánh Văn phòng HĐND và UBND đặc khu"),
    ),
    standing_office="vp",
)
HEADER = ["STT", "Tên nhiệm vụ", "Lãnh đạo phụ trách", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn"]
LEAD = "Đồng chí Phạm Trí Tuyến - Phó Chủ tịch UBND đặc khu: Chủ trì"

# title: (lead official cell, lead units cell, coordinating cell,
#         lead units, coordinating units, lead official, advisers)
ROWS = {
    "Rà soát thể chế": (
        LEAD, "Văn phòng HĐND và UBND đặc khu", "Phòng Văn hóa và Thông tin",
        ["vp"], ["vhtt"], "tuyen", []),
    "Số hóa hồ sơ": (
        LEAD + "\nĐồng chí Nguyễn Văn An - Ủy viên Đảng ủy, Trưởng phòng Nội vụ: Tham mưu thực hiện",
        "Văn phòng HĐND và UBND đặc khu và Phòng Văn hóa - Xã hội", "Sở Khoa học và Công nghệ",
        ["vp", "vhxh"], ["skhcn"], "tuyen", ["a"]),
    "Tập huấn chuyển đổi số": (
        "Đ/c Phạm Trí Tuyên – Phó Chủ tịch UBND đặc khu: Chủ trì; đ/c Nguyễn Văn An – Trưởng phòng "
        "Nội vụ; đ/c Trần Thị Bình – Chánh Văn phòng: Tham mưu thực hiện",
        "Phòng Văn hóa và Thông tin, Phòng Kinh tế", "Văn phòng HĐND và UBND đặc khu; Phòng Nội vụ",
        ["vhtt", "kt"], ["vp", "nv"], "tuyen", ["a", "b"]),
    "Báo cáo quý": (
        "Ông Phạm Trí Tuyến — Phó Chủ tịch UBND đặc khu - Đồng chí Nguyễn Văn An - Trưởng phòng "
        "Nội vụ - Đồng chí Trần Thị Bình - Chánh Văn phòng: Tham mưu thực hiện",
        "Phòng Nội vụ\nVăn phòng HĐND và UBND đặc khu", "Phòng Văn hóa và Thông tin và các đơn vị liên quan",
        ["nv", "vp"], ["vhtt", "các đơn vị liên quan"], None, ["tuyen", "a", "b"]),
}


def _rows():
    return [[str(n), title, official, lead, coordinating, "Quý II/2026"]
            for n, (title, (official, lead, coordinating, *_)) in enumerate(ROWS.items(), start=1)]


def _tsv(tmp_path):
    lines = ["KẾ HOẠCH THỬ NGHIỆM", "\t".join(HEADER)]
    lines += ["\t".join(cell.replace("\n", "<br>") for cell in row) for row in _rows()]
    return ("\n".join(lines) + "\n").encode()


WRITERS = {
    "tsv": _tsv,
    "xlsx": lambda tmp_path: write_rows_xlsx(tmp_path / "t.xlsx", HEADER, _rows()),
    "docx": lambda tmp_path: write_rows_docx(tmp_path / "t.docx", HEADER, _rows()),
    # Printed: long cells wrap over several lines, the cells' own line breaks kept.
    "pdf": lambda tmp_path: write_rows_pdf(tmp_path / "t.pdf", HEADER, _rows()),
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_units_and_officials_as_offices_write_them(tmp_path, fmt):
    result = read_plan(WRITERS[fmt](tmp_path), DIRECTORY)
    assert [t.title for t in result.tasks] == list(ROWS)
    for task, (_, _, _, lead, coordinating, official, advisers) in zip(result.tasks, ROWS.values()):
        assert task.lead_units == lead, task.title
        assert task.coordinating_units == coordinating, task.title
        assert task.lead_official == official, task.title
        assert task.advisers == advisers, task.title
        assert not task.unassigned
    # Everybody and every unit was found: nothing to report.
    assert result.problems == []


@pytest.mark.parametrize("cell, lead_units, raw, unknown", [
    ("Văn phòng HĐND và UBND đặc khu", ["vp"], ["Văn phòng HĐND và UBND đặc khu"], []),
    ("Phòng Tư pháp và Văn phòng HĐND và UBND đặc khu", ["Phòng Tư pháp", "vp"],
     ["Phòng Tư pháp", "Văn phòng HĐND và UBND đặc khu"], ["Phòng Tư pháp"]),
    ("Văn phòng HĐND và UBND đặc khu, Trung tâm Y tế", ["vp", "Trung tâm Y tế"],
     ["Văn phòng HĐND và UBND đặc khu", "Trung tâm Y tế"], ["Trung tâm Y tế"]),
])
def test_leftover_units_are_reported_in_place(cell, lead_units, raw, unknown):
    text = "\t".join(HEADER) + "\n" + "\t".join(["1", "Nhiệm vụ", "", cell, "", "Quý II/2026"]) + "\n"
    result = read_plan(text.encode(), DIRECTORY)
    task, problems = result.tasks[0], result.problems
    assert task.lead_units == lead_units and task.lead_units_raw == raw
    assert [p.message.split("«")[1].split("»")[0] for p in problems] == unknown
    # The office whose name holds "và" is never reported as two unknown units.
    assert not any("«Văn phòng HĐND»" in p.message or "«UBND đặc khu»" in p.message for p in problems)
