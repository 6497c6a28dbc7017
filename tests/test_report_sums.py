"""Every figure of every report is the sum of its parts, for any plan at any moment.

Hypothesis builds random plans: one-off and recurring tasks, several units (tasks with
two or three lead units, and none), completed with and without a day (and with or
without a stored result), early / on time / late, cancelled, without a deadline,
recurring cycles reported on time, late, without a day or not at all, indicators; and
reads them at random moments. For the daily report (build_daily and its texts), the
period summary (build_period, its prose and table) and the appendix (build_appendix
and the totals rows of its XLSX/DOCX files) each total must equal its parts, and the
reports must agree with each other on the same plan at the same moment.

Run it harder with DONDOC_HYPOTHESIS_EXAMPLES=2000 (default: hypothesis's 100).
"""
from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.report import (
    APPENDIX_CLASSES,
    NO_UNIT,
    RESULT_COLUMN,
    CycleRow,
    IndicatorRow,
    TaskRow,
    build_appendix,
    build_daily,
    build_period,
    local_day,
    period_bounds,
    period_figures,
)

EXAMPLES = int(os.environ.get("DONDOC_HYPOTHESIS_EXAMPLES", settings.default.max_examples))
SUMS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VN = timezone(timedelta(hours=7))
CAL = WorkingCalendar()
UNITS = ("so-khcn", "so-tai-chinh", "cong-an-tp", "vhxh", "Các cơ quan, đơn vị, địa phương")
UNIT_NAMES = {"so-khcn": "Sở Khoa học và Công nghệ", "so-tai-chinh": "Sở Tài chính", "cong-an-tp": "Công an thành phố"}
# The plan's days and the moments read: 1/12/2025 - 29/7/2026, a window narrow enough
# that the periods summarised (Q4/2025 - Q3/2026, 12/2025 - 7/2026) hold many of them.
FIRST_DAY = date(2025, 12, 1)
DAYS = 240

days = st.integers(0, DAYS).map(lambda n: FIRST_DAY + timedelta(days=n))
# none, one, two or three lead units (a unit may be named twice, as documents do)
lead_units = st.sampled_from((0, 1, 1, 2, 2, 3)).flatmap(
    lambda n: st.lists(st.sampled_from(UNITS), min_size=n, max_size=n))


@st.composite
def tasks(draw, n: int) -> TaskRow:
    kind = draw(st.sampled_from(("once", "once", "once", "recurring", "unknown")))
    status = draw(st.sampled_from(("open", "open", "completed", "completed", "completed", "cancelled")))
    return TaskRow(
        id=f"t{n}", title=f"Nhiệm vụ {n}", plan=draw(st.sampled_from(("KH 01", "KH 02"))), stt=str(n + 1),
        lead_units=tuple(draw(lead_units)),
        due=draw(st.none() | days),
        deadline_kind=kind, every=draw(st.sampled_from(("month", "year", None))) if kind == "recurring" else None,
        status=status,
        # a stored result with no day (imported), an unknown word, or nothing at all
        result=draw(st.sampled_from((None, None, "early", "on_time", "late", "completed"))),
        completed_on=draw(st.none() | days) if status == "completed" else None,
        evidence=draw(st.none() | st.just({"document_number": f"{n}/KH", "issued_on": "2026-03-01"})),
    )


@st.composite
def plans(draw) -> tuple[list[TaskRow], list[CycleRow], list[IndicatorRow]]:
    rows = [draw(tasks(n)) for n in range(draw(st.integers(0, 30)))]
    cycles = []
    for t in rows:
        for _ in range(draw(st.integers(0, 3)) if t.deadline_kind == "recurring" else 0):
            due = draw(st.none() | days)
            period = f"{due.year}-{due.month:02d}" if due else "2026-01"
            cycles.append(CycleRow(t.id, period, due, draw(st.sampled_from(("open", "reported", "missed"))),
                                   None, draw(st.none() | days)))
    indicators = [IndicatorRow(stt=str(i), name=f"Chỉ tiêu {i}", target={"comparator": "≥", "value": 80},
                               result=draw(st.sampled_from(("", "85%", "70%", "Đạt", "Chưa đạt", "xem báo cáo"))))
                  for i in range(draw(st.integers(0, 5)))]
    return rows, cycles, indicators


