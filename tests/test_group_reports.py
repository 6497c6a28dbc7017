"""The four classes on a hand-counted plan (issue 20, part 5): the daily report, the
period summary, the appendix export and ``report daily --json``.

The plan, as of 15/04/2026 16:00 (Hà Nội):
  1 Phòng VH-XH, due 10/04, done 03/04          hoàn thành đúng hạn (early counts as on time)
  2 Phòng VH-XH, due 08/04, done 13/04          hoàn thành quá hạn
  3 Phòng Kinh tế, due 20/04, open              chưa hoàn thành trong hạn
  4 Phòng Kinh tế, due 12/04, open              chưa hoàn thành quá hạn
  5 Phòng Kinh tế, cancelled                    counted nowhere
  6 "Các sở, ban, ngành thành phố", due 14/04  a group task: open, overdue -- counted ONCE in the totals;
     its units: Sở KH&CN done 14/04 (on time), Sở Tài chính open, Sở Nội vụ open (both overdue),
     Công an thành phố cancelled (left the group)
Totals: 5 tasks; 1 on time, 1 late, 1 open in time, 2 open overdue (4 and 6).
By unit: VH-XH 1/1/0/0, Kinh tế 0/0/1/1, Sở KH&CN 1/0/0/0, Sở Tài chính 0/0/0/1, Sở Nội vụ 0/0/0/1.
"""
from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from embedded import DONDOC, ROOT

from config.loader import DEFAULT_CONFIG, load_config
from notifiers.appendix_files import write_appendix
from notifiers.report_pages import render_page, report_context, render_message
from store.db import session_scope
from store.models import Plan, Task
from store.report_loading import appendix_data, daily_data, period_data

VN = timezone(timedelta(hours=7))
AS_OF = datetime(2026, 4, 15, 16, 0, tzinfo=VN)
PLAN = "TB 20-2026"
PARENT = "task/tb20/6"


def seed(url: str) -> None:
    d = lambda day: date(2026, 4, day)  # noqa: E731
    with session_scope(url) as s:
        plan = Plan(name=PLAN)
        s.add(plan)
        s.flush()
        rows = [("1", ["vhxh"], d(10), "completed", "early", d(3)), ("2", ["vhxh"], d(8), "completed", "late", d(13)),
                ("3", ["kinh-te"], d(20), "open", None, None), ("4", ["kinh-te"], d(12), "open", None, None),
                ("5", ["kinh-te"], d(12), "cancelled", None, None)]
        for stt, units, due, status, result, done in rows:
            s.add(Task(id=f"task/tb20/{stt}", plan_id=plan.id, stt=stt, title=f"Nhiệm vụ {stt}", lead_units=units,
                       deadline_kind="once", due=due, status=status, result=result, completed_on=done))
        s.add(Task(id=PARENT, plan_id=plan.id, stt="6", title="Nhiệm vụ chung 6", lead_units=["so-ban-nganh-tp"],
                   deadline_kind="once", due=d(14), raw={"parent": "group"}))
        for unit, status, done in (("so-khcn", "completed", d(14)), ("so-tai-chinh", "open", None),
                                   ("so-noi-vu", "open", None), ("cong-an-tp", "cancelled", None)):
            s.add(Task(id=f"{PARENT}/{unit}", parent_id=PARENT, plan_id=plan.id, stt="6", title="Nhiệm vụ chung 6",
                       lead_units=[unit], deadline_kind="once", due=d(14), status=status,
                       result="on_time" if done else None, completed_on=done))


BY_UNIT = {"Phòng Văn hóa - Xã hội": (1, 1, 0, 0), "Phòng Kinh tế": (0, 0, 1, 1),
           "Sở Khoa học và Công nghệ": (1, 0, 0, 0), "Sở Tài chính": (0, 0, 0, 1), "Sở Nội vụ": (0, 0, 0, 1)}
FOUR = ("completed_on_time", "completed_late", "open_in_time", "open_overdue")


@pytest.fixture
def seeded(db_url):
    seed(db_url)
    return db_url


