"""A plan's appendix as the office receives it, a PDF printed from Word, imports
like the Word and Excel files it was printed from: the same tasks, deadlines,
units, officials and statuses. The PDFs are drawn here (tests/pdf_helpers.py):
ruled tables over several pages with the header repeated on each, rows cut by a
page break, merged cells, several appendices; a scanned page is reported, never
guessed; every problem names its page and row."""
from __future__ import annotations

import re
import unicodedata

import pytest

from intake import IntakeError, read_plan
from intake.isolated import FAILED, run_isolated
from intake.sniff import sniff
from intake_helpers import PLAN_003, SEED_003, seed_directory, seed_tables, write_docx, write_xlsx
from pdf_helpers import ABOVE, Writer, pdf_bytes, write_pdf, write_rows_pdf
from test_intake_formats import TITLE

HEADER = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Kết quả"]
SEND = "Word (.docx) hoặc Excel (.xlsx) gốc"


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    """The seed's two appendices printed: (path, the drawing, its import)."""
    path = tmp_path_factory.mktemp("pdf") / "phu-luc.pdf"
    drawn = write_pdf(path, seed_tables(), title_lines=TITLE)
    return path, drawn, read_plan(path, seed_directory())


@pytest.fixture(scope="module")
def from_docx(tmp_path_factory):
    path = write_docx(tmp_path_factory.mktemp("docx") / "phu-luc.docx", seed_tables(), title_lines=TITLE)
    return read_plan(path, seed_directory())


def _same(got, want):
    got, want = got.to_dict(), want.to_dict()
    assert got["plan"] == want["plan"]
    assert [t["stt"] for t in got["tasks"]] == [t["stt"] for t in want["tasks"]]
    for a, b in zip(got["tasks"], want["tasks"]):
        assert a == b, a["stt"]
    assert got["indicators"] == want["indicators"]
    # The same problems, each named by its place in its own format.
    strip = lambda ps: sorted(p["message"].split(": ", 1)[1] for p in ps)  # noqa: E731
    assert strip(got["problems"]) == strip(want["problems"])


def test_the_printed_appendix_imports_like_the_word_and_excel_files(seed_pdf, from_docx, tmp_path):
    path, drawn, result = seed_pdf
    # What the drawing holds: both appendices over many pages, the header repeated on
    # each page and rows cut in two by a page break.
    assert drawn.page >= 8 and drawn.repeated_headers >= 5 and drawn.split_rows >= 3
    assert sniff(path.read_bytes(), "phu-luc.xlsx") == "pdf"
    assert result.plan == PLAN_003
    assert len(result.tasks) == 51 and len(result.indicators) == 21
    _same(result, from_docx)
    from_xlsx = read_plan(write_xlsx(tmp_path / "phu-luc.xlsx", seed_tables()), seed_directory(), plan=PLAN_003)
    _same(result, from_xlsx)
    _same(result, read_plan(SEED_003, seed_directory(), plan=PLAN_003))
    done = [t for t in result.tasks if t.status == "completed"]
    assert [t.stt for t in done] == [t.stt for t in from_docx.tasks if t.status == "completed"]


def test_problems_name_the_page_and_row_as_printed(seed_pdf):
    _, drawn, result = seed_pdf
    located = [p for p in result.problems if p.stt]
    assert len(located) >= 10
    for problem in located:
        # Table 1 holds the indicators, table 2 the tasks; both number from 1.
        table = 1 if "chỉ tiêu được theo dõi" in problem.message else 2
        page, _, row = drawn.where[(table, f"{problem.stt}.")]
        assert problem.message.startswith(f"{drawn.label(table, problem.stt + '.')} (STT {problem.stt}): ")
        assert (problem.page, problem.row) == (page, row)
        assert problem.to_dict()["page"] == page
    assert any(", bảng 2, dòng" in p.message for p in located)     # a page with both appendices


@pytest.mark.parametrize("open_splits, repeat_header", [(False, True), (True, True), (True, False)],
                         ids=["closed at the cut", "left open at the cut", "open, no header repeated"])
def test_a_row_cut_by_the_page_is_one_task(tmp_path, open_splits, repeat_header):
    """Long rows in a narrow column: rows are cut by page breaks, their halves joined,
    whether the writer closed the cut with a line or left it open."""
    long = "Xây dựng và triển khai " + "nền tảng số dùng chung của thành phố, " * 12 + "giai đoạn 2026-2030"
    rows = [[str(n), f"{long} (phần {n})", "Sở Tài chính", "Quý IV/2026", ""] for n in range(1, 11)]
    pdf = Writer(tmp_path / "t.pdf", open_splits=open_splits)
    pdf.text("KẾ HOẠCH THỬ NGHIỆM", bold=True)
    pdf.table(HEADER, rows, widths=[30, 120, 200, 200, 220], repeat_header=repeat_header)
    pdf.save()
    assert pdf.split_rows >= 2 and pdf.page >= 3
    result = read_plan(tmp_path / "t.pdf", seed_directory())
    assert [(t.stt, t.title, t.lead_units, t.deadline.due.isoformat()) for t in result.tasks] == [
        (str(n), f"{long} (phần {n})", ["stc"], "2026-12-31") for n in range(1, 11)]
    assert result.problems == []


