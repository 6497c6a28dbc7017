"""The daily report over a plan like seed 003, at chosen moments, against counts
worked out by hand from the document (see tests/test_report_seed.py for the table)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from activities.reports import archive
from config.loader import load_config
from domain.calendar import WorkingCalendar
from domain.report import TOTAL_KEYS, IncidentRow, TaskRow, build_daily
from notifiers.report_pages import message_kind, render_message, render_page, report_context, short_text
from store.db import session_scope
from store.models import Delivery, Incident
from store.report_loading import daily_data
from tests.test_report_seed import PLAN, insert_seed_plan

VN = timezone(timedelta(hours=7))
A = datetime(2026, 4, 15, 16, 0, tzinfo=VN)   # Wednesday
B = datetime(2026, 4, 24, 16, 0, tzinfo=VN)   # Friday before the 26/4-1/5 holidays


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def seeded(db_url):
    """The plan in SQLite and in PostgreSQL."""
    insert_seed_plan(db_url)
    return db_url


def test_totals_on_15_april(seeded, config):
    data = daily_data(seeded, config, A)
    t = data["totals"]
    # 51 seed tasks - 1 cancelled (51) + 1 without a deadline (52)
    assert t["tasks"] == 51
    # done by 15/4: 34 (20/2, early), 22 (15/3, early), 13 (31/3, on time), 18 (10/4, late),
    # 9 (no day: completed, unclassified). 38 (20/4) and 49 (5/5) are still open then.
    assert t["completed"] == 5
    assert (t["completed_early"], t["completed_on_due_day"], t["completed_late"]) == (2, 1, 1)
    assert t["completed_unclassified"] == 1
    assert t["open"] == 46
    # The four classes: on time 34, 22, 13 (early counts as on time); late 18; open overdue:
    # the 6 one-off tasks and task 2's missed March report; the other 39 open in time.
    assert (t["completed_in_time"], t["completed_late"], t["open_in_time"], t["open_overdue"]) == (3, 1, 39, 7)
    assert t["completed_on_time"] == t["completed_on_due_day"] == 1   # the --json contract: on the due day
    # due 31/3 and open on 15/4: 21, 23, 35, 42, 47, 49
    assert t["overdue"] == 6
    assert sorted(int(r["stt"]) for r in data["overdue"]) == [21, 23, 35, 42, 47, 49]
    # nothing falls due 15/4-22/4
    assert t["due_soon"] == 0
    # only task 2 owes a report (March, missed); April's reports are due 29/4, beyond 22/4
    assert t["recurring_due"] == 1
    assert data["recurring_due"][0]["stt"] == "2" and data["recurring_due"][0]["overdue"] is True
    assert t["unknown_deadline"] == 1 and data["unknown_deadline"][0]["stt"] == "52"
    assert t["incidents_open"] == 0
    assert set(TOTAL_KEYS) <= set(t)


def test_days_overdue_and_units(seeded, config):
    data = daily_data(seeded, config, A)
    r = next(r for r in data["overdue"] if r["stt"] == "21")
    assert r["days_overdue"] == 15                      # 31/3 -> 15/4, calendar days
    assert r["working_days_overdue"] == 11              # 1-3, 6-10, 13-15 April
    assert r["plan"] == PLAN and r["due"] == "2026-03-31"
    assert set(r) >= {"plan", "stt", "title", "lead_units", "due", "days_overdue"}
    groups = {g["unit"]: sorted(int(x["stt"]) for x in g["tasks"]) for g in data["overdue_by_unit"]}
    # 49 is led by so-khcn and so-tai-chinh: counted once, under its first lead unit (it
    # used to be listed under both, so the units added up to 7 of the 6 overdue tasks).
    assert groups == {"cong-an-tp": [35, 42], "so-khcn": [23, 49], "Các cơ quan, đơn vị, địa phương": [21, 47]}
    assert sum(g["count"] for g in data["overdue_by_unit"]) == data["totals"]["overdue"] == 6
    t49 = next(x for g in data["overdue_by_unit"] for x in g["tasks"] if x["stt"] == "49")
    assert t49["co_lead_unit_names"] == ["Sở Tài chính"]
    names = {g["unit"]: g["name"] for g in data["overdue_by_unit"]}
    assert names["so-khcn"] == "Sở Khoa học và Công nghệ"
    assert [g["count"] for g in data["overdue_by_unit"]] == [2, 2, 2]   # the unit with most first


def test_totals_on_24_april(seeded, config):
    t = daily_data(seeded, config, B)["totals"]
    assert t["tasks"] == 51
    assert t["completed"] == 6                          # + 38 (20/4, early)
    assert (t["completed_early"], t["completed_on_due_day"], t["completed_late"]) == (3, 1, 1)
    assert t["completed_in_time"] == 4 and t["completed_on_time"] == 1
    assert t["open"] == 45
    assert t["overdue"] == 6                            # 49 still open on 24/4 (done 5/5)
    assert t["due_soon"] == 4                           # 39, 40, 43, 44 (30/4); 38 is done
    assert t["recurring_due"] == 21                     # April's report is due 29/4 (30/4, 1/5 are holidays)
    assert t["unknown_deadline"] == 1


def test_as_of_after_everything(seeded, config):
    t = daily_data(seeded, config, datetime(2026, 7, 1, 16, 0, tzinfo=VN))["totals"]
    # completed: 34, 22, 13, 18, 38, 49, 9 -> early 34, 22, 38; on time 13; late 18, 49
    assert (t["completed"], t["completed_early"], t["completed_on_due_day"], t["completed_late"]) == (7, 3, 1, 2)
    # overdue on 1/7: 21, 23, 35, 42, 47 (31/3); 39, 40, 43, 44 (30/4); 36 (31/5); 10, 11, 14, 15, 37 (30/6)
    assert t["overdue"] == 15
    assert t["open"] == 44


def test_past_as_of_ignores_later_completions(seeded, config):
    # On 1/3 nothing was done yet except 34 (20/2) and 9 (no date: counts at any moment).
    t = daily_data(seeded, config, datetime(2026, 3, 1, 16, 0, tzinfo=VN))["totals"]
    assert t["completed"] == 2 and t["completed_early"] == 1
    assert t["overdue"] == 0                            # 34 was due 28/2 but done 20/2
    assert t["due_soon"] == 0                           # 1/3-8/3: nothing due


def test_newly_overdue_since_previous_report(seeded, config):
    # No previous report: the last 24 hours -- nothing fell due on 14/4.
    assert daily_data(seeded, config, A)["newly_overdue"] == []
    # A report archived on 31/3 at 16:00: everything due 31/3 became overdue since.
    before = datetime(2026, 3, 31, 16, 0, tzinfo=VN)
    archive(seeded, "daily", before, daily_data(seeded, config, before))
    data = daily_data(seeded, config, A)
    assert sorted(int(r["stt"]) for r in data["newly_overdue"]) == [21, 23, 35, 42, 47, 49]
    # ...and once a report was made on 1/4, none of them is new any more.
    after = datetime(2026, 4, 1, 16, 0, tzinfo=VN)
    archive(seeded, "daily", after, daily_data(seeded, config, after))
    assert daily_data(seeded, config, A)["newly_overdue"] == []


def test_incidents_and_failed_deliveries(seeded, config):
    utc = timezone.utc
    with session_scope(seeded) as s:
        s.add(Incident(id="incident/1", unit="cong-an-dk", title="Mã độc trên máy chủ",
                       detected_at=A - timedelta(hours=30), due_at=A - timedelta(hours=6)))
        s.add(Incident(id="incident/2", unit="vhxh", title="Lộ mật khẩu",
                       detected_at=A - timedelta(hours=4), due_at=A + timedelta(hours=20)))
        s.add(Incident(id="incident/3", unit="vhxh", title="Đã báo cáo", status="reported",
                       detected_at=A - timedelta(hours=10), due_at=A + timedelta(hours=14),
                       reported_at=A - timedelta(hours=1)))
        s.add(Incident(id="incident/4", unit="vhxh", title="Sau thời điểm báo cáo",
                       detected_at=A + timedelta(hours=1), due_at=A + timedelta(hours=25)))
        # 21: Zalo and email both failed -> a failed delivery (its channel rows are not counted again)
        k = "task/seed/21||after-1|so-khcn"
        s.add(Delivery(key=k, subject_id="task/seed/21", step="after-1", recipient="so-khcn",
                       channel="none", status="failed", error="zalo: HTTP 500; email: refused",
                       created_at=A - timedelta(hours=2)))
        for ch in ("zalo", "email"):
            s.add(Delivery(key=f"{k}|{ch}", subject_id="task/seed/21", step="after-1", recipient="so-khcn",
                           channel=ch, status="failed", created_at=A - timedelta(hours=2)))
        # 35: Zalo failed, email delivered -> not a failed delivery
        k = "task/seed/35||after-1|cong-an-tp"
        s.add(Delivery(key=k, subject_id="task/seed/35", step="after-1", recipient="cong-an-tp",
                       channel="email", status="sent", created_at=A - timedelta(hours=2)))
        s.add(Delivery(key=k + "|zalo", subject_id="task/seed/35", step="after-1", recipient="cong-an-tp",
                       channel="zalo", status="failed", created_at=A - timedelta(hours=2)))
        # 23: failed, but 30 hours ago (before the window)
        s.add(Delivery(key="task/seed/23||due|so-khcn", subject_id="task/seed/23", step="due",
                       recipient="so-khcn", channel="none", status="failed", created_at=A - timedelta(hours=30)))
    data = daily_data(seeded, config, A)
    assert data["totals"]["incidents_open"] == 2
    by_id = {i["id"]: i for i in data["incidents"]}
    assert by_id["incident/1"]["late"] and by_id["incident/1"]["hours_left"] == -6
    assert by_id["incident/2"]["hours_left"] == 20 and not by_id["incident/2"]["late"]
    # only the failure of the last 24 hours (no previous report)
    assert [(d["subject_id"], d["recipient"]) for d in data["failed_deliveries"]] == [("task/seed/21", "so-khcn")]
    assert "HTTP 500" in data["failed_deliveries"][0]["error"]
    # the incident reported 1 h before A was still open 2 h before A
    earlier = daily_data(seeded, config, A - timedelta(hours=2))
    assert earlier["totals"]["incidents_open"] == 3  # 1, 2 and 3 (4 not yet detected)


def test_short_text_under_2000_with_link_and_page(seeded, config):
    data = daily_data(seeded, config, A)
    link = "http://127.0.0.1:8000/r/" + "x" * 150 + "." + "y" * 27
    text = short_text(data, link)
    assert len(text) < 2000
    assert link in text
    assert "Quá hạn chưa hoàn thành: 6" in text
    page = render_page(data, 1)
    assert '<html lang="vi">' in page
    for stt in ("21", "23", "35", "42", "47", "49"):
        assert f"<td>{stt}</td>" in page


def test_short_text_stays_short_with_thousands_overdue(config):
    cal = WorkingCalendar(config.calendar)
    tasks = [TaskRow(id=f"t{i}", title="Nhiệm vụ rất dài " * 30, plan="P" * 300, stt=str(i),
                     lead_units=(f"Đơn vị số {i % 40} có tên rất dài " * 5,), due=date(2026, 4, 14),
                     deadline_kind="once") for i in range(3000)]
    incidents = [IncidentRow(id=f"i{i}", unit="vhxh", title="Sự cố " * 50, detected_at=A - timedelta(hours=1),
                             due_at=A + timedelta(hours=23)) for i in range(20)]
    data = build_daily(tasks, A, cal, incidents=incidents)
    assert data["totals"]["overdue"] == 3000 and len(data["newly_overdue"]) == 3000
    link = "https://dondoc.example.gov.vn/r/" + "t" * 200
    text = short_text(data, link)
    assert len(text) < 2000 and link in text
    # the short text alone is the chat text of the whole report message
    assert text == render_message(message_kind(data), report_context(data, link)).chat


def test_as_of_must_be_aware(config):
    with pytest.raises(ValueError):
        build_daily([], datetime(2026, 4, 15, 16, 0), WorkingCalendar(config.calendar))


def test_drill_cycles_from_store_only():
    cal = WorkingCalendar()
    from domain.report import CycleRow

    task = TaskRow(id="t", title="Báo cáo thường xuyên", deadline_kind="recurring", every="month")
    cycles = [CycleRow("t", "2026-04", date(2026, 4, 15), "reported", "on_time", date(2026, 4, 15))]
    # April reported on the day it was due: nothing owed on 15/4
    data = build_daily([task], A, cal, cycles=cycles)
    assert data["totals"]["recurring_due"] == 0


def test_seed_003_imported_through_intake(sqlite_url, config, city_notice):
    """Seed 003 read by intake.read_plan and stored as the importer stores it: nothing is
    done yet in the document, so on 15/4 the overdue tasks are those due 28/2 (34) and
    31/3 (13, 18, 21, 22, 23, 35, 42, 47, 49); on 24/4 the five of 30/4 are due soon and
    the 21 recurring tasks owe April's report (due 29/4)."""
    from intake import read_plan
    from store.catalogue import diff_tasks, task_fields, upsert_plan, write_indicators, write_tasks

    result = read_plan(city_notice, config.directory, plan=PLAN)
    with session_scope(sqlite_url) as s:  # as `./dondoc import` writes the catalogue
        plan = upsert_plan(s, result.plan, "003_7469a4b9d1440296.txt")
        rows = [task_fields(result.plan, r) for r in result.tasks]
        write_tasks(s, plan, rows, diff_tasks(s, plan, rows))
        write_indicators(s, plan, result.indicators)
    a = daily_data(sqlite_url, config, A)
    expected = {"tasks": 51, "completed": 0, "open": 51, "overdue": 10, "due_soon": 0, "recurring_due": 0,
                "unknown_deadline": 0, "incidents_open": 0}
    assert {k: a["totals"][k] for k in expected} == expected
    assert sorted(int(r["stt"]) for r in a["overdue"]) == [13, 18, 21, 22, 23, 34, 35, 42, 47, 49]
    assert a["overdue"][0]["stt"] == "34" and a["overdue"][0]["days_overdue"] == 46   # 28/2 -> 15/4
    units = {g["unit"]: g["count"] for g in a["overdue_by_unit"]}
    assert units["so-khcn"] == 3            # 22, 23, 49
    assert units["cong-an-tp"] == 3         # 34, 35, 42
    assert units["so-tai-chinh"] == 1       # 13 (49 is so-khcn's: its first lead unit)
    assert sum(units.values()) == a["totals"]["overdue"]
    b = daily_data(sqlite_url, config, B)["totals"]
    assert (b["overdue"], b["due_soon"], b["recurring_due"]) == (10, 5, 21)
    # The quarter's paragraph: 21 indicators (none reported yet), 10 tasks due in Q1
    # (34; 13, 18, 21, 22, 23, 35, 42, 47, 49), 21 recurring tasks; on 10/4 all 10 are behind.
    from store.report_loading import period_data

    q1 = period_data(sqlite_url, config, quarter="2026Q1", as_of=datetime(2026, 4, 10, 9, 0, tzinfo=VN))
    assert q1["prose"].splitlines()[0] == ("Quý I/2026 có 21 chỉ tiêu, 10 nhiệm vụ theo tiến độ và 21 nhiệm vụ "
                                           "triển khai thường xuyên.")
    assert "+ Chậm tiến độ: 10 nhiệm vụ." in q1["prose"]