def by_unit(rows: list[dict]) -> dict[str, tuple[int, ...]]:
    return {r["name"]: tuple(r[k] for k in FOUR) for r in rows}


def test_daily_counts_the_group_task_once_and_its_units_by_unit(seeded):
    data = daily_data(seeded, load_config(DEFAULT_CONFIG), AS_OF)
    t = data["totals"]
    four_totals = ("completed_in_time", *FOUR[1:])   # the totals' on-time key keeps its --json meaning
    assert t["tasks"] == 5 and tuple(t[k] for k in four_totals) == (1, 1, 1, 2)
    assert t["completed_in_time"] + t["completed_late"] + t["open_in_time"] + t["open_overdue"] == t["tasks"]
    assert by_unit(data["units_four"]) == BY_UNIT
    assert [r["name"] for r in data["units_four"]][:1] == ["Phòng Kinh tế"]      # most overdue first (tie: by name)
    overdue = {r["id"]: r["lead_unit_names"] for r in data["overdue"]}
    assert overdue == {"task/tb20/4": ["Phòng Kinh tế"], PARENT: ["Các sở, ban, ngành thành phố"]}
    page = render_page(data)
    assert "Kết quả theo đơn vị" in page and "chưa hoàn thành quá hạn 2" in page and "Sở Nội vụ" in page
    message = render_message("report_daily", report_context(data, "http://dondoc.test/r/1"))
    assert "Bốn nhóm: hoàn thành đúng hạn 1, hoàn thành quá hạn 1, chưa hoàn thành trong hạn 1, " \
           "chưa hoàn thành quá hạn 2" in message.text
    assert "- Sở Tài chính: 0 / 0 / 0 / 1" in message.chat and len(message.chat) < 2000


def test_period_summary_and_appendix(seeded, tmp_path):
    config = load_config(DEFAULT_CONFIG)
    period = period_data(seeded, config, month="2026-04", as_of=AS_OF)
    s = period["scheduled"]
    assert (s["total"], s["completed_on_time"], s["completed_late"], s["open_in_time"], s["open_overdue"]) == (
        5, 1, 1, 1, 2)
    assert by_unit(period["units_four"]) == BY_UNIT
    assert "Kết quả theo đơn vị" in render_page(period)

    appendix = appendix_data(seeded, config, PLAN, AS_OF)
    rows = [r for r in appendix.rows if not isinstance(r, str)]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]                  # the group task once
    assert appendix.units.headers[1:5] == ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Chưa hoàn thành trong hạn",
                                           "Chưa hoàn thành quá hạn")
    assert {r[0]: tuple(int(x) for x in r[1:5]) for r in appendix.units.rows} == BY_UNIT
    from openpyxl import load_workbook

    path = write_appendix(appendix.rows, "xlsx", tmp_path / "pl.xlsx", "Phụ lục", appendix.totals,
                          appendix.indicators, appendix.units)
    sheet = load_workbook(path)["Theo đơn vị"]
    found = {sheet.cell(r, 1).value: tuple(sheet.cell(r, c).value for c in range(2, 6)) for r in range(4, 9)}
    assert found == BY_UNIT
    docx = write_appendix(appendix.rows, "docx", tmp_path / "pl.docx", "Phụ lục", appendix.totals, None,
                          appendix.units)
    from docx import Document

    assert any(t.rows[0].cells[4].text == "Chưa hoàn thành quá hạn" for t in Document(str(docx)).tables)


def test_report_daily_json_has_the_four_classes(sqlite_url, tmp_path):
    seed(sqlite_url)
    env = {**os.environ, "DONDOC_DATABASE_URL": sqlite_url, "DONDOC_DATA_DIR": str(tmp_path)}
    out = subprocess.run([DONDOC, "report", "daily", "--as-of", "2026-04-15T16:00", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert tuple(data["totals"][k] for k in ("completed_in_time", *FOUR[1:])) == (1, 1, 1, 2)
    assert {r["name"]: tuple(r[k] for k in FOUR) for r in data["units_four"]} == BY_UNIT
