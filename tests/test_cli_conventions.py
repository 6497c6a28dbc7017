"""`task list` and `report period` in the office's conventions: Vietnamese status
words, quarter and month phrases, a header row, dd/mm/yyyy, unit names, the overdue
marker and `--overdue`; `task list --json` keeps its shape."""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cli.report import parse_period
from cli.task import parse_status
from domain.calendar import VN_TZ
from services.task_views import list_tasks
from store.db import session_scope
from store.migrate import upgrade
from store.models import Task

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(ROOT / ".venv" / "bin" / "dondoc")


@pytest.mark.parametrize("word,status", [
    ("open", "open"), ("đang thực hiện", "open"), ("dang thuc hien", "open"), ("Đang Thực Hiện", "open"),
    ("completed", "completed"), ("hoàn thành", "completed"), ("hoan thanh", "completed"),
    ("cancelled", "cancelled"), ("đã hủy", "cancelled"), ("da huy", "cancelled"), ("hủy", "cancelled"),
    ("đã huỷ", "cancelled"),
])
def test_status_words(word, status):
    assert parse_status(word) == status


@pytest.mark.parametrize("word", ["", "xong", "quá hạn"])
def test_bad_status_word_is_refused(word):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_status(word)


@pytest.mark.parametrize("quarter,month,expected", [
    ("2026Q2", None, ("2026Q2", None)), ("Quý II/2026", None, ("2026Q2", None)),
    ("quý 2/2026", None, ("2026Q2", None)), ("Q2/2026", None, ("2026Q2", None)),
    ("Quý IV/2025", None, ("2025Q4", None)), ("quy i/2026", None, ("2026Q1", None)),
    (None, "2026-05", (None, "2026-05")), (None, "Tháng 5/2026", (None, "2026-05")),
    (None, "tháng 12/2026", (None, "2026-12")), (None, "thang 05/2026", (None, "2026-05")),
])
def test_period_phrases(quarter, month, expected):
    assert parse_period(quarter, month) == expected