moments = st.builds(
    lambda minutes, zone: (datetime(2025, 12, 1, tzinfo=VN) + timedelta(minutes=minutes)).astimezone(zone),
    st.integers(0, DAYS * 24 * 60), st.sampled_from((VN, timezone.utc, timezone(timedelta(hours=-5)))))


def period_around(day: date, quarter: bool) -> tuple[date, date, str, str]:
    """The quarter or month holding `day` (a task's due day, so the period has tasks)."""
    if quarter:
        return period_bounds(quarter=f"{day.year}Q{(day.month - 1) // 3 + 1}")
    return period_bounds(month=f"{day.year}-{day.month:02d}")


# -- the daily report -------------------------------------------------------------

def check_daily(data: dict, rows: list[TaskRow], today: date) -> None:
    t = data["totals"]
    assert t["tasks"] == sum(1 for r in rows if r.status != "cancelled")
    assert t["completed"] == sum(1 for r in rows if r.status == "completed"
                                 and (r.completed_on is None or r.completed_on <= today))
    assert t["tasks"] == t["completed"] + t["open"]
    assert t["completed"] == (t["completed_early"] + t["completed_on_due_day"] + t["completed_late"]
                              + t["completed_unclassified"])
    # the four classes (domain/rollup.py): early counts as on time; open = in time + overdue
    assert t["completed_in_time"] == t["completed_early"] + t["completed_on_due_day"]
    assert t["completed_on_time"] == t["completed_on_due_day"]
    assert t["open"] == t["open_in_time"] + t["open_overdue"]
    assert t["open_overdue"] == t["overdue"] + sum(1 for r in data["recurring_due"] if r["overdue"])
    assert t["open"] == (t["overdue"] + t["due_soon"] + t["not_yet_due"] + t["recurring_open"]
                         + t["unknown_deadline"])
    assert 0 <= t["recurring_due"] <= t["recurring_open"]
    for key in ("overdue", "due_soon", "recurring_due", "unknown_deadline"):
        assert t[key] == len(data[key])
    # the units' lists: each overdue task exactly once, under its first lead unit
    groups = data["overdue_by_unit"]
    assert sum(g["count"] for g in groups) == sum(len(g["tasks"]) for g in groups) == t["overdue"]
    by_id = {r.id: r for r in rows}
    listed = [(g["unit"], x["id"]) for g in groups for x in g["tasks"]]
    assert sorted(i for _, i in listed) == sorted(r["id"] for r in data["overdue"])
    for unit, task_id in listed:
        assert unit == (by_id[task_id].lead_units[0] if by_id[task_id].lead_units else NO_UNIT)
    assert {r["id"] for r in data["newly_overdue"]} <= {r["id"] for r in data["overdue"]}


def moment_after(rows: list[TaskRow]):
    """A moment, often some days after one of the tasks' due days (so some are overdue)."""
    dues = [r.due for r in rows if r.due]
    if not dues:
        return moments
    return moments | st.builds(lambda day, minutes: datetime(day.year, day.month, day.day, tzinfo=VN)
                               + timedelta(minutes=minutes), st.sampled_from(dues),
                               st.integers(-24 * 60, 30 * 24 * 60))


@SUMS
@given(plan=plans(), data=st.data(), previous=st.none() | st.integers(1, 24 * 20))
def test_daily_totals_are_sums_of_their_parts(plan, data, previous):
    rows, cycles, _ = plan
    as_of = data.draw(moment_after(rows), label="as_of")
    prev = as_of - timedelta(hours=previous) if previous else None
    report = build_daily(rows, as_of, CAL, cycles=cycles, previous_as_of=prev, unit_names=UNIT_NAMES)
    check_daily(report, rows, local_day(as_of))