def test_merged_cells_a_section_across_the_row_and_a_unit_merged_down(tmp_path):
    rows = [
        "I. Về thể chế",
        ["1", "Rà soát văn bản quy phạm pháp luật", "Sở Tài chính", "Tháng 6/2026", "Hoàn thành ngày 20/5/2026"],
        ["2", "Xây dựng quy chế phối hợp", ABOVE, "Quý III/2026", "Đang thực hiện"],
        "Nhiệm vụ về chuyển đổi số",
        ["1", "Số hóa hồ sơ lưu trữ", "Sở Nội vụ", "12/2026", ""],
    ]
    result = read_plan(write_rows_pdf(tmp_path / "t.pdf", HEADER, rows), seed_directory())
    got = [(t.stt, t.section, t.title, t.lead_units, t.deadline.due.isoformat(), t.status,
            t.completed_on and t.completed_on.isoformat()) for t in result.tasks]
    assert got == [
        ("I.1", "I. Về thể chế", "Rà soát văn bản quy phạm pháp luật", ["stc"], "2026-06-30", "completed", "2026-05-20"),
        ("I.2", "I. Về thể chế", "Xây dựng quy chế phối hợp", ["stc"], "2026-09-30", "open", None),
        ("M1.1", "Nhiệm vụ về chuyển đổi số", "Số hóa hồ sơ lưu trữ", ["snv"], "2026-12-31", "open", None),
    ]
    assert result.problems == []


def _appendices():
    indicators = (["TT", "Tên chỉ tiêu", "Chỉ tiêu năm 2026", "Cơ quan chủ trì theo dõi, đánh giá"],
                  [["1", "Tỉ lệ hồ sơ trực tuyến", "≥ 80%", "Sở Nội vụ"],
                   ["2", "Tỉ lệ văn bản điện tử", "100%", "Sở Tài chính"]])
    tasks_a = (HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""],
                        ["2", "Xây dựng quy chế", "Sở Nội vụ", "Quý III/2026", "Hoàn thành"]])
    tasks_b = (HEADER, [["1", "Số hóa hồ sơ", "Sở Khoa học và Công nghệ", "12/2026", ""]])
    more = (indicators[0], [["1", "Số doanh nghiệp công nghệ số", "≥ 50 doanh nghiệp", "Sở Tài chính"]])
    return [indicators, tasks_a, tasks_b, more]


def test_several_appendices_each_land_where_they_belong(tmp_path):
    """Phụ lục 01 indicators, 02 and 03 tasks, 04 indicators again, some sharing a page."""
    tables = _appendices()
    pdf = write_pdf(tmp_path / "t.pdf", tables, title_lines=["KẾ HOẠCH", "Số: 12/KH-UBND"])
    assert pdf.page == 1                              # four tables on one page
    result = read_plan(tmp_path / "t.pdf", seed_directory())
    want = read_plan(write_docx(tmp_path / "t.docx", tables, title_lines=["KẾ HOẠCH", "Số: 12/KH-UBND"]),
                     seed_directory())
    assert result.plan == want.plan == "Kế hoạch số 12/KH-UBND"
    assert result.to_dict()["tasks"] == want.to_dict()["tasks"]
    assert result.to_dict()["indicators"] == want.to_dict()["indicators"]
    assert [t.stt for t in result.tasks] == ["2/1", "2/2", "3/1"]
    assert [i.name for i in result.indicators] == ["Tỉ lệ hồ sơ trực tuyến", "Tỉ lệ văn bản điện tử",
                                                   "Số doanh nghiệp công nghệ số"]


# Cut by the narrow column into "https://congbao.h" / "aiphong.gov.vn/v" / "an-ban/57-NQ-TW" / ".pdf".
URL = "https://congbao.haiphong.gov.vn/van-ban/57-NQ-TW.pdf"


