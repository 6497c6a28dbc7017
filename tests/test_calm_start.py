"""A calm start: a plan already under way, imported mid-year, tells each unit and its
lead official once ("assigned — already overdue since …") and reaches the supervisors
only after the calm period; the preview says beforehand what the import will send."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from config.loader import load_config
from config.settings import load_settings
from domain.calendar import VN_TZ, CalendarConfig, WorkingCalendar
from domain.ladder import due_of, plan_from
from domain.policy import LadderPolicy, Step
from intake import read_plan
from services.import_preview import preview_messages
from store.db import session_scope
from store.models import Delivery
from worker import build_worker
from services.importer import import_plan

CAL = WorkingCalendar(CalendarConfig())
HEADER = "STT\tTên nhiệm vụ\tChủ trì chỉ đạo\tĐơn vị chủ trì\tĐơn vị phối hợp\tSản phẩm đầu ra\tThời hạn\tGhi chú"


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def names(steps):
    return [(s.name, s.at.astimezone(VN_TZ).strftime("%d/%m %H:%M"), s.levels) for s in steps]


UL, ULS = ("unit", "lead"), ("unit", "lead", "supervisors")


@pytest.mark.parametrize("calm, expected", [
    # Due Mon 30/9/2030, assigned Wed 2/10 10:00: after-3 (3/10) is within the calm, repeat-1 (10/10) after it.
    (3, [("assigned", "02/10 10:00", UL), ("after-3", "03/10 08:00", UL), ("repeat-1", "10/10 08:00", ULS)]),
    # A calm of 7 working days (to 11/10 08:00) covers repeat-1 too.
    (7, [("assigned", "02/10 10:00", UL), ("after-3", "03/10 08:00", UL), ("repeat-1", "10/10 08:00", UL)]),
    # No calm: the notice carries the level the lateness earned (after-1: the lead), then the ladder.
    (0, [("assigned", "02/10 10:00", UL), ("after-3", "03/10 08:00", ULS), ("repeat-1", "10/10 08:00", ULS)]),
])
def test_calm_keeps_supervisors_out_for_a_while(calm, expected):
    steps = plan_from(due_of(CAL, date(2030, 9, 30)), LadderPolicy(), CAL, vn(2030, 10, 2, 10), calm=calm)
    assert names(steps)[:3] == expected


def test_calm_does_not_touch_a_task_assigned_in_time():
    policy = LadderPolicy()
    now = vn(2030, 9, 26, 10)  # before-1 passed: an ordinary late assignment
    assert names(plan_from(due_of(CAL, date(2030, 9, 30)), policy, CAL, now, calm=3)) == \
        names(plan_from(due_of(CAL, date(2030, 9, 30)), policy, CAL, now, calm=0))


def test_calm_in_seconds_for_drills():
    policy = LadderPolicy(unit="seconds", steps=(Step(0), Step(10, UL), Step(20, ULS)), repeat_every=30,
                          office_hours=False)
    due = due_of(CAL, due_at=vn(2030, 3, 1, 9))
    now = due.at + timedelta(seconds=25)
    steps = plan_from(due, policy, CAL, now, calm=40)
    assert [(s.name, int((s.at - due.at).total_seconds()), s.levels) for s in steps[:3]] == [
        ("assigned", 25, UL), ("repeat-1", 50, UL), ("repeat-2", 80, ULS)]


# -- the preview and the import ---------------------------------------------------------

def plan_tsv(today: date) -> bytes:
    """A special zone's table imported mid-year: two overdue rows, one due later this year,
    one whose deadline cannot be read."""
    rows = [
        ("1.", "Rà soát thủ tục hành chính", "Văn phòng HĐND và UBND đặc khu", "Quý I/2026", ""),
        ("2.", "Báo cáo chuyển đổi số", "Phòng Văn hóa - Xã hội", "Tháng 6/2026", ""),
        ("3.", "Tổng kết năm", "Phòng Kinh tế", f"Tháng 12/{today.year}", ""),
        ("4.", "Nhiệm vụ khác", "Phòng Kinh tế", "Theo chỉ đạo", ""),
    ]
    lines = [HEADER] + ["\t".join([stt, title, "", unit, "", "Báo cáo", deadline, note])
                        for stt, title, unit, deadline, note in rows]
    return ("KẾ HOẠCH\nThực hiện nhiệm vụ năm 2026\n\n" + "\n".join(lines) + "\n").encode()


def immediate_config():
    """The shipped configuration (every target the outbox), messages not held to office
    hours, so the test does not depend on the hour it runs at."""
    config = load_config()
    once = dataclasses.replace(config.policies.once, office_hours=False)
    return dataclasses.replace(config, policies=dataclasses.replace(config.policies, once=once))


def test_preview_counts_what_the_first_day_sends():
    config = immediate_config()
    now = vn(2026, 11, 30, 14)
    result = read_plan(plan_tsv(date(2026, 11, 30)), config.directory, plan="KH mid-year")
    preview = preview_messages(result, config, now).to_dict()
    # Rows 1 and 2 overdue: unit + lead each; row 3 due 31/12 (no step today); 4 untracked.
    assert preview["by_kind"] == {"assigned_overdue": preview["total"]}
    assert preview["by_level"]["supervisors"] == 0
    assert preview["by_level"]["unit"] == 2 and preview["total"] == 2 + preview["by_level"]["lead"]
    units = {r["name"] for r in preview["recipients"] if r["level"] == "unit"}
    assert units == {"Văn phòng HĐND và UBND đặc khu", "Phòng Văn hóa - Xã hội"}


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "calm-secret-" + "x" * 32)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)  # the outbox channel writes there
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_TASK_QUEUE": task_queue})


async def test_mid_year_import_sends_nothing_to_the_supervisors_on_the_import_day(dev_env, settings, task_queue):
    config = immediate_config()
    today = datetime.now(VN_TZ).date()
    result = read_plan(plan_tsv(today), config.directory, plan=f"KH {task_queue}")
    expected = preview_messages(result, config, datetime.now(timezone.utc))
    assert expected.total >= 2
    async with build_worker(dev_env.client, settings, config):
        summary = await import_plan(settings, config, result, client=dev_env.client)
        assert summary.failed == {} and summary.started == 3
        rows = []
        for _ in range(150):
            with session_scope(settings.database_url) as s:
                rows = [(d.recipient, d.step, d.status) for d in s.scalars(select(Delivery))
                        if d.is_message]
            if len(rows) >= expected.total:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # nothing more follows on the import day
        with session_scope(settings.database_url) as s:
            rows = [(d.recipient, d.step, d.status) for d in s.scalars(select(Delivery)) if d.is_message]
    assert len(rows) == expected.total
    assert {step for _, step, _ in rows} == {"assigned"}
    assert all(status == "sent" for *_, status in rows)
    assert config.directory.supervisors and "supervisors" not in {r for r, *_ in rows}
