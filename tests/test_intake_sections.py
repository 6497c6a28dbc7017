"""Section headings without a Roman numeral: one text across the whole row ("Nhiệm
vụ về hoàn thiện thể chế") is a section in every format, not a task or an
indicator; a task cut by a page break still joins its tail as before."""
from __future__ import annotations

import csv
import io

import pytest

from intake import read_plan
from intake_helpers import seed_directory, write_rows_docx, write_rows_xlsx
from pdf_helpers import write_rows_pdf

HEADER = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Ghi chú"]
H1 = "Nhiệm vụ về hoàn thiện thể chế"
H2 = "Nhiệm vụ về chuyển đổi số"
# Headings as rows spanning the table; tasks numbered again under each heading.
ROWS = [
    H1,
    ["1", "Rà soát văn bản quy phạm pháp luật", "Sở Tài chính", "Tháng 6/2026", ""],
    ["2", "Xây dựng quy chế phối hợp", "Sở Nội vụ", "Quý III/2026", ""],
    H2,
    ["1", "Số hóa hồ sơ lưu trữ", "Sở Khoa học và Công nghệ", "12/2026", ""],
    "III. Về nhân lực",
    ["1", "Đào tạo cán bộ chuyên trách", "Sở Nội vụ", "Quý IV/2026", ""],
]
EXPECTED = [
    ("M1.1", H1, "Rà soát văn bản quy phạm pháp luật"),
    ("M1.2", H1, "Xây dựng quy chế phối hợp"),
    ("M2.1", H2, "Số hóa hồ sơ lưu trữ"),
    ("III.1", "III. Về nhân lực", "Đào tạo cán bộ chuyên trách"),
]
INDICATOR_HEADER = ["TT", "Tên chỉ tiêu", "Chỉ tiêu năm 2026", "Cơ quan chủ trì theo dõi, đánh giá"]
INDICATOR_ROWS = [
    "Chỉ tiêu về kinh tế số",
    ["1", "Tỉ lệ hồ sơ trực tuyến", "≥ 80%", "Sở Nội vụ"],
    ["2", "Tỉ lệ văn bản điện tử", "100%", "Sở Tài chính"],
]


def _text(header, rows, sep="\t", bold=False):
    """Tab-separated text, or CSV quoted as spreadsheets write it; a heading is in
    the title column with every other cell empty."""
    def cells(row):
        if isinstance(row, str):
            return ["", f"<b>{row}</b>" if bold else row] + [""] * (len(header) - 2)
        return row
    out = io.StringIO()
    out.write("KẾ HOẠCH THỬ NGHIỆM\n")
    if sep == "\t":
        out.writelines("\t".join(cells(row)) + "\n" for row in [header, *rows])
    else:
        csv.writer(out, lineterminator="\n").writerows(cells(row) for row in [header, *rows])
    return out.getvalue().encode()