def test_words_broken_inside_a_cell_and_letters_of_every_convention(tmp_path):
    """Narrow columns: a number cut after its hyphen, a word longer than the column,
    lines the author broke kept; text in decomposed form, the new tone convention
    and a Cyrillic letter read as the Word file's text is."""
    title = unicodedata.normalize("NFD", "Triển khai Nghị quyết số 57-NQ/TW về hoá đơn điện tử trong toàn thành phố")
    rows = [["1", title, "Sở Tài chính\nSở Nội vụ", "Quý II/2026", URL],
            ["2", "Tập huấn cho cán bộ", "Sở Khoa học và Công nghệ", "Tháng 9/2026", ""],
            ["3", "Chuẩn hoá dữ liệu", "Sở Tài chính", "Tháng 10/2026", "Thuỷ lợi"]]
    rows[1][2] = rows[1][2].replace("o", "\u043e", 1)            # Cyrillic о in "Khoa"
    pdf = Writer(tmp_path / "t.pdf")
    pdf.text("KẾ HOẠCH THỬ NGHIỆM", bold=True)
    header = [*HEADER[:4], "Ghi chú"]
    pdf.table(header, rows, widths=[28, 96, 90, 70, 80])
    pdf.save()
    result = read_plan(tmp_path / "t.pdf", seed_directory())
    import docx as _docx  # the same rows as a Word table
    document = _docx.Document()
    table = document.add_table(rows=0, cols=len(header))
    for values in [header, *rows]:
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text
    document.save(tmp_path / "t.docx")
    want = read_plan(tmp_path / "t.docx", seed_directory(), plan=result.plan)
    _same(result, want)
    first = result.tasks[0]
    assert first.title == unicodedata.normalize("NFC", title)
    assert first.lead_units == ["stc", "snv"] and first.notes == URL
    assert result.tasks[1].lead_units == ["skhcn"]


def test_a_long_token_alone_on_its_line_keeps_the_space_after_it(tmp_path):
    """"pakn.ng57.vn" fills its line to within a letter and "và" wraps: that is a
    space, not a word cut by the column (as in a LibreOffice print of the seed)."""
    from pdf_helpers import PAD, width_of

    title = "Theo dõi qua Hệ thống pakn.ng57.vn và các kênh có liên quan"
    column = width_of("pakn.ng57.vn") + 2 + 2 * PAD
    pdf = Writer(tmp_path / "t.pdf")
    pdf.table(HEADER, [["1", title, "Sở Tài chính", "Tháng 6/2026", ""]], widths=[30, column, 120, 100, 100])
    pdf.save()
    result = read_plan(tmp_path / "t.pdf", seed_directory())
    assert [t.title for t in result.tasks] == [title]


def test_a_scanned_page_is_reported_and_nothing_guessed(tmp_path):
    def build(pdf):
        pdf.text("KẾ HOẠCH", bold=True)
        pdf.text("Số: 12/KH-UBND", center=False)
        pdf.table(HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""]])
        pdf.scanned_page(["STT   Tên nhiệm vụ   Đơn vị chủ trì   Thời hạn",
                          "2     Nhiệm vụ trên trang quét   Sở Nội vụ   Tháng 5/2026"])
        pdf.table(HEADER, [["3", "Số hóa hồ sơ", "Sở Nội vụ", "12/2026", ""]])
    result = read_plan(pdf_bytes(build), seed_directory())
    assert [t.stt for t in result.tasks] == ["1", "3"]
    assert not any("quét" in t.title for t in result.tasks)
    [note] = [p for p in result.problems if "bản quét" in p.message]
    assert note.message.startswith("Trang 2 là bản quét") and SEND in note.message and note.severity == "warning"

    with pytest.raises(IntakeError) as err:
        read_plan(pdf_bytes(lambda pdf: [pdf.scanned_page(["STT  Tên nhiệm vụ"]), pdf.scanned_page(["1  A"])]),
                  seed_directory())
    assert str(err.value).startswith("Không nhập được bảng nào.\n- Các trang 1–2 là bản quét")
    assert SEND in str(err.value)


def test_a_scan_with_recognised_text_is_reported_too():
    def build(pdf):
        pdf.table(HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""]])
        pdf.scanned_page(["STT  Tên nhiệm vụ  Đơn vị chủ trì  Thời hạn",
                          "2  Nhiệm vụ nhận dạng từ ảnh quét  Sở Nội vụ  Tháng 5/2026"], ocr=True)
    result = read_plan(pdf_bytes(build), seed_directory())
    assert [t.stt for t in result.tasks] == ["1"]
    [note] = result.problems
    assert note.message.startswith("Trang 2 là bản quét đã nhận dạng chữ (OCR)") and SEND in note.message


def test_the_plan_is_named_from_the_first_page_s_two_column_heading():
    def build(pdf):
        pdf.heading_columns(["BAN CHỈ ĐẠO PHÁT TRIỂN KHOA HỌC", "Số: 45-TB/BCĐ"],
                            ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Hải Phòng, ngày 20 tháng 3 năm 2026"])
        pdf.text("THÔNG BÁO", bold=True, size=13)
        pdf.text("Kết luận của Trưởng Ban Chỉ đạo tại phiên họp thứ nhất", bold=True)
        pdf.table(HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""]])
    result = read_plan(pdf_bytes(build), seed_directory())
    assert result.plan == "Thông báo số 45-TB/BCĐ"
    assert [t.title for t in result.tasks] == ["Rà soát văn bản"]