def test_drill_recurring_reports_come_from_recorded_cycles_only(seeded):
    """In the drill configuration a cycle lasts 60 s: no calendar month is owed, only
    cycles the workflows recorded (task 2's missed March cycle)."""
    drill = load_config("config/examples/drill.toml")
    data = daily_data(seeded, drill, B)
    assert data["totals"]["recurring_due"] == 1 and data["recurring_due"][0]["stt"] == "2"


def test_a_reminder_acknowledged_in_zalo_shows_as_seen(sqlite_url):
    """Someone of the unit answered "đã nhận" to a reminder: the daily report says the
    overdue task was seen; the others say they were not."""
    from datetime import datetime, timedelta, timezone

    from store.db import session_scope
    from store.models import Event, Task
    from store.report_loading import daily_data

    with session_scope(sqlite_url) as s:
        for n in (1, 2):
            s.add(Task(id=f"task/seen/{n}", title=f"Nhiệm vụ {n}", lead_units=["vhxh"], deadline_kind="once",
                       due=datetime(2026, 3, 31).date(), status="open", stt=str(n)))
        s.add(Event(at=datetime(2026, 4, 2, 2, tzinfo=timezone.utc), subject_id="task/seen/2", kind="zalo_ack",
                    key="zalo:m1", data={"person_id": 1}))
    as_of = datetime(2026, 4, 15, 9, tzinfo=timezone.utc)
    data = daily_data(sqlite_url, None, as_of)
    seen = {r["id"]: r["seen"] for r in data["overdue"]}
    assert seen == {"task/seen/1": False, "task/seen/2": True}
    before = daily_data(sqlite_url, None, datetime(2026, 4, 1, 9, tzinfo=timezone.utc) + timedelta(hours=1))
    assert all(not r["seen"] for r in before["overdue"])  # the answer came later than that report
