"""The daily report's shortcuts over many tasks give what the plain ways give: rows
loaded in one go (store/report_loading._task_rows), each task classified once and
the class handed on (build_daily's `states`, read by the units table and the
progress part), plain numbers ordered without the regex, dates of text cached."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert

from bench.report_bench import AS_OF, fill
from domain.calendar import WorkingCalendar
from domain.display import vn_date
from domain.report import CycleRow, TaskRow, build_daily
from domain.report_common import stt_key, task_state
from domain.report_progress import ProgressRow, progress_counts
from domain.report_units import daily_class, units_table
from store.db import make_engine, session_scope
from store.models import Task
from store.report_loading import _cycle_rows, load_tasks

TODAY = AS_OF.astimezone(timezone(timedelta(hours=7))).date()


def _expected(task: Task, full: bool) -> TaskRow:
    """The row as TaskRow's own __init__ makes it from the stored task."""
    values = dict(id=task.id, title=task.title or "", plan=task.plan.name if task.plan else "", stt=task.stt or "",
                  section=task.section or "", lead_units=tuple(task.lead_units or ()),
                  lead_official=task.lead_official, due=task.due, deadline_kind=task.deadline_kind or "unknown",
                  deadline_raw=task.deadline_raw or "", every=task.every, status=task.status or "open",
                  result=task.result, completed_on=task.completed_on, parent_id=task.parent_id)
    if full:
        values.update(evidence=task.evidence, coordinating_units=tuple(task.coordinating_units or ()),
                      output=task.output or "", notes=task.notes or "")
    return TaskRow(**values)


def test_rows_loaded_in_one_go_are_the_rows_the_dataclass_makes(tmp_path):
    url = f"sqlite:///{tmp_path / 'speed.sqlite'}"
    fill(url, 300)
    now = datetime.now(timezone.utc)
    with make_engine(url).begin() as conn:  # a task with the empty values the loader mends
        conn.execute(insert(Task), [dict(id="task/bare", title="", stt="", section="", deadline_raw="",
                                         deadline_kind="", status="", lead_units=[], coordinating_units=[],
                                         output="", notes="", advisers=[], raw={}, created_at=now, updated_at=now)])
    with session_scope(url) as s:
        stored = {t.id: t for t in s.query(Task)}
        for full in (False, True):
            rows = load_tasks(s, full=full)
            assert len(rows) == 301
            for row in rows:
                assert row == _expected(stored[row.id], full)
                assert row.__dict__ == _expected(stored[row.id], full).__dict__
            # one plan's (joined to its name in SQL): the same rows
            assert load_tasks(s, "Kế hoạch thử 2", full) == [r for r in rows if r.plan == "Kế hoạch thử 2"] != []


def test_cycle_rows_are_the_rows_the_dataclass_makes():
    raw = [("task/1", "2026-05", date(2026, 5, 28), "missed", None, None),
           ("task/2", "2026", None, "reported", "late", date(2026, 3, 1))]
    assert _cycle_rows(raw) == [CycleRow(*r) for r in raw]


def _tasks() -> list[TaskRow]:
    kinds = ["once", "recurring", "unknown"]
    out = []
    for n in range(60):
        due = date(2026, 6, 1) + timedelta(days=n - 30) if n % 3 == 0 or n % 7 == 0 else None
        status = ["open", "completed", "cancelled", "returned", "awaiting_review"][n % 5]
        out.append(TaskRow(id=f"task/{n}", title=f"Nhiệm vụ {n}", plan="KH", stt=str(n),
                           lead_units=(("vhxh",), ("so-khcn", "vhxh"), ())[n % 3], due=due,
                           deadline_kind=kinds[n % 3] if due is None else "once", status=status,
                           completed_on=due + timedelta(days=n % 5 - 2) if due and status == "completed" else None,
                           result="late" if n % 11 == 0 else None, every="month" if n % 3 == 1 else None))
    return out


def test_the_classes_handed_on_are_the_classes_task_state_gives():
    tasks = _tasks()
    states: dict[str, str] = {}
    with_states = build_daily(tasks, AS_OF, WorkingCalendar(), states=states)
    assert states == {t.id: task_state(t, TODAY) for t in tasks}
    assert with_states == build_daily(tasks, AS_OF, WorkingCalendar())
    # the units table and the progress part: the same with the classes as without,
    # and a task the tally did not count (a group's unit task) still classified
    states.pop("task/3")
    owed = {"task/1", "task/4"}
    assert (units_table(tasks, daily_class(TODAY, owed, states), {})
            == units_table(tasks, daily_class(TODAY, owed), {}))
    latest = {t.id: ProgressRow(t.id, AS_OF - timedelta(days=1), percent=50, difficulty="x" if n % 2 else "")
              for n, t in enumerate(tasks)}
    assert progress_counts(tasks, latest, AS_OF, {}, states) == progress_counts(tasks, latest, AS_OF, {})


def test_plain_numbers_order_as_the_regex_orders_them():
    assert stt_key("12") == ((0, 12, ""),) and stt_key(" 7 ") == ((0, 7, ""),)
    assert stt_key("1.10") == ((0, 1, ""), (1, 0, "."), (0, 10, ""))
    assert stt_key("") == ((2, 0, ""),) and stt_key(None) == ((2, 0, ""),)
    assert sorted(["10", "2", "1.2", "a", ""], key=stt_key) == ["1.2", "2", "10", "a", ""]


def test_dates_read_as_strftime_writes_them():
    for day in (date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 4)):
        assert vn_date(day) == day.strftime("%d/%m/%Y")
        assert vn_date(day.isoformat()) == vn_date(day.isoformat()) == day.strftime("%d/%m/%Y")  # twice: cached
    assert vn_date("2026-01-05T20:00:00+00:00") == "06/01/2026"
    assert vn_date("cuối quý") == "cuối quý" and vn_date("") == "" and vn_date(None, "-") == "-"


def test_working_days_counted_back_once_are_the_ladders():
    from config.loader import load_config
    from domain.ladder import working_days_between
    from domain.report_daily import WorkingDays

    cal = WorkingCalendar(load_config().calendar)  # with the holidays (30/4, 1/5, 2/9, Tết)
    end = date(2026, 6, 15)
    days = WorkingDays(cal, end)
    starts = [end - timedelta(days=k) for k in (3, 0, 200, 1, 45, 400, 2)] + [end + timedelta(days=5)]
    for start in starts:
        assert days.after(start) == max(working_days_between(cal, start, end), 0)