@pytest.mark.parametrize("quarter,month", [
    ("Quý V/2026", None), ("2026Q5", None), ("quý hai", None), (None, "Tháng 13/2026"), (None, "05-2026x"),
])
def test_bad_period_phrase_exits_2(quarter, month, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_period(quarter, month)
    assert exc.value.code == 2
    assert "không đọc được" in capsys.readouterr().err


# -- through the real command line -------------------------------------------------------

@dataclass(frozen=True)
class Days:
    today: date
    late: date
    soon: date


@pytest.fixture
def days() -> Days:
    # Vietnam's today, read when the test runs (as the command does): read once at
    # import, it was yesterday's for a run that crossed midnight in Vietnam (17:00 UTC).
    today = datetime.now(VN_TZ).date()
    return Days(today, today - timedelta(days=10), today + timedelta(days=10))


def rows(d: Days) -> list[tuple]:  # id, due, status, kind, units
    return [
        ("t-late", d.late, "open", "once", ["vhxh", "khong-co"]),
        ("t-soon", d.soon, "open", "once", ["vp-ubnd"]),
        ("t-done", d.late, "completed", "once", ["vhxh"]),
        ("t-every", None, "open", "recurring", ["vhxh"]),
    ]


@pytest.fixture
def store(tmp_path, days):
    url = f"sqlite:///{tmp_path / 'conventions.sqlite3'}"
    upgrade(url)
    with session_scope(url) as session:
        for task_id, due, status, kind, units in rows(days):
            session.add(Task(id=task_id, title=f"Nhiệm vụ {task_id}", lead_units=units, due=due, status=status,
                             deadline_kind=kind, deadline_raw=due.isoformat() if due else "Thường xuyên",
                             result="late" if status == "completed" else None))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env.update(DONDOC_DATABASE_URL=url, DONDOC_DATA_DIR=str(tmp_path))
    return url, env


def dondoc(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([DONDOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=60, env=env, check=False)


def _line(out: str, task_id: str) -> str:
    return next(line for line in out.splitlines() if f" {task_id} " in line)


def test_task_list_table(store, days):
    _, env = store
    out = dondoc(env, "task", "list")
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    for column in ("Hạn", "Trạng thái", "Kết quả", "Quá hạn", "Đơn vị chủ trì", "Mã", "Tên nhiệm vụ"):
        assert column in header
    late = _line(out.stdout, "t-late")
    assert f"{days.late:%d/%m/%Y}" in late and "(10 ngày lịch)" in late  # the pages' phrase (domain.display.overdue_words)
    assert re.search(r"Quá hạn \d+ ngày làm việc \(10 ngày lịch\)", late)
    assert "Phòng Văn hóa - Xã hội, khong-co" in late and "đang thực hiện" in late
    soon = _line(out.stdout, "t-soon")
    assert f"{days.soon:%d/%m/%Y}" in soon and "ngày lịch" not in soon and "Văn phòng HĐND và UBND đặc khu" in soon
    assert "ngày lịch" not in _line(out.stdout, "t-done")
    assert days.late.isoformat() not in out.stdout


@pytest.mark.parametrize("args,ids", [
    (["--overdue"], {"t-late"}),
    (["--status", "hoàn thành"], {"t-done"}),
    (["--status", "dang thuc hien"], {"t-late", "t-soon", "t-every"}),
    (["--status", "đã hủy", "--overdue"], set()),
    (["--status", "completed", "--overdue"], set()),
])
def test_task_list_filters(store, args, ids):
    _, env = store
    out = dondoc(env, "task", "list", "--json", *args)
    assert out.returncode == 0, out.stderr
    assert {r["id"] for r in json.loads(out.stdout)} == ids


def test_task_list_overdue_table_and_bad_status(store):
    _, env = store
    out = dondoc(env, "task", "list", "--overdue")
    assert out.returncode == 0, out.stderr
    assert "t-late" in out.stdout and "t-soon" not in out.stdout and "t-done" not in out.stdout
    bad = dondoc(env, "task", "list", "--status", "xong")
    assert bad.returncode == 2 and "không hợp lệ" in bad.stderr


def test_task_list_json_unchanged(store):
    url, env = store
    out = dondoc(env, "task", "list", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    expected = json.loads(json.dumps(list_tasks(url), default=str))
    assert got == expected
    assert [list(r) for r in got] == [list(r) for r in expected]
    assert set(got[0]) == {"id", "title", "status", "result", "due", "kind", "level", "lead_units"}


def test_report_period_phrase_and_bad_value(store):
    _, env = store
    phrase = dondoc(env, "report", "period", "--quarter", "Quý II/2026", "--json")
    plain = dondoc(env, "report", "period", "--quarter", "2026Q2", "--json")
    assert phrase.returncode == 0, phrase.stderr
    assert json.loads(phrase.stdout)["label"] == json.loads(plain.stdout)["label"] == "Quý II/2026"
    month = dondoc(env, "report", "period", "--month", "Tháng 5/2026", "--json")
    assert month.returncode == 0, month.stderr
    bad = dondoc(env, "report", "period", "--quarter", "Quý V/2026")
    assert bad.returncode == 2 and "không đọc được quý" in bad.stderr


def test_a_recurring_task_late_in_its_period_is_overdue_as_on_the_dashboard(store, days):
    """Overdue is one rule (issue 16, part 4): an open task whose binding day has passed -- a
    recurring task's current report period's due day, as the dashboard's task row has it."""
    from config.loader import load_config
    from store.models import Cycle
    from web.task_list import task_row

    url, env = store
    with session_scope(url) as session:
        session.add(Cycle(task_id="t-every", period=f"{days.late:%Y-%m}", due=days.late, status="open"))
    out = dondoc(env, "task", "list", "--overdue", "--json")
    assert out.returncode == 0, out.stderr
    assert {r["id"] for r in json.loads(out.stdout)} == {"t-late", "t-every"}
    line = _line(dondoc(env, "task", "list").stdout, "t-every")
    assert f"{days.late:%d/%m/%Y} (kỳ tháng {days.late.month}/{days.late.year})" in line and "(10 ngày lịch)" in line
    with session_scope(url) as session:
        row = task_row(session.get(Task, "t-every"), load_config(), days.today, cycle_due=days.late)
    assert row["overdue"] and row["overdue_text"][:1].upper() + row["overdue_text"][1:] in line