def test_a_border_drawn_a_few_points_off_in_one_row_keeps_the_columns(tmp_path):
    """One row's cells were dragged in Word: its border between two columns stands
    4 points right of the others'. Its text still belongs to the columns it is under."""
    rows = [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", "Hoàn thành"],
            ["2", "Xây dựng quy chế", "Sở Nội vụ", "Quý III/2026", ""],
            ["3", "Số hóa hồ sơ", "Sở Khoa học và Công nghệ", "12/2026", ""]]
    pdf = Writer(tmp_path / "t.pdf")
    pdf.table(HEADER, rows, nudge={1: (3, 4.5), 2: (2, -4.0)})
    pdf.save()
    result = read_plan(tmp_path / "t.pdf", seed_directory())
    assert [(t.stt, t.title, t.lead_units, t.deadline.raw, t.status) for t in result.tasks] == [
        ("1", "Rà soát văn bản", ["stc"], "Tháng 6/2026", "completed"),
        ("2", "Xây dựng quy chế", ["snv"], "Quý III/2026", "open"),
        ("3", "Số hóa hồ sơ", ["skhcn"], "12/2026", "open"),
    ]
    assert result.problems == []


def test_a_table_whose_columns_are_unknown_is_reported_and_the_rest_imports(tmp_path):
    def build(pdf):
        pdf.text("KẾ HOẠCH", bold=True)
        pdf.table(["Họ và tên", "Chức vụ", "Điện thoại"], [["Nguyễn Văn An", "Chuyên viên", "0901 234 567"]])
        pdf.table(HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""]])
        pdf.new_page()
        pdf.table(HEADER, [["2", "Không kẻ ô", "Sở Nội vụ", "Tháng 7/2026", ""]], ruled=False)
    result = read_plan(pdf_bytes(build), seed_directory())
    assert [t.title for t in result.tasks] == ["Rà soát văn bản"]
    messages = [p.message for p in result.problems]
    assert messages[0].startswith("Trang 1, bảng 1: có một bảng 3 cột (dòng đầu «Họ và tên | Chức vụ | Điện thoại»)")
    assert messages[1].startswith("Trang 2 có bảng nhưng các ô không có đường kẻ") and SEND in messages[1]


def test_damaged_and_locked_pdfs_say_so():
    with pytest.raises(IntakeError, match="Tệp PDF bị hỏng"):
        read_plan(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", seed_directory())

    def locked(pdf):
        from reportlab.lib.pdfencrypt import StandardEncryption

        pdf.canvas._doc.encrypt = StandardEncryption("mat-khau", canPrint=1)
        pdf.table(HEADER, [["1", "Rà soát văn bản", "Sở Tài chính", "Tháng 6/2026", ""]])
    with pytest.raises(IntakeError, match="mật khẩu"):
        read_plan(pdf_bytes(locked), seed_directory())


def test_limits_of_pages_and_ruling_lines(monkeypatch):
    import intake.pdf as pdf_module

    def build(pdf):
        for n in range(1, 4):
            pdf.table(HEADER, [[str(n), f"Nhiệm vụ {n}", "Sở Tài chính", "Tháng 6/2026", ""]])
            pdf.new_page()
    data = pdf_bytes(build)
    monkeypatch.setattr(pdf_module, "MAX_PDF_PAGES", 2)
    result = read_plan(data, seed_directory())
    assert [t.stt for t in result.tasks] == ["1", "2"]
    assert any(re.match(r"Tệp có 3 trang; chỉ đọc 2 trang đầu", p.message) for p in result.problems)
    monkeypatch.setattr(pdf_module, "MAX_PAGE_EDGES", 5)
    with pytest.raises(IntakeError, match="Trang 1 có hơn 5 đường kẻ"):
        read_plan(data, seed_directory())


def _heavy_pdf(segments: int) -> bytes:
    """One page drawn with many short strokes: slow for any PDF reader to take apart."""
    def build(pdf):
        path = pdf.canvas.beginPath()
        for i in range(segments):
            x, y = 10 + (i // 800) * 3, 10 + i % 800
            path.moveTo(x, y)
            path.lineTo(x + 2, y + 0.5)
        pdf.canvas.drawPath(path)
    return pdf_bytes(build)


def test_a_pdf_that_takes_too_long_ends_the_child_not_the_caller():
    """The web upload and the CLI read a user's file in a child process with a CPU
    limit (intake/isolated.py); a PDF is no exception."""
    import time

    start = time.monotonic()
    with pytest.raises(IntakeError) as err:
        run_isolated(_heavy_pdf(20_000), seed_directory(), None, "nang.pdf", cpu_seconds=1, timeout=30)
    assert str(err.value) == FAILED
    assert time.monotonic() - start < 20
