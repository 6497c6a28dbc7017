"""A plan's indicator table imported for real and judged from its result column as a
careful reader would. The rows are the city notice's (tests/fixtures/city_notice_003.txt:
its 21 indicators, targets and responsible bodies as written) in a small XLSX made here
with a "Kết quả thực hiện đến ngày 31/3/2026" column, filled the way units write results.
The import stores each result as the first reported value as of the header's day; the
command line, the dashboard's page and the period summary read them back, and every
value a person must judge is listed with its reason."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cli.main import build_parser
from config.loader import DEFAULT_CONFIG, load_config
from domain.calendar import VN_TZ
from intake import read_plan
from services.indicator_views import indicator_items
from store.catalogue import upsert_plan, write_indicators
from store.db import session_scope
from store.indicator_models import IndicatorValue
from store.models import Indicator
from store.report_loading import period_data
from web.indicator_board import board

PLAN = "Thông báo 01-TB/BCĐ (chỉ tiêu)"
# STT -> (the result as a unit writes it, how a careful reader judges it).
RESULTS = {
    "1": ("Đạt 32%", "met"), "2": ("15,2%", "not_met"), "3": ("Đang triển khai", "not_met"),
    "4": ("Đạt 87% dân số", "met"), "5": ("100%", "met"), "6": ("98,5%", "not_met"), "7": ("Đạt", "met"),
    "8": ("khoảng 70 %", "not_met"), "9": ("trên 60%", "unclear"), "10": ("", "no_data"),
    "11": ("120/124 xã (96,8%)", "unclear"), "12": ("Hoàn thành 3 hạng mục", "unclear"),
    "13": ("Chưa có số liệu", "no_data"), "14": ("Đang tổng hợp", "no_data"), "15": ("47,3%", "met"),
    "16": ("9,2 người", "not_met"), "17": ("Đã hoàn thành", "met"), "18": ("85 ngày", "met"),
    "19": ("xem báo cáo riêng", "unclear"), "20": ("Vượt chỉ tiêu (40%)", "met"), "21": ("02 doanh nghiệp", "met"),
}
UNCLEAR = {stt for stt, (_, status) in RESULTS.items() if status == "unclear"}
MET = sum(1 for _, status in RESULTS.values() if status == "met")


@pytest.fixture
def config():
    return load_config(DEFAULT_CONFIG)


def xlsx(city_notice, config) -> bytes:
    """The notice's indicator rows with a dated result column, as an office's XLSX."""
    notice = read_plan(city_notice, config.directory)
    wb = Workbook()
    ws = wb.active
    ws.append(["PHỤ LỤC 01: KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"])
    ws.append(["TT", "Tên chỉ tiêu", "Chỉ tiêu năm 2026", "Cơ quan chủ trì theo dõi, đánh giá",
               "Kết quả thực hiện đến ngày 31/3/2026"])
    for rec in notice.indicators:
        ws.append([f"{rec.stt}.", rec.name, rec.target.raw, rec.raw.get("responsible", ""), RESULTS[rec.stt][0]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported(url: str, result, today: date = date(2026, 4, 2)) -> None:
    with session_scope(url) as s:
        write_indicators(s, upsert_plan(s, result.plan, ""), result.indicators, today)


def test_the_result_column_is_judged_as_a_careful_reader_would(city_notice, config, sqlite_url, capsys, monkeypatch):
    result = read_plan(xlsx(city_notice, config), config.directory, plan=PLAN, filename="phu-luc-01.xlsx")
    assert len(result.indicators) == 21
    for rec in result.indicators:
        assert rec.target_year == 2026
        assert rec.result_as_of == ("2026-03-31" if rec.result else ""), rec.stt
    imported(sqlite_url, result)
    imported(sqlite_url, result, date(2026, 4, 20))  # imported again: nothing twice
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(func.count(IndicatorValue.id))) == 20   # every row but the empty one
        assert s.scalar(select(func.count(Indicator.id))) == 21
        days = set(s.scalars(select(IndicatorValue.as_of)))
    assert days == {date(2026, 3, 31)}                                  # the header's day, not the import's

    items = indicator_items(sqlite_url, config, plan=PLAN)
    assert {i["stt"]: i["latest"]["status"] for i in items} == {stt: status for stt, (_, status) in RESULTS.items()}
    shown = board(items)
    assert {i["stt"] for i in shown["unclear"]} == UNCLEAR and all(i["reason"] for i in shown["unclear"])
    assert shown["totals"]["met"] == MET and shown["totals"]["total"] == 21

    # The command line lists every unclear one with its reason.
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    args = build_parser().parse_args(["indicators", "--plan", PLAN])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for i in shown["unclear"]:
        assert f"STT {i['stt']} «{i['name']}»: «{RESULTS[i['stt']][0]}» — {i['reason']}" in out
    assert f"Tổng: 21 chỉ tiêu; đạt {MET}," in out


def test_the_quarter_counts_the_latest_value_as_of_its_end(city_notice, config, sqlite_url):
    """Quý I counts the values describing days up to 31/03; a value describing April
    counts in Quý II, not in Quý I."""
    result = read_plan(xlsx(city_notice, config), config.directory, plan=PLAN, filename="phu-luc-01.xlsx")
    imported(sqlite_url, result)
    with session_scope(sqlite_url) as s:
        second = s.scalar(select(Indicator).where(Indicator.stt == "2"))
        s.add(IndicatorValue(indicator_id=second.id, key="april", value="18%", as_of=date(2026, 4, 15),
                             reported_at=datetime(2026, 4, 16, 3, tzinfo=timezone.utc), status="met"))
    at = datetime(2026, 7, 1, 9, tzinfo=VN_TZ)
    q1 = period_data(sqlite_url, config, quarter="2026Q1", as_of=at, plan=PLAN)
    q2 = period_data(sqlite_url, config, quarter="2026Q2", as_of=at, plan=PLAN)
    assert (q1["indicators"]["total"], q1["indicators"]["met"]) == (21, MET)
    assert (q2["indicators"]["total"], q2["indicators"]["met"]) == (21, MET + 1)
    assert "- Tổng số chỉ tiêu được giao trong Quý I/2026: 21 chỉ tiêu;" in q1["prose"]
    assert f"+ Đã hoàn thành chỉ tiêu: {MET:02d}/21 chỉ tiêu." in q1["prose"]
    assert f"+ Đã hoàn thành chỉ tiêu: {MET + 1:02d}/21 chỉ tiêu." in q2["prose"]
    # As of the report's day: a summary made on 10/04 does not count a value describing 15/04.
    early = period_data(sqlite_url, config, quarter="2026Q2", as_of=datetime(2026, 4, 10, 9, tzinfo=VN_TZ), plan=PLAN)
    assert early["indicators"]["met"] == MET


def test_the_appendix_fills_the_indicator_table(city_notice, config, sqlite_url, tmp_path):
    """`report appendix`'s path: the plan's indicators on their own sheet (XLSX) or table
    (DOCX), the result column headed with the appendix's day and filled with each one's
    latest value and its verdict."""
    from docx import Document
    from openpyxl import load_workbook

    from notifiers.appendix_files import write_appendix
    from store.report_loading import appendix_data

    result = read_plan(xlsx(city_notice, config), config.directory, plan=PLAN, filename="phu-luc-01.xlsx")
    imported(sqlite_url, result)
    appendix = appendix_data(sqlite_url, config, PLAN, datetime(2026, 4, 10, 9, tzinfo=VN_TZ))
    path = write_appendix(appendix.rows, "xlsx", tmp_path / "pl.xlsx", "Phụ lục", appendix.totals, appendix.indicators)
    sheet = load_workbook(path)["Chỉ tiêu"]
    assert [c.value for c in sheet[3]][4] == "Kết quả thực hiện đến ngày 10/04/2026"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 21
    assert rows["9"][4:] == ("trên 60%", "31/03/2026", "Cần xem xét")
    assert rows["1"][4:] == ("Đạt 32%", "31/03/2026", "Đạt") and rows["10"][4:] == (None, None, "Chưa báo cáo")
    path = write_appendix(appendix.rows, "docx", tmp_path / "pl.docx", "Phụ lục", appendix.totals, appendix.indicators)
    table = Document(str(path)).tables[-1]
    assert table.rows[0].cells[4].text == "Kết quả thực hiện đến ngày 10/04/2026"
    assert [c.text for c in table.rows[3].cells][4:] == ["Đang triển khai", "31/03/2026", "Chưa đạt"]
