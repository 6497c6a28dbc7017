"""Period summaries (the quarterly report's paragraph) and the filled appendix files,
on the seed-like plan of tests/test_report_seed.py, against counts worked out by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from docx import Document
from openpyxl import load_workbook

from config.loader import load_config
from domain.calendar import WorkingCalendar
from domain.report import APPENDIX_HEADERS, IndicatorRow, TaskRow, build_period, indicator_met, period_bounds
from notifiers.appendix_files import write_appendix
from store.db import session_scope
from store.models import Cycle
from store.report_loading import appendix_rows, period_data
from tests.test_report_seed import PLAN, insert_seed_plan, task_id

VN = timezone(timedelta(hours=7))
APRIL_10 = datetime(2026, 4, 10, 9, 0, tzinfo=VN)   # when a Q1 report is written


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def seeded(sqlite_url):
    insert_seed_plan(sqlite_url)
    return sqlite_url


def test_bounds():
    assert period_bounds("2026Q1")[:2] == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("2026q4")[3] == "Quý IV/2026"
    assert period_bounds(month="2026-02")[:2] == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds(month="2026-05")[3] == "Tháng 05/2026"
    with pytest.raises(ValueError):
        period_bounds("2026Q5")
    with pytest.raises(ValueError):
        period_bounds(month="2026-13")


def test_quarter_one_as_of_10_april(seeded, config):
    data = period_data(seeded, config, quarter="2026Q1", as_of=APRIL_10)
    s = data["scheduled"]
    # Due in Q1: 34 (28/2) and 13, 18, 21, 22, 23, 35, 42, 47, 49 (31/3) -> 10
    assert s["total"] == 10
    # done by the due day: 34 (20/2), 22 (15/3) early; 13 (31/3) on time -> 3
    assert (s["completed_on_time"], s["completed_early"]) == (3, 2)
    # behind: 18 (done 10/4, late) + 21, 23, 35, 42, 47, 49 (open on 10/4, past due) -> 7
    assert (s["behind"], s["completed_late"], s["overdue_open"], s["in_progress"]) == (7, 1, 6, 0)
    # 21 recurring tasks; no carried-over tasks (nothing due before 2026)
    assert data["recurring"]["total"] == 21
    assert data["carried_over"]["total"] == 0
    # Q1 cycles: task 1 reported March on time, task 2 did not report
    # (reported_undated: a cycle marked reported with no day; it used to count as "not reported")
    assert data["recurring"]["cycles"] == {"due": 2, "reported_on_time": 1, "reported_late": 0,
                                           "reported_undated": 0, "not_reported": 1}
    # indicators: 32% vs 31% met; 80% vs 85% not; "Đạt" met; empty pending
    assert (data["indicators"]["total"], data["indicators"]["met"], data["indicators"]["not_met"],
            data["indicators"]["pending"]) == (4, 2, 1, 1)
    prose = data["prose"]
    assert prose.startswith("Quý I/2026 có 04 chỉ tiêu, 10 nhiệm vụ theo tiến độ và 21 nhiệm vụ triển khai "
                            "thường xuyên.")
    assert "+ Đã hoàn thành chỉ tiêu: 02/04 chỉ tiêu." in prose
    assert "- Tổng số nhiệm vụ được giao trong Quý I/2026: 10 nhiệm vụ;" in prose
    assert "+ Đã hoàn thành đúng hạn: 03 nhiệm vụ" in prose
    assert "+ Chậm tiến độ: 07 nhiệm vụ" in prose
    states = {r["stt"]: r["state"] for r in data["rows"]}
    assert states["34"] == "early" and states["13"] == "on_time" and states["18"] == "late"
    assert states["49"] == "overdue"


def test_second_quarter_midway_and_month(seeded, config):
    may_20 = datetime(2026, 5, 20, 16, 0, tzinfo=VN)
    q2 = period_data(seeded, config, quarter="2026Q2", as_of=may_20)["scheduled"]
    # Due in Q2: 38, 39, 40, 43, 44 (30/4); 36 (31/5); 9, 10, 11, 14, 15, 37 (30/6) -> 12
    assert q2["total"] == 12
    # on time: 38 (20/4, early). 9 is completed without a day: unclassified.
    assert (q2["completed_on_time"], q2["completed_early"], q2["completed_unclassified"]) == (1, 1, 1)
    # behind on 20/5: 39, 40, 43, 44 -> 4; in progress: 36, 10, 11, 14, 15, 37 -> 6
    assert (q2["behind"], q2["in_progress"]) == (4, 6)
    may = period_data(seeded, config, month="2026-05", as_of=may_20)
    assert may["label"] == "Tháng 05/2026" and may["scheduled"]["total"] == 1       # 36
    # carried over into May: due before 1/5 and not done before it: 21, 23, 35, 42, 47, 49 (31/3; 49 done 5/5),
    # 39, 40, 43, 44 (30/4) -> 10, of which 1 (49) done by 20/5 and 9 still open (the prose says both)
    assert may["carried_over"] == {"total": 10, "completed": 1, "open": 9}
    assert "- Nhiệm vụ chuyển tiếp từ kỳ trước: 10 nhiệm vụ, đã hoàn thành: 01, chưa hoàn thành: 09." in may["prose"]


def test_seed_004_figures():
    """The paragraph of seed 004: 11 indicators (6 met), 8 scheduled tasks (7 on time,
    1 behind), 17 recurring tasks."""
    cal = WorkingCalendar()
    q1_end = date(2026, 3, 31)
    tasks = [TaskRow(id=f"s{i}", title=f"NV {i}", stt=str(i), deadline_kind="once", due=q1_end,
                     status="completed", completed_on=date(2026, 3, 20)) for i in range(7)]
    tasks.append(TaskRow(id="late", title="NV chậm", stt="8", deadline_kind="once", due=q1_end))
    tasks += [TaskRow(id=f"r{i}", title=f"TX {i}", stt=str(20 + i), deadline_kind="recurring", every="month")
              for i in range(17)]
    inds = [IndicatorRow(stt=str(i), name=f"CT {i}", target={"raw": "100%", "comparator": "≥", "value": 100},
                         result="100%" if i < 6 else "90%") for i in range(11)]
    data = build_period(tasks, date(2026, 1, 1), q1_end, datetime(2026, 5, 4, tzinfo=VN), cal,
                        label="Quý I/2026", indicators=inds)
    lines = data["prose"].splitlines()
    assert lines[0] == "Quý I/2026 có 11 chỉ tiêu, 08 nhiệm vụ theo tiến độ và 17 nhiệm vụ triển khai thường xuyên."
    assert "- Tổng số chỉ tiêu được giao trong Quý I/2026: 11 chỉ tiêu;" in lines
    assert "+ Đã hoàn thành chỉ tiêu: 06/11 chỉ tiêu." in lines
    assert "- Tổng số nhiệm vụ được giao trong Quý I/2026: 08 nhiệm vụ;" in lines
    assert "+ Đã hoàn thành đúng hạn: 07 nhiệm vụ;" in lines
    assert "+ Chậm tiến độ: 01 nhiệm vụ." in lines


@pytest.mark.parametrize("target,result,met", [
    ({"comparator": "≥", "value": 80}, "85%", True),
    ({"comparator": "≥", "value": 80}, "79,5%", False),
    ({"comparator": "≤", "value": 90}, "Trung bình 85 ngày", True),
    ({"comparator": "≥", "value": 9.5}, "9,5 người", True),
    ({}, "Đạt", True),
    ({}, "Hoàn thành", True),
    ({"comparator": "≥", "value": 100}, "Chưa đạt", False),
    ({}, "Đang thực hiện", False),
    ({}, "", None),
    ({}, "xem báo cáo riêng", None),
])
def test_indicator_met(target, result, met):
    assert indicator_met(target, result) is met


# -- the appendix -----------------------------------------------------------------

def test_appendix_rows(seeded, config):
    with session_scope(seeded) as s:
        s.add(Cycle(task_id=task_id(3), period="2026-03", due=date(2026, 3, 31), status="reported",
                    reported_on=date(2026, 4, 2)))
    rows = {r[0]: r for r in appendix_rows(seeded, config, PLAN, APRIL_10) if not isinstance(r, str)}
    assert len(rows) == 52
    col = {h: i for i, h in enumerate(APPENDIX_HEADERS)}
    res = col["Kết quả thực tế (trước hạn, đúng hạn, quá hạn)"]
    assert rows["34"][res] == "Hoàn thành trước hạn"
    assert rows["13"][res] == "Hoàn thành đúng hạn"
    assert rows["18"][res] == "Hoàn thành quá hạn"
    assert rows["21"][res] == "Chưa hoàn thành (quá hạn 10 ngày)"
    assert rows["38"][res] == "Đang thực hiện"               # done 20/4, after 10/4
    assert rows["51"][res] == "Đã hủy"
    assert rows["1"][res] == "Thường xuyên: đã báo cáo 1/1 kỳ, đúng hạn"
    assert rows["2"][res] == "Thường xuyên: đã báo cáo 0/1 kỳ (1 kỳ chưa báo cáo)"
    assert rows["3"][res] == "Thường xuyên: đã báo cáo 1/1 kỳ (1 kỳ quá hạn)"
    assert rows["52"][res] == "Đang thực hiện (chưa xác định thời hạn)"
    assert rows["13"][col["Số ký hiệu văn bản"]] == "13/KH-UBND"
    assert rows["13"][col["Ngày ban hành"]] == "31/03/2026"
    assert rows["13"][col["Trích yếu nội dung văn bản"]] == "Kế hoạch thực hiện nhiệm vụ số 13"
    assert rows["13"][col["Ngày hoàn thành thực tế"]] == "31/03/2026"
    assert rows["13"][col["Đơn vị chủ trì"]] == "Sở Tài chính"
    assert rows["49"][col["Đơn vị chủ trì"]] == "Sở Khoa học và Công nghệ; Sở Tài chính"
    with pytest.raises(LookupError):
        appendix_rows(seeded, config, "Không có kế hoạch này", APRIL_10)


def test_appendix_xlsx(seeded, config, tmp_path):
    path = write_appendix(appendix_rows(seeded, config, PLAN, APRIL_10), "xlsx", tmp_path / "pl.xlsx", "Phụ lục")
    ws = load_workbook(path).active
    header = [c.value for c in ws[3]]
    assert header == list(APPENDIX_HEADERS)
    by_stt = {str(r[0].value): [c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value}
    res = APPENDIX_HEADERS.index("Kết quả thực tế (trước hạn, đúng hạn, quá hạn)")
    assert by_stt["13"][res] == "Hoàn thành đúng hạn"
    assert by_stt["18"][res] == "Hoàn thành quá hạn"
    assert by_stt["34"][res] == "Hoàn thành trước hạn"
    assert by_stt["22"][APPENDIX_HEADERS.index("Số ký hiệu văn bản")] == "22/KH-UBND"
    assert by_stt["22"][APPENDIX_HEADERS.index("Ngày ban hành")] == "15/03/2026"
    assert by_stt["22"][APPENDIX_HEADERS.index("Trích yếu nội dung văn bản")] == "Kế hoạch thực hiện nhiệm vụ số 22"
    assert len(by_stt) == 52


def test_appendix_docx(seeded, config, tmp_path):
    path = write_appendix(appendix_rows(seeded, config, PLAN, APRIL_10), "docx", tmp_path / "pl.docx", "Phụ lục")
    [table] = Document(str(path)).tables
    assert [c.text for c in table.rows[0].cells] == list(APPENDIX_HEADERS)
    by_stt = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    res = APPENDIX_HEADERS.index("Kết quả thực tế (trước hạn, đúng hạn, quá hạn)")
    assert by_stt["13"][res] == "Hoàn thành đúng hạn"
    assert by_stt["21"][res] == "Chưa hoàn thành (quá hạn 10 ngày)"
    assert by_stt["34"][APPENDIX_HEADERS.index("Số ký hiệu văn bản")] == "34/KH-UBND"
    assert by_stt["34"][APPENDIX_HEADERS.index("Ngày ban hành")] == "20/02/2026"
    assert len(by_stt) == 52


def test_scheduled_period_report_builds_and_renders(seeded, config, tmp_path, monkeypatch):
    """A `kind = "period"` schedule firing on 5/4 summarises the last complete quarter
    (Q1), archives it and renders the period message and page."""
    from activities.reports import ReportActivities
    from config.settings import load_settings
    from contracts.reports import ReportRequest
    from notifiers.report_pages import render_message, render_page
    from store.models import Report

    monkeypatch.setenv("DONDOC_SECRET_KEY", "period-secret-kkkkkkkkkkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": seeded})
    built = ReportActivities(settings, config)._build(
        ReportRequest(kind="period", as_of=datetime(2026, 4, 5, 8, 0, tzinfo=VN).isoformat()))
    assert built.message_kind == "report_period" and built.url.startswith("http://127.0.0.1:8000/r/")
    assert built.title == "Báo cáo kết quả thực hiện nhiệm vụ Quý I/2026"
    message = render_message(built.message_kind, built.context)
    assert "10 nhiệm vụ theo tiến độ" in message.chat and built.url in message.chat and len(message.chat) < 2000
    assert "Hoàn thành trước hạn" in message.html and "Chưa hoàn thành (quá hạn)" in message.html
    with session_scope(seeded) as s:
        row = s.get(Report, built.id)
        assert row.kind == "period" and row.data["period"] == "2026Q1"
        assert '<html lang="vi">' in row.html and "Quý I/2026 có 04 chỉ tiêu" in render_page(row.data)