SOURCES = {
    "xlsx merged": lambda p, h, r: write_rows_xlsx(p / "t.xlsx", h, r),
    "docx merged": lambda p, h, r: write_rows_docx(p / "t.docx", h, r),
    "docx typed in every cell, then merged": lambda p, h, r: write_rows_docx(
        p / "t.docx", h, r, heading_in_every_cell=True),
    "pdf, the heading one cell across the ruled row": lambda p, h, r: write_rows_pdf(p / "t.pdf", h, r),
    "tsv": lambda p, h, r: _text(h, r),
    "tsv bold": lambda p, h, r: _text(h, r, bold=True),
    "csv": lambda p, h, r: _text(h, r, sep=","),
    "tsv heading in the STT column": lambda p, h, r: _text(
        h, [[x] + [""] * (len(h) - 1) if isinstance(x, str) else x for x in r]),
    "tsv heading in every cell": lambda p, h, r: _text(
        h, [[x] * len(h) if isinstance(x, str) else x for x in r]),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_unnumbered_heading_is_a_section(tmp_path, source):
    result = read_plan(SOURCES[source](tmp_path, HEADER, ROWS), seed_directory())
    assert [(t.stt, t.section, t.title) for t in result.tasks] == EXPECTED
    assert result.problems == []


@pytest.mark.parametrize("source", ["xlsx merged", "docx merged", "tsv", "csv",
                                    "pdf, the heading one cell across the ruled row"])
def test_unnumbered_heading_in_an_indicator_table(tmp_path, source):
    result = read_plan(SOURCES[source](tmp_path, INDICATOR_HEADER, INDICATOR_ROWS), seed_directory())
    assert [(i.stt, i.section, i.name) for i in result.indicators] == [
        ("1", "Chỉ tiêu về kinh tế số", "Tỉ lệ hồ sơ trực tuyến"),
        ("2", "Chỉ tiêu về kinh tế số", "Tỉ lệ văn bản điện tử"),
    ]
    assert result.tasks == []


TSV_HEADER = "\t".join(HEADER)
TASK_1 = "1\tXây dựng Kế hoạch phát triển khoa học công nghệ thành phố\tSở Tài chính\tQuý II/2026\t"
TASK_2 = "2\tNhiệm vụ hai\tSở Nội vụ\tTháng 3/2026\t"


@pytest.mark.parametrize("rows, titles, sections", [
    # A title-only row after a repeated header is the tail of the task cut by the
    # page, even capitalised and shaped like a heading.
    ([TASK_1, TSV_HEADER, "\tHải Phòng đến năm 2030\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố Hải Phòng đến năm 2030",
      "Nhiệm vụ hai"], ["", ""]),
    # The same after a blank line (a page break in extracted text).
    ([TASK_1, "", "\tHải Phòng đến năm 2030\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố Hải Phòng đến năm 2030",
      "Nhiệm vụ hai"], ["", ""]),
    # A tail with text in other columns too continues the row above.
    ([TASK_1, TSV_HEADER, "\tHải Phòng đến năm 2030\t\t\tBổ sung", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố Hải Phòng đến năm 2030",
      "Nhiệm vụ hai"], ["", ""]),
    # In the middle of a page: lower case or a closing stop is a sub-item of the row above.
    ([TASK_1, "\ttrình Ủy ban nhân dân thành phố phê duyệt\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố\n"
      "trình Ủy ban nhân dân thành phố phê duyệt", "Nhiệm vụ hai"], ["", ""]),
    ([TASK_1, "\t(2) Tổ chức hội nghị triển khai.\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố\n"
      "(2) Tổ chức hội nghị triển khai.", "Nhiệm vụ hai"], ["", ""]),
    # In the middle of a page, capitalised, short, no stop: a heading.
    ([TASK_1, f"\t{H2}\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố", "Nhiệm vụ hai"], ["", H2]),
    # Bold marks a heading even right after a page break.
    ([TASK_1, TSV_HEADER, f"\t<b>{H2}</b>\t\t\t", TASK_2],
     ["Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố", "Nhiệm vụ hai"], ["", H2]),
])
def test_tsv_title_only_rows(rows, titles, sections):
    result = read_plan(("\n".join([TSV_HEADER, *rows]) + "\n").encode(), seed_directory())
    assert [t.title for t in result.tasks] == titles
    assert [t.section for t in result.tasks] == sections
    assert [t.stt for t in result.tasks] == ["1", "2"]


@pytest.mark.parametrize("writer", [write_rows_xlsx, write_rows_docx])
def test_unmerged_title_only_row_still_continues_in_word_and_excel(tmp_path, writer):
    """Without a merge, Word and Excel title-only rows keep today's meaning: a
    sub-item of the row above."""
    rows = [["1", "Nhiệm vụ một", "Sở Tài chính", "Tháng 6/2026", ""],
            ["", "Nhiệm vụ về chuyển đổi số", "", "", ""],
            ["2", "Nhiệm vụ hai", "Sở Nội vụ", "Tháng 3/2026", ""]]
    suffix = "xlsx" if writer is write_rows_xlsx else "docx"
    result = read_plan(writer(tmp_path / f"t.{suffix}", HEADER, rows), seed_directory())
    assert [(t.stt, t.section, t.title) for t in result.tasks] == [
        ("1", "", "Nhiệm vụ một\nNhiệm vụ về chuyển đổi số"), ("2", "", "Nhiệm vụ hai")]


def test_continuation_after_a_merged_heading_is_not_lost(tmp_path):
    """A Roman section, a merged heading under it, then a task cut in two."""
    rows = ["I. Công tác chỉ đạo", H1,
            ["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""],
            ["", "quy phạm pháp luật", "", "", ""]]
    result = read_plan(write_rows_xlsx(tmp_path / "t.xlsx", HEADER, rows), seed_directory())
    assert [(t.stt, t.section, t.title) for t in result.tasks] == [
        ("1", H1, "Rà soát văn bản\nquy phạm pháp luật")]


def test_tsv_title_only_row_of_several_lines_is_a_sub_item():
    rows = [TASK_1, "\tLập danh mục<br>Trình phê duyệt\t\t\t", TASK_2]
    result = read_plan(("\n".join([TSV_HEADER, *rows]) + "\n").encode(), seed_directory())
    assert [(t.section, t.title) for t in result.tasks] == [
        ("", "Xây dựng Kế hoạch phát triển khoa học công nghệ thành phố\nLập danh mục\nTrình phê duyệt"),
        ("", "Nhiệm vụ hai")]
