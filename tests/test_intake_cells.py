"""Cell cleaning and header matching."""
from __future__ import annotations

import unicodedata

import pytest

from intake.cells import clean, is_bold
from intake.columns import INDICATOR, TASK, match_header, read_header


@pytest.mark.parametrize("raw, cleaned", [
    (r"$\geq 36\%$", "≥ 36%"),
    (r"$\geq 1-3$ doanh nghiệp", "≥ 1-3 doanh nghiệp"),
    (r"$\leq 5$ ngày", "≤ 5 ngày"),
    ("<b>I</b>", "I"),
    ("theo quy định ( <i>trừ các hệ thống</i> ).", "theo quy định (trừ các hệ thống)."),
    ("<ul><li>Sở A</li><li>Sở B</li></ul>", "Sở A\nSở B"),
    ("<p>Đoạn  một</p>\n<p>Đoạn hai</p>", "Đoạn một\nĐoạn hai"),
    ("a &amp; b<br/>c", "a & b\nc"),
    ("  nhiều   khoảng\u00a0trắng  ", "nhiều khoảng trắng"),
    (unicodedata.normalize("NFD", "Hoàn thành"), "Hoàn thành"),
    ("Giá < 5 và > 3", "Giá < 5 và > 3"),
    ("", ""),
])
def test_clean(raw, cleaned):
    assert clean(raw) == cleaned


def test_bold():
    assert is_bold("<b>II</b>") and not is_bold("II") and not is_bold("<b>a</b> b")


@pytest.mark.parametrize("header, field", [
    ("STT", "stt"), ("Stt", "stt"), ("TT", "stt"),
    ("Tên nhiệm vụ", "title"), ("Nội dung công việc", "title"), ("Nhiệm vụ", "title"),
    ("Chủ trì chỉ đạo", "lead_official"),
    ("Lãnh đạo phụ trách chủ trì chỉ đạo và tham mưu thực hiện", "lead_official"),
    ("Đơn vị chủ trì", "lead_units"), ("Cơ quan chủ trì", "lead_units"),
    ("Cơ quan chủ trì (theo dõi, đánh giá)", "lead_units"),
    ("Đơn vị phối hợp", "coordinating_units"), ("Cơ quan phối hợp", "coordinating_units"),
    ("Sản phẩm đầu ra", "output"), ("Kết quả cần đạt", "output"),
    ("Thời hạn", "deadline"), ("Hạn hoàn thành", "deadline"),
    ("Thời gian thực hiện/hoàn thành", "deadline"), ("Thời gian hoàn thành", "deadline"),
    ("THỜI GIAN THỰC HIỆN / HOÀN THÀNH", "deadline"),
    ("Kết quả thực tế (trước hạn, đúng hạn, quá hạn)", "result"), ("Kết quả", "result"),
    ("Trạng thái thực hiện", "result"),
    ("Ngày hoàn thành thực tế", "completed_on"),
    ("Ghi chú", "notes"), ("Ghi  chu", "notes"),
])
def test_task_headers(header, field):
    assert match_header(header, TASK) == field


def test_indicator_table_is_recognised_by_its_main_column():
    header = read_header(["TT", "Tên chỉ tiêu", "Chỉ tiêu năm 2026", "Cơ quan chủ trì theo dõi, đánh giá", "Ghi chú"])
    assert header.kind == INDICATOR
    assert header.signature() == ("stt", "name", "target", "responsible", "notes")
    assert match_header("Chỉ tiêu năm 2027", INDICATOR) == "target"


def test_data_rows_are_not_headers():
    assert read_header(["1.", "Tổ chức phổ biến", "Đồng chí A", "Sở Tài chính", "", "Kế hoạch",
                        "Thường xuyên", ""]) is None
    assert read_header(["<b>I</b>", "<b>Công tác chỉ đạo</b>", "", ""]) is None
    # The first part of a row cut by a page (a printed PDF): short cells that start
    # like column names ("Chủ trì…", "Nhiệm vụ…") under a number are still data.
    assert read_header(["17.", "Chủ trì, phối hợp với các cơ quan liên quan ban", "Đồng chí Hoàng Minh",
                        "Sở Khoa học và Công nghệ", "Các cơ quan", "Văn bản/Báo cáo", "Thường xuyên",
                        "Nhiệm vụ bổ sung (theo Chương trình số"]) is None


def test_result_header_names_the_day_of_its_values():
    """"Kết quả thực hiện đến ngày …" gives the as-of date of the values below it."""
    from intake.columns import read_header

    for text, day in [("Kết quả thực hiện đến ngày 15/4/2026", "2026-04-15"),
                      ("Kết quả thực hiện (đến ngày 31 tháng 3 năm 2026)", "2026-03-31"),
                      ("Kết quả thực hiện", "")]:
        header = read_header(["STT", "Tên chỉ tiêu", "Chỉ tiêu năm 2026", text, "Đơn vị chủ trì"])
        assert header is not None and "result" in header.fields.values()
        assert header.result_as_of == day, text