def _number(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in the text:\n{text}"
    return int(m.group(1))


def check_daily_text(text: str, t: dict, overdue: int) -> None:
    """The Zalo/text message, read as a person reads it: every figure and its parts."""
    done = re.search(r"đã hoàn thành: (\d+) \(([^)]*)\)", text)
    assert done, text
    parts = done.group(2)
    assert "hoàn thành, chưa rõ thời điểm" in parts
    assert int(done.group(1)) == sum(int(n) for n in re.findall(r"\d+", parts)) == t["completed"]
    opened = _number(r"đang thực hiện: (\d+), gồm:", text)
    assert opened == t["open"] == sum(_number(p, text) for p in (
        r"Quá hạn chưa hoàn thành: (\d+)", r"đến hạn trong \d+ ngày: (\d+)", r"chưa đến hạn: (\d+)",
        r"Nhiệm vụ thường xuyên: (\d+)", r"chưa xác định thời hạn: (\d+)"))
    block = text.split("Quá hạn theo đơn vị", 1)
    if overdue:
        lines = block[1].split("\n\n", 1)[0].splitlines()[1:]
        assert sum(int(line.rsplit(":", 1)[1]) for line in lines if line.startswith("- ")) == overdue
    else:
        assert len(block) == 1


@settings(SUMS, max_examples=max(EXAMPLES // 4, 10))
@given(plan=plans(), data=st.data())
def test_daily_texts_print_every_part(plan, data):
    """The text message (Zalo, email text) and the email/page HTML print the four
    classes of completed tasks and the parts of the open ones; the units add up."""
    from notifiers.report_pages import render_message, render_page, report_context

    as_of = data.draw(moment_after(plan[0]), label="as_of")
    report = build_daily(plan[0], as_of, CAL, cycles=plan[1], unit_names=UNIT_NAMES)
    t = report["totals"]
    message = render_message("report_daily", report_context(report, "https://dondoc.example/r/x"))
    check_daily_text(message.text, t, t["overdue"])
    check_daily_text(message.chat, t, t["overdue"])
    assert f"hoàn thành, chưa rõ thời điểm {t['completed_unclassified']})" in message.html
    page = render_page(report, 1)
    assert "Hoàn thành, chưa rõ thời điểm</th>" in page
    assert f'<td class="n">{t["completed_unclassified"]}</td></tr>' in page


# -- the period summary -----------------------------------------------------------

def check_figures(figures: list[tuple[int, str, int]]) -> None:
    """Each row of the table equals the sum of the rows one level under it."""
    for i, (depth, label, value) in enumerate(figures):
        children = []
        for d, _, v in figures[i + 1:]:
            if d <= depth:
                break
            if d == depth + 1:
                children.append(v)
        if children:
            assert sum(children) == value, (label, value, children)


def check_prose(prose: str, total: int) -> None:
    """The "+" lines under "Tổng số nhiệm vụ được giao" make that total."""
    lines = prose.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("- Tổng số nhiệm vụ được giao"))
    assert _number(r": (\d+) nhiệm vụ", lines[start]) == total
    parts = []
    for line in lines[start + 1:]:
        if not line.startswith(("+", " ")):
            break
        if line.startswith("+"):
            parts.append(_number(r": (\d+)", line))
    assert sum(parts) == total, prose


def check_period(data: dict, rows: list[TaskRow], start: date, end: date) -> None:
    s = data["scheduled"]
    assert s["total"] == sum(1 for r in rows if r.status != "cancelled" and r.deadline_kind == "once"
                             and r.due is not None and start <= r.due <= end)
    assert s["total"] == s["completed_on_time"] + s["completed_unclassified"] + s["behind"] + s["in_progress"]
    assert s["completed_on_time"] == s["completed_early"] + s["completed_on_due_day"]
    assert s["behind"] == s["completed_late"] + s["overdue_open"]
    states = Counter(r["state"] for r in data["rows"])
    assert len(data["rows"]) == s["total"]
    assert (states["early"], states["on_time"], states["late"], states["completed"], states["overdue"],
            states["in_progress"]) == (s["completed_early"], s["completed_on_due_day"], s["completed_late"],
                                       s["completed_unclassified"], s["overdue_open"], s["in_progress"])
    c = data["recurring"]["cycles"]
    assert c["due"] == c["reported_on_time"] + c["reported_late"] + c["reported_undated"] + c["not_reported"]
    co, ind = data["carried_over"], data["indicators"]
    assert co["total"] == co["completed"] + co["open"]
    assert ind["total"] == ind["met"] + ind["not_met"] + ind["pending"] == len(ind["rows"])
    assert data["recurring"]["total"] == len(data["recurring_rows"])
    check_figures(period_figures(data))
    check_prose(data["prose"], s["total"])


@SUMS
@given(plan=plans(), as_of=moments, data=st.data())
def test_period_rows_are_sums_of_their_sub_rows(plan, as_of, data):
    rows, cycles, indicators = plan
    day = data.draw(st.sampled_from([r.due for r in rows if r.due] or [FIRST_DAY]) | days, label="period around")
    start, end, key, label = period_around(day, data.draw(st.booleans(), label="quarter"))
    data = build_period(rows, start, end, as_of, CAL, label=label, key=key, cycles=cycles, indicators=indicators,
                        unit_names=UNIT_NAMES)
    check_period(data, rows, start, end)


# -- the appendix -----------------------------------------------------------------

LABEL_CLASS = {label: key for key, label in APPENDIX_CLASSES}


def read_class(result: str) -> str:
    """The class a reader sees in the result column."""
    if result.startswith("Thường xuyên: ") or result == "Đang thực hiện (thường xuyên)":
        return "recurring"
    if re.fullmatch(r"Chưa hoàn thành \(quá hạn \d+ ngày\)", result):
        return "overdue"
    if result == "Đang thực hiện":
        return "open"
    return LABEL_CLASS[result]


def check_appendix_totals(results: list[str], totals: list[tuple[str, str, int]]) -> None:
    (key, _, total), *classes = totals
    assert key == "total" and total == len(results)
    seen = Counter(read_class(r) for r in results)
    assert {k: n for k, _, n in classes} == {k: seen[k] for k, _ in APPENDIX_CLASSES}
    assert sum(n for _, _, n in classes) == total


@SUMS
@given(plan=plans(), data=st.data())
def test_appendix_totals_count_its_rows_and_agree_with_the_daily_report(plan, data):
    rows, cycles, _ = plan
    as_of = data.draw(moment_after(rows), label="as_of")
    today = local_day(as_of)
    by_task: dict[str, list] = {}
    for c in cycles:
        by_task.setdefault(c.task_id, []).append(c)
    appendix = build_appendix(rows, today, cycles_by_task=by_task, unit_names=UNIT_NAMES)
    task_rows = [r for r in appendix.rows if not isinstance(r, str)]
    assert len(task_rows) == len(rows)
    check_appendix_totals([r[RESULT_COLUMN] for r in task_rows], appendix.totals)
    # the same plan at the same moment: the daily report counts the same classes
    n = {k: v for k, _, v in appendix.totals}
    t = build_daily(rows, as_of, CAL, cycles=cycles)["totals"]
    assert t["tasks"] == n["total"] - n["cancelled"]
    assert (t["completed_early"], t["completed_on_due_day"], t["completed_late"], t["completed_unclassified"]) == (
        n["early"], n["on_time"], n["late"], n["unclassified"])
    assert (t["overdue"], t["due_soon"] + t["not_yet_due"], t["recurring_open"], t["unknown_deadline"]) == (
        n["overdue"], n["open"], n["recurring"], n["unknown_deadline"])


# -- the tracker's report, and the appendix files -----------------------------------

def test_tasks_imported_as_done_are_shown_as_their_own_class():
    """The report that printed "đã hoàn thành: 8 (trước hạn 0, đúng hạn 0, quá hạn 1)"."""
    from notifiers.report_pages import short_text

    as_of = datetime(2026, 4, 15, 16, 0, tzinfo=VN)
    done = [TaskRow(id=f"d{i}", title="Đã xong khi nhập", stt=str(i), deadline_kind="once", due=date(2026, 3, 31),
                    status="completed") for i in range(7)]
    late = TaskRow(id="late", title="Xong muộn", stt="8", deadline_kind="once", due=date(2026, 3, 1),
                   status="completed", completed_on=date(2026, 3, 5))
    shared = TaskRow(id="two", title="Hai đơn vị chủ trì", stt="9", deadline_kind="once", due=date(2026, 4, 1),
                     lead_units=("so-khcn", "so-tai-chinh"))
    data = build_daily([*done, late, shared], as_of, CAL, unit_names=UNIT_NAMES)
    text = short_text(data)
    assert ("đã hoàn thành: 8 (trước hạn 0; vào ngày đến hạn 0; quá hạn 1; hoàn thành, chưa rõ thời điểm 7)" in text)
    assert "- Sở Khoa học và Công nghệ: 1" in text and "Sở Tài chính" not in text
    [group] = data["overdue_by_unit"]
    assert group["tasks"][0]["co_lead_unit_names"] == ["Sở Tài chính"]
    q = build_period([*done, late], date(2026, 1, 1), date(2026, 3, 31), as_of, CAL, label="Quý I/2026")
    assert "+ Hoàn thành, chưa rõ thời điểm: 07 nhiệm vụ;" in q["prose"]
    check_prose(q["prose"], 8)


@pytest.fixture
def seeded(sqlite_url):
    from tests.test_report_seed import insert_seed_plan

    insert_seed_plan(sqlite_url)
    return sqlite_url


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_appendix_file_totals_rows_count_its_rows(seeded, tmp_path, fmt):
    """The totals rows under the appendix table, read back from the file, equal the
    count of the task rows of each class (the result column, as a reader counts it)."""
    from notifiers.appendix_files import write_appendix
    from store.report_loading import appendix_data
    from config.loader import load_config
    from tests.test_report_seed import PLAN

    appendix = appendix_data(seeded, load_config(), PLAN, datetime(2026, 4, 10, 9, 0, tzinfo=VN))
    path = write_appendix(appendix.rows, fmt, tmp_path / f"pl.{fmt}", "Phụ lục", appendix.totals)
    table = _read_table(path, fmt)
    heading = next(i for i, r in enumerate(table) if r[0] == "Tổng hợp theo kết quả thực tế")
    results = [r[RESULT_COLUMN] for r in table[:heading] if r[0] and r[1] and r[0] != r[1]]
    totals = [(LABEL_CLASS.get(r[0], "total"), r[0], int(r[RESULT_COLUMN])) for r in table[heading + 1:]]
    assert len(results) == 52 and totals[0] == ("total", "Tổng số nhiệm vụ", 52)
    check_appendix_totals(results, totals)
    n = {k: v for k, _, v in totals}
    # seed plan on 10/4: 34, 22 early; 13 on time; 18 late; 9 done without a day; 51 cancelled
    assert (n["early"], n["on_time"], n["late"], n["unclassified"], n["cancelled"]) == (2, 1, 1, 1, 1)


def _read_table(path, fmt: str) -> list[list[str]]:
    """The table's rows under its header, cells as text (merged cells repeat their text in DOCX,
    and are None after the first in XLSX)."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).active
        return [["" if c.value is None else str(c.value) for c in r] for r in sheet.iter_rows(min_row=4)]
    from docx import Document

    [table] = Document(str(path)).tables
    return [[c.text for c in r.cells] for r in table.rows[1:]]
