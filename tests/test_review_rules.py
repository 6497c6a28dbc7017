"""The rules of the standing office's review and of the moment a result is judged by,
without Temporal: domain/review.py (the grace window on the Vietnamese working
calendar, the reminder's moment), the [review] and [results] sections, the
standing_office level of the recipients rule, the dashboard's and the command
line's reading of a decision, the reports' "returned" count (SQLite and
PostgreSQL) and the appendix's two dates."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from config.loader import EXAMPLES, ConfigError, load_config
from domain.calendar import VN_TZ, CalendarConfig, WorkingCalendar
from domain.directory import Directory, Member, Unit
from domain.recipients import resolve
from domain.report_appendix import build_appendix
from domain.report_rows import TaskRow
from domain.review import ReviewPolicy, judge, judged_result, remind_at
from services.task_review import judged_view, read_review

CAL = WorkingCalendar()


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


# -- the grace window --------------------------------------------------------------------

def test_the_grace_window_counts_working_days_after_the_date_of_issue():
    policy = ReviewPolicy()  # 10 working days
    issued = date(2030, 6, 28)  # a Friday; the 10th working day after it is Friday 12/07
    assert judge(CAL, policy, issued, at(2030, 7, 12)) == ("issued_on", issued)
    assert judge(CAL, policy, issued, at(2030, 7, 15)) == ("arrival", date(2030, 7, 15))
    # The same day: the document cannot tell the hour, the arrival can.
    assert judge(CAL, policy, issued, at(2030, 6, 28, 23)) == ("arrival", issued)
    # Tết 2030 (31/01-06/02) and weekends are not counted: issued 29/01, 10 working days reach 19/02.
    assert judge(CAL, policy, date(2030, 1, 29), at(2030, 2, 19)) == ("issued_on", date(2030, 1, 29))
    assert judge(CAL, policy, date(2030, 1, 29), at(2030, 2, 20))[0] == "arrival"
    assert judge(CAL, replace(policy, grace_days=0), issued, at(2030, 7, 1)) == ("arrival", date(2030, 7, 1))


def test_the_result_of_the_moment():
    due = date(2030, 6, 28)
    assert judged_result(due, None, "issued_on", date(2030, 6, 28), at(2030, 7, 3)) == "on_time"
    assert judged_result(due, None, "issued_on", date(2030, 6, 20), at(2030, 7, 3)) == "early"
    assert judged_result(due, None, "arrival", date(2030, 7, 3), at(2030, 7, 3)) == "late"
    exact = at(2030, 6, 28, 9)  # a drill's exact due instant: after it the same day is late
    assert judged_result(due, exact, "arrival", due, at(2030, 6, 28, 10)) == "late"
    assert judged_result(due, exact, "arrival", due, at(2030, 6, 28, 8)) == "on_time"


def test_the_office_is_reminded_after_working_days_in_office_hours():
    policy = ReviewPolicy(enabled=True)  # 2 working days
    assert remind_at(CAL, policy, at(2030, 7, 3, 10)) == at(2030, 7, 5, 10)       # Wed -> Fri
    assert remind_at(CAL, policy, at(2030, 7, 4, 10)) == at(2030, 7, 8, 10)       # Thu -> Mon
    assert remind_at(CAL, policy, at(2030, 7, 3, 21)) == at(2030, 7, 8, 8)        # at night -> next opening
    assert remind_at(CAL, replace(policy, remind_after_seconds=30), at(2030, 7, 3)) == at(2030, 7, 3) + timedelta(
        seconds=30)


# -- configuration -------------------------------------------------------------------------

def test_review_is_off_unless_configured(tmp_path):
    assert load_config(EXAMPLES / "default.toml").review == ReviewPolicy()
    drill = load_config(EXAMPLES / "drill-review.toml")
    assert (drill.review.enabled, drill.review.remind_after_seconds, drill.review.grace_days) == (True, 30, 10)
    assert drill.directory.standing_office == "vp-ubnd"
    base = (EXAMPLES / "drill.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(base + '\n[review]\nenabled = "có"\nremind_after_days = 0\n[results]\ngrace_days = -1\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    keys = {e.split(":")[0] for e in err.value.errors}
    assert keys == {"review.enabled", "review.remind_after_days", "results.grace_days"}, err.value.errors


# -- who is reminded -------------------------------------------------------------------------

def test_the_standing_office_level_reaches_the_office_and_its_staff():
    office = Unit("vp-ubnd", "Văn phòng HĐND và UBND đặc khu", targets=("outbox://van-phong",))
    unit = Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=("outbox://unit",))
    people = (Member("person:1", "Trần Thị Hoa", "office", (), ("zalo://t/hoa",)),
              Member("person:2", "Lê Văn Nam", "officer", ("vhxh",), ("zalo://t/nam",)))
    directory = Directory(units=(office, unit), standing_office="vp-ubnd", people=people)
    found = resolve(directory, ["vhxh"], ["standing_office"])
    assert [(r.key, r.level) for r in found.recipients] == [("vp-ubnd", "standing_office"),
                                                            ("person:1", "standing_office")]
    assert found.missing == []
    nobody = resolve(replace(directory, units=(replace(office, targets=()), unit), people=()), ["vhxh"],
                     ["standing_office"])
    assert nobody.missing == ["standing_office"]


# -- reading a decision ------------------------------------------------------------------------

def test_a_decision_is_read_and_keyed():
    task = {"id": "task/x/1", "status": "awaiting_review",
            "evidence": {"confirmed_at": "2030-07-03T03:00:00+00:00", "issued_on": "2030-06-28",
                         "judged_by": "issued_on"}}
    assert read_review("return", " ", task, "vanphong").errors == {
        "reason": "Nêu lý do trả lại để đơn vị biết cần hoàn thiện gì."}
    assert read_review("accept", "", {**task, "status": "completed"}, "vanphong").errors["decision"].startswith(
        "Nhiệm vụ đã hoàn thành")
    one = read_review("return", "Thiếu số liệu", task, "vanphong", "f1")
    assert one.arg == {"key": one.key, "decision": "return", "reason": "Thiếu số liệu", "reviewer": "vanphong"}
    assert one.key == read_review("return", "Thiếu số liệu", task, "vanphong", "f1").key  # a double click
    assert one.key != read_review("return", "Thiếu số liệu", task, "vanphong", "f2").key  # a new page
    later = {**task, "evidence": {**task["evidence"], "confirmed_at": "2030-07-09T03:00:00+00:00"}}
    assert read_review("accept", "", task, "dòng lệnh").key != read_review("accept", "", later, "dòng lệnh").key
    assert judged_view(task["evidence"]) == {"judged_by": "issued_on", "issued_on": "2030-06-28",
                                             "confirmed_on": "2030-07-03"}
    assert judged_view(None) == {"judged_by": None, "issued_on": None, "confirmed_on": None}


# -- the reports ---------------------------------------------------------------------------------

def test_the_daily_report_counts_awaiting_and_returned(db_url):
    from store.db import session_scope
    from store.models import Event, Task
    from store.report_loading import daily_data

    now = datetime(2030, 7, 10, 9, tzinfo=timezone.utc)
    with session_scope(db_url) as s:
        for n, status in enumerate(("awaiting_review", "open", "open", "open", "completed")):
            s.add(Task(id=f"task/r/{n}", title=f"Nhiệm vụ {n}", lead_units=["vhxh"], deadline_kind="once",
                       due=date(2030, 7, 1), status=status))
        steps = {1: ["task_review_waiting", "task_returned"],                       # returned, not confirmed again
                 2: ["task_review_waiting", "task_returned", "task_review_waiting"],  # confirmed again (row open:
                 3: []}                                                               # a late write), not returned
        for n, kinds in steps.items():
            for i, kind in enumerate(kinds):
                s.add(Event(subject_id=f"task/r/{n}", kind=kind, at=now - timedelta(hours=5 - i), data={}))
        s.add(Event(subject_id="task/r/3", kind="task_returned", at=now + timedelta(hours=1), data={}))  # later
    data = daily_data(db_url, load_config(EXAMPLES / "drill-review.toml"), now)
    counts = data["progress"]["counts"]
    assert (counts["awaiting_review"], counts["returned"]) == (1, 1)
    assert data["totals"]["overdue"] == 4 and data["totals"]["completed"] == 1  # returned is open (overdue)


def test_the_appendix_shows_both_dates():
    evidence = {"document_number": "15/BC", "issued_on": "2030-06-28", "summary": "Xong",
                "confirmed_at": "2030-07-03T03:00:00+00:00", "judged_by": "issued_on", "judged_on": "2030-06-28"}
    rows = [TaskRow(id="t1", title="A", stt="1", lead_units=("vhxh",), due=date(2030, 6, 28), deadline_kind="once",
                    status="completed", result="on_time", completed_on=date(2030, 6, 28), evidence=evidence),
            TaskRow(id="t2", title="B", stt="2", lead_units=("vhxh",), due=date(2030, 6, 28), deadline_kind="once",
                    status="completed", result="late", completed_on=date(2030, 7, 3),
                    evidence={**evidence, "judged_by": "arrival", "judged_on": "2030-07-03"})]
    table = build_appendix(rows, date(2030, 7, 10))
    from domain.report_appendix import APPENDIX_HEADERS

    column = APPENDIX_HEADERS.index("Ngày hoàn thành thực tế")
    assert table.rows[0][column] == "28/06/2030 (theo văn bản; xác nhận ngày 03/07/2030)"
    assert table.rows[1][column] == "03/07/2030"


def test_calendar_disabled_counts_every_day():
    drill = WorkingCalendar(CalendarConfig(enabled=False))
    assert judge(drill, ReviewPolicy(grace_days=2), date(2030, 7, 5), at(2030, 7, 7)) == ("issued_on",
                                                                                      date(2030, 7, 5))
